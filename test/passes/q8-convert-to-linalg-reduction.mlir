// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// Softmax: max, exp(x - max), sum, divide; the reductions keep the axis as
// size 1 so the generics broadcast them back with a constant-0 map.
// CHECK-DAG:   #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @softmax
// CHECK:       %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:       %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK:       %[[MAX:.*]] = linalg.reduce ins(%arg0 : tensor<2x5xf32>) outs(%[[INIT]] : tensor<2xf32>) dimensions = [1]
// CHECK:         arith.maximumf
// CHECK:       %[[MAXK:.*]] = tensor.expand_shape %[[MAX]] {{\[}}[0, 1]] output_shape [2, 1]
// CHECK:       %[[E:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[KEPT]], #{{.*}}]{{.*}} ins(%arg0, %[[MAXK]]
// CHECK:         arith.subf
// CHECK-NEXT:    math.exp
// CHECK:       %[[SUM:.*]] = linalg.reduce ins(%[[E]]
// CHECK:         arith.addf
// CHECK:       linalg.generic {{.*}} ins(%[[E]], %{{.*}} : tensor<2x5xf32>, tensor<2x1xf32>)
// CHECK:         arith.divf
// LOOPS-LABEL: func.func @softmax
// LOOPS:       scf.for
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = q8.softmax %x {axis = 1} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// layer_norm: mean, centered, sum of squares, then one epilogue with
// 1 / sqrt(var + eps), scale and bias (which map to the trailing dim).
// CHECK-DAG:   #[[TRAIL:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK:       linalg.reduce ins(%arg0 : tensor<2x4x8xf32>) {{.*}} dimensions = [2]
// CHECK:       %[[D:.*]] = linalg.generic
// CHECK:         arith.subf
// CHECK:       linalg.reduce ins(%[[D]] : tensor<2x4x8xf32>)
// CHECK:         arith.mulf
// CHECK-NEXT:    arith.addf
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[TRAIL]], #[[TRAIL]], #{{.*}}]{{.*}} ins(%[[D]], %{{.*}}, %arg1, %arg2
// CHECK:         %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK:         arith.addf %{{.*}}, %[[EPS]]
// CHECK:         math.sqrt
// LOOPS-LABEL: func.func @layer_norm
func.func @layer_norm(%x: tensor<2x4x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %0 = q8.layer_norm %x, %s, %b {axis = 2, epsilon = 1.0e-5 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// batch_norm parameters are reshaped to [C, 1, 1] so they broadcast on dim 1.
// CHECK-DAG:   #[[CHAN:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func.func @batch_norm
// CHECK:       tensor.expand_shape %arg1 {{\[}}[0, 1, 2]] output_shape [3, 1, 1]
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[CHAN]], #[[CHAN]], #[[CHAN]], #[[CHAN]], #{{.*}}]
// LOOPS-LABEL: func.func @batch_norm
func.func @batch_norm(%x: tensor<1x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %0 = q8.batch_norm %x, %s, %b, %m, %v : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// Reductions: keepdims=false reshapes the kept form away; empty axes reduce
// every dim; mean divides by the count.
// CHECK-LABEL: func.func @reductions
// CHECK:       linalg.reduce {{.*}} dimensions = [0, 2]
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<1x3x1xf32> into tensor<3xf32>
// CHECK:       linalg.reduce ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<f32>) dimensions = [0, 1, 2]
// CHECK:       %[[N:.*]] = arith.constant 2.400000e+01 : f32
// CHECK-NEXT:  arith.divf %{{.*}}, %[[N]]
// CHECK:       %[[IMIN:.*]] = arith.constant 2147483647 : i32
// CHECK:       linalg.fill ins(%[[IMIN]] : i32)
// CHECK:         arith.minsi
// LOOPS-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>, %i: tensor<4xi32>) -> (tensor<3xf32>, tensor<1x1x1xf32>, tensor<1xi32>) {
  %0 = q8.reduce_sum %x {axes = array<i64: 0, 2>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  %1 = q8.reduce_mean %x {axes = array<i64>} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %2 = q8.reduce_min %i {axes = array<i64: 0>} : (tensor<4xi32>) -> tensor<1xi32>
  return %0, %1, %2 : tensor<3xf32>, tensor<1x1x1xf32>, tensor<1xi32>
}

// -----

// global_average_pool: mean over the spatial dims, kept as 1x1.
// CHECK-LABEL: func.func @global_average_pool
// CHECK:       linalg.reduce ins(%arg0 : tensor<1x2x5x5xf32>) {{.*}} dimensions = [2, 3]
// CHECK:       arith.constant 2.500000e+01 : f32
// LOOPS-LABEL: func.func @global_average_pool
func.func @global_average_pool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x1x1xf32> {
  %0 = q8.global_average_pool %x : (tensor<1x2x5x5xf32>) -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}
