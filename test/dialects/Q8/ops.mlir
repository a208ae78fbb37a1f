// RUN: q8-opt %s | q8-opt | FileCheck %s

// Round-trip of every q8 graph op; each CHECK shows the inferred result type.

// CHECK-LABEL: func @constant
func.func @constant() -> tensor<2xi64> {
  // CHECK: q8.constant dense<[1, 2]> : tensor<2xi64>
  %0 = q8.constant dense<[1, 2]> : tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CHECK-LABEL: func @binary
func.func @binary(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>, %i: tensor<4xi32>) {
  // CHECK: q8.add {{.*}} -> tensor<2x3x4xf32>
  %0 = q8.add %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.sub {{.*}} -> tensor<2x3x4xf32>
  %1 = q8.sub %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.mul {{.*}} -> tensor<2x3x4xf32>
  %2 = q8.mul %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.div {{.*}} -> tensor<2x3x4xf32>
  %3 = q8.div %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.pow {{.*}} : (tensor<2x1x4xf32>, tensor<4xi32>) -> tensor<2x1x4xf32>
  %4 = q8.pow %a, %i : (tensor<2x1x4xf32>, tensor<4xi32>) -> tensor<2x1x4xf32>
  // CHECK: q8.max {{.*}} -> tensor<2x3x4xf32>
  %5 = q8.max %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.min {{.*}} -> tensor<2x3x4xf32>
  %6 = q8.min %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.equal {{.*}} -> tensor<2x3x4xi1>
  %7 = q8.equal %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xi1>
  // CHECK: q8.less {{.*}} -> tensor<2x3x4xi1>
  %8 = q8.less %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xi1>
  // CHECK: q8.greater {{.*}} -> tensor<2x3x4xi1>
  %9 = q8.greater %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xi1>
  // CHECK: q8.where {{.*}} -> tensor<2x3x4xf32>
  %10 = q8.where %7, %a, %b : (tensor<2x3x4xi1>, tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func @unary
func.func @unary(%x: tensor<2x3xf32>, %i: tensor<2x3xi32>) {
  // CHECK: q8.neg {{.*}} -> tensor<2x3xi32>
  %0 = q8.neg %i : (tensor<2x3xi32>) -> tensor<2x3xi32>
  // CHECK: q8.abs {{.*}} -> tensor<2x3xf32>
  %1 = q8.abs %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.relu {{.*}} -> tensor<2x3xf32>
  %2 = q8.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.sqrt {{.*}} -> tensor<2x3xf32>
  %3 = q8.sqrt %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.reciprocal {{.*}} -> tensor<2x3xf32>
  %4 = q8.reciprocal %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.exp {{.*}} -> tensor<2x3xf32>
  %5 = q8.exp %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.log {{.*}} -> tensor<2x3xf32>
  %6 = q8.log %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.erf {{.*}} -> tensor<2x3xf32>
  %7 = q8.erf %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.tanh {{.*}} -> tensor<2x3xf32>
  %8 = q8.tanh %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.sigmoid {{.*}} -> tensor<2x3xf32>
  %9 = q8.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.hard_swish {{.*}} -> tensor<2x3xf32>
  %10 = q8.hard_swish %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.gelu {{.*}} {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = q8.gelu %x {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.leaky_relu {{.*}} -> tensor<2x3xf32>
  %12 = q8.leaky_relu %x {alpha = 0.1 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.hard_sigmoid {{.*}} -> tensor<2x3xf32>
  %13 = q8.hard_sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.clip {{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %14 = q8.clip %x {min = 0.0, max = 6.0} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: q8.cast {{.*}} {to = i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  %15 = q8.cast %x {to = i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  return
}

// CHECK-LABEL: func @normalization
func.func @normalization(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %c: tensor<3xf32>) {
  // CHECK: q8.softmax {{.*}} -> tensor<2x3x4xf32>
  %0 = q8.softmax %x {axis = -1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.layer_norm {{.*}} -> tensor<2x3x4xf32>
  %1 = q8.layer_norm %x, %s, %s {axis = -1 : i64} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // CHECK: q8.batch_norm {{.*}} -> tensor<2x3x4xf32>
  %2 = q8.batch_norm %x, %c, %c, %c, %c : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func @linalg
func.func @linalg(%a: tensor<2x1x5x3xf32>, %b: tensor<4x3x6xf32>, %v: tensor<3xf32>, %m: tensor<3x6xf32>, %c: tensor<6xf32>) {
  // CHECK: q8.matmul {{.*}} -> tensor<2x4x5x6xf32>
  %0 = q8.matmul %a, %b : (tensor<2x1x5x3xf32>, tensor<4x3x6xf32>) -> tensor<2x4x5x6xf32>
  // CHECK: q8.matmul {{.*}} : (tensor<3xf32>, tensor<3x6xf32>) -> tensor<6xf32>
  %1 = q8.matmul %v, %m : (tensor<3xf32>, tensor<3x6xf32>) -> tensor<6xf32>
  // CHECK: q8.matmul {{.*}} : (tensor<3xf32>, tensor<3xf32>) -> tensor<f32>
  %2 = q8.matmul %v, %v : (tensor<3xf32>, tensor<3xf32>) -> tensor<f32>
  // CHECK: q8.gemm {{.*}} -> tensor<6x6xf32>
  %3 = q8.gemm %m, %m, %c {transA = true} : (tensor<3x6xf32>, tensor<3x6xf32>, tensor<6xf32>) -> tensor<6x6xf32>
  return
}

// CHECK-LABEL: func @windows
func.func @windows(%x: tensor<1x4x9x9xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>, %wt: tensor<4x3x3x3xf32>) {
  // CHECK: q8.conv {{.*}} -> tensor<1x6x5x3xf32>
  %0 = q8.conv %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 2>, group = 2 : i64} : (tensor<1x4x9x9xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x5x3xf32>
  // CHECK: q8.conv_transpose {{.*}} -> tensor<1x3x19x17xf32>
  %1 = q8.conv_transpose %x, %wt {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 1>, dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 0>} : (tensor<1x4x9x9xf32>, tensor<4x3x3x3xf32>) -> tensor<1x3x19x17xf32>
  // CHECK: q8.max_pool {{.*}} -> tensor<1x4x5x5xf32>
  %2 = q8.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<1x4x9x9xf32>) -> tensor<1x4x5x5xf32>
  // CHECK: q8.average_pool {{.*}} -> tensor<1x4x4x4xf32>
  %3 = q8.average_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x4x9x9xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: q8.global_average_pool {{.*}} -> tensor<1x4x1x1xf32>
  %4 = q8.global_average_pool %x : (tensor<1x4x9x9xf32>) -> tensor<1x4x1x1xf32>
  return
}

// Max pooling needs only an order, so integers of any signedness pass.
// CHECK-LABEL: func @max_pool_integers
func.func @max_pool_integers(%u: tensor<1x1x4x4xui8>, %s: tensor<1x1x4x4xi32>) {
  // CHECK: q8.max_pool {{.*}} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  %0 = q8.max_pool %u {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8>
  // CHECK: q8.max_pool {{.*}} : (tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32>
  %1 = q8.max_pool %s {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xi32>) -> tensor<1x1x3x3xi32>
  return
}

// CHECK-LABEL: func @reductions
func.func @reductions(%x: tensor<2x3x4xf32>) {
  // CHECK: q8.reduce_mean {{.*}} -> tensor<2x1x1xf32>
  %0 = q8.reduce_mean %x {axes = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  // CHECK: q8.reduce_sum {{.*}} -> tensor<f32>
  %1 = q8.reduce_sum %x {axes = array<i64>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<f32>
  // CHECK: q8.reduce_max {{.*}} -> tensor<2x4xf32>
  %2 = q8.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  // CHECK: q8.reduce_min {{.*}} -> tensor<1x3x4xf32>
  %3 = q8.reduce_min %x {axes = array<i64: 0>} : (tensor<2x3x4xf32>) -> tensor<1x3x4xf32>
  return
}

// CHECK-LABEL: func @movement
func.func @movement(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>, %y: tensor<2x1xf32>) {
  // CHECK: q8.transpose {{.*}} -> tensor<4x2x3xf32>
  %0 = q8.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK: q8.reshape {{.*}} -> tensor<6x4xf32>
  %1 = q8.reshape %x {shape = array<i64: 6, 4>} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK: q8.expand {{.*}} -> tensor<3x2x5xf32>
  %2 = q8.expand %y {shape = array<i64: 3, 1, 5>} : (tensor<2x1xf32>) -> tensor<3x2x5xf32>
  // CHECK: q8.gather {{.*}} -> tensor<2x5x4xf32>
  %3 = q8.gather %x, %i {axis = -2 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  // CHECK: q8.concat {{.*}} -> tensor<2x6x4xf32>
  %4 = q8.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  // CHECK: q8.split {{.*}} -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  %5:2 = q8.split %x {axis = 2 : i64, sizes = array<i64: 1, 3>} : (tensor<2x3x4xf32>) -> (tensor<2x3x1xf32>, tensor<2x3x3xf32>)
  // CHECK: q8.slice {{.*}} -> tensor<1x2x2xf32>
  %6 = q8.slice %x {starts = array<i64: 1, 0, 3>, ends = array<i64: 2, 3, -1>, steps = array<i64: 1, 2, -2>} : (tensor<2x3x4xf32>) -> tensor<1x2x2xf32>
  // CHECK: q8.pad {{.*}} -> tensor<3x3x7xf32>
  %7 = q8.pad %x {pads = array<i64: 1, 0, 2, 0, 0, 1>, mode = "reflect"} : (tensor<2x3x4xf32>) -> tensor<3x3x7xf32>
  // CHECK: q8.resize {{.*}} -> tensor<2x6x8xf32>
  %8 = q8.resize %x {sizes = array<i64: 2, 6, 8>, scales = array<f32: 1.0, 2.0, 2.0>, mode = "linear"} : (tensor<2x3x4xf32>) -> tensor<2x6x8xf32>
  return
}

// CHECK-LABEL: func @recurrent
func.func @recurrent(%x: tensor<5x2x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>, %b: tensor<2x32xf32>, %h: tensor<2x2x4xf32>, %p: tensor<2x12xf32>,
                     %gw: tensor<1x12x3xf32>, %gr: tensor<1x12x4xf32>) {
  // CHECK: q8.lstm {{.*}} -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  %0:3 = q8.lstm %x, %w, %r bias %b initial_h %h initial_c %h peephole %p {hidden_size = 4 : i64, direction = "bidirectional"} : (tensor<5x2x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>, tensor<2x32xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x12xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  // CHECK: q8.gru {{.*}} -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  %1:2 = q8.gru %x, %gw, %gr {hidden_size = 4 : i64, direction = "reverse"} : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return
}
