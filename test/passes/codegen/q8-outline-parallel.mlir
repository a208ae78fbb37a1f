// RUN: q8-opt %s -split-input-file -q8-outline-parallel=min-work=0 | FileCheck %s

// The entry function gets its trailing pool argument; the marked loop
// becomes a task over [0, trip count) whose body runs iterations
// lb + i * step. The subview and the constants are recomputed inside the
// task; the buffers are passed.
// CHECK-LABEL: func.func @m_run(
// CHECK-SAME:    %[[X:.*]]: memref<8x16xf32>, %[[Y:.*]]: memref<8x16xf32>, %[[W:.*]]: memref<64xi8>, %[[POOL:.*]]: !llvm.ptr {q8.name = "pool"})
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK:         %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT:    call @m_run_task(%[[POOL]], %{{.*}}, %[[C4]], %[[X]], %[[Y]]) : (!llvm.ptr, index, index, memref<8x16xf32>, memref<8x16xf32>) -> ()
// CHECK-NOT:     scf.for
// CHECK:         return
// CHECK-LABEL: func.func private @m_run_task(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %[[B:.*]]: index, %[[E:.*]]: index, %[[TX:.*]]: memref<8x16xf32>, %[[TY:.*]]: memref<8x16xf32>)
// CHECK-SAME:    attributes {q8.parallel_task}
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[TWO:.*]] = arith.constant 2 : index
// CHECK:         scf.for %[[I:.*]] = %[[B]] to %[[E]] step %[[ONE]] {
// CHECK:           %[[OFF:.*]] = arith.muli %[[I]], %[[TWO]]
// CHECK:           %[[ROW:.*]] = arith.addi %{{.*}}, %[[OFF]]
// CHECK:           memref.subview %[[TX]][%[[ROW]], 0] [2, 16] [1, 1]
func.func @m_run(%x: memref<8x16xf32>, %y: memref<8x16xf32>,
                 %w: memref<64xi8>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c2 {
    %src = memref.subview %x[%i, 0] [2, 16] [1, 1] : memref<8x16xf32> to memref<2x16xf32, strided<[16, 1], offset: ?>>
    %dst = memref.subview %y[%i, 0] [2, 16] [1, 1] : memref<8x16xf32> to memref<2x16xf32, strided<[16, 1], offset: ?>>
    memref.copy %src, %dst : memref<2x16xf32, strided<[16, 1], offset: ?>> to memref<2x16xf32, strided<[16, 1], offset: ?>>
  } {q8.parallel}
  return
}

// -----

// Only the outermost marked loop runs in parallel; a marked loop of one
// iteration is looked into; unmarked loops and loops that carry values
// stay where they are.
// CHECK-LABEL: func.func @nest_run(
// CHECK:         scf.for
// CHECK-NOT:       q8.parallel
// CHECK:         call @nest_run_task(
// CHECK:         call @nest_run_task_0(
// CHECK:         scf.for {{.*}} iter_args
// CHECK-LABEL: func.func private @nest_run_task(
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:           } {q8.parallel}
// CHECK-LABEL: func.func private @nest_run_task_0(
func.func @nest_run(%x: memref<4x4xf32>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %f, %x[%i, %c0] : memref<4x4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      memref.store %f, %x[%i, %j] : memref<4x4xf32>
    } {q8.parallel}
  } {q8.parallel}
  scf.for %i = %c0 to %c1 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      memref.store %f, %x[%j, %i] : memref<4x4xf32>
    } {q8.parallel}
  } {q8.parallel}
  %s = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %f) -> (f32) {
    %b = arith.addf %a, %f : f32
    scf.yield %b : f32
  } {q8.parallel}
  memref.store %s, %x[%c0, %c0] : memref<4x4xf32>
  return
}

// -----

// Functions without q8.inputs are not entry points: no pool, no tasks.
// CHECK-LABEL: func.func @helper(%{{.*}}: memref<4xf32>) {
// CHECK:         scf.for
func.func @helper(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %f, %x[%i] : memref<4xf32>
  } {q8.parallel}
  return
}

// -----

// Too little work for threads: the loop stays sequential (the default
// min-work), and the pool argument is still added.
// RUN: q8-opt %s -split-input-file -q8-outline-parallel | FileCheck %s --check-prefix=SMALL
// SMALL-LABEL: func.func @small_run(%{{.*}}: memref<4x16xf32>, %{{.*}}: !llvm.ptr {q8.name = "pool"})
// SMALL:         scf.for
// SMALL-NOT:     call
func.func @small_run(%x: memref<4x16xf32>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %f, %x[%i, %c0] : memref<4x16xf32>
  } {q8.parallel}
  return
}

// -----

// A task is named after the ONNX node of its loop (its location's name),
// as identifier characters, numbered when two share a name.
// CHECK-LABEL: func.func @named_run(
// CHECK:         call @named_run_task_layer_0_ffn_MatMul(
// CHECK:         call @named_run_task_layer_0_ffn_MatMul_0(
// CHECK:       func.func private @named_run_task_layer_0_ffn_MatMul(
// CHECK:       func.func private @named_run_task_layer_0_ffn_MatMul_0(
func.func @named_run(%x: memref<4x4xf32>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %f, %x[%i, %c0] : memref<4x4xf32>
  } {q8.parallel} loc(fused["layer.0/ffn/MatMul", "x"])
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %f, %x[%i, %c1] : memref<4x4xf32>
  } {q8.parallel} loc("layer.0/ffn/MatMul")
  return
}
