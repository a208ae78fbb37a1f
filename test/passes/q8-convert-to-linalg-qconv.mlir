// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// The direct path: a grouped convolution (C = 4, group 2, 1x2 kernel,
// stride 2, pads top 1 / right 1) with u8 input zero point 3 and constant
// per-channel i8 weights. The input is padded with its zero point; the contraction runs
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

// -----

// group 1: im2col into qlinear's contraction. The padded input (zero point
// 3, one row on top) goes channel-last, [1, 4, 3, 2]; each of the 2 taps of
// the 1x2 kernel is a strided slice of it (stride 2 along H) inserted at its
// tap index of col [1, 2, 2, 1, 2, 2], by one copy in a loop over kw (the
// unit KH dim is not looped over); col as [4 pixels, 4] times the
// weight reordered to [(tap, c), m] (rows w[:, 0, 0, 0], w[:, 1, 0, 0],
// w[:, 0, 0, 1], w[:, 1, 0, 1]) is the (m, n, k) contraction; the
// correction is -3 * sum(w[m]) = [-30, -78, -126]; the epilogue
// requantizes (multipliers 0.5 * s_w[m] / 0.25 = 0.5, 0.25, 1: right shifts
// [0, 1, 0], left shifts [0, 0, 1]) and a transpose gives NCHW.
// CHECK-DAG:   #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG:   #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @qconv_im2col
// CHECK:         %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 0] high[0, 0, 0, 0]
// CHECK:         %[[T:.*]] = linalg.transpose ins(%[[P]] : tensor<1x2x4x3xi8>) outs(%{{.*}} : tensor<1x4x3x2xi8>) permutation = [0, 2, 3, 1]
// CHECK:         %[[C:.*]] = tensor.empty() : tensor<1x2x2x1x2x2xi8>
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[TWO:.*]] = arith.constant 2 : index
// CHECK:         %[[COLS:.*]] = scf.for %[[KW:.*]] = %[[ZERO]] to %[[TWO]] step %[[ONE]] iter_args(%[[ACC:.*]] = %[[C]])
// CHECK:           %[[S:.*]] = tensor.extract_slice %[[T]][0, 0, %[[KW]], 0] [1, 2, 2, 2] [1, 2, 1, 1]
// CHECK:           %[[I:.*]] = tensor.insert_slice %[[S]] into %[[ACC]][0, 0, 0, 0, %[[KW]], 0] [1, 2, 2, 1, 1, 2] [1, 1, 1, 1, 1, 1]
// CHECK:           scf.yield %[[I]]
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %[[COLS]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x2x2x1x2x2xi8> into tensor<4x4xi8>
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[1, 5, 9], [3, 7, 11], [2, 6, 10], [4, 8, 12]]> : tensor<4x3xi8>
// CHECK:         %[[A:.*]] = linalg.generic {indexing_maps = [#[[MK]], #[[KN]], #[[MN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[ROWS]], %[[W]] : tensor<4x4xi8>, tensor<4x3xi8>)
// CHECK:         arith.constant dense<[-30, -78, -126]> : tensor<3xi32>
// CHECK:         arith.constant dense<[0, 0, 1]> : tensor<3xi64>
// CHECK:         arith.constant dense<[0, 1, 0]> : tensor<3xi64>
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[A]], {{.*}}) outs(%{{.*}} : tensor<4x3xi8>)
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[Y]] {{\[}}[0, 1, 2], [3]] output_shape [1, 2, 2, 3]
// CHECK:         linalg.transpose ins(%[[E]] : tensor<1x2x2x3xi8>) outs(%{{.*}} : tensor<1x3x2x2xi8>) permutation = [0, 3, 1, 2]
// LOOPS-LABEL: func.func @qconv_im2col
// LOOPS:         scf.for
func.func @qconv_im2col(%f: tensor<1x2x3x3xf32>) -> tensor<1x3x2x2xf32> {
  %x = q8.quantize %f {resultType = tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>
  %wi = q8.constant dense<[[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]], [[[9, 10]], [[11, 12]]]]> : tensor<3x2x1x2xi8>
  %w = quant.scast %wi : tensor<3x2x1x2xi8> to tensor<3x2x1x2x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5}>>
  %y = q8.qconv %x, %w {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = !quant.uniform<u8:f32, 0.25:4>} : (tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>, tensor<3x2x1x2x!quant.uniform<i8:f32:0, {0.25, 0.125, 0.5}>>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.25:4>>
  %d = q8.dequantize %y : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.25:4>>) -> tensor<1x3x2x2xf32>
  return %d : tensor<1x3x2x2xf32>
}

