// RUN: q8-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of the q8 calibration and int8 ops.

func.func @observe_name(%x: tensor<2xf32>) {
  // expected-error @+1 {{'name' must not be empty}}
  %0 = q8.observe %x {name = ""} : tensor<2xf32>
  return
}

// -----

func.func @observe_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'axis' 2 is out of range for rank 2}}
  %0 = q8.observe %x {axis = 2 : i64, name = "x"} : tensor<2x3xf32>
  return
}

// -----

func.func @quantize_result_not_tensor(%x: tensor<2xf32>) {
  // expected-error @+2 {{'resultType' must be a statically shaped tensor, got '!quant.uniform<u8:f32, 1.000000e-01:128>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = !quant.uniform<u8:f32, 0.1:128>} : (tensor<2xf32>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_result_not_quant(%x: tensor<2xf32>) {
  // expected-error @+2 {{expects 'resultType' with a !quant element type, got 'tensor<2xi8>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2xi8>} : (tensor<2xf32>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_result_not_uniform(%x: tensor<2xf32>) {
  // expected-error @+2 {{'resultType' must have a !quant.uniform element type, got '!quant.any<i8:f32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.any<i8:f32>>} : (tensor<2xf32>) -> tensor<2x!quant.any<i8:f32>>
  return
}

// -----

func.func @quantize_storage(%x: tensor<2xf32>) {
  // expected-error @+2 {{'resultType' must have i8 or u8 storage, got 'i16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.uniform<i16:f32, 0.5>>} : (tensor<2xf32>) -> tensor<2x!quant.uniform<i16:f32, 0.5>>
  return
}

// -----

func.func @quantize_per_axis_dim(%x: tensor<3xf32>) {
  // expected-error @+2 {{'resultType' is quantized along dim 1, out of range for shape [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>} : (tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>
  return
}

// -----

