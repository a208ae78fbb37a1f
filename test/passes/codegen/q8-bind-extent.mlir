// RUN: q8-opt %s -split-input-file -q8-bind-extent -verify-diagnostics | FileCheck %s

// The entry takes the dims first and reads n from them; the arguments with
// the extent are static at the bound (8) and viewed at n; each dynamic
// allocation is static at its size at the bound (n, 2 * n, n x n) and
// viewed at its size; a dim of an argument's view is n itself.
// CHECK-LABEL: func.func @main_run(
// CHECK-SAME:    %[[DIMS:.*]]: memref<1xi64> {q8.name = "dims"},
// CHECK-SAME:    %[[X:.*]]: memref<1x8x4xf32> {q8.name = "x"},
// CHECK-SAME:    %[[Y:.*]]: memref<1x8x4xf32> {q8.name = "y"})
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[LOADED:.*]] = memref.load %[[DIMS]][%[[C0]]] : memref<1xi64>
// CHECK:         %[[N:.*]] = arith.index_cast %[[LOADED]] : i64 to index
// CHECK:         %[[XV:.*]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [1, %[[N]], 4], strides: [%{{.*}}, 4, 1] : memref<1x8x4xf32> to memref<1x?x4xf32>
// CHECK:         %[[YV:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [1, %[[N]], 4], strides: [%{{.*}}, 4, 1] : memref<1x8x4xf32> to memref<1x?x4xf32>
// CHECK-NOT:     memref.dim
// CHECK:         %[[T:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x8x4xf32>
// CHECK:         %[[TV:.*]] = memref.reinterpret_cast %[[T]] to offset: [0], sizes: [1, %[[N]], 4], {{.*}} : memref<1x8x4xf32> to memref<1x?x4xf32>
// CHECK:         %[[TWICE:.*]] = arith.muli %[[N]], %{{.*}} : index
// CHECK:         %[[U:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16x4xf32>
// CHECK:         memref.reinterpret_cast %[[U]] to offset: [0], sizes: [%[[TWICE]], 4], strides: [4, 1] : memref<16x4xf32> to memref<?x4xf32>
// CHECK:         %[[S:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
// CHECK:         memref.reinterpret_cast %[[S]] to offset: [0], sizes: [%[[N]], %[[N]]], strides: [%{{.*}}, 1] : memref<8x8xf32> to memref<?x?xf32>
// CHECK:         memref.copy %[[XV]], %[[TV]] : memref<1x?x4xf32> to memref<1x?x4xf32>
// CHECK:         memref.copy %[[TV]], %[[YV]] : memref<1x?x4xf32> to memref<1x?x4xf32>
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: 1>}} {
  func.func @main_run(%x: memref<1x?x4xf32> {q8.name = "x"}, %y: memref<1x?x4xf32> {q8.name = "y"}) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %n = memref.dim %x, %c1 : memref<1x?x4xf32>
    %t = memref.alloc(%n) {alignment = 64 : i64} : memref<1x?x4xf32>
    %twice = arith.muli %n, %c2 : index
    %u = memref.alloc(%twice) {alignment = 64 : i64} : memref<?x4xf32>
    %s = memref.alloc(%n, %n) {alignment = 64 : i64} : memref<?x?xf32>
    memref.copy %x, %t : memref<1x?x4xf32> to memref<1x?x4xf32>
    memref.copy %t, %y : memref<1x?x4xf32> to memref<1x?x4xf32>
    return
  }
}

// -----

// A size read through a buffer's dim: the bound of a reshaped view's dim.
// CHECK-LABEL: func.func @main_run(
// CHECK-SAME:    memref<1xi64> {q8.name = "dims"}, %{{.*}}: memref<1x8x4xf32>, %{{.*}}: memref<1x8xf32>)
// CHECK:         memref.alloc() : memref<32xf32>
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: 1>}} {
  func.func @main_run(%x: memref<1x?x4xf32>, %y: memref<1x?xf32>) {
    %c1 = arith.constant 1 : index
    %flat = memref.collapse_shape %x [[0], [1, 2]] : memref<1x?x4xf32> into memref<1x?xf32>
    %m = memref.dim %flat, %c1 : memref<1x?xf32>
    %t = memref.alloc(%m) : memref<?xf32>
    return
  }
}

// -----

// A module without q8.extent is left alone.
// CHECK-LABEL: func.func @main_run(
// CHECK-SAME:    %{{.*}}: memref<1x?x4xf32>)
// CHECK:         memref.alloc(%{{.*}}) : memref<?xf32>
func.func @main_run(%x: memref<1x?x4xf32>) {
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c1 : memref<1x?x4xf32>
  %t = memref.alloc(%n) : memref<?xf32>
  return
}

// -----

// A dynamic dim at a position q8.extent does not record (dim 0 of x).
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: -1>}} {
  // expected-error @below {{argument #0 has a dynamic dim 0 that is not 'seq'}}
  func.func @main_run(%x: memref<?x4xf32>, %y: memref<4xf32>) {
    return
  }
}

// -----

// A size that is not computed from n: read from memory.
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: -1>}} {
  func.func @main_run(%x: memref<1x?xi64>, %y: memref<4xf32>) {
    %c0 = arith.constant 0 : index
    %v = memref.load %x[%c0, %c0] : memref<1x?xi64>
    %m = arith.index_cast %v : i64 to index
    // expected-error @below {{cannot bound the size of this buffer's dim 0 by the bounds of 'seq'}}
    %t = memref.alloc(%m) : memref<?xf32>
    return
  }
}

// -----

// A size that shrinks as n grows (10 - n) has no bound at the upper bound.
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: -1>}} {
  func.func @main_run(%x: memref<1x?xf32>, %y: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c10 = arith.constant 10 : index
    %n = memref.dim %x, %c1 : memref<1x?xf32>
    %m = arith.subi %c10, %n : index
    // expected-error @below {{cannot bound the size of this buffer's dim 1 by the bounds of 'seq'}}
    %t = memref.alloc(%m) : memref<2x?xf32>
    return
  }
}

// -----

// q8.extent records two arguments; the entry has three.
module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 8 : i64, inputs = array<i64: 1>, outputs = array<i64: 1>}} {
  // expected-error @below {{q8.extent does not match the entry's arguments}}
  func.func @main_run(%x: memref<1x?xf32>, %y: memref<1x?xf32>, %z: memref<4xf32>) {
    return
  }
}
