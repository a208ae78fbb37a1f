// RUN: q8-opt %s -q8-convert-to-linalg -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-convert-to-linalg -one-shot-bufferize="bufferize-function-boundaries" -split-input-file | FileCheck %s --check-prefix=BUF

// Bool tensors are stored as i8, 0 or 1 (as the ABI passes them): never an
// i1 buffer. Elementwise bodies compute on i1: a stored bool is read as
// `x != 0` and written with extui. The signature keeps the graph type as
// q8.type.
// CHECK-LABEL: func.func @bools
// CHECK-SAME:    (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<4xi8> {q8.type = tensor<4xi1>})
// CHECK-SAME:    -> (tensor<4xi8> {q8.type = tensor<4xi1>}, tensor<4xf32>, tensor<4xi8> {q8.type = tensor<4xi1>})
// CHECK:         %[[LT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xi8>)
// CHECK:           %[[C:.*]] = arith.cmpf olt
// CHECK:           %[[S:.*]] = arith.extui %[[C]] : i1 to i8
// CHECK:           linalg.yield %[[S]] : i8
// CHECK:         linalg.generic {{.*}} ins(%[[LT]], %[[A]], %[[B]] : tensor<4xi8>, tensor<4xf32>, tensor<4xf32>)
// CHECK:           %[[T:.*]] = arith.cmpi ne, %{{.*}}, %{{.*}} : i8
// CHECK:           arith.select %[[T]]
// CHECK:         linalg.generic {{.*}} ins(%[[LT]], %[[M]] : tensor<4xi8>, tensor<4xi8>)
// CHECK:           arith.cmpi ne
// CHECK:           arith.cmpi ne
// CHECK:           %[[EQ:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : i1
// CHECK:           arith.extui %[[EQ]] : i1 to i8
// CHECK-NOT:     xi1>
// BUF-LABEL:   func.func @bools
// BUF-NOT:       memref<4xi1>
func.func @bools(%a: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xf32>, tensor<4xi1>) {
  %lt = q8.less %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %w = q8.where %lt, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %eq = q8.equal %lt, %m : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %lt, %w, %eq : tensor<4xi1>, tensor<4xf32>, tensor<4xi1>
}

// -----

// Bool constants become i8 ones; data movement moves the bytes.
// CHECK-LABEL: func.func @bool_data
// CHECK:         %[[K:.*]] = arith.constant dense<[1, 0]> : tensor<2xi8>
// CHECK:         tensor.concat dim(0) %arg0, %[[K]] : (tensor<2xi8>, tensor<2xi8>) -> tensor<4xi8>
// CHECK:         linalg.generic
// CHECK:           arith.cmpi ne, %{{.*}}, %{{.*}} : i8
// CHECK:           arith.uitofp %{{.*}} : i1 to f32
func.func @bool_data(%m: tensor<2xi1>) -> tensor<4xf32> {
  %k = q8.constant dense<[true, false]> : tensor<2xi1>
  %c = q8.concat %m, %k {axis = 0 : i64} : (tensor<2xi1>, tensor<2xi1>) -> tensor<4xi1>
  %f = q8.cast %c {to = f32} : (tensor<4xi1>) -> tensor<4xf32>
  return %f : tensor<4xf32>
}
