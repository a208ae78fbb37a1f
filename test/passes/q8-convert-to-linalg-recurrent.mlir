// RUN: q8-opt %s -q8-convert-to-linalg -canonicalize -split-input-file | FileCheck %s
// The whole code-generation pipeline: every buffer the time loops use is
// planned in the workspace (nothing allocated per step, no malloc).
// RUN: q8-opt %s -q8-convert-to-linalg -q8-lower-to-llvm=target=avx2 -split-input-file | FileCheck %s --check-prefix=LLVM --implicit-check-not=malloc

// LSTM, bidirectional, with bias, initial states (the same tensor for both:
// each loop-carried state is its own copy) and peepholes. Per direction:
// W and R transposed once, the input projection of all steps as one matmul
// whose accumulator starts from Wb + Rb, then the time loop.
// CHECK-LABEL: func.func @lstm
// CHECK-DAG:   %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:   %[[C5:.*]] = arith.constant 5 : index
// CHECK:       %[[Y0:.*]] = bufferization.alloc_tensor() : tensor<5x2x2x4xf32>
// CHECK:       %[[WT:.*]] = linalg.transpose ins(%{{.*}} : tensor<16x3xf32>) outs(%{{.*}} : tensor<3x16xf32>) permutation = [1, 0]
// CHECK:       %[[RT:.*]] = linalg.transpose ins(%{{.*}} : tensor<16x4xf32>) outs(%{{.*}} : tensor<4x16xf32>) permutation = [1, 0]
// CHECK:       %[[BIAS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16xf32>)
// CHECK:       %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]] : tensor<5x2x3xf32> into tensor<10x3xf32>
// CHECK:       %[[ACC:.*]] = linalg.broadcast ins(%[[BIAS]] : tensor<16xf32>) outs(%{{.*}} : tensor<10x16xf32>) dimensions = [0]
// CHECK:       %[[PROJ:.*]] = linalg.matmul ins(%[[X]], %[[WT]] : tensor<10x3xf32>, tensor<3x16xf32>) outs(%[[ACC]] : tensor<10x16xf32>)
// CHECK:       %[[PO:.*]] = linalg.broadcast ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<2x4xf32>) dimensions = [0]
// CHECK:       %[[H0S:.*]] = tensor.extract_slice %arg4[0, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x2x4xf32> to tensor<2x4xf32>
// CHECK:       %[[H0:.*]] = bufferization.alloc_tensor() copy(%[[H0S]])
// CHECK:       %[[C0S:.*]] = tensor.extract_slice %arg4[0, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x2x4xf32> to tensor<2x4xf32>
// CHECK:       %[[C0:.*]] = bufferization.alloc_tensor() copy(%[[C0S]])
// CHECK:       %[[S0:.*]] = bufferization.alloc_tensor() : tensor<2x16xf32>
// CHECK:       %[[FWD:.*]]:4 = scf.for %[[T:.*]] = %{{.*}} to %[[C5]] step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[C:.*]] = %[[C0]], %[[S:.*]] = %[[S0]], %[[Y:.*]] = %[[Y0]])
// CHECK:         %[[ROW:.*]] = arith.muli %[[T]], %{{.*}} : index
// CHECK:         %[[XT:.*]] = tensor.extract_slice %[[PROJ]][%[[ROW]], 0] [2, 16] [1, 1]
// CHECK:         %[[COPY:.*]] = linalg.copy ins(%[[XT]] : tensor<2x16xf32>) outs(%[[S]] : tensor<2x16xf32>)
// CHECK:         %[[G:.*]] = linalg.matmul ins(%[[H]], %[[RT]] : tensor<2x4xf32>, tensor<4x16xf32>) outs(%[[COPY]] : tensor<2x16xf32>)
// Gates i, f, c (columns 0, 8, 12) update the cell state in place.
// CHECK-DAG:     %[[GI:.*]] = tensor.extract_slice %[[G]][0, 0] [2, 4] [1, 1]
// CHECK-DAG:     %[[GF:.*]] = tensor.extract_slice %[[G]][0, 8] [2, 4] [1, 1]
// CHECK-DAG:     %[[GC:.*]] = tensor.extract_slice %[[G]][0, 12] [2, 4] [1, 1]
// CHECK:         %[[CN:.*]] = linalg.generic {{.*}} ins(%[[GI]], %[[GF]], %[[GC]], %{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) outs(%[[C]] : tensor<2x4xf32>)
// CHECK:           math.exp
// CHECK:           math.exp
// CHECK:           math.tanh
// CHECK:           linalg.yield
// Gate o (column 4) with its peephole on the new cell state gives H.
// CHECK:         %[[GO:.*]] = tensor.extract_slice %[[G]][0, 4] [2, 4] [1, 1]
// CHECK:         %[[HN:.*]] = linalg.map ins(%[[GO]], %[[CN]], %[[PO]] : {{.*}}) outs(%[[H]] : tensor<2x4xf32>)
// CHECK:           math.exp
// CHECK:           math.tanh
// CHECK:         %[[YN:.*]] = tensor.insert_slice %[[HN]] into %[[Y]][%[[T]], 0, 0, 0] [1, 1, 2, 4] [1, 1, 1, 1]
// CHECK:         scf.yield %[[HN]], %[[CN]], %[[G]], %[[YN]]
// The reverse direction walks time 4 .. 0 and writes direction 1.
// CHECK:       %[[BWD:.*]]:4 = scf.for %[[T:.*]] = {{.*}} iter_args({{.*}}, %[[Y:.*]] = %[[FWD]]#3)
// CHECK:         %[[REV:.*]] = arith.subi %[[C4]], %[[T]] : index
// CHECK:         tensor.insert_slice %{{.*}} into %[[Y]][%[[REV]], 1, 0, 0] [1, 1, 2, 4] [1, 1, 1, 1]
// Y_h and Y_c stack the directions' final states.
// CHECK:       %[[YH0:.*]] = tensor.insert_slice %[[FWD]]#0 into %{{.*}}[0, 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK:       %[[YH:.*]] = tensor.insert_slice %[[BWD]]#0 into %[[YH0]][1, 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK:       %[[YC0:.*]] = tensor.insert_slice %[[FWD]]#1 into %{{.*}}[0, 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK:       %[[YC:.*]] = tensor.insert_slice %[[BWD]]#1 into %[[YC0]][1, 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK:       return %[[BWD]]#3, %[[YH]], %[[YC]]
// LLVM:        llvm.func @lstm({{.*}} q8.workspace_size =
func.func @lstm(%x: tensor<5x2x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>, %b: tensor<2x32xf32>, %h: tensor<2x2x4xf32>, %p: tensor<2x12xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>) {
  %0:3 = q8.lstm %x, %w, %r bias %b initial_h %h initial_c %h peephole %p {hidden_size = 4 : i64, direction = "bidirectional"} : (tensor<5x2x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>, tensor<2x32xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x12xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  return %0#0, %0#1, %0#2 : tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>
}

// -----

// clip clamps each activation's input; input_forget makes f = 1 - i (no
// sigmoid for f). No bias: the projection accumulates onto zeros; no
// initial state: zero-filled fresh tensors.
// CHECK-LABEL: func.func @lstm_clip
// CHECK-DAG:   %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:   %[[HI:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG:   %[[LO:.*]] = arith.constant -5.000000e-01 : f32
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<10x3xf32>, tensor<3x16xf32>)
// CHECK:       %[[H0A:.*]] = bufferization.alloc_tensor() : tensor<2x4xf32>
// CHECK:       %[[H0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[H0A]] : tensor<2x4xf32>)
// CHECK:       %[[C0A:.*]] = bufferization.alloc_tensor() : tensor<2x4xf32>
// CHECK:       %[[C0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[C0A]] : tensor<2x4xf32>)
// CHECK:       scf.for {{.*}} iter_args(%{{.*}} = %[[H0]], %{{.*}} = %[[C0]],
// CHECK:         linalg.generic
// CHECK:           %[[I0:.*]] = arith.maximumf %{{.*}}, %[[LO]] : f32
// CHECK:           %[[I1:.*]] = arith.minimumf %[[I0]], %[[HI]] : f32
// CHECK:           math.exp
// CHECK:           %[[I:.*]] = arith.divf
// CHECK:           %[[F:.*]] = arith.subf %{{.*}}, %[[I]] : f32
// CHECK-NOT:       math.exp
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK:           math.tanh
// CHECK:           linalg.yield
// CHECK:         linalg.map
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK:           math.exp
// CHECK-NOT:       arith.maximumf
// CHECK:           math.tanh
// CHECK:           linalg.yield
func.func @lstm_clip(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<1x2x4xf32> {
  %0:3 = q8.lstm %x, %w, %r {hidden_size = 4 : i64, clip = 5.000000e-01 : f32, input_forget = true} : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %0#1 : tensor<1x2x4xf32>
}

// -----

// GRU, reverse, linear_before_reset = 0: H R_zr^T for z and r, then
// (r * H) R_h^T. The projection's bias is Wb + Rb.
// CHECK-LABEL: func.func @gru
// CHECK:       %[[RZR:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK:       %[[RH:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x4xf32>) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK:       scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[SZR:.*]] = %{{.*}}, %[[SR:.*]] = %{{.*}}, %[[SH:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}})
// CHECK:         %[[REV:.*]] = arith.subi %{{.*}}, %[[T]] : index
// CHECK:         %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SZR]] : tensor<2x8xf32>)
// CHECK:         %[[ZR:.*]] = linalg.matmul ins(%[[H]], %[[RZR]] : tensor<2x4xf32>, tensor<4x8xf32>) outs(%[[F1]] : tensor<2x8xf32>)
// CHECK:         %[[RESET:.*]] = linalg.map ins(%{{.*}}, %{{.*}}, %[[H]] : {{.*}}) outs(%[[SR]] : tensor<2x4xf32>)
// CHECK:         %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SH]] : tensor<2x4xf32>)
// CHECK:         %[[CAND:.*]] = linalg.matmul ins(%[[RESET]], %[[RH]] : tensor<2x4xf32>, tensor<4x4xf32>) outs(%[[F2]] : tensor<2x4xf32>)
// CHECK:         %[[HN:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[CAND]] : {{.*}}) outs(%[[H]] : tensor<2x4xf32>)
// CHECK:         ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[HP:.*]]: f32):
// CHECK:           %[[Z:.*]] = arith.divf
// CHECK:           %[[CT:.*]] = math.tanh
// CHECK:           %[[OMZ:.*]] = arith.subf %{{.*}}, %[[Z]] : f32
// CHECK:           %[[A:.*]] = arith.mulf %[[OMZ]], %[[CT]] : f32
// CHECK:           %[[B:.*]] = arith.mulf %[[Z]], %[[HP]] : f32
// CHECK:           arith.addf %[[A]], %[[B]] : f32
// CHECK:         %[[YN:.*]] = tensor.insert_slice %[[HN]] into %[[Y]][%[[REV]], 0, 0, 0]
// CHECK:         scf.yield %[[HN]], %[[ZR]], %[[RESET]], %[[CAND]], %[[YN]]
// LLVM:        llvm.func @gru({{.*}} q8.workspace_size =
func.func @gru(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %b: tensor<1x24xf32>) -> tensor<5x1x2x4xf32> {
  %0:2 = q8.gru %x, %w, %r bias %b {hidden_size = 4 : i64, direction = "reverse"} : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<1x24xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %0#0 : tensor<5x1x2x4xf32>
}

// -----

// linear_before_reset = 1: one matmul H R^T onto [0, 0, Rb_h] broadcast
// into the step's scratch; r scales the h columns after it.
// CHECK-LABEL: func.func @gru_linear_before_reset
// CHECK-DAG:   %[[RBH:.*]] = tensor.pad %{{.*}} low[8] high[0]
// CHECK-DAG:   %[[RT:.*]] = linalg.transpose ins(%{{.*}} : tensor<12x4xf32>) outs(%{{.*}} : tensor<4x12xf32>)
// CHECK:       scf.for {{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK:         %[[ACC:.*]] = linalg.broadcast ins(%[[RBH]] : tensor<12xf32>) outs(%[[S]] : tensor<2x12xf32>) dimensions = [0]
// CHECK:         %[[HR:.*]] = linalg.matmul ins(%[[H]], %[[RT]] : tensor<2x4xf32>, tensor<4x12xf32>) outs(%[[ACC]] : tensor<2x12xf32>)
// CHECK:         %[[HH:.*]] = tensor.extract_slice %[[HR]][0, 8] [2, 4] [1, 1]
// CHECK:         linalg.generic {{.*}} ins({{.*}}, %[[HH]] : {{.*}}) outs(%[[H]] : tensor<2x4xf32>)
// CHECK:           %[[Z:.*]] = arith.divf
// CHECK:           %[[RESET:.*]] = arith.divf
// CHECK:           %[[SCALED:.*]] = arith.mulf %[[RESET]], %{{.*}} : f32
// CHECK:           arith.addf %{{.*}}, %[[SCALED]] : f32
// CHECK:           math.tanh
func.func @gru_linear_before_reset(%x: tensor<5x2x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>, %b: tensor<1x24xf32>, %h: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  %0:2 = q8.gru %x, %w, %r bias %b initial_h %h {hidden_size = 4 : i64, linear_before_reset = true} : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>, tensor<1x24xf32>, tensor<1x2x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %0#1 : tensor<1x2x4xf32>
}
