// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// Gather reads the index through the indexing map, wraps negatives by the
// axis size, clamps, and extracts.
// CHECK-DAG:   #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gather
// CHECK:       linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]{{.*}} ins(%arg1 : tensor<2x3xi64>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK:         %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:         %[[NEG:.*]] = arith.cmpi slt, %[[I]], %{{.*}}
// CHECK:         %[[FIVE:.*]] = arith.constant 5 : index
// CHECK-NEXT:    %[[WRAP:.*]] = arith.addi %[[I]], %[[FIVE]]
// CHECK-NEXT:    %[[SEL:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[I]]
// CHECK:         arith.maxsi %[[SEL]]
// CHECK:         %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT:    tensor.extract %arg0[%{{.*}}, %[[COL]]] : tensor<5x4xf32>
// LOOPS-LABEL: func.func @gather
// LOOPS:       scf.for
func.func @gather(%d: tensor<5x4xf32>, %i: tensor<2x3xi64>) -> tensor<2x3x4xf32> {
  %r = q8.gather %d, %i {axis = 0} : (tensor<5x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// Reshapes: a collapse, an expand, and a permuting one through 1-D.
// CHECK-LABEL: func.func @reshape
// CHECK:       tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK-NEXT:  tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [4, 6]
// CHECK:       tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 4, 1]
// LOOPS-LABEL: func.func @reshape
func.func @reshape(%x: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<4x6xf32>, tensor<2x3x4x1xf32>) {
  %a = q8.reshape %x {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %b = q8.reshape %x {shape = array<i64: 4, 6>} : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
  %c = q8.reshape %x {shape = array<i64: 2, 3, 4, 1>} : (tensor<2x3x4xf32>) -> tensor<2x3x4x1xf32>
  return %a, %b, %c : tensor<6x4xf32>, tensor<4x6xf32>, tensor<2x3x4x1xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_expand
// CHECK:       linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x2x3xf32>) permutation = [2, 0, 1]
// CHECK:       linalg.generic {indexing_maps = [#[[BCAST:.*]], #{{.*}}]{{.*}} ins(%arg1 : tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// LOOPS-LABEL: func.func @transpose_expand
func.func @transpose_expand(%x: tensor<2x3x4xf32>, %y: tensor<3x1xf32>) -> (tensor<4x2x3xf32>, tensor<2x3x4xf32>) {
  %0 = q8.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %1 = q8.expand %y {shape = array<i64: 2, 1, 4>} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0, %1 : tensor<4x2x3xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @concat_split
// CHECK:       %[[C:.*]] = tensor.concat dim(1) %arg0, %arg1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK:       tensor.extract_slice %[[C]][0, 0] [2, 2] [1, 1]
// CHECK:       tensor.extract_slice %[[C]][0, 2] [2, 6] [1, 1]
// LOOPS-LABEL: func.func @concat_split
func.func @concat_split(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) -> (tensor<2x8xf32>, tensor<2x2xf32>, tensor<2x6xf32>) {
  %c = q8.concat %a, %b {axis = 1} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %s:2 = q8.split %c {axis = 1, sizes = array<i64: 2, 6>} : (tensor<2x8xf32>) -> (tensor<2x2xf32>, tensor<2x6xf32>)
  return %c, %s#0, %s#1 : tensor<2x8xf32>, tensor<2x2xf32>, tensor<2x6xf32>
}

// -----

// Positive steps are a strided extract_slice; a negative step extracts the
// elements it visits (stride |step|, from the last one) and a generic
// reverses that dim. Every operand of the generic has the result's shape,
// also where a positive-step dim shrinks beside a reversed one (%c: linalg's
// verifier rejected the map start + i * step over the whole input there).
// CHECK-DAG:   #[[REV:.*]] = affine_map<(d0, d1) -> (-d0 + 2, -d1 + 1)>
// CHECK-DAG:   #[[REV1:.*]] = affine_map<(d0, d1) -> (d0, -d1 + 3)>
// CHECK-LABEL: func.func @slice
// CHECK:       tensor.extract_slice %arg0[1, 0] [2, 4] [2, 1]
// CHECK:       %[[B:.*]] = tensor.extract_slice %arg0[1, 1] [3, 2] [2, 2] : tensor<6x4xf32> to tensor<3x2xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[REV]], #{{.*}}], {{.*}}} ins(%[[B]] : tensor<3x2xf32>)
// CHECK:       %[[C:.*]] = tensor.extract_slice %arg0[1, 0] [2, 4] [1, 1] : tensor<6x4xf32> to tensor<2x4xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[REV1]], #{{.*}}], {{.*}}} ins(%[[C]] : tensor<2x4xf32>)
// LOOPS-LABEL: func.func @slice
func.func @slice(%x: tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<3x2xf32>, tensor<2x4xf32>) {
  %a = q8.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 5, 4>, steps = array<i64: 2, 1>} : (tensor<6x4xf32>) -> tensor<2x4xf32>
  %b = q8.slice %x {starts = array<i64: 5, 3>, ends = array<i64: -1, 0>, steps = array<i64: -2, -2>} : (tensor<6x4xf32>) -> tensor<3x2xf32>
  %c = q8.slice %x {starts = array<i64: 1, 3>, ends = array<i64: 3, -1>, steps = array<i64: 1, -1>} : (tensor<6x4xf32>) -> tensor<2x4xf32>
  return %a, %b, %c : tensor<2x4xf32>, tensor<3x2xf32>, tensor<2x4xf32>
}

// -----

// Negative pads crop first; constant pads are tensor.pad with the value;
// reflect mirrors the index (-i below, 2 (n - 1) - i above).
// CHECK-LABEL: func.func @pad
// CHECK:       %[[CROP:.*]] = tensor.extract_slice %arg0[0, 1] [3, 3] [1, 1]
// CHECK:       %[[V:.*]] = arith.constant 2.500000e+00 : f32
// CHECK:       tensor.pad %[[CROP]] low[1, 0] high[1, 2]
// CHECK-NEXT:  ^bb0
// CHECK-NEXT:    tensor.yield %[[V]]
// CHECK:       linalg.generic
// CHECK:         %[[ROW:.*]] = linalg.index 0 : index
// CHECK:         %[[I:.*]] = arith.subi %[[ROW]]
// CHECK:         %[[TWICE:.*]] = arith.constant 4 : index
// CHECK-NEXT:    arith.subi %[[TWICE]], %[[I]]
// CHECK:         tensor.extract %arg0
// LOOPS-LABEL: func.func @pad
func.func @pad(%x: tensor<3x4xf32>) -> (tensor<5x5xf32>, tensor<5x4xf32>) {
  %a = q8.pad %x {pads = array<i64: 1, -1, 1, 2>, value = 2.5 : f64} : (tensor<3x4xf32>) -> tensor<5x5xf32>
  %b = q8.pad %x {pads = array<i64: 1, 0, 1, 0>, mode = "reflect"} : (tensor<3x4xf32>) -> tensor<5x4xf32>
  return %a, %b : tensor<5x5xf32>, tensor<5x4xf32>
}

// -----

// Constants keep their attribute, dense_resource included.
// CHECK-LABEL: func.func @constants
// CHECK:       arith.constant dense_resource<blob> : tensor<2xf32>
// CHECK-NOT:   q8.constant
// LOOPS-LABEL: func.func @constants
// LOOPS:       memref.get_global
func.func @constants() -> tensor<2xf32> {
  %c = q8.constant dense_resource<blob> : tensor<2xf32>
  return %c : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
