// RUN: q8-opt %s -q8-insert-observers -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-insert-observers=outputs=false -split-input-file | FileCheck %s --check-prefix=NOOUT

// A linear layer: the activation is observed once, named by the function
// argument's q8.name, with the contracted dim (the lhs's last) as axis; the
// constant weight is not. Only the matmul reads the observer; the add that
// also uses %x keeps the original value. The f32 results are observed too,
// without an axis, under their q8.name.
// CHECK-LABEL: func.func @linear
// CHECK:         %[[OX:.*]] = q8.observe %arg0 {axis = 2 : i64, name = "x"} : tensor<1x4x8xf32>
// CHECK:         %[[W:.*]] = q8.constant
// CHECK:         %[[Y:.*]] = q8.matmul %[[OX]], %[[W]]
// CHECK:         %[[S:.*]] = q8.add %arg0, %arg0
// CHECK:         %[[OY:.*]] = q8.observe %[[Y]] {name = "y"} : tensor<1x4x16xf32>
// CHECK:         %[[OS:.*]] = q8.observe %[[S]] {name = "s"} : tensor<1x4x8xf32>
// CHECK:         return %[[OY]], %[[OS]]
// NOOUT-LABEL: func.func @linear
// NOOUT:         q8.observe %arg0 {axis = 2 : i64, name = "x"}
// NOOUT-NOT:     q8.observe
// NOOUT:         return
func.func @linear(%x: tensor<1x4x8xf32> {q8.name = "x"}) -> (tensor<1x4x16xf32> {q8.name = "y"}, tensor<1x4x8xf32> {q8.name = "s"}) {
  %w = q8.constant dense<1.0> : tensor<8x16xf32>
  %y = q8.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %s = q8.add %x, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %y, %s : tensor<1x4x16xf32>, tensor<1x4x8xf32>
}

// -----

// Attention's activation x activation matmul quantizes both sides: the
// rhs contracts its second-to-last dim. Values are named by the ONNX names
// their locations carry; one without a name is named after its node and
// result number. One value feeding two matmuls is observed once.
// CHECK-LABEL: func.func @attention
// CHECK:         %[[Q:.*]] = q8.relu %arg0
// CHECK-NEXT:    %[[OQ:.*]] = q8.observe %[[Q]] {axis = 3 : i64, name = "q"}
// CHECK:         %[[K:.*]] = q8.relu %arg1
// CHECK-NEXT:    %[[OK:.*]] = q8.observe %[[K]] {axis = 2 : i64, name = "relu_k:0"}
// CHECK:         %[[S:.*]] = q8.matmul %[[OQ]], %[[OK]]
// CHECK:         %[[T:.*]] = q8.matmul %[[OQ]], %[[OK]]
// Results without q8.name are named output<i>.
// CHECK:         q8.observe %[[S]] {name = "output0"}
// CHECK:         q8.observe %[[T]] {name = "output1"}
func.func @attention(%a: tensor<1x2x4x8xf32>, %b: tensor<1x2x8x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %q = q8.relu %a : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> loc("relu_q"("q"))
  %k = q8.relu %b : (tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> loc("relu_k")
  %s = q8.matmul %q, %k : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %t = q8.matmul %q, %k : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  return %s, %t : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Gemm contracts by its transposes; conv contracts the input channels;
// a non-constant conv weight is not quantizable (not observed). Integer
// operands are never observed.
// CHECK-LABEL: func.func @gemm_conv
// Argument observers come first, in signature order.
// CHECK:         %[[A:.*]] = q8.observe %arg0 {axis = 0 : i64, name = "a"} : tensor<8x2xf32>
// CHECK-NEXT:    %[[B:.*]] = q8.observe %arg1 {axis = 1 : i64, name = "b"} : tensor<3x8xf32>
// CHECK-NEXT:    %[[X:.*]] = q8.observe %arg2 {axis = 1 : i64, name = "img"} : tensor<1x3x5x5xf32>
// CHECK:         q8.gemm %[[A]], %[[B]]
// CHECK:         q8.conv %[[X]], %arg3
// CHECK-NOT:     q8.observe %arg3
func.func @gemm_conv(%a: tensor<8x2xf32> {q8.name = "a"}, %b: tensor<3x8xf32> {q8.name = "b"},
                     %x: tensor<1x3x5x5xf32> {q8.name = "img"}, %w: tensor<4x3x3x3xf32> {q8.name = "w"})
    -> (tensor<2x3xf32>, tensor<1x4x3x3xf32>) {
  %g = q8.gemm %a, %b {transA = true, transB = true} : (tensor<8x2xf32>, tensor<3x8xf32>) -> tensor<2x3xf32>
  %c = q8.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  return %g, %c : tensor<2x3xf32>, tensor<1x4x3x3xf32>
}
