// RUN: q8-opt %s -q8-matmul-kernels=target=avx2 -canonicalize -cse -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-matmul-kernels=target=avx512 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=AVX512

// Dynamic extents (q8-bind-extent): matmuls whose M, N or K is known only
// at run time.

// A run-time M with constant B: B is packed as for a static M; in each
// panel the full blocks of 6 rows run in a loop up to (M / 6) * 6, the
// rows left over one at a time up to M. Nothing zero-filled C, so the
// accumulators start from C.
// CHECK-LABEL: memref.global "private" constant @w_packed : memref<4x64x8xf32>
// CHECK-LABEL: func.func @dynamic_m(
// CHECK-SAME:    %[[A:.*]]: memref<?x64xf32>, %[[C:.*]]: memref<?x32xf32>)
// CHECK:         %[[M:.*]] = memref.dim %[[C]], %c0 : memref<?x32xf32>
// CHECK:         %[[W:.*]] = memref.get_global @w_packed : memref<4x64x8xf32>
// CHECK:         scf.for %[[N0:.*]] = %c0 to %c32 step %c16 {
// CHECK:           %[[BLOCKS:.*]] = arith.divui %[[M]], %c6 : index
// CHECK:           %[[FULL:.*]] = arith.muli %[[BLOCKS]], %c6 : index
// CHECK:           scf.for %[[M0:.*]] = %c0 to %[[FULL]] step %c6 {
// CHECK:             vector.load %[[C]][%[[M0]], %[[N0]]] : memref<?x32xf32>, vector<8xf32>
// CHECK:             scf.for %[[K:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:               vector.load %[[W]][%{{.*}}, %[[K]], %c0] : memref<4x64x8xf32>, vector<8xf32>
// CHECK:               memref.load %[[A]][%[[M0]], %[[K]]] : memref<?x64xf32>
// CHECK-COUNT-12:      vector.fma {{.*}} : vector<8xf32>
// CHECK:               scf.yield
// CHECK-COUNT-12:    vector.store {{.*}}, %[[C]][{{.*}}] : memref<?x32xf32>, vector<8xf32>
// CHECK:           } {q8.parallel}
// CHECK:           scf.for %[[ROW:.*]] = %[[FULL]] to %[[M]] step %c1 {
// CHECK:             scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>) {
// CHECK:               memref.load %[[A]][%[[ROW]], %{{.*}}] : memref<?x64xf32>
// CHECK:               vector.fma
// CHECK:             vector.store {{.*}}, %[[C]][%[[ROW]], %[[N0]]]
// CHECK:           } {q8.parallel}
// CHECK:         } {q8.parallel}
// CHECK-NOT:     linalg.matmul

// AVX-512: one panel of 2 vectors, so no panel loop; blocks of 12 rows.
// AVX512-LABEL: memref.global "private" constant @w_packed : memref<2x64x16xf32>
// AVX512-LABEL: func.func @dynamic_m(
// AVX512:         %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x32xf32>
// AVX512:         %[[BLOCKS:.*]] = arith.divui %[[M]], %c12 : index
// AVX512:         %[[FULL:.*]] = arith.muli %[[BLOCKS]], %c12 : index
// AVX512:         scf.for %{{.*}} = %c0 to %[[FULL]] step %c12 {
// AVX512-COUNT-24:  vector.fma {{.*}} : vector<16xf32>
// AVX512:         } {q8.parallel}
// AVX512:         scf.for %{{.*}} = %[[FULL]] to %[[M]] step %c1 {
// AVX512-COUNT-2:   vector.fma {{.*}} : vector<16xf32>
// AVX512:         } {q8.parallel}
// AVX512-NOT:     linalg.matmul
memref.global "private" constant @w : memref<64x32xf32> = dense<1.0>
func.func @dynamic_m(%a: memref<?x64xf32>, %c: memref<?x32xf32>) {
  %w = memref.get_global @w : memref<64x32xf32>
  linalg.matmul ins(%a, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%c : memref<?x32xf32>)
  return
}

// -----

