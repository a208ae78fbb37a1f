// RUN: q8-opt %s -q8-fold-batch-norm -split-input-file | FileCheck %s

// k = scale / sqrt(var + eps) = [4/2, 3/3] = [2, 1]
// W' = W * k = [2, 2];  b' = (b - mean) * k + bias = [(0.5-0.5)*2+1, (-1-1)*1+0]
// CHECK-LABEL: func.func @fold_into_conv
// CHECK-DAG:   %[[W:.*]] = q8.constant dense<2.000000e+00> : tensor<2x1x1x1xf32>
// CHECK-DAG:   %[[B:.*]] = q8.constant dense<[1.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK:       %[[Y:.*]] = q8.conv %arg0, %[[W]], %[[B]]
// CHECK-NOT:   q8.batch_norm
// CHECK:       return %[[Y]]
func.func @fold_into_conv(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = q8.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = q8.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %scale = q8.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %bias = q8.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %mean = q8.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %var = q8.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %y = q8.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %z = q8.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// A conv without bias gets one: b' = -mean * k + bias.
// CHECK-LABEL: func.func @conv_without_bias
// CHECK:       %[[B:.*]] = q8.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK:       q8.conv %arg0, %{{.*}}, %[[B]]
func.func @conv_without_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = q8.constant dense<1.0> : tensor<2x1x1x1xf32>
  %one = q8.constant dense<1.0> : tensor<2xf32>
  %bias = q8.constant dense<[0.0, 3.0]> : tensor<2xf32>
  %mean = q8.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %var = q8.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = q8.batch_norm %y, %one, %bias, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// Statistics that are not constants stay a batch_norm.
// CHECK-LABEL: func.func @dynamic_stats
// CHECK:       q8.conv
// CHECK:       q8.batch_norm
func.func @dynamic_stats(%x: tensor<1x1x3x3xf32>, %mean: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = q8.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = q8.constant dense<1.0> : tensor<2xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = q8.batch_norm %y, %c, %c, %mean, %c : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// A conv whose result is also used elsewhere must survive: no fold.
// CHECK-LABEL: func.func @conv_has_other_users
// CHECK:       q8.batch_norm
func.func @conv_has_other_users(%x: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = q8.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = q8.constant dense<1.0> : tensor<2xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = q8.batch_norm %y, %c, %c, %c, %c : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %y, %z : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Weights above the resource threshold are written back as a blob:
// k = 2 / sqrt(2 + 1e-5) = 1.41421 = 0x3FB504D5 (little-endian D504B53F after
// the 4-byte alignment header).
// CHECK-LABEL: func.func @large_weight_stays_a_blob
// CHECK:       q8.constant dense_resource<[[BLOB:folded_weight[_0-9]*]]> : tensor<8x8x3x3xf32>
// CHECK:       [[BLOB]]: "0x04000000D504B53FD504B53F
func.func @large_weight_stays_a_blob(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = q8.constant dense<1.0> : tensor<8x8x3x3xf32>
  %c = q8.constant dense<2.0> : tensor<8xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x4x4xf32>
  %z = q8.batch_norm %y, %c, %c, %c, %c : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return %z : tensor<1x8x4x4xf32>
}
