// RUN: q8-opt %s -q8-matmul-kernels=target=avx2 -canonicalize -cse -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-matmul-kernels=target=avx512 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=AVX512

// Constant B: packed at compile time into [N/8][K][8] strips, the original
// global erased; the zero fill is dropped (accumulators start at zero).
// N = 40 is 5 vectors: two panels of 2 vectors (6 x 2 kernels) and one
// leftover vector (12 x 1 kernel, wider in rows); M = 13 is two 6-row
// blocks and one leftover row.
// CHECK-LABEL: memref.global "private" constant @w_packed : memref<5x8x8xf32>
// CHECK-SAME:    {alignment = 64 : i64}
// CHECK-NOT:   @w :
// CHECK-LABEL: func.func @constant_b
// CHECK-NOT:     linalg.fill
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-DAG:     %[[W:.*]] = memref.get_global @w_packed
// CHECK:         scf.for %[[N0:.*]] = %c0 to %c32 step %c16 {
// CHECK:           scf.for %[[M0:.*]] = %c0 to %c12 step %c6 {
// CHECK:             %[[STRIP:.*]] = arith.divui %[[N0]], %c8
// CHECK:             scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(%{{.*}} = %[[ZERO]], {{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:               %[[B0:.*]] = vector.load %[[W]][%[[STRIP]], %[[K]], %c0] : memref<5x8x8xf32>, vector<8xf32>
// CHECK:               %[[S1:.*]] = arith.addi %[[STRIP]], %c1
// CHECK:               %[[B1:.*]] = vector.load %[[W]][%[[S1]], %[[K]], %c0]
// CHECK:               %[[A:.*]] = memref.load %arg0[%[[M0]], %[[K]]] : memref<13x8xf32>
// CHECK:               %[[SPLAT:.*]] = vector.broadcast %[[A]] : f32 to vector<8xf32>
// CHECK:               vector.fma %[[SPLAT]], %[[B0]]
// CHECK:               vector.fma %[[SPLAT]], %[[B1]]
// CHECK-COUNT-10:      vector.fma
// CHECK:               scf.yield
// CHECK-COUNT-12:    vector.store {{.*}} : memref<13x40xf32>, vector<8xf32>
// The leftover row of each panel: a 1 x 2 kernel.
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>) {
// CHECK:             memref.load %arg0[%c12, {{.*}}]
// The leftover vector column (32..40): a 12 x 1 kernel and a 1 x 1 one.
// CHECK:         scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>) {
// CHECK:           vector.load %[[W]][%c4, {{.*}}, %c0]
// CHECK:         scf.for {{.*}} -> (vector<8xf32>) {
// CHECK-NOT:     linalg.matmul

// AVX512-LABEL: memref.global "private" constant @w_packed : memref<2x8x16xf32>
// AVX512-LABEL: func.func @constant_b
// AVX512:         vector.fma {{.*}} : vector<16xf32>
// The last 8 columns are short of one 16-lane vector: they stay a
// matmul on subviews, accumulating into the zero fill, which is kept.
// AVX512:         %[[BT:.*]] = memref.subview %{{.*}}[0, 32] [8, 8] [1, 1]
// AVX512:         %[[CT:.*]] = memref.subview %arg1[0, 32] [13, 8] [1, 1]
// AVX512:         linalg.matmul ins(%arg0, %[[BT]] : {{.*}}) outs(%[[CT]] :
memref.global "private" constant @w : memref<8x40xf32> = dense<1.0>
func.func @constant_b(%a: memref<13x8xf32>, %c: memref<13x40xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<8x40xf32>
  linalg.fill ins(%cst : f32) outs(%c : memref<13x40xf32>)
  linalg.matmul ins(%a, %w : memref<13x8xf32>, memref<8x40xf32>) outs(%c : memref<13x40xf32>)
  return
}

// -----

// batch_matmul on activations: B is read in place (contiguous along N), C
// is loaded first since nothing zero-filled it. The K block is all of K
// unless A's rows and the B panel of one block would pass 3/4 of L2 (1 MiB
// on the named targets): 6 x 4 + 16 x 4 = 88 bytes per k, so K = 16384 is
// two K blocks of 8192, the first and the last (a loop would hold the
// middle ones). One panel and one row block need no loops of their own.
// CHECK-LABEL: func.func @batch_in_place
// CHECK:         scf.for %[[B:.*]] = %c0 to %c2 step %c1 {
// CHECK:           vector.load %arg2[%[[B]], %c0, %c0] : memref<2x6x16xf32>, vector<8xf32>
// CHECK:           scf.for %[[K:.*]] = %c0 to %c8192 step %c1
// CHECK:             vector.load %arg1[%[[B]], %[[K]], %c0] : memref<2x16384x16xf32>, vector<8xf32>
// CHECK:             vector.load %arg1[%[[B]], %[[K]], %c8] : memref<2x16384x16xf32>, vector<8xf32>
// CHECK:             memref.load %arg0[%[[B]], %c0, %[[K]]] : memref<2x6x16384xf32>
// CHECK:           vector.store {{.*}}, %arg2[%[[B]], %c5, %c8]
// CHECK:           scf.for %{{.*}} = %c8192 to %c16384 step %c1 iter_args
// CHECK-NOT:       scf.for
// CHECK:           vector.store {{.*}}, %arg2[%[[B]], %c5, %c8]
func.func @batch_in_place(%a: memref<2x6x16384xf32>, %b: memref<2x16384x16xf32>, %c: memref<2x6x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x6x16384xf32>, memref<2x16384x16xf32>) outs(%c : memref<2x6x16xf32>)
  return
}

