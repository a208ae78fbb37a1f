// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-quantize="table=%S/Inputs/quantize-table.json keep-faster-fp32=false" | FileCheck %s
// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-quantize="table=%S/Inputs/quantize-table.json method=ema keep-faster-fp32=false" | FileCheck %s --check-prefix=EMA
// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-quantize="table=%S/Inputs/quantize-table.json method=percentile keep-faster-fp32=false" | FileCheck %s --check-prefix=PCT
// RUN: q8-opt %s -split-input-file -verify-diagnostics -q8-quantize="table=%S/Inputs/quantize-table.json weight-bits=7 keep-faster-fp32=false" | FileCheck %s --check-prefix=W7
// RUN: not q8-opt %s -q8-quantize=table=%S/Inputs/not-json.json 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not q8-opt %s -q8-quantize=table=%S/Inputs/version-2.json 2>&1 | FileCheck %s --check-prefix=VERSION
// RUN: not q8-opt %s -q8-quantize=table=%S/Inputs/absent.json 2>&1 | FileCheck %s --check-prefix=ABSENT
// RUN: not q8-opt %s -q8-quantize 2>&1 | FileCheck %s --check-prefix=NOTABLE
// RUN: not q8-opt %s -q8-quantize="table=%S/Inputs/quantize-table.json method=kl" 2>&1 | FileCheck %s --check-prefix=METHOD

// NOTJSON: error: q8-quantize: cannot read calibration table '{{.*}}not-json.json': not JSON
// VERSION: error: q8-quantize: cannot read calibration table '{{.*}}version-2.json': table version 2; this q8 reads version 1
// ABSENT: error: q8-quantize: cannot read calibration table '{{.*}}absent.json': cannot open
// NOTABLE: error: q8-quantize: needs a calibration table (table=PATH)
// METHOD: error: q8-quantize: unknown method 'kl'

// A linear layer. "x"'s ranges (Inputs/quantize-table.json) are chosen so
// that every scale is a power of two:
//   minmax     [-0.5, 1.4921875]: asymmetricU8 scale (1.4921875 + 0.5) / 255
//              = 1.9921875 / 255 = 1/128 = 0.0078125, zero point 0.5 * 128 = 64
//   ema        [-0.25, 1.7421875]: scale 1/128, zero point 32
//   percentile [-1, 0.9921875]:   scale 1/128, zero point 128
// Weights [K=4, N=2], symmetricI8 per output channel (column):
//   column 0 [1.984375, -1, 0.5, 0.2]: absmax 1.984375 = 127/64, scale 1/64
//     q = [127, -64, 32, round(12.8) = 13]
//   column 1 [0.9921875, 0.25, -0.5, 0.01171875]: absmax 127/128, scale 1/128
//     q = [127, 32, -64, round-half-even(1.5) = 2]
// weight-bits=7 (qmax 63): scales 1.984375/63 and 0.9921875/63 in f32,
//   column 0: 63, -1 * 63/1.984375 = -31.75 -> -32, 15.875 -> 16, 6.35 -> 6
//   column 1: 63, 15.875 -> 16, -31.75 -> -32, 0.744 -> 1
// The activation is quantized once for both of its consumers; the relu
// stays fp32.

// CHECK-LABEL: func @linear
// CHECK:         %[[X:.*]] = q8.quantize %arg0 {resultType = tensor<2x3x4x!quant.uniform<u8:f32, 7.812500e-03:64>>}
// CHECK:         %[[WI:.*]] = q8.constant dense<{{\[}}[127, 127], [-64, 32], [32, -64], [13, 2]]> : tensor<4x2xi8>
// CHECK:         %[[W:.*]] = quant.scast %[[WI]] : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32:1, {1.562500e-02,7.812500e-03}>>
// CHECK:         %[[Y:.*]] = q8.qlinear %[[X]], %[[W]] {resultType = f32} : (tensor<2x3x4x!quant.uniform<u8:f32, 7.812500e-03:64>>, tensor<4x2x!quant.uniform<i8:f32:1, {1.562500e-02,7.812500e-03}>>) -> tensor<2x3x2xf32>
// CHECK:         %[[R:.*]] = q8.relu %[[Y]] : (tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
// CHECK:         %[[W2:.*]] = quant.scast
// CHECK:         %[[Z:.*]] = q8.qlinear %[[X]], %[[W2]] {resultType = f32}
// CHECK:         return %[[R]], %[[Z]]
// CHECK-NOT:     q8.matmul

