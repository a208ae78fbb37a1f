// RUN: q8-opt %s -q8-split-reductions -split-input-file | FileCheck %s

// Dynamic extents (q8-bind-extent): reductions over a static innermost
// extent whose parallel dims are known only at run time.

// LayerNorm over run-time rows: the partials' tensor.empty takes the rows'
// size from the original init, which the combining op writes.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME:    (%[[X:.*]]: tensor<1x?x64xf32>, %[[INIT:.*]]: tensor<1x?xf32>)
// CHECK:         %[[V:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [1, %{{.*}}, 4, 16] : tensor<1x?x64xf32> into tensor<1x?x4x16xf32>
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[ROWS:.*]] = tensor.dim %[[INIT]], %[[C1]] : tensor<1x?xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[ROWS]]) : tensor<1x?x16xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<1x?x16xf32>)
// CHECK:         %[[P:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK-SAME:      ins(%[[V]] : tensor<1x?x4x16xf32>) outs(%[[FILL]] : tensor<1x?x16xf32>)
// CHECK:           arith.addf
// CHECK:         %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:      ins(%[[P]] : tensor<1x?x16xf32>) outs(%[[INIT]] : tensor<1x?xf32>)
// CHECK:           arith.addf
// CHECK:         return %[[R]]
func.func @dynamic_rows(%x: tensor<1x?x64xf32>, %init: tensor<1x?xf32>) -> tensor<1x?xf32> {
  %r = linalg.reduce ins(%x : tensor<1x?x64xf32>) outs(%init : tensor<1x?xf32>) dimensions = [2]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %r : tensor<1x?xf32>
}

// -----

// Two run-time parallel dims, a max (partials from -inf): one size per
// dynamic dim, each the init's own.
// CHECK-LABEL: func.func @two_dynamic_dims
// CHECK-SAME:    (%{{.*}}: tensor<?x?x32xf32>, %[[INIT:.*]]: tensor<?x?xf32>)
// CHECK:         tensor.expand_shape
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[D0:.*]] = tensor.dim %[[INIT]], %[[C0]] : tensor<?x?xf32>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[D1:.*]] = tensor.dim %[[INIT]], %[[C1]] : tensor<?x?xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x16xf32>
// CHECK:         %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         linalg.fill ins(%[[NEGINF]] : f32) outs(%[[EMPTY]] : tensor<?x?x16xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xf32>)
// CHECK:           arith.maximumf
func.func @two_dynamic_dims(%x: tensor<?x?x32xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %r = linalg.reduce ins(%x : tensor<?x?x32xf32>) outs(%init : tensor<?x?xf32>) dimensions = [2]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<?x?xf32>
}

// -----

// The init transposed against the loops: the partials follow the init's
// shape [4, ?, 16], so the run-time size is the init's dim 1 (the loop
// that is dynamic is d0).
// CHECK-LABEL: func.func @transposed_init
// CHECK-SAME:    (%{{.*}}: tensor<?x4x64xf32>, %[[INIT:.*]]: tensor<4x?xf32>)
// CHECK:         tensor.expand_shape
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[D:.*]] = tensor.dim %[[INIT]], %[[C1]] : tensor<4x?xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[D]]) : tensor<4x?x16xf32>
// CHECK:         %[[FILL:.*]] = linalg.fill {{.*}} outs(%[[EMPTY]] : tensor<4x?x16xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[FILL]] : tensor<4x?x16xf32>)
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d1, d0)>
func.func @transposed_init(%x: tensor<?x4x64xf32>, %init: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x4x64xf32>) outs(%init : tensor<4x?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

// A reduction over a run-time extent stays ordered: left alone.
// CHECK-LABEL: func.func @dynamic_reduced_dim
// CHECK-NOT:     tensor.expand_shape
// CHECK-NOT:     tensor.empty
// CHECK:         linalg.reduce ins(%{{.*}} : tensor<4x?xf32>) outs(%{{.*}} : tensor<4xf32>) dimensions = [1]
// CHECK-NOT:     linalg.generic
func.func @dynamic_reduced_dim(%x: tensor<4x?xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.reduce ins(%x : tensor<4x?xf32>) outs(%init : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}
