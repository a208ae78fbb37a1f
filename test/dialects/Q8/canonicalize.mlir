// RUN: q8-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func @binary_int_broadcast
func.func @binary_int_broadcast() -> (tensor<2x2xi64>, tensor<2x2xi64>, tensor<2x2xi64>, tensor<2xi64>) {
  %a = q8.constant dense<[1, 2]> : tensor<2xi64>
  %b = q8.constant dense<[[10], [20]]> : tensor<2x1xi64>
  // CHECK-DAG: %[[ADD:.*]] = q8.constant dense<{{\[\[}}11, 12], [21, 22]]> : tensor<2x2xi64>
  %0 = q8.add %a, %b : (tensor<2xi64>, tensor<2x1xi64>) -> tensor<2x2xi64>
  // CHECK-DAG: %[[SUB:.*]] = q8.constant dense<{{\[\[}}-9, -8], [-19, -18]]> : tensor<2x2xi64>
  %1 = q8.sub %a, %b : (tensor<2xi64>, tensor<2x1xi64>) -> tensor<2x2xi64>
  // CHECK-DAG: %[[MUL:.*]] = q8.constant dense<{{\[\[}}10, 20], [20, 40]]> : tensor<2x2xi64>
  %2 = q8.mul %a, %b : (tensor<2xi64>, tensor<2x1xi64>) -> tensor<2x2xi64>
  %c = q8.constant dense<[-7, 7]> : tensor<2xi64>
  %d = q8.constant dense<2> : tensor<2xi64>
  // Integer division truncates toward zero.
  // CHECK-DAG: %[[DIV:.*]] = q8.constant dense<[-3, 3]> : tensor<2xi64>
  %3 = q8.div %c, %d : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  // CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]]
  return %0, %1, %2, %3 : tensor<2x2xi64>, tensor<2x2xi64>, tensor<2x2xi64>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func @int_pow
func.func @int_pow() -> tensor<3xi32> {
  %a = q8.constant dense<[2, -3, 5]> : tensor<3xi32>
  %b = q8.constant dense<[3, 2, 0]> : tensor<3xi32>
  // CHECK: %[[P:.*]] = q8.constant dense<[8, 9, 1]> : tensor<3xi32>
  %0 = q8.pow %a, %b : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  // CHECK: return %[[P]]
  return %0 : tensor<3xi32>
}

// -----

// CHECK-LABEL: func @div_by_zero
func.func @div_by_zero() -> tensor<2xi32> {
  %a = q8.constant dense<[1, 2]> : tensor<2xi32>
  %b = q8.constant dense<[1, 0]> : tensor<2xi32>
  // CHECK: q8.div
  %0 = q8.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// CHECK-LABEL: func @binary_float
func.func @binary_float() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = q8.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %b = q8.constant dense<[2.0, 0.5]> : tensor<2xf32>
  // CHECK-DAG: %[[DIV:.*]] = q8.constant dense<[5.000000e-01, 8.000000e+00]> : tensor<2xf32>
  %0 = q8.div %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK-DAG: %[[POW:.*]] = q8.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %1 = q8.pow %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK-DAG: %[[MAX:.*]] = q8.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
  %2 = q8.max %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK-DAG: %[[MIN:.*]] = q8.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
  %3 = q8.min %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK-DAG: %[[ADD:.*]] = q8.constant dense<[3.000000e+00, 4.500000e+00]> : tensor<2xf32>
  %4 = q8.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK: return %[[DIV]], %[[POW]], %[[MAX]], %[[MIN]], %[[ADD]]
  return %0, %1, %2, %3, %4 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func @compare_where
func.func @compare_where() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi32>) {
  %a = q8.constant dense<[1, 5, 3]> : tensor<3xi32>
  %b = q8.constant dense<3> : tensor<i32>
  // CHECK-DAG: %[[EQ:.*]] = q8.constant dense<[false, false, true]> : tensor<3xi1>
  %0 = q8.equal %a, %b : (tensor<3xi32>, tensor<i32>) -> tensor<3xi1>
  // CHECK-DAG: %[[LT:.*]] = q8.constant dense<[true, false, false]> : tensor<3xi1>
  %1 = q8.less %a, %b : (tensor<3xi32>, tensor<i32>) -> tensor<3xi1>
  // CHECK-DAG: %[[GT:.*]] = q8.constant dense<[false, true, false]> : tensor<3xi1>
  %2 = q8.greater %a, %b : (tensor<3xi32>, tensor<i32>) -> tensor<3xi1>
  // CHECK-DAG: %[[SEL:.*]] = q8.constant dense<[3, 5, 3]> : tensor<3xi32>
  %3 = q8.where %2, %a, %b : (tensor<3xi1>, tensor<3xi32>, tensor<i32>) -> tensor<3xi32>
  // CHECK: return %[[EQ]], %[[LT]], %[[GT]], %[[SEL]]
  return %0, %1, %2, %3 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi32>
}

// -----

// A splat condition selects an operand even when it is not constant.
// CHECK-LABEL: func @where_splat_condition
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %{{.*}}: tensor<2xf32>)
func.func @where_splat_condition(%x: tensor<2xf32>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %c = q8.constant dense<true> : tensor<2xi1>
  %0 = q8.where %c, %x, %y : (tensor<2xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  // CHECK: return %[[X]]
  return %0 : tensor<2xf32>
}

// -----

// Splats fold at any size: the result is a splat too.
// CHECK-LABEL: func @splat_any_size
func.func @splat_any_size() -> tensor<1024x1024xf32> {
  %a = q8.constant dense<1.5> : tensor<1024x1024xf32>
  %b = q8.constant dense<2.0> : tensor<1024xf32>
  // CHECK: %[[R:.*]] = q8.constant dense<3.000000e+00> : tensor<1024x1024xf32>
  %0 = q8.mul %a, %b : (tensor<1024x1024xf32>, tensor<1024xf32>) -> tensor<1024x1024xf32>
  // CHECK: return %[[R]]
  return %0 : tensor<1024x1024xf32>
}

// -----

// A non-splat result over 2^16 elements is not materialized.
// CHECK-LABEL: func @no_fold_large
func.func @no_fold_large() -> tensor<40000x2xf32> {
  %a = q8.constant dense<1.0> : tensor<40000x2xf32>
  %b = q8.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: q8.add
  %0 = q8.add %a, %b : (tensor<40000x2xf32>, tensor<2xf32>) -> tensor<40000x2xf32>
  return %0 : tensor<40000x2xf32>
}

// -----

// CHECK-LABEL: func @no_fold_non_constant
func.func @no_fold_non_constant(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = q8.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: q8.add
  %0 = q8.add %x, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Weights are blobs: they are never evaluated, only re-typed by reshape.
// CHECK-LABEL: func @resource
func.func @resource() -> (tensor<2xf32>, tensor<2x1xf32>) {
  %w = q8.constant dense_resource<blob> : tensor<2xf32>
  %a = q8.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK-DAG: %[[R:.*]] = q8.constant dense_resource<blob> : tensor<2x1xf32>
  // CHECK-DAG: %[[ADD:.*]] = q8.add
  %0 = q8.add %w, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = q8.reshape %w {shape = array<i64: 2, 1>} : (tensor<2xf32>) -> tensor<2x1xf32>
  // CHECK: return %[[ADD]], %[[R]]
  return %0, %1 : tensor<2xf32>, tensor<2x1xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// CHECK-LABEL: func @unary
func.func @unary() -> (tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %i = q8.constant dense<[-2, 0, 3]> : tensor<3xi32>
  %f = q8.constant dense<[-2.0, 0.0, 4.0]> : tensor<3xf32>
  // CHECK-DAG: %[[NEG:.*]] = q8.constant dense<[2, 0, -3]> : tensor<3xi32>
  %0 = q8.neg %i : (tensor<3xi32>) -> tensor<3xi32>
  // CHECK-DAG: %[[ABS:.*]] = q8.constant dense<[2.000000e+00, 0.000000e+00, 4.000000e+00]> : tensor<3xf32>
  %1 = q8.abs %f : (tensor<3xf32>) -> tensor<3xf32>
  // CHECK-DAG: %[[RELU:.*]] = q8.constant dense<[0.000000e+00, 0.000000e+00, 4.000000e+00]> : tensor<3xf32>
  %2 = q8.relu %f : (tensor<3xf32>) -> tensor<3xf32>
  // CHECK-DAG: %[[CLIP:.*]] = q8.constant dense<[-1.000000e+00, 0.000000e+00, 2.500000e+00]> : tensor<3xf32>
  %3 = q8.clip %f {min = -1.0, max = 2.5} : (tensor<3xf32>) -> tensor<3xf32>
  // CHECK: return %[[NEG]], %[[ABS]], %[[RELU]], %[[CLIP]]
  return %0, %1, %2, %3 : tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func @float_math
func.func @float_math() -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  %four = q8.constant dense<4.0> : tensor<f32>
  %one = q8.constant dense<1.0> : tensor<f32>
  %zero = q8.constant dense<0.0> : tensor<f32>
  // CHECK-DAG: %[[SQRT:.*]] = q8.constant dense<2.000000e+00>
  %0 = q8.sqrt %four : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[RECIP:.*]] = q8.constant dense<2.500000e-01>
  %1 = q8.reciprocal %four : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[EXP:.*]] = q8.constant dense<1.000000e+00>
  %2 = q8.exp %zero : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[LOG:.*]] = q8.constant dense<0.000000e+00>
  %3 = q8.log %one : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[ERF:.*]] = q8.constant dense<0.842700779>
  %4 = q8.erf %one : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[TANH:.*]] = q8.constant dense<0.761594176>
  %5 = q8.tanh %one : (tensor<f32>) -> tensor<f32>
  // CHECK-DAG: %[[SIG:.*]] = q8.constant dense<5.000000e-01>
  %6 = q8.sigmoid %zero : (tensor<f32>) -> tensor<f32>
  // CHECK: return %[[SQRT]], %[[RECIP]], %[[EXP]], %[[LOG]], %[[ERF]], %[[TANH]], %[[SIG]]
  return %0, %1, %2, %3, %4, %5, %6 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// CHECK-LABEL: func @cast