// EMA-LABEL: func @linear
// EMA:         q8.quantize %arg0 {resultType = tensor<2x3x4x!quant.uniform<u8:f32, 7.812500e-03:32>>}
// PCT-LABEL: func @linear
// PCT:         q8.quantize %arg0 {resultType = tensor<2x3x4x!quant.uniform<u8:f32, 7.812500e-03:128>>}
// W7-LABEL: func @linear
// W7:         q8.constant dense<{{\[}}[63, 63], [-32, 16], [16, -32], [6, 1]]> : tensor<4x2xi8>
// W7:         quant.scast {{.*}} to tensor<4x2x!quant.uniform<i8<-63:63>:f32:1, {0.0314980149269104,0.0157490074634552}>>
func.func @linear(%x: tensor<2x3x4xf32> {q8.name = "x"}) -> (tensor<2x3x2xf32>, tensor<2x3x2xf32>) {
  %w = q8.constant dense<[[1.984375, 0.9921875], [-1.0, 0.25], [0.5, -0.5], [0.2, 0.01171875]]> : tensor<4x2xf32>
  %y = q8.matmul %x, %w : (tensor<2x3x4xf32>, tensor<4x2xf32>) -> tensor<2x3x2xf32>
  %r = q8.relu %y : (tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  %z = q8.matmul %x, %w : (tensor<2x3x4xf32>, tensor<4x2xf32>) -> tensor<2x3x2xf32>
  return %r, %z : tensor<2x3x2xf32>, tensor<2x3x2xf32>
}

// -----

// A matmul feeding a matmul directly ("h", no op between): the second
// layer's plan names the first's result, which the first rewrite replaces by
// its q8.qlinear. The second quantizes that replacement (this used to read
// the erased matmul's result and crash).
// CHECK-LABEL: func @chained
// CHECK:         %[[H:.*]] = q8.qlinear %{{.*}} {resultType = f32}
// CHECK:         %[[HQ:.*]] = q8.quantize %[[H]] {resultType = tensor<2x3x2x!quant.uniform<u8:f32, {{.*}}>>}
// CHECK:         %[[Y:.*]] = q8.qlinear %[[HQ]], %{{.*}} {resultType = f32}
// CHECK:         return %[[Y]]
// CHECK-NOT:     q8.matmul
func.func @chained(%x: tensor<2x3x4xf32> {q8.name = "x"}) -> tensor<2x3x2xf32> {
  %w = q8.constant dense<[[1.984375, 0.9921875], [-1.0, 0.25], [0.5, -0.5], [0.2, 0.01171875]]> : tensor<4x2xf32>
  %h = q8.matmul %x, %w : (tensor<2x3x4xf32>, tensor<4x2xf32>) -> tensor<2x3x2xf32> loc("mm1"("h"))
  %w2 = q8.constant dense<[[1.0, 0.5], [0.25, -1.0]]> : tensor<2x2xf32>
  %y = q8.matmul %h, %w2 : (tensor<2x3x2xf32>, tensor<2x2xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}

// -----

// Gemm with transB, alpha = 2 and beta = 2: the effective weights
// alpha * B^T are the same [4, 2] as above (B's rows are half of its
// columns), so the same int8 values and scales. "a": minmax [-0.5,
// 1.4921875], s_x = 1/128, zero point 64. Bias beta * C = [1, -0.5],
// quantizeBias: 1 / (1/128 * 1/64) = 8192 and -0.5 / (1/128 * 1/128) = -8192.

// CHECK-LABEL: func @gemm
// CHECK:         %[[A:.*]] = q8.quantize %arg0 {resultType = tensor<2x4x!quant.uniform<u8:f32, 7.812500e-03:64>>}
// CHECK:         %[[WI:.*]] = q8.constant dense<{{\[}}[127, 127], [-64, 32], [32, -64], [13, 2]]> : tensor<4x2xi8>
// CHECK:         %[[W:.*]] = quant.scast %[[WI]] : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32:1, {1.562500e-02,7.812500e-03}>>
// CHECK:         %[[B:.*]] = q8.constant dense<[8192, -8192]> : tensor<2xi32>
// CHECK:         %[[Y:.*]] = q8.qlinear %[[A]], %[[W]], %[[B]] {resultType = f32} : ({{.*}}, tensor<2xi32>) -> tensor<2x2xf32>
// CHECK:         return %[[Y]]
func.func @gemm(%a: tensor<2x4xf32> {q8.name = "a"}) -> tensor<2x2xf32> {
  %b = q8.constant dense<[[0.9921875, -0.5, 0.25, 0.1], [0.49609375, 0.125, -0.25, 0.005859375]]> : tensor<2x4xf32>
  %c = q8.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %y = q8.gemm %a, %b, %c {alpha = 2.0 : f32, beta = 2.0 : f32, transB = true} : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Gemm whose C is not a constant [N]: left fp32, said so.

// CHECK-LABEL: func @gemm_broadcast_c
// CHECK:         q8.gemm
// CHECK-NOT:     q8.qlinear
func.func @gemm_broadcast_c(%a: tensor<2x4xf32> {q8.name = "a"}, %c: tensor<2xf32>) -> tensor<2x2xf32> {
  %b = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{q8-quantize: gemm's C is not a constant [2]; left in fp32}}
  %y = q8.gemm %a, %b, %c : (tensor<2x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Activation x activation, 2-D: both operands quantized per tensor, the
// lhs as an activation (u8), the rhs as qlinear's weight (i8 symmetric):
//   "q" [-1, 1]: asymmetricU8 scale f32(2/255) = 0.0078431377..., zero point
//                round(1 / 0.0078431377...) = round(127.49999...) = 127
//   "k" [-1, 1]: symmetricI8(1) scale f32(1/127) = 0.0078740157...

// CHECK-LABEL: func @activations
// CHECK-DAG:     %[[K:.*]] = q8.quantize %arg1 {resultType = tensor<4x2x!quant.uniform<i8:f32, 0.0078740157186985015>>}
// CHECK-DAG:     %[[Q:.*]] = q8.quantize %arg0 {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>}
// CHECK:         %[[S:.*]] = q8.qlinear %[[Q]], %[[K]] {resultType = f32}
// CHECK:         return %[[S]]
func.func @activations(%q: tensor<2x4xf32> {q8.name = "q"}, %k: tensor<4x2xf32> {q8.name = "k"}) -> tensor<2x2xf32> {
  %s = q8.matmul %q, %k : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %s : tensor<2x2xf32>
}

// -----

// Attention's batched Q K^T [1, 2, 2, 4] x [1, 2, 4, 2]: quantized as the
// 2-D product is (same ranges [-1, 1], same parameters), the qlinear's
// weight batched [1, 2, K, N] like its input.

// CHECK-LABEL: func @attention
// CHECK-DAG:     %[[K:.*]] = q8.quantize %arg1 {resultType = tensor<1x2x4x2x!quant.uniform<i8:f32, 0.0078740157186985015>>}
// CHECK-DAG:     %[[Q:.*]] = q8.quantize %arg0 {resultType = tensor<1x2x2x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>}
// CHECK:         %[[S:.*]] = q8.qlinear %[[Q]], %[[K]] {resultType = f32} : {{.*}} -> tensor<1x2x2x2xf32>
// CHECK:         return %[[S]]
func.func @attention(%q: tensor<1x2x2x4xf32> {q8.name = "qb"}, %k: tensor<1x2x4x2xf32> {q8.name = "kb"}) -> tensor<1x2x2x2xf32> {
  %s = q8.matmul %q, %k : (tensor<1x2x2x4xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x2x2xf32>
  return %s : tensor<1x2x2x2xf32>
}

// -----

// No table entry: the op stays fp32, with a remark.

// CHECK-LABEL: func @missing
// CHECK:         q8.matmul
// CHECK-NOT:     q8.quantize
func.func @missing(%n: tensor<2x4xf32> {q8.name = "nope"}) -> tensor<2x2xf32> {
  %w = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{q8-quantize: no calibration entry for 'nope'; left in fp32}}
  %y = q8.matmul %n, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A table entry for another shape is an error (the table is for another
// model).

func.func @wrong_shape(%n: tensor<2x4xf32> {q8.name = "wrong_shape"}) -> tensor<2x2xf32> {
  %w = q8.constant dense<1.0> : tensor<4x2xf32>
  // expected-error @+1 {{q8-quantize: calibration entry 'wrong_shape' has shape [3, 4] but the value has shape [2, 4]}}
  %y = q8.matmul %n, %w : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A depthwise convolution (group = C = 2, 2x2 kernel) becomes q8.qconv:
// "xc" is quantized as "x" above (scale 1/128, zero point 64), the weights
// [M=2, 1, 2, 2] per output channel (axis 0) with the values of @linear's
// columns (channel 0: scale 1/64, q = [127, -64, 32, 13]; channel 1: scale
// 1/128, q = [127, 32, -64, 2]), the bias at s_x * s_w[m]:
// 0.5 / (1/128 * 1/64) = 4096 and -0.25 / (1/128 * 1/128) = -4096. The
// window attributes carry over.
// CHECK-LABEL: func @depthwise_conv
// CHECK:         %[[X:.*]] = q8.quantize %arg0 {resultType = tensor<1x2x3x3x!quant.uniform<u8:f32, 7.812500e-03:64>>}
// CHECK:         %[[WI:.*]] = q8.constant dense<{{\[}}{{\[}}{{\[}}[127, -64], [32, 13]]], {{\[}}{{\[}}[127, 32], [-64, 2]]]]> : tensor<2x1x2x2xi8>
// CHECK:         %[[W:.*]] = quant.scast %[[WI]] : tensor<2x1x2x2xi8> to tensor<2x1x2x2x!quant.uniform<i8:f32:0, {1.562500e-02,7.812500e-03}>>
// CHECK:         %[[B:.*]] = q8.constant dense<[4096, -4096]> : tensor<2xi32>
// CHECK:         %[[Y:.*]] = q8.qconv %[[X]], %[[W]], %[[B]] {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, resultType = f32, strides = array<i64: 1, 1>}
// CHECK-SAME:      -> tensor<1x2x2x2xf32>
// CHECK:         return %[[Y]]
// CHECK-NOT:     q8.conv
func.func @depthwise_conv(%x: tensor<1x2x3x3xf32> {q8.name = "xc"}) -> tensor<1x2x2x2xf32> {
  %w = q8.constant dense<[[[[1.984375, -1.0], [0.5, 0.2]]], [[[0.9921875, 0.25], [-0.5, 0.01171875]]]]> : tensor<2x1x2x2xf32>
  %b = q8.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %y = q8.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// A convolution whose weight is not a constant stays fp32, with a remark.
// CHECK-LABEL: func @conv_runtime_weight
// CHECK:         q8.conv
func.func @conv_runtime_weight(%x: tensor<1x2x3x3xf32> {q8.name = "xc"}, %w: tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  // expected-remark @+1 {{q8-quantize: conv weight is not a constant; left in fp32}}
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
