// RUN: q8-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of q8 graph-op type inference and verifiers.
// Type-inference failures are followed by MLIR's own
// "failed to infer returned types".

func.func @not_static(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{expects 'input' to be a statically shaped tensor, got 'tensor<?x4xf32>'}}
  %0 = q8.observe %x {name = "x"} : tensor<?x4xf32>
  return
}

// -----

func.func @constant_not_tensor() {
  // expected-error @+1 {{expects a statically shaped tensor value, got 'vector<4xf32>'}}
  %0 = q8.constant dense<1.0> : vector<4xf32>
  return
}

// -----

func.func @result_overflow(%x: tensor<1xf32>) {
  // expected-error @+2 {{result shape [4294967296, 4294967296] has a negative dim or more than 2^63 elements}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.expand %x {shape = array<i64: 4294967296, 4294967296>} : (tensor<1xf32>) -> tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @binary_element_types(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error @+2 {{operands have different element types: 'f32' vs 'i32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.add %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xf32>
  return
}

// -----

func.func @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operands are not broadcast-compatible: tensor<2x3xf32> vs tensor<4xf32>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @compare_element_types(%a: tensor<2xf32>, %b: tensor<2xf16>) {
  // expected-error @+2 {{operands have different element types: 'f32' vs 'f16'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.less %a, %b : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xi1>
  return
}

// -----