// Attention's Q K^T shape: B read in place, run-time M and N. The vector
// columns are N - N mod 8: full panels of 16 columns up to a multiple of
// 16, then single vectors (12-row blocks) up to N - N mod 8; the last
// N mod 8 columns are the same batch_matmul on subviews at a run-time
// offset and size.
// CHECK-LABEL: func.func @dynamic_mn(
// CHECK-SAME:    %[[A:.*]]: memref<4x?x16xf32>, %[[B:.*]]: memref<4x16x?xf32>, %[[C:.*]]: memref<4x?x?xf32>)
// CHECK-DAG:     %[[M:.*]] = memref.dim %[[C]], %c1 : memref<4x?x?xf32>
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[C]], %c2 : memref<4x?x?xf32>
// CHECK:         %[[REM:.*]] = arith.remui %[[N]], %c8 : index
// CHECK:         %[[VN:.*]] = arith.subi %[[N]], %[[REM]] : index
// CHECK:         scf.for %[[BATCH:.*]] = %c0 to %c4 step %c1 {
// CHECK:           %[[PANELS:.*]] = arith.divui %[[VN]], %c16 : index
// CHECK:           %[[PANELN:.*]] = arith.muli %[[PANELS]], %c16 : index
// CHECK:           scf.for %[[N0:.*]] = %c0 to %[[PANELN]] step %c16 {
// CHECK:             %[[BLOCKS:.*]] = arith.divui %[[M]], %c6 : index
// CHECK:             %[[FULL:.*]] = arith.muli %[[BLOCKS]], %c6 : index
// CHECK:             scf.for %{{.*}} = %c0 to %[[FULL]] step %c6 {
// CHECK:               scf.for %[[K:.*]] = %c0 to %c16 step %c1 iter_args
// CHECK:                 vector.load %[[B]][%[[BATCH]], %[[K]], %[[N0]]] : memref<4x16x?xf32>, vector<8xf32>
// CHECK-COUNT-12:        vector.fma
// CHECK:             } {q8.parallel}
// CHECK:             scf.for %{{.*}} = %[[FULL]] to %[[M]] step %c1 {
// CHECK:             } {q8.parallel}
// CHECK:           } {q8.parallel}
// CHECK:           scf.for %[[N1:.*]] = %[[PANELN]] to %[[VN]] step %c8 {
// CHECK:             arith.divui %[[M]], %c12 : index
// CHECK:             scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:               vector.load %[[B]][%[[BATCH]], %{{.*}}, %[[N1]]] : memref<4x16x?xf32>, vector<8xf32>
// CHECK:             scf.for {{.*}} -> (vector<8xf32>) {
// CHECK:           } {q8.parallel}
// CHECK:         } {q8.parallel}
// CHECK:         %[[TAIL:.*]] = arith.subi %[[N]], %[[VN]] : index
// CHECK:         %[[BT:.*]] = memref.subview %[[B]][0, 0, %[[VN]]] [4, 16, %[[TAIL]]] [1, 1, 1]
// CHECK:         %[[CT:.*]] = memref.subview %[[C]][0, 0, %[[VN]]] [4, %[[M]], %[[TAIL]]] [1, 1, 1]
// CHECK:         linalg.batch_matmul ins(%[[A]], %[[BT]] : {{.*}}) outs(%[[CT]] : {{.*}})
// CHECK-NEXT:    return

// AVX512-LABEL: func.func @dynamic_mn(
// AVX512:         %[[N:.*]] = memref.dim %{{.*}}, %c2 : memref<4x?x?xf32>
// AVX512:         %[[REM:.*]] = arith.remui %[[N]], %c16 : index
// AVX512:         %[[VN:.*]] = arith.subi %[[N]], %[[REM]] : index
// AVX512:         scf.for %{{.*}} = %{{.*}} to %[[VN]] step %c16 {
// AVX512:           vector.fma {{.*}} : vector<16xf32>
// AVX512:         memref.subview %{{.*}}[0, 0, %[[VN]]]
// AVX512:         linalg.batch_matmul
func.func @dynamic_mn(%a: memref<4x?x16xf32>, %b: memref<4x16x?xf32>, %c: memref<4x?x?xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x?x16xf32>, memref<4x16x?xf32>) outs(%c : memref<4x?x?xf32>)
  return
}

// -----

