// RUN: q8-opt %s -q8-lower-parallel-calls | FileCheck %s

// The call of a task becomes q8_pool_parallel_for(pool, count, thunk,
// context): the captured values go into a struct allocated in the entry
// block (the call sits in a loop), and the thunk loads them back and calls
// the task on its slice.
// CHECK:       llvm.func @q8_pool_parallel_for(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @m_run(
// CHECK-SAME:    %[[X:.*]]: !llvm.ptr, %[[S:.*]]: f32, %[[POOL:.*]]: !llvm.ptr)
// CHECK:         %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK:         %[[CTX:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(ptr, f32)>
// CHECK:       ^[[LOOP:.*]]:
// CHECK:         %[[F0:.*]] = llvm.getelementptr inbounds %[[CTX]][0, 0]
// CHECK:         llvm.store %[[X]], %[[F0]]
// CHECK:         %[[F1:.*]] = llvm.getelementptr inbounds %[[CTX]][0, 1]
// CHECK:         llvm.store %[[S]], %[[F1]]
// CHECK:         %[[FN:.*]] = llvm.mlir.addressof @m_run_task_thunk
// CHECK:         llvm.call @q8_pool_parallel_for(%[[POOL]], %{{.*}}, %[[FN]], %[[CTX]])
// CHECK-NOT:     llvm.call @m_run_task(
// CHECK-LABEL: llvm.func internal @m_run_task_thunk(
// CHECK-SAME:    %[[C:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64)
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         %[[A0:.*]] = llvm.getelementptr inbounds %[[C]][0, 0]
// CHECK:         %[[V0:.*]] = llvm.load %[[A0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[A1:.*]] = llvm.getelementptr inbounds %[[C]][0, 1]
// CHECK:         %[[V1:.*]] = llvm.load %[[A1]] : !llvm.ptr -> f32
// CHECK:         llvm.call @m_run_task(%[[NULL]], %[[B]], %[[E]], %[[V0]], %[[V1]])
llvm.func @m_run(%x: !llvm.ptr, %s: f32, %pool: !llvm.ptr) {
  %zero = llvm.mlir.constant(0 : i64) : i64
  %count = llvm.mlir.constant(16 : i64) : i64
  %steps = llvm.mlir.constant(3 : i64) : i64
  llvm.br ^loop(%zero : i64)
^loop(%t: i64):
  llvm.call @m_run_task(%pool, %zero, %count, %x, %s) : (!llvm.ptr, i64, i64, !llvm.ptr, f32) -> ()
  %next = llvm.add %t, %steps : i64
  %more = llvm.icmp "slt" %next, %steps : i64
  llvm.cond_br %more, ^loop(%next : i64), ^done
^done:
  llvm.return
}

llvm.func internal @m_run_task(%pool: !llvm.ptr, %begin: i64, %end: i64,
                               %x: !llvm.ptr, %s: f32) attributes {q8.parallel_task} {
  llvm.return
}

// Calls of other functions are left alone.
// CHECK-LABEL: llvm.func @other(
// CHECK:         llvm.call @plain(
llvm.func @plain(%p: !llvm.ptr, %b: i64, %e: i64)
llvm.func @other(%p: !llvm.ptr) {
  %c = llvm.mlir.constant(1 : i64) : i64
  llvm.call @plain(%p, %c, %c) : (!llvm.ptr, i64, i64) -> ()
  llvm.return
}
