// RUN: q8-opt %s -pass-pipeline="builtin.module(func.func(q8-fuse-elementwise))" -split-input-file | FileCheck %s

// An elementwise chain becomes one generic.
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @chain(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%s, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// The quantize producing an int8 contraction's A stays a separate op, also
// when A's zero point is subtracted inside the product (which upstream does
// not call a contraction body): fused, it would run once per (m, n, k).
// CHECK-LABEL: func.func @quantize_then_int8_contraction
// CHECK:         %[[Q:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:           math.roundeven
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Q]], %arg1
// CHECK-NOT:       math.roundeven
// CHECK:           arith.subi
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @quantize_then_int8_contraction(%x: tensor<4x8xf32>, %w: tensor<8x16xi8>) -> tensor<4x16xi32> {
  %e = tensor.empty() : tensor<4x8xi8>
  %q = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xi8>) {
  ^bb0(%a: f32, %o: i8):
    %r = math.roundeven %a : f32
    %i = arith.fptosi %r : f32 to i8
    linalg.yield %i : i8
  } -> tensor<4x8xi8>
  %zero = arith.constant 0 : i32
  %zp = arith.constant 3 : i32
  %acc0 = tensor.empty() : tensor<4x16xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%acc0 : tensor<4x16xi32>) -> tensor<4x16xi32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%q, %w : tensor<4x8xi8>, tensor<8x16xi8>) outs(%acc : tensor<4x16xi32>) {
  ^bb0(%xa: i8, %wb: i8, %o: i32):
    %0 = arith.extui %xa : i8 to i32
    %1 = arith.extsi %wb : i8 to i32
    %s = arith.subi %0, %zp : i32
    %2 = arith.muli %s, %1 : i32
    %3 = arith.addi %o, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<4x16xi32>
  return %y : tensor<4x16xi32>
}