// Attention's P V shape with a static M: a run-time K is one K block, the
// k loops of the 6-row block and of the 2 rows left over running to K.
// CHECK-LABEL: func.func @dynamic_k(
// CHECK-SAME:    %[[A:.*]]: memref<4x8x?xf32>, %[[B:.*]]: memref<4x?x16xf32>, %[[C:.*]]: memref<4x8x16xf32>)
// CHECK:         %[[K:.*]] = memref.dim %[[A]], %c2 : memref<4x8x?xf32>
// CHECK:         scf.for %[[BATCH:.*]] = %c0 to %c4 step %c1 {
// CHECK:           scf.for %[[KI:.*]] = %c0 to %[[K]] step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:             vector.load %[[B]][%[[BATCH]], %[[KI]], %c0] : memref<4x?x16xf32>, vector<8xf32>
// CHECK:             memref.load %[[A]][%[[BATCH]], %c0, %[[KI]]] : memref<4x8x?xf32>
// CHECK-COUNT-12:    vector.fma
// CHECK:           scf.for %{{.*}} = %c0 to %[[K]] step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK-COUNT-4:     vector.fma
// CHECK:         } {q8.parallel}
// CHECK-NOT:     scf.for
// CHECK-NOT:     linalg.batch_matmul

// AVX512-LABEL: func.func @dynamic_k(
// AVX512:         %[[K:.*]] = memref.dim %{{.*}}, %c2 : memref<4x8x?xf32>
// AVX512:         scf.for %{{.*}} = %c0 to %[[K]] step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// AVX512-NOT:     linalg.batch_matmul
func.func @dynamic_k(%a: memref<4x8x?xf32>, %b: memref<4x?x16xf32>, %c: memref<4x8x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x8x?xf32>, memref<4x?x16xf32>) outs(%c : memref<4x8x16xf32>)
  return
}

// -----

// Left alone: a run-time K with a constant B (packed B is static), a
// run-time N with B read in place but not contiguous along n.
// CHECK-LABEL: memref.global "private" constant @wk : memref<64x32xf32>
// CHECK-NOT:   @wk_packed
// CHECK-LABEL: func.func @constant_b_dynamic_k(
// CHECK:         linalg.matmul
// CHECK-NOT:     vector.fma
// CHECK-LABEL: func.func @transposed_b_dynamic_n(
// CHECK:         linalg.generic
// CHECK-NOT:     vector.fma
// AVX512-LABEL: func.func @constant_b_dynamic_k(
// AVX512:         linalg.matmul
// AVX512-NOT:     vector.fma
// AVX512-LABEL: func.func @transposed_b_dynamic_n(
// AVX512:         linalg.generic
// AVX512-NOT:     vector.fma
memref.global "private" constant @wk : memref<64x32xf32> = dense<1.0>
func.func @constant_b_dynamic_k(%a: memref<8x?xf32>, %c: memref<8x32xf32>) {
  %w = memref.get_global @wk : memref<64x32xf32>
  linalg.matmul ins(%a, %w : memref<8x?xf32>, memref<64x32xf32>) outs(%c : memref<8x32xf32>)
  return
}
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @transposed_b_dynamic_n(%a: memref<8x16xf32>, %b: memref<?x16xf32>, %c: memref<8x?xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf32>, memref<?x16xf32>) outs(%c : memref<8x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Int8: a run-time M gets the row loops too (7-bit weights: vpmaddubsw).
// CHECK-LABEL: memref.global "private" constant @w8_packed : memref<4x2x32xi8>
// CHECK-LABEL: func.func @int8_dynamic_m(
// CHECK:         %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x32xi32>
// CHECK:         %[[BLOCKS:.*]] = arith.divui %[[M]], %c4 : index
// CHECK:         %[[FULL:.*]] = arith.muli %[[BLOCKS]], %c4 : index
// CHECK:         scf.for %{{.*}} = %c0 to %[[FULL]] step %c4 {
// CHECK:           llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// CHECK:         } {q8.parallel}
// CHECK:         scf.for %{{.*}} = %[[FULL]] to %[[M]] step %c1 {
// CHECK:           llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// CHECK:         } {q8.parallel}
// CHECK-NOT:     linalg.generic

// AVX512-LABEL: func.func @int8_dynamic_m(
// AVX512:         %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x32xi32>
// AVX512:         %[[FULL:.*]] = arith.muli %{{.*}}, %c8 : index
// AVX512:         scf.for %{{.*}} = %c0 to %[[FULL]] step %c8 {
// AVX512:           llvm.call_intrinsic "llvm.x86.avx512.pmaddubs.w.512"
// AVX512:         scf.for %{{.*}} = %[[FULL]] to %[[M]] step %c1 {
// AVX512-NOT:     linalg.generic
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @w8 : memref<8x32xi8> = dense<1>
func.func @int8_dynamic_m(%a: memref<?x8xi8>, %c: memref<?x32xi32>) {
  %w = memref.get_global @w8 : memref<8x32xi8>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<?x8xi8>, memref<8x32xi8>) outs(%c : memref<?x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
