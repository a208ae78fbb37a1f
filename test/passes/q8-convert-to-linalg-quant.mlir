// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// quantize: roundeven(x / 0.5) + 3 in f32 (as ONNX's QuantizeLinear),
// clamped to [0, 255], NaN -> 3, stored as i8; dequantize:
// 0.5 * f32(extui(q) - 3).
// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK:         linalg.generic
// CHECK:           %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:           %[[ZP:.*]] = arith.constant 3.000000e+00 : f32
// CHECK-NOT:       arith.extf
// CHECK:           %[[D:.*]] = arith.divf %{{.*}}, %[[S]] : f32
// CHECK:           %[[R:.*]] = math.roundeven %[[D]] : f32
// CHECK:           arith.addf %[[R]], %[[ZP]] : f32
// CHECK:           arith.constant 0.000000e+00 : f32
// CHECK:           arith.constant 2.550000e+02 : f32
// CHECK:           arith.cmpf uno
// CHECK:           arith.fptosi %{{.*}} : f32 to i32
// CHECK:           arith.trunci %{{.*}} : i32 to i8
// CHECK:         } -> tensor<4xi8>
// CHECK:         linalg.generic
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.constant 3 : i32
// CHECK:           arith.subi
// CHECK:           arith.sitofp
// CHECK:           arith.constant 5.000000e-01 : f32
// CHECK:           arith.mulf
// CHECK-NOT:     q8.
// LOOPS-LABEL: func.func @quantize_per_tensor
// LOOPS:         scf.for
func.func @quantize_per_tensor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = q8.quantize %x {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %d = q8.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Per-axis i8 with a prescale along another axis: the scales and zero
// points are constant vectors read along the quantized dim, the prescale
// multiplies first (in f32); the i8 range is [-128, 127], sign-extended back.
// CHECK-LABEL: func.func @quantize_per_axis
// CHECK-DAG:     %[[SC:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.250000e-01]> : tensor<3xf32>
// CHECK-DAG:     %[[ZP:.*]] = arith.constant dense<[0.000000e+00, 1.000000e+00, -2.000000e+00]> : tensor<3xf32>
// CHECK-DAG:     %[[PS:.*]] = arith.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[MAP1:.*]], #[[MAP1]], #[[MAP0:.*]], #{{.*}}]
// CHECK-SAME:      ins(%{{.*}}, %[[SC]], %[[ZP]], %[[PS]] :
// CHECK:         ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %[[Z:.*]]: f32, %[[P:.*]]: f32
// CHECK:           arith.mulf %[[X]], %[[P]] : f32
// CHECK:           arith.divf %{{.*}}, %[[S]] : f32
// CHECK:           arith.constant -1.280000e+02 : f32
// CHECK:           arith.constant 1.270000e+02 : f32
// CHECK:         linalg.generic
// CHECK:           arith.extsi %{{.*}} : i8 to i32
func.func @quantize_per_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = q8.quantize %x {resultType = tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25:1, 0.125:-2}>>, prescale = array<f32: 2.0, 4.0>, axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25:1, 0.125:-2}>>
  %d = q8.dequantize %q : (tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25:1, 0.125:-2}>>) -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// qlinear, u8 activations (scale 0.5, zp 3) x constant per-channel i8
// weights: the contraction multiplies the extended values, the zero-point
// correction -3 * colsum(W) = [-6, -15, -6] is computed at compile time.
// Requantize to scale 0.25 (zp 10) with relu: multipliers 0.5 * s_w / 0.25
// = 1, 0.5, 0.25 are 2^30 with shifts -1, 0, 1; relu clamps below at the
// zero point 10.
// CHECK-LABEL: func.func @qlinear_requantize
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[}}1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
// CHECK:         %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<1x2x4xi8> into tensor<2x4xi8>
// CHECK:         %[[ACC:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<2x4xi8>, tensor<4x3xi8>) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         %[[CORR:.*]] = arith.constant dense<[-6, -15, -6]> : tensor<3xi32>
// CHECK:         %[[LEFT:.*]] = arith.constant dense<[1, 0, 0]> : tensor<3xi64>
// CHECK:         %[[RIGHT:.*]] = arith.constant dense<[0, 0, 1]> : tensor<3xi64>
// CHECK:         linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %[[CORR]], %[[LEFT]], %[[RIGHT]] : tensor<2x3xi32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi64>, tensor<3xi64>) outs(%{{.*}} : tensor<2x3xi8>)
// CHECK:           arith.constant 1073741824 : i64
// CHECK:           arith.shli
// CHECK:           arith.muli
// CHECK:           arith.constant -1073741823 : i64
// CHECK:           arith.constant 2147483648 : i64
// CHECK:           arith.divsi
// CHECK:           arith.shrsi
// CHECK:           arith.constant 10 : i64
// CHECK:           arith.addi
// CHECK:           arith.constant 10 : i64
// CHECK:           arith.maxsi
// CHECK:           arith.constant 255 : i64
// CHECK:           arith.minsi
// CHECK:           arith.trunci %{{.*}} : i64 to i8
// CHECK:         tensor.expand_shape
// LOOPS-LABEL: func.func @qlinear_requantize
// LOOPS:         scf.for
func.func @qlinear_requantize(%x: tensor<1x2x4xf32>, %b: tensor<3xi32>) -> tensor<1x2x3xf32> {
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %q = q8.quantize %x {resultType = tensor<1x2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x2x4xf32>) -> tensor<1x2x4x!quant.uniform<u8:f32, 0.5:3>>
  %y = q8.qlinear %q, %w, %b {resultType = !quant.uniform<u8:f32, 0.25:10>, activation = "relu"} : (tensor<1x2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, tensor<3xi32>) -> tensor<1x2x3x!quant.uniform<u8:f32, 0.25:10>>
  %d = q8.dequantize %y : (tensor<1x2x3x!quant.uniform<u8:f32, 0.25:10>>) -> tensor<1x2x3xf32>
  return %d : tensor<1x2x3xf32>
}

