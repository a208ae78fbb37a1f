// RUN: q8-opt %s -q8-quantize=table=%S/Inputs/quantize-table.json | FileCheck %s
// RUN: q8-opt %s -q8-quantize="table=%S/Inputs/quantize-table.json keep-faster-fp32=false" | FileCheck %s --check-prefix=ALL
// RUN: q8-opt %s -q8-smoothquant="table=%S/Inputs/smoothquant-table.json alpha=0.5" 2>&1 | FileCheck %s --check-prefix=SQ
// RUN: q8-opt %s -q8-smoothquant="table=%S/Inputs/smoothquant-table.json alpha=0.5 keep-faster-fp32=false" 2>&1 | FileCheck %s --check-prefix=SQALL

// A depthwise convolution's int8 form runs slower than its fp32 one on
// every target (QuantizableOpInterface::isFasterInFp32): q8-quantize leaves
// it fp32, without a remark (q8c's summary counts it), and q8-smoothquant
// does not smooth it; keep-faster-fp32=false quantizes it.
// CHECK-LABEL: func @depthwise_conv
// CHECK-NOT:     q8.quantize
// CHECK:         q8.conv
// CHECK-NOT:     q8.qconv
// ALL-LABEL:   func @depthwise_conv
// ALL:           q8.quantize
// ALL:           q8.qconv {{.*}}group = 2 : i64
func.func @depthwise_conv(%x: tensor<1x2x3x3xf32> {q8.name = "xc"}) -> tensor<1x2x2x2xf32> {
  %w = q8.constant dense<[[[[1.984375, -1.0], [0.5, 0.2]]], [[[0.9921875, 0.25], [-0.5, 0.01171875]]]]> : tensor<2x1x2x2xf32>
  %b = q8.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %y = q8.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// q8-smoothquant leaves the depthwise convolution alone ("sc" has the
// per-channel absmax it would smooth with); keep-faster-fp32=false smooths it.
// SQ-LABEL:    func @depthwise_smooth
// SQ-NOT:        q8.smoothquant
// SQ:            return
// SQALL-LABEL: func @depthwise_smooth
// SQALL:         q8.mul {{.*}}q8.smoothquant
func.func @depthwise_smooth(%x: tensor<1x4x2x2xf32> {q8.name = "sc"}) -> tensor<1x4x2x2xf32> {
  %w = q8.constant dense<[[[[1.0]]], [[[0.5]]], [[[-2.0]]], [[[0.25]]]]> : tensor<4x1x1x1xf32>
  %y = q8.conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 4} : (tensor<1x4x2x2xf32>, tensor<4x1x1x1xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}
