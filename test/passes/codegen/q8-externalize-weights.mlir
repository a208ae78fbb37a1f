// RUN: q8-opt %s -split-input-file -q8-externalize-weights=threshold=64 -allow-unregistered-dialect -verify-diagnostics | FileCheck %s

// Constants of at least 64 bytes read only by the entry function become
// views into a trailing `weights` argument at 64-byte aligned offsets, in
// the module's order of globals; small ones, mutable ones and ones another
// function reads stay.
// CHECK-NOT:  memref.global "private" constant @big_a
// CHECK-NOT:  memref.global "private" constant @big_b
// CHECK:      memref.global "private" constant @small
// CHECK:      memref.global "private" @mutable
// CHECK:      memref.global "private" constant @shared
// CHECK-LABEL: func.func @m_run(
// CHECK-SAME:    %{{.*}}: memref<8xi8> {q8.name = "workspace"}, %[[W:.*]]: memref<192xi8> {q8.name = "weights"})
// CHECK-SAME:    q8.weights = [{name = "big_a", offset = 0 : i64, value = dense<1.000000e+00> : tensor<4x4xf32>}, {name = "big_b", offset = 64 : i64, value = dense<2> : tensor<65xi8>}]
// CHECK-SAME:    q8.weights_size = 192 : i64
// CHECK-DAG:   %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:   %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG:   memref.view %[[W]][%[[C0]]][] : memref<192xi8> to memref<4x4xf32>
// CHECK-DAG:   memref.view %[[W]][%[[C64]]][] : memref<192xi8> to memref<65xi8>
// CHECK-DAG:   memref.get_global @small
// CHECK-DAG:   memref.get_global @mutable
// CHECK-DAG:   memref.get_global @shared
// CHECK-LABEL: func.func private @helper
// CHECK:       memref.get_global @shared
memref.global "private" constant @big_a : memref<4x4xf32> = dense<1.0> {alignment = 64 : i64}
memref.global "private" constant @small : memref<2xf32> = dense<3.0>
memref.global "private" constant @big_b : memref<65xi8> = dense<2>
memref.global "private" @mutable : memref<32xf32> = dense<0.0>
memref.global "private" constant @shared : memref<32xf32> = dense<5.0>
func.func @m_run(%out: memref<4x4xf32>, %ws: memref<8xi8> {q8.name = "workspace"})
    attributes {q8.inputs = [], q8.outputs = [{name = "y", type = tensor<4x4xf32>}], q8.workspace_size = 8 : i64} {
  %a = memref.get_global @big_a : memref<4x4xf32>
  %a2 = memref.get_global @big_a : memref<4x4xf32>
  %b = memref.get_global @big_b : memref<65xi8>
  %s = memref.get_global @small : memref<2xf32>
  %m = memref.get_global @mutable : memref<32xf32>
  %h = memref.get_global @shared : memref<32xf32>
  "test.use"(%a, %a2, %b, %s, %m, %h) : (memref<4x4xf32>, memref<4x4xf32>, memref<65xi8>, memref<2xf32>, memref<32xf32>, memref<32xf32>) -> ()
  return
}
func.func private @helper() {
  %h = memref.get_global @shared : memref<32xf32>
  "test.use"(%h) : (memref<32xf32>) -> ()
  return
}

// -----

// Without a large constant the entry point still takes the argument: the
// ABI follows the flag.
// CHECK-LABEL: func.func @e_run(
// CHECK-SAME:    %{{.*}}: memref<0xi8> {q8.name = "weights"})
// CHECK-SAME:    q8.weights = []
// CHECK-SAME:    q8.weights_size = 0 : i64
func.func @e_run(%out: memref<2xf32>, %ws: memref<0xi8>)
    attributes {q8.inputs = [], q8.outputs = [{name = "y", type = tensor<2xf32>}], q8.workspace_size = 0 : i64} {
  return
}

// -----

// expected-error @below {{q8-externalize-weights expects one entry function with q8.inputs}}
module {
  func.func @a() attributes {q8.inputs = []} { return }
  func.func @b() attributes {q8.inputs = []} { return }
}