// -----

// Dequantized result with a constant bias: bias + correction fold into one
// constant ([10, 20, 30] + [-6, -15, -6]); the scales are s_in * s_w.
// CHECK-LABEL: func.func @qlinear_dequantize
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         %[[COL:.*]] = arith.constant dense<[4, 5, 24]> : tensor<3xi32>
// CHECK:         %[[SC:.*]] = arith.constant dense<[2.500000e-01, 1.250000e-01, 6.250000e-02]> : tensor<3xf32>
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[COL]], %[[SC]] : tensor<2x3xi32>, tensor<3xi32>, tensor<3xf32>) outs(%{{.*}} : tensor<2x3xf32>)
// CHECK:           arith.addi
// CHECK:           arith.sitofp
// CHECK:           arith.mulf
// CHECK-NEXT:      linalg.yield
func.func @qlinear_dequantize(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %wc = q8.constant dense<[[1, 2, 3], [-1, 0, 1], [2, 2, 2], [0, 1, -4]]> : tensor<4x3xi8>
  %w = quant.scast %wc : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  %b = q8.constant dense<[10, 20, 30]> : tensor<3xi32>
  %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %f = q8.qlinear %q, %w, %b {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, tensor<3xi32>) -> tensor<2x3xf32>
  return %f : tensor<2x3xf32>
}

// -----

// Runtime u8 weights with a zero point (QLinearMatMul's form): the zero
// points are subtracted inside the contraction; per-tensor multiplier
// 0.5 * 0.25 / 0.5 = 0.25 is 2^30 >> 1.
// CHECK-LABEL: func.func @qlinear_runtime_weights
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:           %[[ZW:.*]] = arith.constant 7 : i32
// CHECK:           %[[A:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           %[[B:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           %[[ZX:.*]] = arith.constant 3 : i32
// CHECK:           %[[A2:.*]] = arith.subi %[[A]], %[[ZX]]
// CHECK:           %[[B2:.*]] = arith.subi %[[B]], %[[ZW]]
// CHECK:           arith.muli %[[A2]], %[[B2]] : i32
// CHECK:         linalg.generic
// CHECK-NOT:       arith.shli
// CHECK:           arith.constant 1073741824 : i64
// CHECK:           arith.shrsi
func.func @qlinear_runtime_weights(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi8> {
  %q = quant.scast %x : tensor<2x4xi8> to tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>
  %qw = quant.scast %w : tensor<4x3xi8> to tensor<4x3x!quant.uniform<u8:f32, 0.25:7>>
  %y = q8.qlinear %q, %qw {resultType = !quant.uniform<u8:f32, 0.5:1>} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<u8:f32, 0.25:7>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.5:1>>
  %r = quant.scast %y : tensor<2x3x!quant.uniform<u8:f32, 0.5:1>> to tensor<2x3xi8>
  return %r : tensor<2x3xi8>
}

// -----

// A batched qlinear (attention's activation x activation product, weight
// per tensor at run time): [1, 2, 2, 4] x [1, 2, 4, 3] contracts as
// (b, m, n, k) over [2, 2, 4] x [2, 4, 3] with the input's zero point 3
// subtracted inside the product; the epilogue reads the [2 * 2, 3] rows.
// CHECK-DAG:     #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:     #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG:     #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @qlinear_batched
// CHECK:         %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<1x2x2x4xi8> into tensor<2x2x4xi8>
// CHECK:         %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<1x2x4x3xi8> into tensor<2x4x3xi8>
// CHECK:         %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<2x2x4xi8>, tensor<2x4x3xi8>) outs(%{{.*}} : tensor<2x2x3xi32>)
// CHECK:           %[[XE:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK:           %[[ZP:.*]] = arith.constant 3 : i32
// CHECK:           arith.subi %[[XE]], %[[ZP]] : i32
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         } -> tensor<2x2x3xi32>
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %[[ACC]] {{\[\[}}0, 1], [2]] : tensor<2x2x3xi32> into tensor<4x3xi32>
// CHECK:         linalg.generic {{.*}} ins(%[[ROWS]] : tensor<4x3xi32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK:           arith.sitofp
// CHECK:           arith.constant 1.250000e-01 : f32
// CHECK:           arith.mulf
// CHECK:         tensor.expand_shape %{{.*}} output_shape [1, 2, 2, 3] : tensor<4x3xf32> into tensor<1x2x2x3xf32>
// LOOPS-LABEL: func.func @qlinear_batched
// LOOPS:         scf.for
func.func @qlinear_batched(%x: tensor<1x2x2x4xf32>, %y: tensor<1x2x4x3xf32>) -> tensor<1x2x2x3xf32> {
  %q = q8.quantize %x {resultType = tensor<1x2x2x4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x2x2x4xf32>) -> tensor<1x2x2x4x!quant.uniform<u8:f32, 0.5:3>>
  %k = q8.quantize %y {resultType = tensor<1x2x4x3x!quant.uniform<i8:f32, 0.25>>} : (tensor<1x2x4x3xf32>) -> tensor<1x2x4x3x!quant.uniform<i8:f32, 0.25>>
  %s = q8.qlinear %q, %k {resultType = f32} : (tensor<1x2x2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<1x2x4x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<1x2x2x3xf32>
  return %s : tensor<1x2x2x3xf32>
}
