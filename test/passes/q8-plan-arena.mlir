// RUN: q8-opt %s -q8-plan-arena -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-plan-arena=alignment=16 -split-input-file | FileCheck %s --check-prefix=ALIGN

// A chain a -> b -> c -> out: a is dead once b is written, so c reuses a's
// bytes; b overlaps both. The 100-byte buffer rounds up to 128.
// CHECK-LABEL: func.func @chain
// CHECK-SAME:    %[[OUT:.*]]: memref<16xf32>, %[[WS:.*]]: memref<192xi8> {q8.name = "workspace"})
// CHECK-SAME:    q8.workspace_size = 192 : i64
// CHECK-DAG:   %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:   %[[C128:.*]] = arith.constant 128 : index
// CHECK:       %[[A:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<192xi8> to memref<25xf32>
// CHECK:       %[[B:.*]] = memref.view %[[WS]][%[[C128]]][] : memref<192xi8> to memref<16xf32>
// CHECK:       %[[C:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<192xi8> to memref<16xf32>
// CHECK-NOT:   memref.alloc
// CHECK-NOT:   memref.dealloc
func.func @chain(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<25xf32>
  %sa = memref.subview %a[0] [16] [1] : memref<25xf32> to memref<16xf32, strided<[1]>>
  memref.copy %in, %sa : memref<16xf32> to memref<16xf32, strided<[1]>>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %sa, %b : memref<16xf32, strided<[1]>> to memref<16xf32>
  memref.dealloc %a : memref<25xf32>
  %c = memref.alloc() : memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.copy %c, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// Two buffers live at once never share bytes; one used inside a loop lives
// for the whole loop.
// CHECK-LABEL: func.func @overlap
// CHECK-SAME:    memref<128xi8>
// CHECK-SAME:    q8.workspace_size = 128 : i64
// CHECK-DAG:   %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:   %[[C64:.*]] = arith.constant 64 : index
// CHECK:       memref.view %{{.*}}[%[[C0]]][] : memref<128xi8> to memref<4xf32>
// CHECK:       memref.view %{{.*}}[%[[C64]]][] : memref<128xi8> to memref<4xf32>
func.func @overlap(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.copy %in, %a : memref<4xf32> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    memref.store %x, %b[%i] : memref<4xf32>
  }
  memref.copy %b, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// Dynamic sizes and memory that reaches the terminator stay allocations; a
// function without static allocations still gets a (zero-sized) workspace.
// CHECK-LABEL: func.func @kept
// CHECK-SAME:    %{{.*}}: memref<0xi8> {q8.name = "workspace"}) -> memref<4xf32>
// CHECK-SAME:    q8.workspace_size = 0 : i64
// CHECK:       memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK:       memref.alloc() : memref<4xf32>
// CHECK-NOT:   memref.view
func.func @kept(%n: index) -> memref<4xf32> {
  %d = memref.alloc(%n) : memref<?xf32>
  %r = memref.alloc() : memref<4xf32>
  return %r : memref<4xf32>
}

// -----

// The alignment option.
// CHECK-LABEL: func.func @aligned
// CHECK-SAME:    q8.workspace_size = 64 : i64
// ALIGN-LABEL: func.func @aligned
// ALIGN-SAME:    q8.workspace_size = 16 : i64
func.func @aligned(%out: memref<1xf32>) {
  %a = memref.alloc() : memref<1xf32>
  memref.copy %a, %out : memref<1xf32> to memref<1xf32>
  return
}