// -----

// Depthwise (group = C = M = 2, 2x2 kernel): one elementwise generic over
// the 4 taps' slices of the input and the 4 per-channel weight columns
// (tap t of channel c is w[c, 0, t / 2, t % 2]), acc = sum of ext(x_t) *
// w_t[c]; the epilogue runs on NCHW along dim 1 with the correction
// -3 * sum(w[c]) = [-30, -78] and scales 0.5 * s_w[c]; no transpose.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @qconv_depthwise
// CHECK:         %[[X0:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK:         %[[X1:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 1] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK:         %[[X2:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK:         %[[X3:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK:         %[[W0:.*]] = arith.constant dense<[1, 5]> : tensor<2xi8>
// CHECK:         %[[W1:.*]] = arith.constant dense<[2, 6]> : tensor<2xi8>
// CHECK:         %[[W2:.*]] = arith.constant dense<[3, 7]> : tensor<2xi8>
// CHECK:         %[[W3:.*]] = arith.constant dense<[4, 8]> : tensor<2xi8>
// CHECK:         %[[A:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[ID]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X0]], %[[X1]], %[[X2]], %[[X3]], %[[W0]], %[[W1]], %[[W2]], %[[W3]] :
// CHECK-COUNT-4:   arith.muli
// CHECK:         } -> tensor<1x2x2x2xi32>
// CHECK:         arith.constant dense<[-30, -78]> : tensor<2xi32>
// CHECK:         arith.constant dense<[1.250000e-01, 6.250000e-02]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]]{{.*}} ins(%[[A]], {{.*}}) outs(%{{.*}} : tensor<1x2x2x2xf32>)
// CHECK-NOT:     linalg.transpose
// CHECK:         return %[[Y]]
// LOOPS-LABEL: func.func @qconv_depthwise
// LOOPS:         scf.for
func.func @qconv_depthwise(%f: tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xf32> {
  %x = q8.quantize %f {resultType = tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>
  %wi = q8.constant dense<[[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]> : tensor<2x1x2x2xi8>
  %w = quant.scast %wi : tensor<2x1x2x2xi8> to tensor<2x1x2x2x!quant.uniform<i8:f32:0, {0.25, 0.125}>>
  %y = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2, resultType = f32} : (tensor<1x2x3x3x!quant.uniform<u8:f32, 0.5:3>>, tensor<2x1x2x2x!quant.uniform<i8:f32:0, {0.25, 0.125}>>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// A long kernel (a 256-tap 1-D convolution, stride 64, dilation 2, like an
// STFT basis as Silero VAD's first layer): still one strided slice copy in
// one scf.for over the taps, tap k reading from 2 * k. One insert_slice per
// tap instead cost One-Shot Bufferize (the LOOPS run) about 2 minutes at
// 256 taps.
// CHECK-LABEL: func.func @qconv_long_kernel
// CHECK:         %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x1x1023xi8>) outs(%{{.*}} : tensor<1x1023x1xi8>) permutation = [0, 2, 1]
// CHECK:         %[[C:.*]] = tensor.empty() : tensor<1x9x256x1xi8>
// CHECK:         %[[TAPS:.*]] = arith.constant 256 : index
// CHECK:         %[[COLS:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[TAPS]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[C]])
// CHECK:           %[[DIL:.*]] = arith.constant 2 : index
// CHECK:           %[[START:.*]] = arith.muli %[[K]], %[[DIL]] : index
// CHECK:           %[[S:.*]] = tensor.extract_slice %[[T]][0, %[[START]], 0] [1, 9, 1] [1, 64, 1] : tensor<1x1023x1xi8> to tensor<1x9x1xi8>
// CHECK:           tensor.insert_slice %[[S]] into %[[ACC]][0, 0, %[[K]], 0] [1, 9, 1, 1] [1, 1, 1, 1] : tensor<1x9x1xi8> into tensor<1x9x256x1xi8>
// CHECK-NOT:     tensor.insert_slice
// CHECK:         tensor.collapse_shape %[[COLS]] {{\[}}[0, 1], [2, 3]] : tensor<1x9x256x1xi8> into tensor<9x256xi8>
// CHECK-NOT:     tensor.insert_slice
// LOOPS-LABEL: func.func @qconv_long_kernel
// LOOPS:         scf.for %{{.*}} = %{{.*}} to %c256
// LOOPS:           memref.copy
func.func @qconv_long_kernel(%f: tensor<1x1x1023xf32>) -> tensor<1x2x9xf32> {
  %x = q8.quantize %f {resultType = tensor<1x1x1023x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x1x1023xf32>) -> tensor<1x1x1023x!quant.uniform<u8:f32, 0.5:3>>
  %wi = q8.constant dense<1> : tensor<2x1x256xi8>
  %w = quant.scast %wi : tensor<2x1x256xi8> to tensor<2x1x256x!quant.uniform<i8:f32:0, {0.25, 0.125}>>
  %y = q8.qconv %x, %w {strides = array<i64: 64>, pads = array<i64: 0, 0>, dilations = array<i64: 2>, resultType = f32} : (tensor<1x1x1023x!quant.uniform<u8:f32, 0.5:3>>, tensor<2x1x256x!quant.uniform<i8:f32:0, {0.25, 0.125}>>) -> tensor<1x2x9xf32>
  return %y : tensor<1x2x9xf32>
}

// -----

// K = taps x C = 3 is no multiple of 4, which the int8 micro-kernels read
// A by: the column matrix is zero-padded to K = 4 and the reordered weight
// gets a zero row, so the contraction keeps its sums (and the correction,
// from the unpadded weight: -3 * [6, 15]) and runs on the kernels.
// CHECK-LABEL: func.func @qconv_im2col_padded_k
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} : tensor<1x2x2x1x1x3xi8> into tensor<4x3xi8>
// CHECK:         %[[Z:.*]] = linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<4x4xi8>)
// CHECK:         %[[PAD:.*]] = tensor.insert_slice %[[ROWS]] into %[[Z]][0, 0] [4, 3] [1, 1] : tensor<4x3xi8> into tensor<4x4xi8>
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[1, 4], [2, 5], [3, 6], [0, 0]]> : tensor<4x2xi8>
// CHECK:         linalg.generic {{.*}} ins(%[[PAD]], %[[W]] : tensor<4x4xi8>, tensor<4x2xi8>)
// CHECK:         arith.constant dense<[-18, -45]> : tensor<2xi32>
func.func @qconv_im2col_padded_k(%f: tensor<1x3x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %x = q8.quantize %f {resultType = tensor<1x3x2x2x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.5:3>>
  %wi = q8.constant dense<[[[[1]], [[2]], [[3]]], [[[4]], [[5]], [[6]]]]> : tensor<2x3x1x1xi8>
  %w = quant.scast %wi : tensor<2x3x1x1xi8> to tensor<2x3x1x1x!quant.uniform<i8:f32:0, {0.25, 0.125}>>
  %y = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = !quant.uniform<u8:f32, 0.25:4>} : (tensor<1x3x2x2x!quant.uniform<u8:f32, 0.5:3>>, tensor<2x3x1x1x!quant.uniform<i8:f32:0, {0.25, 0.125}>>) -> tensor<1x2x2x2x!quant.uniform<u8:f32, 0.25:4>>
  %d = q8.dequantize %y : (tensor<1x2x2x2x!quant.uniform<u8:f32, 0.25:4>>) -> tensor<1x2x2x2xf32>
  return %d : tensor<1x2x2x2xf32>
}
