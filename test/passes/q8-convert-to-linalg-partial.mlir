// RUN: q8-opt %s -q8-convert-to-linalg | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="allow-unknown-ops bufferize-function-boundaries" -convert-linalg-to-loops | FileCheck %s --check-prefix=LOOPS

// The conversion is partial: ops on quantized values that no pattern
// lowers (a quantized reshape) stay, reading the storage of the lowered
// quantize through a marked quant.scast, while the ops around them are
// converted.
// CHECK-LABEL: func.func @left_alone
// CHECK:       %[[R:.*]] = linalg.generic
// CHECK:       %[[S:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<4xf32>) outs(%{{.*}} : tensor<4xi8>)
// CHECK:       %[[Q:.*]] = quant.scast %[[S]] {q8.storage_bridge} : tensor<4xi8> to tensor<4x!quant.uniform
// CHECK:       q8.reshape %[[Q]] {{.*}} : (tensor<4x!quant.uniform
// LOOPS-LABEL: func.func @left_alone
// LOOPS:       scf.for
func.func @left_alone(%x: tensor<4xf32>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>> {
  %r = q8.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  %q = q8.quantize %r {resultType = tensor<4x!quant.uniform<i8:f32, 0.5>>} : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %s = q8.reshape %q {shape = array<i64: 2, 2>} : (tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x2x!quant.uniform<i8:f32, 0.5>>
  return %s : tensor<2x2x!quant.uniform<i8:f32, 0.5>>
}
