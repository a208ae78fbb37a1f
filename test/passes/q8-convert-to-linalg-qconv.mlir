// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// A grouped convolution (C = 4, group 2, 1x2 kernel, stride 2, pads
// top 1 / right 1) with u8 input zero point 3 and constant per-channel i8
// weights. The input is padded with its zero point; the contraction runs
// over (n, oh, ow, g, m, c, kh, kw) reading x[n, g*2 + c, oh*2 + kh,
// ow*2 + kw] and w as [G=2, M/G=2, C/G=2, 1, 2]; the epilogue sees the
// accumulator as [9 pixels, 4 channels] with the per-channel int32 term
// bias + zeroPointCorrection(3, w[m]) = bias - 3 * sum(w[m]):
//   m0: 10 - 3*6 = -8, m1: 20 - 3*12 = -16, m2: 30 - 3*4 = 18, m3: 40 - 3 = 37
// and scale 0.5 * s_w[m] = [0.125, 0.0625, 0.25, 0.5], then relu; a
// transpose gives NCHW back.
// CHECK-DAG:   #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d3 * 2 + d5, d1 * 2 + d6, d2 * 2 + d7)>
// CHECK-DAG:   #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d3, d4, d5, d6, d7)>
// CHECK-DAG:   #[[ACC:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @qconv_grouped
// CHECK:         %[[ZP:.*]] = arith.constant 3 : i8
// CHECK:         %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 0, 1]
// CHECK:           tensor.yield %[[ZP]] : i8
// CHECK:         } : tensor<1x4x5x5xi8> to tensor<1x4x6x6xi8>
// CHECK:         %[[WG:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 2, 2, 1, 2] : tensor<4x2x1x2xi8> into tensor<2x2x2x1x2xi8>
// CHECK:         %[[A:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[ACC]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[P]], %[[WG]] : tensor<1x4x6x6xi8>, tensor<2x2x2x1x2xi8>) outs(%{{.*}} : tensor<1x3x3x2x2xi32>)
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extsi %{{.*}} : i8 to i32
// CHECK:           arith.muli
// CHECK:           arith.addi
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1, 2], [3, 4]] : tensor<1x3x3x2x2xi32> into tensor<9x4xi32>
// CHECK:         %[[COL:.*]] = arith.constant dense<[-8, -16, 18, 37]> : tensor<4xi32>
// CHECK:         %[[S:.*]] = arith.constant dense<[1.250000e-01, 6.250000e-02, 2.500000e-01, 5.000000e-01]> : tensor<4xf32>
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[FLAT]], %[[COL]], %[[S]] : tensor<9x4xi32>, tensor<4xi32>, tensor<4xf32>)
// CHECK:           arith.addi
// CHECK:           arith.sitofp
// CHECK:           arith.mulf
// CHECK:           arith.maximumf
// CHECK:         } -> tensor<9x4xf32>
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0, 1, 2], [3]] output_shape [1, 3, 3, 4]
// CHECK:         linalg.transpose ins(%[[E]] : tensor<1x3x3x4xf32>) outs(%{{.*}} : tensor<1x4x3x3xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT:     q8.
// LOOPS-LABEL: func.func @qconv_grouped
// LOOPS:         scf.for
func.func @qconv_grouped(%f: tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32> {
  %x = q8.quantize %f {resultType = tensor<1x4x5x5x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5x!quant.uniform<u8:f32, 0.5:3>>
  %wi = q8.constant dense<[[[[1, -2]], [[3, 4]]], [[[5, 6]], [[-7, 8]]], [[[1, 1]], [[1, 1]]], [[[-1, 0]], [[0, 2]]]]> : tensor<4x2x1x2xi8>
  %w = quant.scast %wi : tensor<4x2x1x2xi8> to tensor<4x2x1x2x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5, 1.0}>>
  %b = q8.constant dense<[10, 20, 30, 40]> : tensor<4xi32>
  %y = q8.qconv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 1>, dilations = array<i64: 1, 1>, group = 2, activation = "relu", resultType = f32} : (tensor<1x4x5x5x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x2x1x2x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5, 1.0}>>, tensor<4xi32>) -> tensor<1x4x3x3xf32>
  return %y : tensor<1x4x3x3xf32>
}

// -----

// A 1-D depthwise convolution with u8 weights and zero points (as
// QLinearConv imports them), dilation 2, requantized to u8: the zero points
// are subtracted inside the contraction (no compile-time correction), the
// epilogue requantizes ([7 pixels, 2 channels] of i8 storage) and the
// transpose moves bytes.
// CHECK-LABEL: func.func @qconv_depthwise_zero_points
// CHECK:         tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 0]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.extui %{{.*}} : i8 to i32
// CHECK:           arith.constant 7 : i32
// CHECK:           arith.subi
// CHECK:           arith.subi
// CHECK:           arith.muli
// CHECK:         } -> tensor<1x7x2x1xi32>
// CHECK:         linalg.generic
// CHECK:         } -> tensor<7x2xi8>
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<1x7x2xi8>) outs(%{{.*}} : tensor<1x2x7xi8>) permutation = [0, 2, 1]
// LOOPS-LABEL: func.func @qconv_depthwise_zero_points
// LOOPS:         scf.for
func.func @qconv_depthwise_zero_points(%f: tensor<1x2x8xf32>, %wi: tensor<2x1x2xi8>) -> tensor<1x2x7xf32> {
  %x = q8.quantize %f {resultType = tensor<1x2x8x!quant.uniform<u8:f32, 0.5:7>>} : (tensor<1x2x8xf32>) -> tensor<1x2x8x!quant.uniform<u8:f32, 0.5:7>>
  %w = quant.scast %wi : tensor<2x1x2xi8> to tensor<2x1x2x!quant.uniform<u8:f32:0, {0.25:100, 0.125:120}>>
  %y = q8.qconv %x, %w {strides = array<i64: 1>, pads = array<i64: 1, 0>, dilations = array<i64: 2>, group = 2, resultType = !quant.uniform<u8:f32, 0.2:5>} : (tensor<1x2x8x!quant.uniform<u8:f32, 0.5:7>>, tensor<2x1x2x!quant.uniform<u8:f32:0, {0.25:100, 0.125:120}>>) -> tensor<1x2x7x!quant.uniform<u8:f32, 0.2:5>>
  %d = q8.dequantize %y : (tensor<1x2x7x!quant.uniform<u8:f32, 0.2:5>>) -> tensor<1x2x7xf32>
  return %d : tensor<1x2x7xf32>
}
