// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// A rhs without batch dims: the lhs batch folds into M, one linalg.matmul.
// CHECK-LABEL: func.func @matmul_fold_batch
// CHECK:       %[[A:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x8x16xf32> into tensor<16x16xf32>
// CHECK:       %[[M:.*]] = linalg.matmul ins(%[[A]], %arg1 : tensor<16x16xf32>, tensor<16x4xf32>)
// CHECK:       tensor.expand_shape %[[M]] {{\[}}[0, 1], [2]] output_shape [2, 8, 4]
// LOOPS-LABEL: func.func @matmul_fold_batch
// LOOPS:       scf.for
func.func @matmul_fold_batch(%a: tensor<2x8x16xf32>, %b: tensor<16x4xf32>) -> tensor<2x8x4xf32> {
  %0 = q8.matmul %a, %b : (tensor<2x8x16xf32>, tensor<16x4xf32>) -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

// Batch dims broadcast ([2, 1] with [3] -> [2, 3]) and collapse into one
// linalg.batch_matmul.
// CHECK-DAG:   #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG:   #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK:       linalg.generic {indexing_maps = [#[[LHS]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<2x3x8x16xf32>)
// CHECK:       linalg.generic {indexing_maps = [#[[RHS]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<2x3x16x4xf32>)
// CHECK:       linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<6x8x16xf32>, tensor<6x16x4xf32>)
// LOOPS-LABEL: func.func @matmul_broadcast_batch
func.func @matmul_broadcast_batch(%a: tensor<2x1x8x16xf32>, %b: tensor<3x16x4xf32>) -> tensor<2x3x8x4xf32> {
  %0 = q8.matmul %a, %b : (tensor<2x1x8x16xf32>, tensor<3x16x4xf32>) -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}

// -----

// 1-D operands are promoted to a matrix and reshaped back.
// CHECK-LABEL: func.func @matvec
// CHECK:       %[[V:.*]] = tensor.expand_shape %arg1 {{\[}}[0, 1]] output_shape [16, 1]
// CHECK:       %[[M:.*]] = linalg.matmul ins(%arg0, %[[V]] : tensor<4x16xf32>, tensor<16x1xf32>)
// CHECK:       tensor.collapse_shape %[[M]] {{\[}}[0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// LOOPS-LABEL: func.func @matvec
func.func @matvec(%a: tensor<4x16xf32>, %v: tensor<16xf32>) -> tensor<4xf32> {
  %0 = q8.matmul %a, %v : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Gemm's transposes are linalg.matmul indexing maps; alpha, beta and the
// broadcast C are one epilogue generic.
// CHECK-DAG:   #[[AT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG:   #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[C:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm_transposed
// CHECK:       %[[M:.*]] = linalg.matmul indexing_maps = [#[[AT]], #[[BT]], #{{.*}}] ins(%arg0, %arg1 : tensor<16x8xf32>, tensor<4x16xf32>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[C]], #{{.*}}]{{.*}} ins(%[[M]], %arg2
// CHECK:         %[[ALPHA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:    arith.mulf %{{.*}}, %[[ALPHA]]
// CHECK-NEXT:    %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT:    arith.mulf %{{.*}}, %[[BETA]]
// CHECK:         arith.addf
// LOOPS-LABEL: func.func @gemm_transposed
func.func @gemm_transposed(%a: tensor<16x8xf32>, %b: tensor<4x16xf32>, %c: tensor<4xf32>) -> tensor<8x4xf32> {
  %0 = q8.gemm %a, %b, %c {alpha = 2.0 : f32, beta = 0.5 : f32, transA = true, transB = true} : (tensor<16x8xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// A plain gemm is just the matmul.
// CHECK-LABEL: func.func @gemm_plain
// CHECK:       %[[M:.*]] = linalg.matmul ins(%arg0, %arg1
// CHECK-NEXT:  return %[[M]]
// LOOPS-LABEL: func.func @gemm_plain
func.func @gemm_plain(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>) -> tensor<8x4xf32> {
  %0 = q8.gemm %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
