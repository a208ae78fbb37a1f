// RUN: q8-opt %s -q8-fuse-layer-norm -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-fuse-layer-norm -split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// The whole chain with gamma and beta: one layer_norm with the last op's
// location; the parts are gone.
// CHECK-LABEL: func.func @full
// CHECK-SAME:  (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK-DAG:   %[[G:.*]] = q8.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK-DAG:   %[[B:.*]] = q8.constant dense<5.000000e-01> : tensor<8xf32>
// CHECK:       %[[Y:.*]] = q8.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
// CHECK-NOT:   q8.reduce_mean
// CHECK-NOT:   q8.sqrt
// CHECK:       return %[[Y]]
// LOC-LABEL:   func.func @full
// LOC:         q8.layer_norm {{.*}} loc(#[[LOC:loc[0-9]*]])
// LOC:         #[[LOC]] = loc("ln_out")
func.func @full(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %two = q8.constant dense<2.0> : tensor<f32>
  %eps = q8.constant dense<1.0e-6> : tensor<f32>
  %g = q8.constant dense<2.0> : tensor<8xf32>
  %b = q8.constant dense<0.5> : tensor<8xf32>
  %m = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d = q8.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %p = q8.pow %d, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v = q8.reduce_mean %p {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %ve = q8.add %v, %eps : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %s = q8.sqrt %ve : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %n = q8.div %d, %s : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %gn = q8.mul %g, %n : (tensor<8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %y = q8.add %gn, %b : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32> loc("ln_out")
  return %y : tensor<2x4x8xf32>
}

// -----

// Two trailing axes, d * d, eps on the left, no gamma or beta: scale is a
// constant 1; a [1, 1, 4, 8] gamma would reshape to the normalized dims.
// CHECK-LABEL: func.func @two_axes
// CHECK:       %[[ONE:.*]] = q8.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK:       q8.layer_norm %arg0, %[[ONE]] {axis = 1 : i64} : (tensor<2x4x8xf32>, tensor<1xf32>) -> tensor<2x4x8xf32>
func.func @two_axes(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %eps = q8.constant dense<1.0e-5> : tensor<1xf32>
  %m = q8.reduce_mean %x {axes = array<i64: 1, 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %d = q8.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %p = q8.mul %d, %d : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %v = q8.reduce_mean %p {axes = array<i64: 1, 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %ve = q8.add %eps, %v : (tensor<1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = q8.sqrt %ve : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %n = q8.div %d, %s : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// A [1, 1, 8] gamma becomes [8]; a beta that varies along dim 1 (not
// normalized) stays a separate add.
// CHECK-LABEL: func.func @params
// CHECK:       %[[G:.*]] = q8.constant dense<3.000000e+00> : tensor<8xf32>
// CHECK:       %[[LN:.*]] = q8.layer_norm %arg0, %[[G]] {axis = 2 : i64} : (tensor<2x4x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
// CHECK:       q8.add %[[LN]], %{{.*}} : (tensor<2x4x8xf32>, tensor<4x1xf32>)
func.func @params(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %two = q8.constant dense<2.0> : tensor<f32>
  %eps = q8.constant dense<1.0e-5> : tensor<f32>
  %g = q8.constant dense<3.0> : tensor<1x1x8xf32>
  %b = q8.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>
  %m = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d = q8.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %p = q8.pow %d, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v = q8.reduce_mean %p {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %ve = q8.add %v, %eps : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %s = q8.sqrt %ve : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %n = q8.div %d, %s : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %gn = q8.mul %n, %g : (tensor<2x4x8xf32>, tensor<1x1x8xf32>) -> tensor<2x4x8xf32>
  %y = q8.add %gn, %b : (tensor<2x4x8xf32>, tensor<4x1xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// Left alone: d read by another op; a mean over a non-trailing axis; a
// power other than 2; a non-constant eps.
// CHECK-LABEL: func.func @unfused
// CHECK-NOT:   q8.layer_norm
// CHECK:       return
func.func @unfused(%x: tensor<2x4x8xf32>, %e: tensor<f32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
  %two = q8.constant dense<2.0> : tensor<f32>
  %three = q8.constant dense<3.0> : tensor<f32>
  %eps = q8.constant dense<1.0e-5> : tensor<f32>
  // d also returned
  %m = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d = q8.sub %x, %m : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %p = q8.pow %d, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v = q8.reduce_mean %p {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %ve = q8.add %v, %eps : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %s = q8.sqrt %ve : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %n = q8.div %d, %s : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  // mean over dim 1
  %m1 = q8.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x1x8xf32>
  %d1 = q8.sub %x, %m1 : (tensor<2x4x8xf32>, tensor<2x1x8xf32>) -> tensor<2x4x8xf32>
  %p1 = q8.pow %d1, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v1 = q8.reduce_mean %p1 {axes = array<i64: 1>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x1x8xf32>
  %ve1 = q8.add %v1, %eps : (tensor<2x1x8xf32>, tensor<f32>) -> tensor<2x1x8xf32>
  %s1 = q8.sqrt %ve1 : (tensor<2x1x8xf32>) -> tensor<2x1x8xf32>
  %n1 = q8.div %d1, %s1 : (tensor<2x4x8xf32>, tensor<2x1x8xf32>) -> tensor<2x4x8xf32>
  // cube
  %m2 = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d2 = q8.sub %x, %m2 : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %p2 = q8.pow %d2, %three : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v2 = q8.reduce_mean %p2 {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %ve2 = q8.add %v2, %eps : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %s2 = q8.sqrt %ve2 : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %n2 = q8.div %d2, %s2 : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  // eps an argument
  %m3 = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %d3 = q8.sub %x, %m3 : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  %p3 = q8.pow %d3, %two : (tensor<2x4x8xf32>, tensor<f32>) -> tensor<2x4x8xf32>
  %v3 = q8.reduce_mean %p3 {axes = array<i64: 2>, keepdims = true} : (tensor<2x4x8xf32>) -> tensor<2x4x1xf32>
  %ve3 = q8.add %v3, %e : (tensor<2x4x1xf32>, tensor<f32>) -> tensor<2x4x1xf32>
  %s3 = q8.sqrt %ve3 : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %n3 = q8.div %d3, %s3 : (tensor<2x4x8xf32>, tensor<2x4x1xf32>) -> tensor<2x4x8xf32>
  return %n, %d, %n1, %n2, %n3 : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>
}
