// RUN: q8-opt %s -q8-split-reductions -split-input-file | FileCheck %s

// A row sum over 64 floats: element k goes to partial k mod 16 (the input
// viewed as [4, 4, 16], the middle dim reduced), the 16 partials start from
// the neutral element 0 and are combined in order into the original init.
// CHECK-DAG:   #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[PART:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @row_sum
// CHECK-SAME:    (%[[X:.*]]: tensor<4x64xf32>, %[[INIT:.*]]: tensor<4xf32>)
// CHECK:         %[[V:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1, 2]] output_shape [4, 4, 16] : tensor<4x64xf32> into tensor<4x4x16xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK:         %[[P:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[PART]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      ins(%[[V]] : tensor<4x4x16xf32>) outs(%[[FILL]] : tensor<4x16xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]}
// CHECK-SAME:      ins(%[[P]] : tensor<4x16xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK:           arith.addf
// CHECK:         return %[[R]]
func.func @row_sum(%x: tensor<4x64xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.reduce ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %sq = arith.mulf %in, %in : f32
      %s = arith.addf %acc, %sq : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

// -----

// A row max starts its partials from -inf.
// CHECK-LABEL: func.func @row_max
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
func.func @row_max(%x: tensor<8x32xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.reduce ins(%x : tensor<8x32xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<8xf32>
}

// -----

// Left alone: an extent that 16 does not divide, one below 32, a reduction
// over an outer dim (it vectorizes along the inner one already), integers,
// and matmuls (q8-matmul-kernels takes them whole).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     tensor.expand_shape
// CHECK-COUNT-4: linalg.reduce
// CHECK:         linalg.matmul
// CHECK-NOT:     linalg.generic
func.func @left_alone(%a: tensor<4x40xf32>, %b: tensor<4x16xf32>, %c: tensor<64x4xf32>,
                      %d: tensor<4x64xi32>, %i4: tensor<4xf32>, %ii: tensor<4xi32>,
                      %m: tensor<4x64xf32>, %w: tensor<64x8xf32>, %o: tensor<4x8xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4x8xf32>) {
  %0 = linalg.reduce ins(%a : tensor<4x40xf32>) outs(%i4 : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %1 = linalg.reduce ins(%b : tensor<4x16xf32>) outs(%i4 : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %2 = linalg.reduce ins(%c : tensor<64x4xf32>) outs(%i4 : tensor<4xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %3 = linalg.reduce ins(%d : tensor<4x64xi32>) outs(%ii : tensor<4xi32>) dimensions = [1]
    (%in: i32, %acc: i32) {
      %s = arith.addi %in, %acc : i32
      linalg.yield %s : i32
    }
  %4 = linalg.matmul ins(%m, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4x8xf32>
}
