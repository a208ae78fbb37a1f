// RUN: q8-opt %s -q8-prepare-entry -split-input-file | FileCheck %s

// The ABI types: q8.type (the graph type q8-convert-to-linalg recorded)
// wins over the lowered one; i1 tensors cross as bytes, converted with
// `!= 0` on the way in and extui on the way out, and are described as i1.
// CHECK-LABEL: func.func @abi_types
// CHECK-SAME:    (%[[U:.*]]: tensor<4xi8> {bufferization.writable = false, q8.type = tensor<4xui8>}, %[[B:.*]]: tensor<4xi8> {bufferization.writable = false})
// CHECK-SAME:    -> (tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi8>)
// CHECK-SAME:    q8.inputs = [{name = "input0", type = tensor<4xui8>}, {name = "input1", type = tensor<4xi1>}]
// CHECK-SAME:    q8.outputs = [{name = "output0", type = tensor<4xui8>}, {name = "output1", type = tensor<4xi1>}]
// CHECK:         %[[TRUTH:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<4xi8>) outs(%{{.*}} : tensor<4xi1>)
// CHECK:           %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK:           arith.cmpi ne, %{{.*}}, %[[ZERO]] : i8
// CHECK:         %[[NOT:.*]] = linalg.generic {{.*}} ins(%[[TRUTH]] : tensor<4xi1>)
// CHECK:         %[[BYTES:.*]] = linalg.generic {{.*}} ins(%[[NOT]] : tensor<4xi1>) outs(%{{.*}} : tensor<4xi8>)
// CHECK:           arith.extui %{{.*}} : i1 to i8
// CHECK:         return %[[U]], %[[BYTES]] : tensor<4xi8>, tensor<4xi8>
#id = affine_map<(d0) -> (d0)>
func.func @abi_types(%u: tensor<4xi8> {q8.type = tensor<4xui8>}, %b: tensor<4xi1>) -> (tensor<4xi8> {q8.type = tensor<4xui8>}, tensor<4xi1>) {
  %true = arith.constant true
  %e = tensor.empty() : tensor<4xi1>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%b : tensor<4xi1>) outs(%e : tensor<4xi1>) {
  ^bb0(%x: i1, %o: i1):
    %y = arith.xori %x, %true : i1
    linalg.yield %y : i1
  } -> tensor<4xi1>
  return %u, %n : tensor<4xi8>, tensor<4xi1>
}

// -----

// Tensors without elements cross as tensor<0xT> (MLIR's bare-pointer
// convention cannot lower a 20x0x5 memref) and are a tensor.empty of their
// shape inside (an alloc_tensor for a result, which CSE keeps apart from
// other results); the description keeps the real shape.
// CHECK-LABEL: func.func @empty
// CHECK-SAME:    (%{{.*}}: tensor<0xf32> {bufferization.writable = false}) -> tensor<0xi8>
// CHECK-SAME:    q8.inputs = [{name = "input0", type = tensor<2x0xf32>}]
// CHECK-SAME:    q8.outputs = [{name = "output0", type = tensor<0x3xi1>}]
// CHECK:         %[[IN:.*]] = tensor.empty() : tensor<2x0xf32>
// CHECK:         %[[R:.*]] = bufferization.alloc_tensor() : tensor<0xi8>
// CHECK:         return %[[R]] : tensor<0xi8>
func.func @empty(%x: tensor<2x0xf32>) -> tensor<0x3xi1> {
  %t = tensor.empty() : tensor<0x3xi1>
  return %t : tensor<0x3xi1>
}

// -----

// Every output is its own buffer: a value returned again is copied into a
// fresh allocation (which CSE keeps apart).
// CHECK-LABEL: func.func @repeated
// CHECK:         %[[C1:.*]] = bufferization.alloc_tensor() copy(%arg0) : tensor<4xf32>
// CHECK:         %[[C2:.*]] = bufferization.alloc_tensor() copy(%arg0) : tensor<4xf32>
// CHECK:         return %arg0, %[[C1]], %[[C2]]
func.func @repeated(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  return %x, %x, %x : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