func.func @cast(%x: tensor<2xf32>) -> (tensor<3xi32>, tensor<3xf32>, tensor<3xi1>, tensor<2xf32>) {
  %f = q8.constant dense<[-2.7, 0.5, 3.9]> : tensor<3xf32>
  %i = q8.constant dense<[-1, 0, 300]> : tensor<3xi64>
  // Float to int truncates toward zero.
  // CHECK-DAG: %[[TOINT:.*]] = q8.constant dense<[-2, 0, 3]> : tensor<3xi32>
  %0 = q8.cast %f {to = i32} : (tensor<3xf32>) -> tensor<3xi32>
  // CHECK-DAG: %[[TOFLOAT:.*]] = q8.constant dense<[-1.000000e+00, 0.000000e+00, 3.000000e+02]> : tensor<3xf32>
  %1 = q8.cast %i {to = f32} : (tensor<3xi64>) -> tensor<3xf32>
  // CHECK-DAG: %[[TOBOOL:.*]] = q8.constant dense<[true, false, true]> : tensor<3xi1>
  %2 = q8.cast %i {to = i1} : (tensor<3xi64>) -> tensor<3xi1>
  %3 = q8.cast %x {to = f32} : (tensor<2xf32>) -> tensor<2xf32>
  // CHECK: return %[[TOINT]], %[[TOFLOAT]], %[[TOBOOL]], %arg0
  return %0, %1, %2, %3 : tensor<3xi32>, tensor<3xf32>, tensor<3xi1>, tensor<2xf32>
}

