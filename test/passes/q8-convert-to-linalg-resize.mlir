// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file -verify-diagnostics | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=LOOPS

// q8.resize becomes one generic over the output. Each dim's taps (input
// index, weight) are computed at compile time into constant tables the
// generic reads through (..) -> (x_d); the body gathers with tensor.extract.
// Nearest: one tap per dim and no weights; the unresized N and C dims read
// linalg.index directly. 2x / 3x upsample, half_pixel, round_prefer_floor.
// CHECK-LABEL: func.func @nearest
// CHECK-DAG:   %[[H:.*]] = arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<[0, 0, 0, 1, 1, 1]> : tensor<6xi32>
// CHECK:       linalg.generic {indexing_maps = [#[[$D2:.*]], #[[$D3:.*]], #[[$ID:.*]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[H]], %[[W]] : tensor<4xi32>, tensor<6xi32>) outs(%{{.*}} : tensor<1x1x4x6xf32>)
// CHECK-NEXT:  ^bb0(%[[IH:.*]]: i32, %[[IW:.*]]: i32, %{{.*}}: f32):
// CHECK-DAG:     %[[N:.*]] = linalg.index 0 : index
// CHECK-DAG:     %[[C:.*]] = linalg.index 1 : index
// CHECK-DAG:     %[[XH:.*]] = arith.index_cast %[[IH]] : i32 to index
// CHECK-DAG:     %[[XW:.*]] = arith.index_cast %[[IW]] : i32 to index
// CHECK:         %[[V:.*]] = tensor.extract %arg0[%[[N]], %[[C]], %[[XH]], %[[XW]]] : tensor<1x1x2x2xf32>
// CHECK-NEXT:    linalg.yield %[[V]] : f32
// LOOPS-LABEL: func.func @nearest
// LOOPS:       scf.for
// LOOPS:       memref.load
func.func @nearest(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %y = q8.resize %x {sizes = array<i64: 1, 1, 4, 6>, scales = array<f32: 1.0, 1.0, 2.0, 3.0>, mode = "nearest"} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32>
  return %y : tensor<1x1x4x6xf32>
}

// -----

// The nearest modes and coordinate transforms pick the indices: asymmetric
// x / 2.5 with ceil; align_corners x * 3 / 5 with round_prefer_ceil.
// CHECK-LABEL: func.func @nearest_modes
// CHECK-DAG:   arith.constant dense<[0, 1, 1, 2, 2, 2, 3, 3, 3, 3]> : tensor<10xi32>
// CHECK-DAG:   arith.constant dense<[0, 1, 1, 2, 2, 3]> : tensor<6xi32>
func.func @nearest_modes(%x: tensor<4x4xf32>) -> (tensor<10x4xf32>, tensor<6x4xf32>) {
  %a = q8.resize %x {sizes = array<i64: 10, 4>, scales = array<f32: 2.5, 1.0>, mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "ceil"} : (tensor<4x4xf32>) -> tensor<10x4xf32>
  %b = q8.resize %x {sizes = array<i64: 6, 4>, scales = array<f32: 1.5, 1.0>, mode = "nearest", coordinate_transformation_mode = "align_corners", nearest_mode = "round_prefer_ceil"} : (tensor<4x4xf32>) -> tensor<6x4xf32>
  return %a, %b : tensor<10x4xf32>, tensor<6x4xf32>
}

// -----

// Linear: two taps per resized dim, each an index and a weight table; the
// edges clamp (half_pixel 2x: output 0 reads input -0.25, i.e. 0 and 0).
// CHECK-LABEL: func.func @linear
// CHECK-DAG:   %[[I0:.*]] = arith.constant dense<[0, 0, 0, 1, 1, 2, 2, 3]> : tensor<8xi32>
// CHECK-DAG:   %[[W0:.*]] = arith.constant dense<[2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01]> : tensor<8xf32>
// CHECK-DAG:   %[[I1:.*]] = arith.constant dense<[0, 1, 1, 2, 2, 3, 3, 3]> : tensor<8xi32>
// CHECK-DAG:   %[[W1:.*]] = arith.constant dense<[7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01, 7.500000e-01, 2.500000e-01]> : tensor<8xf32>
// CHECK:       linalg.generic {{.*}} ins(%[[I0]], %[[W0]], %[[I1]], %[[W1]] :
// CHECK-NEXT:  ^bb0(%[[A:.*]]: i32, %[[WA:.*]]: f32, %[[B:.*]]: i32, %[[WB:.*]]: f32, %{{.*}}: f32):
// CHECK:         %[[R:.*]] = linalg.index 0 : index
// CHECK:         %[[XA:.*]] = arith.index_cast %[[A]]
// CHECK:         %[[XB:.*]] = arith.index_cast %[[B]]
// CHECK:         %[[VA:.*]] = tensor.extract %arg0[%[[R]], %[[XA]]] : tensor<2x4xf32>
// CHECK:         %[[PA:.*]] = arith.mulf %[[WA]], %[[VA]] : f32
// CHECK:         %[[VB:.*]] = tensor.extract %arg0[%[[R]], %[[XB]]] : tensor<2x4xf32>
// CHECK:         %[[PB:.*]] = arith.mulf %[[WB]], %[[VB]] : f32
// CHECK:         %[[S:.*]] = arith.addf %[[PA]], %[[PB]] : f32
// CHECK-NEXT:    linalg.yield %[[S]] : f32
func.func @linear(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %y = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 1.0, 2.0>, mode = "linear"} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Linear at integer coordinates (align_corners, 4 -> 7: x * 3 / 6) needs
// only the taps with non-zero weight.
// CHECK-LABEL: func.func @align_corners
// CHECK-DAG:   arith.constant dense<[0, 0, 1, 1, 2, 2, 3]> : tensor<7xi32>
// CHECK-DAG:   arith.constant dense<[1.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01, 1.000000e+00]> : tensor<7xf32>
// CHECK-DAG:   arith.constant dense<[0, 1, 0, 2, 0, 3, 0]> : tensor<7xi32>
// CHECK-DAG:   arith.constant dense<[0.000000e+00, 5.000000e-01, 0.000000e+00, 5.000000e-01, 0.000000e+00, 5.000000e-01, 0.000000e+00]> : tensor<7xf32>
func.func @align_corners(%x: tensor<4xf32>) -> tensor<7xf32> {
  %y = q8.resize %x {sizes = array<i64: 7>, scales = array<f32: 1.75>, mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<4xf32>) -> tensor<7xf32>
  return %y : tensor<7xf32>
}

// -----

// Cubic: four taps per resized dim, 16 gathers for the two spatial dims.
// With exclude_outside, taps outside the input get weight 0 and the rest
// are renormalized (the first output's taps -1..2 become 0..2).
// CHECK-LABEL: func.func @cubic
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK-NOT:   tensor.extract
// CHECK:       linalg.yield
func.func @cubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %y = q8.resize %x {sizes = array<i64: 1, 1, 3, 3>, scales = array<f32: 1.0, 1.0, 0.8, 0.8>, mode = "cubic", exclude_outside = true, cubic_coeff_a = -5.000000e-01 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

// tf_crop_and_resize needs the roi input, which q8.resize does not carry.
func.func @tf_crop(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+2 {{'q8.resize' op coordinate_transformation_mode 'tf_crop_and_resize' is not supported by the lowering: it needs the roi input, which q8.resize does not carry}}
  // expected-error @+1 {{failed to legalize operation 'q8.resize'}}
  %y = q8.resize %x {sizes = array<i64: 1, 1, 3, 3>, scales = array<f32: 1.0, 1.0, 0.75, 0.75>, mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}
