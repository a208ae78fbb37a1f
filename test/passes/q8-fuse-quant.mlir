// RUN: q8-opt %s -split-input-file -q8-fuse-quant | FileCheck %s

// Shared shapes: %x [2, 4] quantized u8 (scale 0.5, zp 3), weights i8 per
// output channel, scales {0.5, 0.25, 0.125}: the accumulator of channel n
// is at s_x * s_w[n] = {0.25, 0.125, 0.0625}.

// quantize(dequantize(x)) of the same type is x; of another per-tensor
// type a q8.requantize.
// CHECK-LABEL: func.func @qdq_same
// CHECK-NEXT:    return %arg0
func.func @qdq_same(%q: tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>> {
  %d = q8.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32>
  %r = q8.quantize %d {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  return %r : tensor<4x!quant.uniform<u8:f32, 0.5:3>>
}

// -----

// CHECK-LABEL: func.func @qdq_requantize
// CHECK-NEXT:    %[[R:.*]] = q8.requantize %arg0 {resultType = tensor<4x!quant.uniform<i8:f32, 2.500000e-01:-1>>} : (tensor<4x!quant.uniform<u8:f32, 5.000000e-01:3>>) -> tensor<4x!quant.uniform<i8:f32, 2.500000e-01:-1>>
// CHECK-NEXT:    return %[[R]]
func.func @qdq_requantize(%q: tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-1>> {
  %d = q8.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32>
  %r = q8.quantize %d {resultType = tensor<4x!quant.uniform<i8:f32, 0.25:-1>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.25:-1>>
  return %r : tensor<4x!quant.uniform<i8:f32, 0.25:-1>>
}

// -----

// Not folded: a SmoothQuant prescale other than ones, and
// dequantize(quantize(x)) (rounds x to the grid: not an identity).
// CHECK-LABEL: func.func @qdq_kept
// CHECK:         q8.dequantize
// CHECK:         q8.quantize %{{.*}} {axis = 0 : i64, prescale = array<f32: 2.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00>
// CHECK:         q8.quantize %arg1
// CHECK:         q8.dequantize
func.func @qdq_kept(%q: tensor<4x!quant.uniform<u8:f32, 0.5:3>>, %x: tensor<4xf32>) -> (tensor<4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4xf32>) {
  %d = q8.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32>
  %r = q8.quantize %d {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>, prescale = array<f32: 2.0, 1.0, 1.0, 1.0>, axis = 0} : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %q2 = q8.quantize %x {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %d2 = q8.dequantize %q2 : (tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32>
  return %r, %d2 : tensor<4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4xf32>
}

// -----

// A constant [N] bias add becomes the int32 bias round(b[n] / (s_x s_w[n])):
// 1.0 / 0.25 = 4, -0.5 / 0.125 = -4, 0.3 / 0.0625 = 4.8 -> 5.
// CHECK-LABEL: func.func @bias
// CHECK:         %[[B:.*]] = q8.constant dense<[4, -4, 5]> : tensor<3xi32>
// CHECK:         %[[Y:.*]] = q8.qlinear %{{.*}}, %{{.*}}, %[[B]] {resultType = f32}
// CHECK-NOT:     q8.add
// CHECK:         return %[[Y]]
func.func @bias(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32> {
  %b = q8.constant dense<[1.0, -0.5, 0.3]> : tensor<3xf32>
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z = q8.add %b, %y : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %z : tensor<2x3xf32>
}

// -----

// A [1, N] bias and a scalar one fold too (the scalar to every channel:
// 0.5 / {0.25, 0.125, 0.0625}).
// CHECK-LABEL: func.func @bias_shapes
// CHECK-DAG:     q8.constant dense<[8, 16, -8]> : tensor<3xi32>
// CHECK-DAG:     q8.constant dense<[2, 4, 8]> : tensor<3xi32>
// CHECK-NOT:     q8.add
func.func @bias_shapes(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %b = q8.constant dense<[[2.0, 2.0, -0.5]]> : tensor<1x3xf32>
  %s = q8.constant dense<0.5> : tensor<f32>
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z = q8.add %y, %b : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z2 = q8.add %y2, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %z, %z2 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Not folded: the qlinear has a bias already, or another user, or the
// addend is not a constant, or it broadcasts along rows.
// CHECK-LABEL: func.func @bias_kept
// CHECK-COUNT-4: q8.add
func.func @bias_kept(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, %v: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %bi = q8.constant dense<[1, 2, 3]> : tensor<3xi32>
  %b = q8.constant dense<[1.0, -0.5, 0.3]> : tensor<3xf32>
  %col = q8.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %y = q8.qlinear %q, %w, %bi {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, tensor<3xi32>) -> tensor<2x3xf32>
  %z = q8.add %y, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z2 = q8.add %y2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %y3 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z3 = q8.add %y3, %v : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %y4 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z4 = q8.add %y4, %col : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %z, %z2, %y2, %z3, %z4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// relu, clip (its bounds) and the erf GELU formula (torch's export order)
// as the only user of a qlinear's f32 result become its activation.
// CHECK-LABEL: func.func @activations
// CHECK:         %[[R:.*]] = q8.qlinear %arg0, %arg1 {activation = "relu", resultType = f32}
// CHECK:         %[[C:.*]] = q8.qlinear %arg0, %arg1 {activation = "clip", clipMax = 6.000000e+00 : f64, clipMin = -1.000000e+00 : f64, resultType = f32}
// CHECK:         %[[G:.*]] = q8.qlinear %arg0, %arg1 {activation = "gelu", resultType = f32}
// CHECK-NOT:     q8.relu
// CHECK-NOT:     q8.clip
// CHECK-NOT:     q8.erf
// CHECK-NOT:     q8.mul
// CHECK:         return %[[R]], %[[C]], %[[G]]
func.func @activations(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %r = q8.relu %y : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %c = q8.clip %y2 {min = -1.0 : f64, max = 6.0 : f64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y3 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %sqrt2 = q8.constant dense<1.41421354> : tensor<f32>
  %one = q8.constant dense<1.0> : tensor<f32>
  %half = q8.constant dense<0.5> : tensor<f32>
  %e0 = q8.div %y3, %sqrt2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %e1 = q8.erf %e0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %e2 = q8.add %e1, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %h = q8.mul %y3, %half : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %g = q8.mul %h, %e2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r, %c, %g : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Not fused: a qlinear result with two users, a tanh GELU, and a formula
// whose constant is not 0.5 (it stays float ops).
// CHECK-LABEL: func.func @activations_kept
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.relu
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.gelu %{{.*}} {approximate = "tanh"}
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.erf
// CHECK-NOT:     q8.gelu
func.func @activations_kept(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %r = q8.relu %y : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %t = q8.gelu %y2 {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y3 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %sqrt2 = q8.constant dense<1.41421354> : tensor<f32>
  %one = q8.constant dense<1.0> : tensor<f32>
  %third = q8.constant dense<0.3> : tensor<f32>
  %e0 = q8.div %y3, %sqrt2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %e1 = q8.erf %e0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %e2 = q8.add %e1, %one : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %h = q8.mul %y3, %third : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %g = q8.mul %h, %e2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r, %y, %t, %g : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// An FFN: matmul + bias add + GELU + the next layer's quantize all fold
// into one qlinear that requantizes to the next layer's input type; the
// next layer reads its int8 result directly.
// CHECK-LABEL: func.func @chain
// CHECK:         %[[B:.*]] = q8.constant dense<[4, -4, 5]> : tensor<3xi32>
// CHECK:         %[[H:.*]] = q8.qlinear %arg0, %arg1, %[[B]] {activation = "gelu", resultType = !quant.uniform<u8:f32, 1.000000e-01:5>} : {{.*}} -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:5>>
// CHECK-NOT:     q8.quantize
// CHECK:         %[[Y:.*]] = q8.qlinear %[[H]], %arg2 {activation = "relu", resultType = f32}
// CHECK:         return %[[Y]]
func.func @chain(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, %w2: tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<2x2xf32> {
  %b = q8.constant dense<[1.0, -0.5, 0.3]> : tensor<3xf32>
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %z = q8.add %y, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %sqrt2 = q8.constant dense<1.41421354> : tensor<f32>
  %one = q8.constant dense<1.0> : tensor<f32>
  %half = q8.constant dense<0.5> : tensor<f32>
  %e0 = q8.div %z, %sqrt2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %e1 = q8.erf %e0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %e2 = q8.add %one, %e1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %h = q8.mul %half, %z : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %g = q8.mul %e2, %h : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %gq = q8.quantize %g {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %o = q8.qlinear %gq, %w2 {resultType = f32} : (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<3x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<2x2xf32>
  %r = q8.relu %o : (tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// Two quantize users of one type share the requantizing qlinear.
// CHECK-LABEL: func.func @chain_shared
// CHECK:         %[[H:.*]] = q8.qlinear %arg0, %arg1 {resultType = !quant.uniform<u8:f32, 1.000000e-01:5>}
// CHECK-NOT:     q8.quantize
// CHECK:         return %[[H]], %[[H]]
func.func @chain_shared(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>) {
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %a = q8.quantize %y {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %b = q8.quantize %y {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  return %a, %b : tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
}

// -----

// Not chained: quantizes of two types, a SmoothQuant prescale along the
// rows (not the output channels), an f32 user beside the quantize. An
// all-ones prescale is none and chains.
// CHECK-LABEL: func.func @chain_kept
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.quantize
// CHECK:         q8.quantize
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.quantize {{.*}}prescale
// CHECK:         q8.qlinear %arg0, %arg1 {resultType = f32}
// CHECK:         q8.quantize
// CHECK:         %[[ONES:.*]] = q8.qlinear %arg0, %arg1 {resultType = !quant.uniform<u8:f32, 1.000000e-01:5>}
// CHECK-NOT:     q8.quantize
func.func @chain_kept(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.2:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3xf32>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>) {
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %a = q8.quantize %y {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %b = q8.quantize %y {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.2:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.2:5>>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %c = q8.quantize %y2 {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, prescale = array<f32: 1.0, 2.0>, axis = 0} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %y3 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %d = q8.quantize %y3 {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %y4 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %e = q8.quantize %y4 {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, prescale = array<f32: 1.0, 1.0, 1.0>, axis = 1} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  return %a, %b, %c, %d, %y3, %e : tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.2:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3xf32>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
}

// -----

// A SmoothQuant prescale along the output channels (the next layer's 1/s)
// chains too, as `resultPrescale` (the requantize multipliers of channel n
// become s_x s_w[n] p[n] / s_y); with "clip" it stays unfused.
// CHECK-LABEL: func.func @chain_prescale
// CHECK:         %[[H:.*]] = q8.qlinear %arg0, %arg1 {activation = "relu", resultPrescale = array<f32: 1.000000e+00, 2.000000e+00, 5.000000e-01>, resultType = !quant.uniform<u8:f32, 1.000000e-01:5>}
// CHECK-NOT:     q8.quantize
// CHECK:         q8.qlinear %arg0, %arg1 {activation = "clip", clipMax = 6.000000e+00 : f64, clipMin = 0.000000e+00 : f64, resultType = f32}
// CHECK:         q8.quantize {{.*}}prescale
func.func @chain_prescale(%q: tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> (tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>) {
  %y = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %r = q8.relu %y : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = q8.quantize %r {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, prescale = array<f32: 1.0, 2.0, 0.5>, axis = 1} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  %y2 = q8.qlinear %q, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.5:3>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  %c = q8.clip %y2 {min = 0.0 : f64, max = 6.0 : f64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = q8.quantize %c {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, prescale = array<f32: 1.0, 2.0, 0.5>, axis = -1} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
  return %a, %b : tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>, tensor<2x3x!quant.uniform<u8:f32, 0.1:5>>
}

// -----

// q8.qconv takes the same fusions along its channel dim 1: a [3, 1, 1]
// bias (round(b[m] / (s_x s_w[m])) = [4, 8, -16] for b = [1, 1, -1]), the
// clip (ReLU6) and the next layer's quantize (a requantizing epilogue).
// CHECK-LABEL: func.func @qconv_chain
// CHECK:         %[[B:.*]] = q8.constant dense<[4, 8, -16]> : tensor<3xi32>
// CHECK:         %[[Y:.*]] = q8.qconv %arg0, %arg1, %[[B]] {activation = "clip", clipMax = 6.000000e+00 : f64, clipMin = 0.000000e+00 : f64, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, resultType = !quant.uniform<u8:f32, 2.500000e-02>, strides = array<i64: 1, 1>}
// CHECK-SAME:      -> tensor<1x3x2x2x!quant.uniform<u8:f32, 2.500000e-02>>
// CHECK-NEXT:    return %[[Y]]
func.func @qconv_chain(%q: tensor<1x4x2x2x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<3x4x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.025>> {
  %y = q8.qconv %q, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x4x2x2x!quant.uniform<u8:f32, 0.5:3>>, tensor<3x4x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>) -> tensor<1x3x2x2xf32>
  %b = q8.constant dense<[[[1.0]], [[1.0]], [[-1.0]]]> : tensor<3x1x1xf32>
  %z = q8.add %y, %b : (tensor<1x3x2x2xf32>, tensor<3x1x1xf32>) -> tensor<1x3x2x2xf32>
  %c = q8.clip %z {min = 0.0 : f64, max = 6.0 : f64} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  %r = q8.quantize %c {resultType = tensor<1x3x2x2x!quant.uniform<u8:f32, 0.025>>} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2x!quant.uniform<u8:f32, 0.025>>
  return %r : tensor<1x3x2x2x!quant.uniform<u8:f32, 0.025>>
}

// -----

// Not a bias: a constant along the last (width) dim of a qconv's result,
// which is not its channel dim, stays a float add.
// CHECK-LABEL: func.func @qconv_not_bias
// CHECK:         q8.qconv %arg0, %arg1 {
// CHECK:         q8.add
func.func @qconv_not_bias(%q: tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:3>>, %w: tensor<3x4x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>) -> tensor<1x3x3x3xf32> {
  %y = q8.qconv %q, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:3>>, tensor<3x4x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125}>>) -> tensor<1x3x3x3xf32>
  %b = q8.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %z = q8.add %y, %b : (tensor<1x3x3x3xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %z : tensor<1x3x3x3xf32>
}