// -----

// CHECK-LABEL: func @reductions
func.func @reductions() -> (tensor<2xi64>, tensor<1x3xi64>, tensor<i64>, tensor<2x1xf32>) {
  %i = q8.constant dense<[[1, 5, 3], [4, 2, 6]]> : tensor<2x3xi64>
  %f = q8.constant dense<[[1.0, 2.0], [3.0, 5.0]]> : tensor<2x2xf32>
  // CHECK-DAG: %[[SUM:.*]] = q8.constant dense<[9, 12]> : tensor<2xi64>
  %0 = q8.reduce_sum %i {axes = array<i64: 1>, keepdims = false} : (tensor<2x3xi64>) -> tensor<2xi64>
  // CHECK-DAG: %[[MAX:.*]] = q8.constant dense<{{\[\[}}4, 5, 6]]> : tensor<1x3xi64>
  %1 = q8.reduce_max %i {axes = array<i64: 0>} : (tensor<2x3xi64>) -> tensor<1x3xi64>
  // CHECK-DAG: %[[MIN:.*]] = q8.constant dense<1> : tensor<i64>
  %2 = q8.reduce_min %i {axes = array<i64>, keepdims = false} : (tensor<2x3xi64>) -> tensor<i64>
  // CHECK-DAG: %[[MEAN:.*]] = q8.constant dense<{{\[\[}}1.500000e+00], [4.000000e+00]]> : tensor<2x1xf32>
  %3 = q8.reduce_mean %f {axes = array<i64: 1>} : (tensor<2x2xf32>) -> tensor<2x1xf32>
  // CHECK: return %[[SUM]], %[[MAX]], %[[MIN]], %[[MEAN]]
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<1x3xi64>, tensor<i64>, tensor<2x1xf32>
}

