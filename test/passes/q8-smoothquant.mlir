// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-smoothquant=table=%S/Inputs/smoothquant-table.json | FileCheck %s
// RUN: q8-opt %s -split-input-file -q8-smoothquant=table=%S/Inputs/smoothquant-table.json -q8-quantize=table=%S/Inputs/smoothquant-table.json | FileCheck %s --check-prefix=QUANT
// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-smoothquant="table=%S/Inputs/smoothquant-table.json alpha=1.0" | FileCheck %s --check-prefix=ALPHA1
// RUN: q8-opt %s -split-input-file -q8-smoothquant="table=%S/Inputs/smoothquant-table.json auto-alpha=true" 2>&1 | FileCheck %s --check-prefix=AUTO
// RUN: not q8-opt %s -q8-smoothquant=table=%S/Inputs/not-json.json 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not q8-opt %s -q8-smoothquant="table=%S/Inputs/smoothquant-table.json alpha=1.5" 2>&1 | FileCheck %s --check-prefix=BADALPHA

// NOTJSON: error: q8-smoothquant: cannot read calibration table '{{.*}}not-json.json': not JSON
// BADALPHA: error: q8-smoothquant: alpha must be in [0, 1], got 1.5

// "s" (Inputs/smoothquant-table.json) feeds a matmul and a gemm: one s for
// both, from the max of their per-input-channel weight absmaxes.
//   channel_absmax(x)          = [4, 1, 0.25, 0]
//   matmul W rows |max|        = [1, 1, 4, 1]
//   gemm alpha * B^T rows |max| = 2 * [0.125, 0.125, 8, 0.25] = [0.25, 0.25, 16, 0.5]
//   combined                   = [1, 1, 16, 1]
//   alpha 0.5: s = sqrt(ax / aw) = [2, 1, sqrt(0.25 / 16) = 0.125, 1 (ax = 0)]
//   1/s = [0.5, 1, 8, 1]
//   W' = W * s per row:  [[2, -0.5], [0.5, 1], [0.5, 0], [1, 1]]
//   B' = B * s per column (B is stored [N, K]): [[0.25, 0.125, 1, 0.25]]
// The ranges of x / s: channel j of x lies in [max(lo, -a_j), min(hi, a_j)],
// times 1/s_j:
//   minmax [-2, 4]:     [-2, 4]*0.5 = [-1, 2]; [-1, 1]; [-0.25, 0.25]*8 = [-2, 2]; [0, 0]  -> [-2, 2]
//   ema [-0.5, 0.125]:  [-0.25, 0.0625]; [-0.5, 0.125]; [-0.25, 0.125]*8 = [-2, 1]; [0, 0] -> [-2, 1]

// CHECK-LABEL: func @shared
// CHECK:         %[[INV:.*]] = q8.constant dense<[5.000000e-01, 1.000000e+00, 8.000000e+00, 1.000000e+00]> : tensor<4xf32>
// CHECK:         %[[XS:.*]] = q8.mul %arg0, %[[INV]] {q8.smoothquant = {alpha = 5.000000e-01 : f32, ranges = {ema = array<f32: -2.000000e+00, 1.000000e+00>, minmax = array<f32: -2.000000e+00, 2.000000e+00>}}}
// CHECK:         %[[W:.*]] = q8.constant dense<{{\[}}[2.000000e+00, -5.000000e-01], [5.000000e-01, 1.000000e+00], [5.000000e-01, 0.000000e+00], [1.000000e+00, 1.000000e+00]]> : tensor<4x2xf32>
// CHECK:         %[[Y:.*]] = q8.matmul %[[XS]], %[[W]]
// CHECK:         %[[B:.*]] = q8.constant dense<{{\[}}[2.500000e-01, 1.250000e-01, 1.000000e+00, 2.500000e-01]]> : tensor<1x4xf32>
// CHECK:         %[[Z:.*]] = q8.gemm %[[XS]], %[[B]] {alpha = 2.000000e+00 : f32, transB = true}
// CHECK:         return %[[Y]], %[[Z]]

// Then q8-quantize quantizes x itself with 1/s as the prescale (axis 1, the
// contracted dim) from the minmax range of x / s, [-2, 2]: asymmetricU8
// scale f32(4/255) = 0.015686275..., zero point round(2 / 0.015686275...)
// = round(127.49999...) = 127. The marked multiply is gone. Weights: W'
// column 0 absmax 2 -> scale 2/127; column 1 absmax 1 -> 1/127.
// QUANT-LABEL: func @shared
// QUANT:         %[[Q:.*]] = q8.quantize %arg0 {axis = 1 : i64, prescale = array<f32: 5.000000e-01, 1.000000e+00, 8.000000e+00, 1.000000e+00>, resultType = tensor<2x4x!quant.uniform<u8:f32, 0.015686275437474251:127>>}
// QUANT-NOT:     q8.mul
// QUANT:         quant.scast {{.*}} to tensor<4x2x!quant.uniform<i8:f32:1, {0.015748031437397003,0.0078740157186985015}>>
// QUANT:         q8.qlinear %[[Q]]
// QUANT:         q8.qlinear %[[Q]]
// QUANT-NOT:     q8.matmul
// QUANT-NOT:     q8.gemm

