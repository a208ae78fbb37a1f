// RUN: q8-opt %s -split-input-file -q8-outline-parallel=min-work=0 | FileCheck %s
// RUN: q8-opt %s -split-input-file -q8-outline-parallel | FileCheck %s --check-prefix=WORK

// Dynamic extents (q8-bind-extent): parallel loops whose trip count is
// known only at run time.

// Rows viewed at the run-time extent n, as q8-bind-extent leaves them: the
// marked loop over [1, n) step 2 becomes a task called over
// [0, ceil(max(n - 1, 0) / 2)). The views are recomputed in the task from
// the buffers and the loaded extent, which are passed.
// CHECK-LABEL: func.func @rows_run(
// CHECK-SAME:    %[[DIMS:.*]]: memref<1xi64>, %[[X:.*]]: memref<8x16xf32>, %[[Y:.*]]: memref<8x16xf32>, %[[POOL:.*]]: !llvm.ptr {q8.name = "pool"})
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[TWO:.*]] = arith.constant 2 : index
// CHECK:         %[[LOADED:.*]] = memref.load %[[DIMS]]
// CHECK:         %[[N:.*]] = arith.index_cast %[[LOADED]] : i64 to index
// CHECK:         %[[BEGIN:.*]] = arith.constant 0 : index
// CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %[[ONE]] : index
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:         %[[POS:.*]] = arith.maxsi %[[SPAN]], %[[ZERO]] : index
// CHECK:         %[[TRIPS:.*]] = arith.ceildivsi %[[POS]], %[[TWO]] : index
// CHECK:         call @rows_run_task(%[[POOL]], %[[BEGIN]], %[[TRIPS]], %[[X]], %[[Y]], %[[LOADED]]) : (!llvm.ptr, index, index, memref<8x16xf32>, memref<8x16xf32>, i64) -> ()
// CHECK-NOT:     scf.for
// CHECK:         return
// CHECK-LABEL: func.func private @rows_run_task(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %[[B:.*]]: index, %[[E:.*]]: index, %[[TX:.*]]: memref<8x16xf32>, %[[TY:.*]]: memref<8x16xf32>, %[[TL:.*]]: i64)
// CHECK-SAME:    attributes {q8.parallel_task}
// CHECK:         %[[TN:.*]] = arith.index_cast %[[TL]] : i64 to index
// CHECK:         %[[XV:.*]] = memref.reinterpret_cast %[[TX]] to offset: [0], sizes: [%[[TN]], 16]
// CHECK:         scf.for %[[I:.*]] = %[[B]] to %[[E]] step %{{.*}} {
// CHECK:           %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK:           %[[ROW:.*]] = arith.addi %{{.*}}, %[[OFF]] : index
// CHECK:           memref.subview %[[XV]][%[[ROW]], 0] [2, 16] [1, 1]

// With the default min-work, a run-time trip count counts as 16: this
// loop's copy is too little work for threads.
// WORK-LABEL: func.func @rows_run(
// WORK-SAME:    !llvm.ptr {q8.name = "pool"})
// WORK:         scf.for
// WORK-NOT:     call
func.func @rows_run(%dims: memref<1xi64>, %x: memref<8x16xf32>, %y: memref<8x16xf32>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %loaded = memref.load %dims[%c0] : memref<1xi64>
  %n = arith.index_cast %loaded : i64 to index
  %xv = memref.reinterpret_cast %x to offset: [0], sizes: [%n, 16], strides: [16, 1] : memref<8x16xf32> to memref<?x16xf32>
  %yv = memref.reinterpret_cast %y to offset: [0], sizes: [%n, 16], strides: [16, 1] : memref<8x16xf32> to memref<?x16xf32>
  scf.for %i = %c1 to %n step %c2 {
    %src = memref.subview %xv[%i, 0] [2, 16] [1, 1] : memref<?x16xf32> to memref<2x16xf32, strided<[16, 1], offset: ?>>
    %dst = memref.subview %yv[%i, 0] [2, 16] [1, 1] : memref<?x16xf32> to memref<2x16xf32, strided<[16, 1], offset: ?>>
    memref.copy %src, %dst : memref<2x16xf32, strided<[16, 1], offset: ?>> to memref<2x16xf32, strided<[16, 1], offset: ?>>
  } {q8.parallel}
  return
}

// -----

// Both bounds known only at run time (a matmul kernel's leftover rows,
// [full, n)); with the default min-work, 16 nominal trips of a body of
// 1024 static iterations are enough work for threads.
// CHECK-LABEL: func.func @tail_run(
// CHECK-SAME:    %[[N:.*]]: index, %[[FULL:.*]]: index, %[[X:.*]]: memref<128x1024xf32>, %[[POOL:.*]]: !llvm.ptr {q8.name = "pool"})
// CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %[[FULL]] : index
// CHECK:         %[[POS:.*]] = arith.maxsi %[[SPAN]], %{{.*}} : index
// CHECK:         %[[TRIPS:.*]] = arith.ceildivsi %[[POS]], %{{.*}} : index
// CHECK:         call @tail_run_task(%[[POOL]], %{{.*}}, %[[TRIPS]], %[[X]], %[[FULL]]) : (!llvm.ptr, index, index, memref<128x1024xf32>, index) -> ()
// CHECK-LABEL: func.func private @tail_run_task(
// CHECK-SAME:    %{{.*}}: !llvm.ptr, %[[B:.*]]: index, %[[E:.*]]: index, %{{.*}}: memref<128x1024xf32>, %[[LB:.*]]: index)
// CHECK:         scf.for %[[I:.*]] = %[[B]] to %[[E]] step
// CHECK:           %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK:           %[[ROW:.*]] = arith.addi %[[LB]], %[[OFF]] : index
// CHECK:           scf.for
// CHECK:             memref.store %{{.*}}, %{{.*}}[%[[ROW]], %{{.*}}]

// WORK-LABEL: func.func @tail_run(
// WORK:         arith.ceildivsi
// WORK:         call @tail_run_task(
// WORK-NOT:     scf.for
// WORK:         return
func.func @tail_run(%n: index, %full: index, %x: memref<128x1024xf32>) attributes {q8.inputs = [], q8.outputs = []} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %full to %n step %c1 {
    scf.for %j = %c0 to %c1024 step %c1 {
      memref.store %f, %x[%i, %j] : memref<128x1024xf32>
    }
  } {q8.parallel}
  return
}