// -----

// Reducing size-1 dims with keepdims is the identity.
// CHECK-LABEL: func @reduce_identity
func.func @reduce_identity(%x: tensor<2x1xf32>) -> tensor<2x1xf32> {
  %0 = q8.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  // CHECK: return %arg0
  return %0 : tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func @movement
func.func @movement() -> (tensor<3x2xi32>, tensor<2x3xi32>, tensor<2x2xi32>, tensor<5xi32>, tensor<2x2xi32>) {
  %c = q8.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  // CHECK-DAG: %[[T:.*]] = q8.constant dense<{{\[\[}}1, 4], [2, 5], [3, 6]]> : tensor<3x2xi32>
  %0 = q8.transpose %c {perm = array<i64: 1, 0>} : (tensor<2x3xi32>) -> tensor<3x2xi32>
  %v = q8.constant dense<[7, 8, 9]> : tensor<3xi32>
  // CHECK-DAG: %[[E:.*]] = q8.constant dense<{{\[\[}}7, 8, 9], [7, 8, 9]]> : tensor<2x3xi32>
  %1 = q8.expand %v {shape = array<i64: 2, 1>} : (tensor<3xi32>) -> tensor<2x3xi32>
  %idx = q8.constant dense<[2, -3]> : tensor<2xi64>
  // CHECK-DAG: %[[G:.*]] = q8.constant dense<{{\[\[}}3, 1], [6, 4]]> : tensor<2x2xi32>
  %2 = q8.gather %c, %idx {axis = 1 : i64} : (tensor<2x3xi32>, tensor<2xi64>) -> tensor<2x2xi32>
  %a = q8.constant dense<[1, 2]> : tensor<2xi32>
  // CHECK-DAG: %[[CAT:.*]] = q8.constant dense<[1, 2, 7, 8, 9]> : tensor<5xi32>
  %3 = q8.concat %a, %v {axis = 0 : i64} : (tensor<2xi32>, tensor<3xi32>) -> tensor<5xi32>
  // CHECK-DAG: %[[S:.*]] = q8.constant dense<{{\[\[}}6, 4], [3, 1]]> : tensor<2x2xi32>
  %4 = q8.slice %c {starts = array<i64: 1, 2>, ends = array<i64: -1, -1>, steps = array<i64: -1, -2>} : (tensor<2x3xi32>) -> tensor<2x2xi32>
  // CHECK: return %[[T]], %[[E]], %[[G]], %[[CAT]], %[[S]]
  return %0, %1, %2, %3, %4 : tensor<3x2xi32>, tensor<2x3xi32>, tensor<2x2xi32>, tensor<5xi32>, tensor<2x2xi32>
}

// -----

// Identity data movement folds to its input.
// CHECK-LABEL: func @identities
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = q8.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = q8.reshape %x {shape = array<i64: 2, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = q8.expand %x {shape = array<i64: 1, 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = q8.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = q8.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: return %arg0, %arg0, %arg0, %arg0, %arg0
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @reshape_of_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  // CHECK: %[[R:.*]] = q8.reshape %[[X]] {shape = array<i64: 4, 6>} : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
  // CHECK-NEXT: return %[[R]]
  %0 = q8.reshape %x {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = q8.reshape %0 {shape = array<i64: 4, 6>} : (tensor<6x4xf32>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// An ONNX shape subgraph: the new shape is computed from constants, so only
// the final reshape remains, with a constant-folded shape input.
// CHECK-LABEL: func @shape_subgraph
func.func @shape_subgraph() -> tensor<2xi64> {
  %shape = q8.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i = q8.constant dense<0> : tensor<1xi64>
  %d0 = q8.gather %shape, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rest = q8.slice %shape {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 1>} : (tensor<3xi64>) -> tensor<2xi64>
  %prod = q8.reduce_sum %rest {axes = array<i64: 0>} : (tensor<2xi64>) -> tensor<1xi64>
  %cat = q8.concat %d0, %prod {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  // CHECK: %[[C:.*]] = q8.constant dense<[2, 7]> : tensor<2xi64>
  // CHECK-NEXT: return %[[C]]
  return %cat : tensor<2xi64>
}
