// RUN: q8-opt %s | q8-opt | FileCheck %s

// Round-trip of the calibration and int8 ops with their inferred types.

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>

// CHECK-LABEL: func @observe
func.func @observe(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: q8.observe %{{.*}} {name = "x"} : tensor<2x4xf32>
  %0 = q8.observe %x {name = "x"} : tensor<2x4xf32>
  // CHECK: q8.observe %{{.*}} {axis = 1 : i64, name = "x"} : tensor<2x4xf32>
  %a = q8.observe %x {axis = 1 : i64, name = "x"} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func @quantize
func.func @quantize(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: %[[Q:.*]] = q8.quantize %{{.*}} {axis = 1 : i64, prescale = array<f32: 1.000000e+00, 2.000000e+00, 5.000000e-01, 1.000000e+00>, resultType = tensor<2x4x!quant.uniform<u8:f32, 1.000000e-01:128>>} : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %0 = q8.quantize %x {resultType = tensor<2x4x!qa>, prescale = array<f32: 1.0, 2.0, 0.5, 1.0>, axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4x!qa>
  // CHECK: q8.dequantize %[[Q]] : (tensor<2x4x!quant.uniform<u8:f32, 1.000000e-01:128>>) -> tensor<2x4xf32>
  %1 = q8.dequantize %0 : (tensor<2x4x!qa>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// CHECK-LABEL: func @qlinear
func.func @qlinear(%x: tensor<5x2x4x!qa>, %w: tensor<4x3x!qw>, %b: tensor<3xi32>) {
  // CHECK: q8.qlinear {{.*}} {activation = "relu", resultType = !quant.uniform<u8:f32, 2.000000e-01:10>} : (tensor<5x2x4x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<4x3x!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01,1.250000e-01}>>, tensor<3xi32>) -> tensor<5x2x3x!quant.uniform<u8:f32, 2.000000e-01:10>>
  %0 = q8.qlinear %x, %w, %b {resultType = !quant.uniform<u8:f32, 0.2:10>, activation = "relu"} : (tensor<5x2x4x!qa>, tensor<4x3x!qw>, tensor<3xi32>) -> tensor<5x2x3x!quant.uniform<u8:f32, 0.2:10>>
  // CHECK: q8.qlinear {{.*}} -> tensor<5x2x3xf32>
  %1 = q8.qlinear %x, %w {resultType = f32} : (tensor<5x2x4x!qa>, tensor<4x3x!qw>) -> tensor<5x2x3xf32>
  return
}

// A 3x3 convolution, pad 1 stride 2: [1, 2, 5, 5] -> [1, 4, 3, 3]; a
// depthwise one (group = C = 4, channel multiplier 1) without padding.
// CHECK-LABEL: func @qconv
func.func @qconv(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, %w: tensor<4x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125, 0.0625}>>, %b: tensor<4xi32>, %dw: tensor<4x1x3x3x!quant.uniform<i8:f32, 0.5>>) {
  // CHECK: q8.qconv {{.*}} -> tensor<1x4x3x3x!quant.uniform<u8:f32, 2.000000e-01:10>>
  %0 = q8.qconv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, resultType = !quant.uniform<u8:f32, 0.2:10>, activation = "relu"} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x2x3x3x!quant.uniform<i8:f32:0, {0.5, 0.25, 0.125, 0.0625}>>, tensor<4xi32>) -> tensor<1x4x3x3x!quant.uniform<u8:f32, 0.2:10>>
  // CHECK: q8.qconv {{.*}} group = 4 : i64{{.*}} -> tensor<1x4x1x1xf32>
  %1 = q8.qconv %0, %dw {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4, resultType = f32} : (tensor<1x4x3x3x!quant.uniform<u8:f32, 0.2:10>>, tensor<4x1x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x1x1xf32>
  return
}