// alpha = 1: s = ax^1 / aw^0 = ax = [4, 1, 0.25, 1 (ax = 0)], 1/s = [0.25, 1, 4, 1]
// ALPHA1-LABEL: func @shared
// ALPHA1:         q8.constant dense<[2.500000e-01, 1.000000e+00, 4.000000e+00, 1.000000e+00]> : tensor<4xf32>
// ALPHA1:         q8.mul %arg0, %{{.*}} {q8.smoothquant = {alpha = 1.000000e+00 : f32,
func.func @shared(%x: tensor<2x4xf32> {q8.name = "s"}) -> (tensor<2x2xf32>, tensor<2x1xf32>) {
  %w = q8.constant dense<[[1.0, -0.25], [0.5, 1.0], [4.0, 0.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %b = q8.constant dense<[[0.125, 0.125, 8.0, 0.25]]> : tensor<1x4xf32>
  %y = q8.matmul %x, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %z = q8.gemm %x, %b {alpha = 2.0 : f32, transB = true} : (tensor<2x4xf32>, tensor<1x4xf32>) -> tensor<2x1xf32>
  return %y, %z : tensor<2x2xf32>, tensor<2x1xf32>
}

// -----

// No channel_absmax for "plain": not smoothed (q8-quantize still quantizes
// it from its own range [-1, 1]: scale f32(2/255), zero point
// round(1 / 0.0078431377...) = round(127.49999...) = 127); the relu stays.

// CHECK-LABEL: func @plain
// CHECK-NOT:     q8.mul
// CHECK:         q8.matmul %arg0
// QUANT-LABEL: func @plain
// QUANT:         q8.quantize %arg0 {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>}
// QUANT:         q8.relu
func.func @plain(%x: tensor<2x4xf32> {q8.name = "plain"}) -> tensor<2x2xf32> {
  %w = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{q8-smoothquant: no channel_absmax for 'plain'; not smoothed}}
  %y = q8.matmul %x, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %r = q8.relu %y : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// A channel_absmax along another dim than the one this matmul contracts
// (the table's axis says which) is not used.

// CHECK-LABEL: func @other_axis
// CHECK-NOT:     q8.mul
func.func @other_axis(%x: tensor<4x4xf32> {q8.name = "other_axis"}) -> tensor<4x2xf32> {
  %w = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{q8-smoothquant: the channel_absmax of 'other_axis' is along dim 0, not the contracted dim 1; not smoothed}}
  %y = q8.matmul %x, %w : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// No entry at all: left alone, with a remark (q8-quantize's own remark for
// it is tested in q8-quantize.mlir; here only the first RUN sees this case).

// CHECK-LABEL: func @missing
// CHECK:         q8.matmul %arg0
func.func @missing(%x: tensor<2x4xf32> {q8.name = "nope"}) -> tensor<2x2xf32> {
  %w = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{q8-smoothquant: no channel_absmax for 'nope'; not smoothed}}
  %y = q8.matmul %x, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A convolution contracts its input's channels (dim 1): "sc" has @shared's
// channel absmaxes [4, 1, 0.25, 0] along dim 1. Group 2: output channel 0
// reads input channels 0 and 1, output channel 1 reads 2 and 3, so the
// weight absmax of input channel c is over W[m of its group, c % 2, :]:
//   c0: |[1, -0.25]| = 1, c1: |[0.5, 1]| = 1, c2: |[16, 0]| = 16,
//   c3: |[1, 1]| = 1
// which are @shared's [1, 1, 16, 1]: s = [2, 1, 0.125, 1], 1/s = [0.5, 1, 8, 1]
// as a [4, 1, 1] multiplier (broadcast along dim 1), the weights scaled per
// input channel, the ranges of x / s as @shared's.
// CHECK-LABEL: func @conv_grouped
// CHECK:         %[[INV:.*]] = q8.constant dense<{{\[}}{{\[}}[5.000000e-01]], {{\[}}[1.000000e+00]], {{\[}}[8.000000e+00]], {{\[}}[1.000000e+00]]]> : tensor<4x1x1xf32>
// CHECK:         %[[XS:.*]] = q8.mul %arg0, %[[INV]] {q8.smoothquant = {alpha = 5.000000e-01 : f32, ranges = {ema = array<f32: -2.000000e+00, 1.000000e+00>, minmax = array<f32: -2.000000e+00, 2.000000e+00>}}}
// CHECK:         %[[W:.*]] = q8.constant dense<{{\[}}{{\[}}{{\[}}[2.000000e+00, -5.000000e-01]], {{\[}}[5.000000e-01, 1.000000e+00]]], {{\[}}{{\[}}[2.000000e+00, 0.000000e+00]], {{\[}}[1.000000e+00, 1.000000e+00]]]]> : tensor<2x2x1x2xf32>
// CHECK:         q8.conv %[[XS]], %[[W]]
// auto-alpha needs the reservoir, which this hand-written table lacks.
// AUTO: remark: q8-smoothquant: 'sc' has no reservoir to choose alpha on; alpha 5.000000e-01
// Then q8-quantize folds 1/s into the input's quantize as a prescale along
// dim 1, from the range of x / s ([-2, 2], as @shared), and the conv
// becomes q8.qconv.
// QUANT-LABEL: func @conv_grouped
// QUANT:         %[[Q:.*]] = q8.quantize %arg0 {axis = 1 : i64, prescale = array<f32: 5.000000e-01, 1.000000e+00, 8.000000e+00, 1.000000e+00>, resultType = tensor<1x4x2x2x!quant.uniform<u8:f32, 0.015686275437474251:127>>}
// QUANT-NOT:     q8.mul
// QUANT:         q8.qconv %[[Q]]
func.func @conv_grouped(%x: tensor<1x4x2x2xf32> {q8.name = "sc"}) -> tensor<1x2x2x1xf32> {
  %w = q8.constant dense<[[[[1.0, -0.25]], [[0.5, 1.0]]], [[[16.0, 0.0]], [[1.0, 1.0]]]]> : tensor<2x2x1x2xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x4x2x2xf32>, tensor<2x2x1x2xf32>) -> tensor<1x2x2x1xf32>
  return %y : tensor<1x2x2x1xf32>
}
