// RUN: q8-opt %s -q8-prepare-entry | FileCheck %s
// RUN: q8-opt %s -q8-prepare-entry=model-name=net -split-input-file | FileCheck %s --check-prefix=RENAME

// Inputs become read-only for bufferization; the signature is recorded with
// names (defaults where q8.name is absent); private functions are left alone.
// CHECK-LABEL: func.func @main
// CHECK-SAME:    %{{.*}}: tensor<2x3xf32> {bufferization.writable = false, q8.name = "image"}
// CHECK-SAME:    %{{.*}}: tensor<3xf32> {bufferization.writable = false})
// CHECK-SAME:    q8.inputs = [{name = "image", type = tensor<2x3xf32>}, {name = "input1", type = tensor<3xf32>}]
// CHECK-SAME:    q8.outputs = [{name = "output0", type = tensor<2x3xf32>}]
// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     q8.inputs
// RENAME:      func.func @net_run(
// RENAME:      func.func private @helper
func.func @main(%x: tensor<2x3xf32> {q8.name = "image"}, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func private @helper(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
