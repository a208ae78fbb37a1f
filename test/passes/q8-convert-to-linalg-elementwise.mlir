// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// Broadcasting lives in the indexing maps: a lower-rank operand maps to the
// trailing dims, a stretched size-1 dim reads index 0.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @broadcast_add_mul
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK:       %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK:         arith.addf
// CHECK:       linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]{{.*}} ins(%[[S]], %arg2 : tensor<2x3xf32>, tensor<2x1xf32>)
// CHECK:         arith.mulf
// CHECK-NOT:   q8.
// LOOPS-LABEL: func.func @broadcast_add_mul
// LOOPS:       scf.for
func.func @broadcast_add_mul(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = q8.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = q8.mul %0, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Integers: division truncates (divsi), max/min are signed; floats use the
// NaN-propagating maximumf.
// CHECK-LABEL: func.func @integer_ops
// CHECK:       arith.divsi
// CHECK:       arith.maxsi
// CHECK:       arith.maximumf
// LOOPS-LABEL: func.func @integer_ops
func.func @integer_ops(%a: tensor<4xi32>, %b: tensor<4xi32>, %x: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xi32>, tensor<4xf32>) {
  %0 = q8.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = q8.max %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = q8.max %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xi32>, tensor<4xf32>
}

// -----

// Exact GELU divides by sqrt(2) and uses math.erf; the tanh form cubes x.
// CHECK-LABEL: func.func @gelu
// CHECK:       %[[SQRT2:.*]] = arith.constant 1.41421354 : f32
// CHECK:       arith.divf %{{.*}}, %[[SQRT2]]
// CHECK:       math.erf
// CHECK:       arith.constant 4.471500e-02 : f32
// CHECK:       math.tanh
// LOOPS-LABEL: func.func @gelu
func.func @gelu(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = q8.gelu %x : (tensor<8xf32>) -> tensor<8xf32>
  %1 = q8.gelu %x {approximate = "tanh"} : (tensor<8xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// sigmoid is 1 / (1 + exp(-x)); clip with only a lower bound is one max.
// CHECK-LABEL: func.func @activations
// CHECK:       arith.negf
// CHECK-NEXT:  math.exp
// CHECK:       %[[LO:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-NEXT:  arith.maximumf %{{.*}}, %[[LO]]
// CHECK-NEXT:  linalg.yield
// CHECK:       arith.cmpf oge
// CHECK:       arith.select
// LOOPS-LABEL: func.func @activations
func.func @activations(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = q8.sigmoid %x : (tensor<8xf32>) -> tensor<8xf32>
  %1 = q8.clip %x {min = -1.0 : f64} : (tensor<8xf32>) -> tensor<8xf32>
  %2 = q8.leaky_relu %x {alpha = 0.1 : f32} : (tensor<8xf32>) -> tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Cast: float -> int truncates (fptosi), bool -> float is 0/1 (uitofp),
// float -> bool is "!= 0" (une: NaN is true).
// CHECK-LABEL: func.func @casts
// CHECK:       arith.fptosi %{{.*}} : f32 to i64
// CHECK:       arith.uitofp %{{.*}} : i1 to f32
// CHECK:       arith.cmpf une
// LOOPS-LABEL: func.func @casts
func.func @casts(%x: tensor<4xf32>, %m: tensor<4xi1>) -> (tensor<4xi64>, tensor<4xf32>, tensor<4xi1>) {
  %0 = q8.cast %x {to = i64} : (tensor<4xf32>) -> tensor<4xi64>
  %1 = q8.cast %m {to = f32} : (tensor<4xi1>) -> tensor<4xf32>
  %2 = q8.cast %x {to = i1} : (tensor<4xf32>) -> tensor<4xi1>
  return %0, %1, %2 : tensor<4xi64>, tensor<4xf32>, tensor<4xi1>
}

// -----

// where broadcasts all three operands; compares give i1.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @where_less
// CHECK:       arith.cmpf olt
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK:         arith.select
// LOOPS-LABEL: func.func @where_less
func.func @where_less(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %s: tensor<f32>) -> tensor<2x3xf32> {
  %c = q8.less %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %r = q8.where %c, %a, %s : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// pow with an integer exponent converts it; math.powf does the rest.
// CHECK-LABEL: func.func @pow_int_exponent
// CHECK:       arith.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT:  math.powf
// LOOPS-LABEL: func.func @pow_int_exponent
func.func @pow_int_exponent(%x: tensor<4xf32>, %e: tensor<i32>) -> tensor<4xf32> {
  %0 = q8.pow %x, %e : (tensor<4xf32>, tensor<i32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