// -----

// Four K blocks (6 x 4 + 16 x 4 bytes per k, K = 4 x 8192): the first, a
// loop over the middle two, the last.
// CHECK-LABEL: func.func @four_k_blocks
// CHECK:         scf.for %{{.*}} = %c0 to %c8192 step %c1 iter_args
// CHECK:         scf.for %[[K0:.*]] = %c8192 to %c24576 step %c8192 {
// CHECK:           scf.for %{{.*}} = %[[K0]] to %{{.*}} step %c1 iter_args
// CHECK:         }
// CHECK:         scf.for %{{.*}} = %c24576 to %c32768 step %c1 iter_args
func.func @four_k_blocks(%a: memref<6x32768xf32>, %b: memref<32768x16xf32>, %c: memref<6x16xf32>) {
  linalg.matmul ins(%a, %b : memref<6x32768xf32>, memref<32768x16xf32>) outs(%c : memref<6x16xf32>)
  return
}

// -----

// A constant B stored transposed, B(n, k) as Gemm's transB gives it, packs
// into the same strips; a runtime B stored that way is not contiguous along
// N, so that matmul is left alone.
// CHECK-LABEL: memref.global "private" constant @wt_packed : memref<2x4x8xf32>
// CHECK-LABEL: func.func @transposed_b
// CHECK:         memref.get_global @wt_packed
// CHECK:         vector.fma
// CHECK:         linalg.matmul indexing_maps
// CHECK-SAME:      ins(%arg0, %arg2 : memref<6x4xf32>, memref<16x4xf32>)
memref.global "private" constant @wt : memref<16x4xf32> = dense<2.0>
func.func @transposed_b(%a: memref<6x4xf32>, %c: memref<6x16xf32>, %bt: memref<16x4xf32>, %d: memref<6x16xf32>) {
  %w = memref.get_global @wt : memref<16x4xf32>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : memref<6x4xf32>, memref<16x4xf32>) outs(%c : memref<6x16xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %bt : memref<6x4xf32>, memref<16x4xf32>) outs(%d : memref<6x16xf32>)
  return
}

// -----

// Bufferization gives CSE'd zero accumulators one zero-filled buffer that
// each matmul copies from: that copy is dropped like a fill, the filled
// buffer stays for the other readers.
// CHECK-LABEL: func.func @zero_copy
// CHECK:         %[[Z:.*]] = memref.alloc() : memref<6x16xf32>
// CHECK:         linalg.fill ins(%{{.*}}) outs(%[[Z]] : memref<6x16xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         vector.fma
// CHECK:         vector.fma
// CHECK-NOT:     memref.copy
// CHECK:         return
func.func @zero_copy(%a: memref<6x4xf32>, %b: memref<4x16xf32>, %c: memref<6x16xf32>, %d: memref<6x16xf32>) {
  %cst = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<6x16xf32>
  linalg.fill ins(%cst : f32) outs(%z : memref<6x16xf32>)
  memref.copy %z, %c : memref<6x16xf32> to memref<6x16xf32>
  linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x16xf32>) outs(%c : memref<6x16xf32>)
  memref.copy %z, %d : memref<6x16xf32> to memref<6x16xf32>
  linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x16xf32>) outs(%d : memref<6x16xf32>)
  return
}

// -----

// The NCHW im2col contraction out[n, f, p] += W[f, k] * col[n, k, p]: the
// image n is a batch dimension only C and col carry, the rows are filters
// (A, the constant filter, is read in place: only B packs), the columns are
// output pixels. 36 pixels are two vectors in one panel plus a 4-pixel tail
// left to linalg on subviews.
// CHECK-LABEL: func.func @im2col_nchw
// CHECK:         %[[W:.*]] = memref.get_global @filter : memref<4x27xf32>
// CHECK:         scf.for %[[N:.*]] = %c0 to %c2 step %c1 {
// CHECK:           scf.for %[[P:.*]] = %c0 to %c32 step %c16 {
// CHECK:             vector.load %arg1[%[[N]], %c0, %[[P]]] : memref<2x4x36xf32>, vector<8xf32>
// CHECK:             scf.for %[[K:.*]] = %c0 to %c27 step %c1 iter_args
// CHECK:               vector.load %arg0[%[[N]], %[[K]], %[[P]]] : memref<2x27x36xf32>, vector<8xf32>
// CHECK:               memref.load %[[W]][%c0, %[[K]]] : memref<4x27xf32>
// CHECK-COUNT-8:       vector.fma
// CHECK:             vector.store {{.*}}, %arg1[%[[N]], %c3, {{.*}}] : memref<2x4x36xf32>, vector<8xf32>
// CHECK:         memref.subview %arg0[0, 0, 32] [2, 27, 4] [1, 1, 1]
// CHECK:         memref.subview %arg1[0, 0, 32] [2, 4, 4] [1, 1, 1]
// CHECK:         linalg.generic
#im2col_w = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#im2col_col = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#im2col_out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
memref.global "private" constant @filter : memref<4x27xf32> = dense<1.0>
func.func @im2col_nchw(%col: memref<2x27x36xf32>, %out: memref<2x4x36xf32>) {
  %w = memref.get_global @filter : memref<4x27xf32>
  linalg.generic {indexing_maps = [#im2col_w, #im2col_col, #im2col_out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %col : memref<4x27xf32>, memref<2x27x36xf32>) outs(%out : memref<2x4x36xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %m, %c : f32
    linalg.yield %s : f32
  }
  return
}