func.func @where_broadcast(%c: tensor<3xi1>, %a: tensor<2x1xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operands are not broadcast-compatible: tensor<3xi1> vs tensor<2x1xf32> vs tensor<4xf32>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.where %c, %a, %b : (tensor<3xi1>, tensor<2x1xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @where_element_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi8>) {
  // expected-error @+2 {{operands have different element types: 'f32' vs 'i8'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi8>) -> tensor<3xf32>
  return
}

// -----

func.func @gelu_approximate(%x: tensor<2xf32>) {
  // expected-error @+1 {{attribute 'approximate' failed to satisfy constraint: one of none, tanh}}
  %0 = q8.gelu %x {approximate = "fast"} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @clip_bounds(%x: tensor<2xf32>) {
  // expected-error @+1 {{'min' 2.000000e+00 is greater than 'max' 1.000000e+00}}
  %0 = q8.clip %x {min = 2.0, max = 1.0} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @cast_to(%x: tensor<2xf32>) {
  // expected-error @+2 {{'to' must be an integer or float type, got 'index'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.cast %x {to = index} : (tensor<2xf32>) -> tensor<2xindex>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'axis' 2 is out of range [-2, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.softmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) {
  // expected-error @+2 {{scale 'tensor<3x4xf32>' does not broadcast to [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.layer_norm %x, %s {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @layer_norm_bias_type(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+2 {{'bias' has element type 'f16', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.layer_norm %x, %s, %b {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf16>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) {
  // expected-error @+2 {{expects 'input' of rank >= 2 (N, C, ...), got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.batch_norm %x, %c, %c, %c, %c : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @batch_norm_param(%x: tensor<2x3xf32>, %c: tensor<3xf32>, %v: tensor<4xf32>) {
  // expected-error @+2 {{expects 'variance' of shape [3], got 'tensor<4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.batch_norm %x, %c, %c, %c, %v : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{expects operands of rank >= 1, got 'tensor<f32>' and 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<f32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+2 {{'rhs' has element type 'f16', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.matmul %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<f32>
  return
}

// -----

func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{contracting dims differ: lhs 'tensor<2x3xf32>' has K = 3, rhs 'tensor<4x5xf32>' has K = 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+2 {{batch dims are not broadcast-compatible: [2] vs [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<2x2x5xf32>
  return
}

// -----

func.func @gemm_rank(%a: tensor<3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+2 {{expects 'a' and 'b' of rank 2, got 'tensor<3xf32>' and 'tensor<3x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.gemm %a, %b : (tensor<3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @gemm_k(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+2 {{contracting dims differ: op(a) is [M, K] = [3, 2], op(b) is [K, N] = [3, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.gemm %a, %b {transA = true} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gemm_c(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<2xf32>) {
  // expected-error @+2 {{c 'tensor<2xf32>' does not broadcast to [2, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.gemm %a, %b, %c : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<2xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+2 {{expects 'input' of rank >= 3 (N, C, spatial...), got 'tensor<1x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64>, pads = array<i64>, dilations = array<i64>} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x4x8xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+2 {{expects 'weight' of rank 3 like the input, got 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4xf32>) -> tensor<1x2x8xf32>
  return
}

// -----

func.func @conv_weight_type(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf16>) {
  // expected-error @+2 {{'weight' has element type 'f16', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf16>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'group' must be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 0 : i64} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_group_channels(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{input channels 4 are not divisible by 'group' 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 3 : i64} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_kernel_dims(%x: tensor<1x4x8xf32>, %w: tensor<2x4x0xf32>) {
  // expected-error @+2 {{'weight kernel dims' must be positive, got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x0xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_strides_count(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{expects 1 values in 'strides', got [1, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_pads_count(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{expects 2 values in 'pads', got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_strides_positive(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'strides' must be positive, got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 0>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_dilations_positive(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'dilations' must be positive, got [-1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: -1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_pads_negative(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'pads' must be non-negative, got [-1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: -1, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_channels_per_group(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'weight' has 4 input channels per group, expected 4 / 2 = 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 2 : i64} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_out_channels_group(%x: tensor<1x4x8xf32>, %w: tensor<3x2x3xf32>) {
  // expected-error @+2 {{output channels 3 are not divisible by 'group' 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 2 : i64} : (tensor<1x4x8xf32>, tensor<3x2x3xf32>) -> tensor<1x3x6xf32>
  return
}

// -----

func.func @conv_bias_type(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>, %b: tensor<2xf16>) {
  // expected-error @+2 {{'bias' has element type 'f16', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>, tensor<2xf16>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{expects 'bias' of shape [2], got 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w, %b {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>, tensor<3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_small_input(%x: tensor<1x4x2xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{spatial dim #0: padded input 2 is smaller than the dilated kernel 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x2xf32>, tensor<2x4x3xf32>) -> tensor<1x2x1xf32>
  return
}

// -----

func.func @conv_overflow(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{spatial dim #0 overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 9223372036854775807, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6xf32>
  return
}

// -----

func.func @conv_transpose_weight(%x: tensor<1x4x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{'weight' dim 0 is 2, expected the input channels 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv_transpose %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, output_padding = array<i64: 0>} : (tensor<1x4x8xf32>, tensor<2x4x3xf32>) -> tensor<1x4x10xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x8xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+2 {{'output_padding' must be non-negative, got [-1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv_transpose %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, output_padding = array<i64: -1>} : (tensor<1x4x8xf32>, tensor<4x2x3xf32>) -> tensor<1x2x10xf32>
  return
}

// -----

func.func @conv_transpose_channels_overflow(%x: tensor<1x4x8xf32>, %w: tensor<4x4611686018427387904x3xf32>) {
  // expected-error @+2 {{output channels overflow int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv_transpose %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, output_padding = array<i64: 0>, group = 4 : i64} : (tensor<1x4x8xf32>, tensor<4x4611686018427387904x3xf32>) -> tensor<1x2x10xf32>
  return
}

// -----

func.func @conv_transpose_overflow(%x: tensor<1x4x8xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+2 {{spatial dim #0 overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv_transpose %x, %w {strides = array<i64: 9223372036854775807>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, output_padding = array<i64: 0>} : (tensor<1x4x8xf32>, tensor<4x2x3xf32>) -> tensor<1x2x10xf32>
  return
}

// -----

func.func @conv_transpose_empty(%x: tensor<1x4x1xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+2 {{spatial dim #0 of the result would be 0 (the pads exceed the output)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.conv_transpose %x, %w {strides = array<i64: 1>, pads = array<i64: 1, 0>, dilations = array<i64: 1>, output_padding = array<i64: 0>} : (tensor<1x4x1xf32>, tensor<4x2x1xf32>) -> tensor<1x2x1xf32>
  return
}

// -----

func.func @max_pool_kernel(%x: tensor<1x4x8xf32>) {
  // expected-error @+2 {{'kernel_shape' must be positive, got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.max_pool %x {kernel_shape = array<i64: 0>, strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

func.func @max_pool_element(%x: tensor<1x1x4x4xcomplex<f32>>) {
  // expected-error @+1 {{operand #0 must be statically shaped tensor of floating-point or integer values}}
  %0 = q8.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xcomplex<f32>>) -> tensor<1x1x2x2xcomplex<f32>>
  return
}

// -----

func.func @average_pool_kernel_count(%x: tensor<1x4x8xf32>) {
  // expected-error @+2 {{expects 1 values in 'kernel_shape', got [2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>} : (tensor<1x4x8xf32>) -> tensor<1x4x7xf32>
  return
}

// -----

func.func @global_average_pool_rank(%x: tensor<1x4xf32>) {
  // expected-error @+2 {{expects 'input' of rank >= 3 (N, C, spatial...), got 'tensor<1x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.global_average_pool %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @reduce_axes_range(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'axes' must be in [0, 2), got [-1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.reduce_sum %x {axes = array<i64: -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_axes_sorted(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'axes' must be sorted and unique, got [1, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.reduce_max %x {axes = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return
}

// -----

func.func @transpose_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{expects 2 values in 'perm', got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.transpose %x {perm = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'perm' [1, 1] is not a permutation of [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.transpose %x {perm = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @reshape_negative(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'shape' must be non-negative, got [-1, 6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.reshape %x {shape = array<i64: -1, 6>} : (tensor<2x3xf32>) -> tensor<1x6xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{'shape' [4, 2] does not hold the 6 elements of 'tensor<2x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.reshape %x {shape = array<i64: 4, 2>} : (tensor<2x3xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @expand_broadcast(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{input 'tensor<2x3xf32>' is not broadcast-compatible with 'shape' [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.expand %x {shape = array<i64: 4>} : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+2 {{'axis' -3 is out of range [-2, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.gather %x, %i {axis = -3 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+2 {{expects at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return
}

// -----

func.func @concat_element_types(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error @+2 {{'inputs' has element type 'i32', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.concat %a, %b {axis = 0 : i64} : (tensor<2xf32>, tensor<2xi32>) -> tensor<4xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{input #1 'tensor<2x4xf32>' differs from input #0 'tensor<2x3xf32>' outside 'axis' 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_overflow(%a: tensor<4611686018427387904xi8>) {
  // expected-error @+2 {{the concatenated dim overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.concat %a, %a {axis = 0 : i64} : (tensor<4611686018427387904xi8>, tensor<4611686018427387904xi8>) -> tensor<4xi8>
  return
}

// -----

func.func @split_sizes(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'sizes' [2, 3] do not sum to dim 1 of 'tensor<2x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = q8.split %x {axis = 1 : i64, sizes = array<i64: 2, 3>} : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @split_negative(%x: tensor<2x6xf32>) {
  // expected-error @+2 {{'sizes' must be non-negative, got [7, -1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = q8.split %x {axis = 1 : i64, sizes = array<i64: 7, -1>} : (tensor<2x6xf32>) -> (tensor<2x7xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @slice_count(%x: tensor<4xf32>) {
  // expected-error @+2 {{expects 1 values in 'steps', got []}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_step_zero(%x: tensor<4xf32>) {
  // expected-error @+2 {{'steps' must be non-zero, got [0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @slice_forward_bounds(%x: tensor<4xf32>) {
  // expected-error @+2 {{dim #0: step 1 needs 0 <= start <= end <= 4, got start 3 and end 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.slice %x {starts = array<i64: 3>, ends = array<i64: 5>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @slice_backward_bounds(%x: tensor<4xf32>) {
  // expected-error @+2 {{dim #0: step -1 needs -1 <= end <= start <= 3, got start 4 and end -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.slice %x {starts = array<i64: 4>, ends = array<i64: -1>, steps = array<i64: -1>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<4xf32>) {
  // expected-error @+2 {{expects 2 values in 'pads', got [1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.pad %x {pads = array<i64: 1>} : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<4xf32>) {
  // expected-error @+2 {{dim #0 of size 4 padded by (-3, -2) is negative or overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.pad %x {pads = array<i64: -3, -2>} : (tensor<4xf32>) -> tensor<0xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<4xf32>) {
  // expected-error @+1 {{attribute 'mode' failed to satisfy constraint: one of constant, reflect, edge}}
  %0 = q8.pad %x {pads = array<i64: 1, 1>, mode = "wrap"} : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @resize_sizes(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{'sizes' must be positive, got [2, 0]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.resize %x {sizes = array<i64: 2, 0>, scales = array<f32: 1.0, 0.5>} : (tensor<2x4xf32>) -> tensor<2x0xf32>
  return
}

// -----

func.func @resize_sizes_count(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{expects 2 values in 'sizes', got [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.resize %x {sizes = array<i64: 8>, scales = array<f32: 1.0, 2.0>} : (tensor<2x4xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @resize_scales_count(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{expects 2 values in 'scales', got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 2.0>} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @resize_scales_positive(%x: tensor<2x4xf32>) {
  // expected-error @+2 {{'scales' must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 1.0, -2.0>} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @resize_mode(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{attribute 'mode' failed to satisfy constraint: one of nearest, linear, cubic}}
  %0 = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 1.0, 2.0>, mode = "area"} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @resize_coordinate_mode(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{attribute 'coordinate_transformation_mode' failed to satisfy constraint: one of half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize}}
  %0 = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 1.0, 2.0>, coordinate_transformation_mode = "centered"} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @resize_nearest_mode(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{attribute 'nearest_mode' failed to satisfy constraint: one of round_prefer_floor, round_prefer_ceil, floor, ceil}}
  %0 = q8.resize %x {sizes = array<i64: 2, 8>, scales = array<f32: 1.0, 2.0>, nearest_mode = "round"} : (tensor<2x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @lstm_x_rank(%x: tensor<5x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+2 {{expects 'x' of shape [seq, batch, input], got 'tensor<5x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 4 : i64} : (tensor<5x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @lstm_direction(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+1 {{attribute 'direction' failed to satisfy constraint: one of forward, reverse, bidirectional}}
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 4 : i64, direction = "sideways"} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @lstm_hidden_size(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+2 {{'hidden_size' must be positive, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 0 : i64} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @lstm_hidden_overflow(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+2 {{'hidden_size' 4611686018427387904 overflows int64}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 4611686018427387904 : i64} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @lstm_w(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x16x4xf32>) {
  // expected-error @+2 {{expects 'w' of shape [1, 16, 3], got 'tensor<1x12x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @lstm_peephole(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>, %p: tensor<1x12xf16>) {
  // expected-error @+2 {{'p' has element type 'f16', expected 'f32'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:3 = q8.lstm %x, %w, %r peephole %p {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x12xf16>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return
}

// -----

func.func @gru_initial_h(%x: tensor<5x2x3xf32>, %w: tensor<2x12x3xf32>, %r: tensor<2x12x4xf32>, %h: tensor<1x2x4xf32>) {
  // expected-error @+2 {{expects 'initial_h' of shape [2, 2, 4], got 'tensor<1x2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = q8.gru %x, %w, %r initial_h %h {hidden_size = 4 : i64, direction = "bidirectional"} : (tensor<5x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>, tensor<1x2x4xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>)
  return
}