func.func @quantize_per_axis_scales(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{'resultType' has 3 per-axis scales for dim 1 of size 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>
  return
}

// -----

func.func @quantize_expressed(%x: tensor<2xf16>) {
  // expected-error @+2 {{'resultType' expresses 'f32' but 'input' has element type 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.uniform<u8:f32, 0.1:128>>} : (tensor<2xf16>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<3xf32>) {
  // expected-error @+2 {{'resultType' has another shape than the input: 'tensor<2x!quant.uniform<u8:f32, 1.000000e-01:128>>' vs 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.uniform<u8:f32, 0.1:128>>} : (tensor<3xf32>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_prescale_axis(%x: tensor<2xf32>) {
  // expected-error @+1 {{'prescale' and 'axis' must be given together}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.uniform<u8:f32, 0.1:128>>, prescale = array<f32: 1.0, 2.0>} : (tensor<2xf32>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_axis_range(%x: tensor<2xf32>) {
  // expected-error @+1 {{'axis' 1 is out of range [-1, 1)}}
  %0 = q8.quantize %x {resultType = tensor<2x!quant.uniform<u8:f32, 0.1:128>>, prescale = array<f32: 1.0, 2.0>, axis = 1 : i64} : (tensor<2xf32>) -> tensor<2x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @quantize_prescale_size(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'prescale' has 2 values for dim 1 of size 3}}
  %0 = q8.quantize %x {resultType = tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>, prescale = array<f32: 1.0, 2.0>, axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>
  return
}

// -----

func.func @dequantize_per_axis(%x: tensor<2x4x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) {
  // expected-error @+2 {{'input' has 2 per-axis scales for dim 1 of size 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.dequantize %x : (tensor<2x4x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<2x4xf32>
  return
}

// -----

func.func @qlinear_rank(%x: tensor<4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x!quant.uniform<u8:f32, 0.1:128>>) {
  // expected-error @+2 {{expects 'input' [..., K] and 'weight' [K, N], or 'input' [B..., M, K] and 'weight' [B..., K, N] with the same batch dims, got 'tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>>' and 'tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<4xf32>
  return
}

// -----

func.func @qlinear_k(%x: tensor<2x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+2 {{contracting dims differ: input 'tensor<2x5x!quant.uniform<u8:f32, 1.000000e-01:128>>' has K = 5, weight 'tensor<4x3x!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01,1.250000e-01}>>' has K = 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<2x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_bias(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, %b: tensor<4xi32>) {
  // expected-error @+2 {{expects 'bias' of shape [3], got 'tensor<4xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w, %b {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>, tensor<4xi32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_result_kind(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+2 {{'resultType' must be a !quant.uniform or float element type, got 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = i32} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xi32>
  return
}

// -----

func.func @qlinear_result_storage(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+2 {{'resultType' must have i8 or u8 storage, got 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = !quant.uniform<i32:f32, 0.5>} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<i32:f32, 0.5>>
  return
}

// -----

func.func @qlinear_result_per_axis(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+2 {{'resultType' has 2 per-axis scales for dim 1 of size 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = !quant.uniform<i8:f32:1, {0.5, 0.5}>} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.5}>>
  return
}

// -----

func.func @qlinear_activation(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+1 {{attribute 'activation' failed to satisfy constraint: one of none, relu, gelu, clip}}
  %0 = q8.qlinear %x, %w {resultType = f32, activation = "silu"} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_input_per_axis(%x: tensor<2x4x!quant.uniform<u8:f32:1, {0.1, 0.1, 0.1, 0.1}>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+1 {{'input' must be quantized per tensor, got 'tensor<2x4x!quant.uniform<u8:f32:1, {1.000000e-01,1.000000e-01,1.000000e-01,1.000000e-01}>>'}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32:1, {0.1, 0.1, 0.1, 0.1}>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_weight_axis(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:0, {0.5, 0.5, 0.5, 0.5}>>) {
  // expected-error @+1 {{'weight' must be quantized per tensor or along dim 1 (N), got dim 0}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:0, {0.5, 0.5, 0.5, 0.5}>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @requantize_per_axis(%x: tensor<2x4x!quant.uniform<u8:f32:1, {0.1, 0.1, 0.1, 0.1}>>) {
  // expected-error @+1 {{'input' must be quantized per tensor, got 'tensor<2x4x!quant.uniform<u8:f32:1, {1.000000e-01,1.000000e-01,1.000000e-01,1.000000e-01}>>'}}
  %0 = q8.requantize %x {resultType = tensor<2x4x!quant.uniform<i8:f32, 0.2:-1>>} : (tensor<2x4x!quant.uniform<u8:f32:1, {0.1, 0.1, 0.1, 0.1}>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.2:-1>>
  return
}

// -----

func.func @qlinear_clip_without_clip(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'clipMin'/'clipMax' need activation "clip", got "relu"}}
  %0 = q8.qlinear %x, %w {resultType = f32, activation = "relu", clipMin = 0.0 : f64} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_clip_inverted(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'clipMin' 6.000000e+00 is greater than 'clipMax' 1.000000e+00}}
  %0 = q8.qlinear %x, %w {resultType = f32, activation = "clip", clipMin = 6.0 : f64, clipMax = 1.0 : f64} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_batch_mismatch(%x: tensor<2x3x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<3x4x5x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+2 {{expects 'input' [..., K] and 'weight' [K, N], or 'input' [B..., M, K] and 'weight' [B..., K, N] with the same batch dims, got 'tensor<2x3x4x!quant.uniform<u8:f32, 1.000000e-01:128>>' and 'tensor<3x4x5x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<2x3x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<3x4x5x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @qlinear_batched_per_axis(%x: tensor<2x3x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<2x4x2x!quant.uniform<i8:f32:2, {0.5, 0.25}>>) {
  // expected-error @+1 {{a batched 'weight' must be quantized per tensor, got 'tensor<2x4x2x!quant.uniform<i8:f32:2, {5.000000e-01,2.500000e-01}>>'}}
  %0 = q8.qlinear %x, %w {resultType = f32} : (tensor<2x3x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<2x4x2x!quant.uniform<i8:f32:2, {0.5, 0.25}>>) -> tensor<2x3x2xf32>
  return
}

// -----

func.func @qconv_float_input(%x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of quantized type values}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @qconv_group(%x: tensor<1x4x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+2 {{'weight' has 2 input channels per group, expected 4 / 4 = 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4, resultType = f32} : (tensor<1x4x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @qconv_window(%x: tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+2 {{spatial dim #0: padded input 2 is smaller than the dilated kernel 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x2x2x2x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x0x0xf32>
  return
}

// -----

func.func @qconv_bias(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>, %b: tensor<3xi32>) {
  // expected-error @+2 {{expects 'bias' of shape [4], got 'tensor<3xi32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.qconv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>, tensor<3xi32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @qconv_weight_axis(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) {
  // expected-error @+1 {{'weight' must be quantized per tensor or along dim 0 (the output channels), got dim 1}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @qconv_clip(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'clipMin'/'clipMax' need activation "clip", got "relu"}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = f32, activation = "relu", clipMax = 6.0} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @qlinear_prescale_float(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+1 {{'resultPrescale' needs a quantized 'resultType', got 'f32'}}
  %0 = q8.qlinear %x, %w {resultType = f32, resultPrescale = array<f32: 1.0, 2.0, 0.5>} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3xf32>
  return
}

// -----

func.func @qlinear_prescale_size(%x: tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) {
  // expected-error @+1 {{'resultPrescale' has 2 values for 3 output channels}}
  %0 = q8.qlinear %x, %w {resultType = !quant.uniform<u8:f32, 0.2:10>, resultPrescale = array<f32: 1.0, 2.0>} : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>) -> tensor<2x3x!quant.uniform<u8:f32, 0.2:10>>
  return
}

// -----

func.func @qconv_prescale_value(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'resultPrescale' values must be positive and finite}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = !quant.uniform<u8:f32, 0.2:10>, resultPrescale = array<f32: 1.0, 0.0, 1.0, 1.0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3x!quant.uniform<u8:f32, 0.2:10>>
  return
}

// -----

func.func @qconv_prescale_clip(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'resultPrescale' does not go with activation "clip"}}
  %0 = q8.qconv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, resultType = !quant.uniform<u8:f32, 0.2:10>, activation = "clip", clipMax = 6.0, resultPrescale = array<f32: 1.0, 1.0, 1.0, 1.0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3x!quant.uniform<u8:f32, 0.2:10>>
  return
}
