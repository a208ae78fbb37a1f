// RUN: q8-opt %s -q8-lower-observers | FileCheck %s
// RUN: q8-opt %s -q8-lower-observers=callee=collect | FileCheck %s --check-prefix=CALLEE
// RUN: q8-opt %s -q8-lower-observers -q8-convert-to-linalg -q8-lower-to-llvm=model-name=m | FileCheck %s --check-prefix=LLVM

// Each observer becomes a call with its id and the address of the tensor's
// dense buffer; its users read the tensor again. The module lists the
// observers in id order.
// CHECK:       module attributes {q8.observers = [{axis = 1 : i64, id = 0 : i64, name = "x", type = tensor<2x3xf32>}, {id = 1 : i64, name = "y", type = tensor<f32>}]}
// CHECK:       func.func private @q8_calib_observe_dense(i64, i64)
// CHECK-LABEL: func.func @f
// CHECK:         %[[M:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x3xf32> to memref<2x3xf32>
// CHECK:         %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[M]] : memref<2x3xf32> -> index
// CHECK:         %[[A:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK:         %[[ID:.*]] = arith.constant 0 : i64
// CHECK:         call @q8_calib_observe_dense(%[[ID]], %[[A]]) : (i64, i64) -> ()
// CHECK:         %[[R:.*]] = q8.relu %arg0
// CHECK:         bufferization.to_buffer %arg1 read_only : tensor<f32> to memref<f32>
// CHECK:         arith.constant 1 : i64
// CHECK:         call @q8_calib_observe_dense
// CHECK:         return %[[R]], %arg1
// CHECK-NOT:     q8.observe
// CALLEE:      func.func private @collect(i64, i64)

// Through the whole lowering: the input's observer reads the argument
// itself, the relu's result goes on.
// LLVM:        llvm.func @q8_calib_observe_dense(i64, i64) attributes {sym_visibility = "private"}
// LLVM-LABEL:  llvm.func @m_run(
// LLVM:          %[[ADDR:.*]] = llvm.ptrtoint %arg0 : !llvm.ptr to i64
// LLVM:          llvm.call @q8_calib_observe_dense(%{{.*}}, %[[ADDR]]) : (i64, i64) -> ()
func.func @f(%x: tensor<2x3xf32>, %y: tensor<f32>) -> (tensor<2x3xf32>, tensor<f32>) {
  %0 = q8.observe %x {axis = 1 : i64, name = "x"} : tensor<2x3xf32>
  %1 = q8.relu %0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = q8.observe %y {name = "y"} : tensor<f32>
  return %1, %2 : tensor<2x3xf32>, tensor<f32>
}
