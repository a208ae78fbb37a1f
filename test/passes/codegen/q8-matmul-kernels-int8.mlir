// RUN: q8-opt %s -q8-matmul-kernels=target=avx512-vnni -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=VNNI512
// RUN: q8-opt %s -q8-matmul-kernels=target=avx-vnni -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=VNNI256
// RUN: q8-opt %s -q8-matmul-kernels=target=avx2 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=AVX2
// RUN: q8-opt %s -q8-matmul-kernels=target=avx512 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=AVX512
// RUN: q8-opt %s -q8-matmul-kernels=target=generic -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=GENERIC

// The int8 contraction qlinear lowers to (acc + extui(a) * extsi(b), u8
// activations x constant s8 weights), M = 5, K = 8, N = 32.
//
// Weights B(k, n) = 10k + n: pairs of k sum to up to 171 > 128 in
// magnitude, so vpmaddubsw could saturate; AVX2 and AVX-512 without VNNI
// take the exact vpmaddwd path, B packed as i16 pairs [N/lanes][K/2][2 x lanes].
// VNNI packs i8 quads [N/lanes][K/4][4 x lanes] and uses vpdpbusd.

// VNNI512-LABEL: memref.global "private" constant @wbig_packed : memref<2x2x64xi8>
// VNNI512-LABEL: func.func @big
// VNNI512-NOT:     linalg.fill
// VNNI512-DAG:     %[[ZERO:.*]] = arith.constant dense<0> : vector<16xi32>
// VNNI512:         scf.for %[[K:.*]] = %c0 to %c8 step %c4 iter_args(%{{.*}} = %[[ZERO]]
// VNNI512:           %[[Q:.*]] = arith.divui %[[K]], %c4
// VNNI512:           %[[B0:.*]] = vector.load %{{.*}}[%c0, %[[Q]], %c0] : memref<2x2x64xi8>, vector<64xi8>
// VNNI512:           %[[B1:.*]] = vector.load %{{.*}}[%c1, %[[Q]], %c0] : memref<2x2x64xi8>, vector<64xi8>
// VNNI512:           %[[A4:.*]] = vector.load %arg0[%c0, %[[K]]] : memref<5x8xi8>, vector<4xi8>
// VNNI512:           %[[W:.*]] = vector.bitcast %[[A4]] : vector<4xi8> to vector<1xi32>
// VNNI512:           %[[L:.*]] = vector.extract %[[W]][0] : i32 from vector<1xi32>
// VNNI512:           %[[S:.*]] = vector.broadcast %[[L]] : i32 to vector<16xi32>
// VNNI512:           %[[A:.*]] = vector.bitcast %[[S]] : vector<16xi32> to vector<64xi8>
// VNNI512:           llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[A]], %[[B0]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI512:           llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[A]], %[[B1]])
// VNNI512-COUNT-8:   llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:           scf.yield
// VNNI512-COUNT-10: vector.store {{.*}} : memref<5x32xi32>, vector<16xi32>

// VNNI256-LABEL: memref.global "private" constant @wbig_packed : memref<4x2x32xi8>
// VNNI256-LABEL: func.func @big
// VNNI256:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"({{.*}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>

// AVX2-LABEL: memref.global "private" constant @wbig_packed : memref<4x4x16xi16>
// AVX2-LABEL: func.func @big
// A is zero-extended to i16 once, into its own buffer.
// AVX2:         %[[WIDE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<5x8xi16>
// AVX2:         linalg.generic {{.*}} ins(%arg0 : memref<5x8xi8>) outs(%[[WIDE]] : memref<5x8xi16>)
// AVX2:           arith.extui %{{.*}} : i8 to i16
// Kernels of at most 8 accumulators take two k steps per trip.
// AVX2:         scf.for %[[K:.*]] = %c0 to %c8 step %c4 iter_args
// AVX2:           %[[A2:.*]] = vector.load %[[WIDE]][%{{.*}}, %[[K]]] : memref<5x8xi16>, vector<2xi16>
// AVX2:           vector.bitcast %[[A2]] : vector<2xi16> to vector<1xi32>
// AVX2:           %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2:           arith.addi %{{.*}}, %[[P]] : vector<8xi32>
// AVX2-NOT:       pmadd.ub.sw

// AVX512-LABEL: memref.global "private" constant @wbig_packed : memref<2x4x32xi16>
// AVX512-LABEL: func.func @big
// AVX512:         llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"({{.*}}) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// AVX512-NOT:     pmaddubs

// No integer vector dot on the generic target: the op stays.
// GENERIC-LABEL: func.func @big
// GENERIC:         linalg.fill
// GENERIC:         linalg.generic
// GENERIC-NOT:     call_intrinsic
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @wbig : memref<8x32xi8> = dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61], [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71], [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81], [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91], [70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101]]>
func.func @big(%a: memref<5x8xi8>, %c: memref<5x32xi32>) {
  %w = memref.get_global @wbig : memref<8x32xi8>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<5x32xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<5x8xi8>, memref<8x32xi8>) outs(%c : memref<5x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// Weights B(k, n) = 9 (k - n mod 8), |b| <= 63: every k pair sums to at most
// 126 in magnitude, vpmaddubsw is exact (255 * 128 < 32768), so AVX2 and
// AVX-512 use it (u8 x s8 -> i16 pairs, then vpmaddwd by ones -> i32).

// AVX2-LABEL: memref.global "private" constant @wsmall_packed : memref<4x2x32xi8>
// AVX2-LABEL: func.func @small
// AVX2-DAG:     %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// The k loop takes two steps of 4 per trip: here one trip, inlined.
// AVX2-NOT:     iter_args
// AVX2:         %[[A4:.*]] = vector.load %arg0[%c0, %c0] : memref<5x8xi8>, vector<4xi8>
// AVX2:         %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// (The first step's sums are the accumulators: 0 + x folds.)
// AVX2:         llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %[[ONES]])
// Four rows of two vectors on 16 registers (the dot needs ones and a
// temporary), two k steps: 8 vpmaddubsw per step.
// AVX2:         vector.load %arg0[%c0, %c4] : memref<5x8xi8>, vector<4xi8>
// AVX2-COUNT-7: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// AVX2:         vector.store

// AVX512-LABEL: memref.global "private" constant @wsmall_packed : memref<2x2x64xi8>
// AVX512-LABEL: func.func @small
// AVX512:         llvm.call_intrinsic "llvm.x86.avx512.pmaddubs.w.512"({{.*}}) : (vector<64xi8>, vector<64xi8>) -> vector<32xi16>
// AVX512:         llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"

// VNNI512-LABEL: func.func @small
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @wsmall : memref<8x32xi8> = dense<[[0, -9, -18, -27, -36, -45, -54, -63, 0, -9, -18, -27, -36, -45, -54, -63, 0, -9, -18, -27, -36, -45, -54, -63, 0, -9, -18, -27, -36, -45, -54, -63], [9, 0, -9, -18, -27, -36, -45, -54, 9, 0, -9, -18, -27, -36, -45, -54, 9, 0, -9, -18, -27, -36, -45, -54, 9, 0, -9, -18, -27, -36, -45, -54], [18, 9, 0, -9, -18, -27, -36, -45, 18, 9, 0, -9, -18, -27, -36, -45, 18, 9, 0, -9, -18, -27, -36, -45, 18, 9, 0, -9, -18, -27, -36, -45], [27, 18, 9, 0, -9, -18, -27, -36, 27, 18, 9, 0, -9, -18, -27, -36, 27, 18, 9, 0, -9, -18, -27, -36, 27, 18, 9, 0, -9, -18, -27, -36], [36, 27, 18, 9, 0, -9, -18, -27, 36, 27, 18, 9, 0, -9, -18, -27, 36, 27, 18, 9, 0, -9, -18, -27, 36, 27, 18, 9, 0, -9, -18, -27], [45, 36, 27, 18, 9, 0, -9, -18, 45, 36, 27, 18, 9, 0, -9, -18, 45, 36, 27, 18, 9, 0, -9, -18, 45, 36, 27, 18, 9, 0, -9, -18], [54, 45, 36, 27, 18, 9, 0, -9, 54, 45, 36, 27, 18, 9, 0, -9, 54, 45, 36, 27, 18, 9, 0, -9, 54, 45, 36, 27, 18, 9, 0, -9], [63, 54, 45, 36, 27, 18, 9, 0, 63, 54, 45, 36, 27, 18, 9, 0, 63, 54, 45, 36, 27, 18, 9, 0, 63, 54, 45, 36, 27, 18, 9, 0]]>
func.func @small(%a: memref<5x8xi8>, %c: memref<5x32xi32>) {
  %w = memref.get_global @wsmall : memref<8x32xi8>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<5x32xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<5x8xi8>, memref<8x32xi8>) outs(%c : memref<5x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// A's zero point subtracted inside the product, (extui(a) - 3) * extsi(b):
// the kernels run the plain dot from accumulators that start at
// -3 * sum_k B(k, n), computed once by a reduction; nothing subtracts per
// element.
// VNNI512-LABEL: func.func @zp
// VNNI512:         %[[OFF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32xi32>
// VNNI512:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : memref<8x32xi8>) outs(%[[OFF]] : memref<32xi32>)
// VNNI512:         %[[O0:.*]] = vector.load %[[OFF]][%c0] : memref<32xi32>, vector<16xi32>
// VNNI512:         %[[O1:.*]] = vector.load %[[OFF]][%c16] : memref<32xi32>, vector<16xi32>
// VNNI512:         scf.for %{{.*}} = %c0 to %c8 step %c4 iter_args(%{{.*}} = %[[O0]], %{{.*}} = %[[O1]], %{{.*}} = %[[O0]], %{{.*}} = %[[O1]],
// VNNI512:           llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512-NOT:     arith.subi
// GENERIC-LABEL: func.func @zp
// GENERIC:         arith.subi
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @wbig : memref<8x32xi8> = dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61], [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71], [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81], [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91], [70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101]]>
func.func @zp(%a: memref<5x8xi8>, %c: memref<5x32xi32>) {
  %w = memref.get_global @wbig : memref<8x32xi8>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<5x32xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<5x8xi8>, memref<8x32xi8>) outs(%c : memref<5x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %c3 = arith.constant 3 : i32
    %s = arith.subi %0, %c3 : i32
    %2 = arith.muli %s, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// K = 6 is not a multiple of VNNI's group of 4 (A is read four bytes at a
// time): left alone there; the vpmaddwd path reads pairs and takes it.
// VNNI512-LABEL: func.func @k6
// VNNI512:         linalg.generic
// VNNI512-NOT:     call_intrinsic
// AVX2-LABEL: memref.global "private" constant @wk6_packed : memref<4x3x16xi16>
// AVX2-LABEL: func.func @k6
// AVX2:         llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @wk6 : memref<6x32xi8> = dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61], [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71], [50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81]]>
func.func @k6(%a: memref<5x6xi8>, %c: memref<5x32xi32>) {
  %w = memref.get_global @wk6 : memref<6x32xi8>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<5x32xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<5x6xi8>, memref<6x32xi8>) outs(%c : memref<5x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// A batched product of two activations (attention's form): B known only at
// run time, A's zero point 3 subtracted inside the product. B is packed at
// run time into [batch, N/lanes, K/group, lanes, group] by an elementwise
// generic (read through B's map at k = 4q + j, n = 16s + l), and
// -3 * sum_k B(b, k, n) is computed once per column as the accumulators'
// starting value.
// VNNI512:       #[[READ:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2 * 4 + d4, d1 * 16 + d3)>
// VNNI512-LABEL: func.func @batched_runtime_b
// VNNI512:         %[[PACK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x2x2x16x4xi8>
// VNNI512:         linalg.generic {indexing_maps = [#[[READ:.*]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%arg1 : memref<2x8x32xi8>) outs(%[[PACK]] : memref<2x2x2x16x4xi8>)
// VNNI512:         %[[PACKED:.*]] = memref.collapse_shape %[[PACK]] {{\[}}[0], [1], [2], [3, 4]] : memref<2x2x2x16x4xi8> into memref<2x2x2x64xi8>
// VNNI512:         %[[OFF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x32xi32>
// VNNI512:         linalg.fill ins(%{{.*}} : i32) outs(%[[OFF]] : memref<2x32xi32>)
// VNNI512:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg1 : memref<2x8x32xi8>) outs(%[[OFF]] : memref<2x32xi32>)
// VNNI512:           arith.extsi
// VNNI512:           arith.muli
// VNNI512:         scf.for %[[B:.*]] = %c0 to %c2 step %c1 {
// VNNI512:           %[[O0:.*]] = vector.load %[[OFF]][%[[B]], %c0] : memref<2x32xi32>, vector<16xi32>
// VNNI512:           scf.for %{{.*}} = %c0 to %c8 step %c4 iter_args(%{{.*}} = %[[O0]],
// VNNI512:             vector.load %[[PACKED]][%[[B]], %c0, %{{.*}}, %c0] : memref<2x2x2x64xi8>, vector<64xi8>
// VNNI512:             vector.load %arg0[%[[B]], %c0, %{{.*}}] : memref<2x5x8xi8>, vector<4xi8>
// VNNI512:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512-NOT:     subi

// A run-time B on AVX2 takes the exact vpmaddwd path (its values are not
// known to fit vpmaddubsw): packed as i16, sign-extended.
// AVX2-LABEL: func.func @batched_runtime_b
// AVX2:         memref.alloc() {alignment = 64 : i64} : memref<2x4x4x8x2xi16>
// AVX2:           arith.extsi %{{.*}} : i8 to i16
// AVX2:         llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
#a3 = affine_map<(b, m, n, k) -> (b, m, k)>
#b3 = affine_map<(b, m, n, k) -> (b, k, n)>
#c3 = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched_runtime_b(%a: memref<2x5x8xi8>, %w: memref<2x8x32xi8>, %c: memref<2x5x32xi32>) {
  %zero = arith.constant 0 : i32
  %zp = arith.constant 3 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<2x5x32xi32>)
  linalg.generic {indexing_maps = [#a3, #b3, #c3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %w : memref<2x5x8xi8>, memref<2x8x32xi8>) outs(%c : memref<2x5x32xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %y : i8 to i32
    %s = arith.subi %0, %zp : i32
    %2 = arith.muli %s, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}

// -----

// The epilogue on registers: the elementwise consumer of C (here q8's
// dequantize: add the zero-point offsets per column, convert, scale per
// column) runs on the accumulators of the last K block and stores into its
// own output; the consumer, C's fill and C itself are gone. The vector
// form of the body is the scalar one op for op.
// VNNI512-LABEL: func.func @epilogue
// VNNI512-NOT:     memref.alloc
// VNNI512-NOT:     linalg.
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         %[[OFF:.*]] = vector.load %arg2[%c0] : memref<16xi32>, vector<16xi32>
// VNNI512:         %[[S:.*]] = vector.load %arg3[%c0] : memref<16xf32>, vector<16xf32>
// VNNI512:         %[[SUM:.*]] = arith.addi %{{.*}}, %[[OFF]] : vector<16xi32>
// VNNI512:         %[[F:.*]] = arith.sitofp %[[SUM]] : vector<16xi32> to vector<16xf32>
// VNNI512:         %[[Y:.*]] = arith.mulf %[[F]], %[[S]] : vector<16xf32>
// VNNI512:         vector.store %[[Y]], %arg1[%c0, %c0] : memref<4x16xf32>, vector<16xf32>
// VNNI512-COUNT-3: vector.store {{.*}}, %arg1[%c{{[1-3]}}, %c0] : memref<4x16xf32>, vector<16xf32>
// VNNI512-NOT:     linalg.
// AVX2-LABEL: func.func @epilogue
// AVX2-NOT:     linalg.generic {{.*}} outs(%arg1
// AVX2-COUNT-8: vector.store {{.*}}, %arg1[{{.*}}] : memref<4x16xf32>, vector<8xf32>
// GENERIC-LABEL: func.func @epilogue
// GENERIC:         linalg.fill
// GENERIC:         linalg.generic
// GENERIC:         linalg.generic
memref.global "private" constant @wepi : memref<8x16xi8> = dense<3>
func.func @epilogue(%a: memref<4x8xi8>, %y: memref<4x16xf32>, %offsets: memref<16xi32>, %scales: memref<16xf32>) {
  %w = memref.get_global @wepi : memref<8x16xi8>
  %zero = arith.constant 0 : i32
  %c = memref.alloc() {alignment = 64 : i64} : memref<4x16xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<4x16xi32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x16xi8>) outs(%c : memref<4x16xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%c, %offsets, %scales : memref<4x16xi32>, memref<16xi32>, memref<16xf32>) outs(%y : memref<4x16xf32>) {
  ^bb0(%in: i32, %off: i32, %s: f32, %out: f32):
    %0 = arith.addi %in, %off : i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.mulf %1, %s : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// Not folded: an op between the matmul and its consumer writes one of the
// consumer's inputs (the consumer must see the written scales).
// VNNI512-LABEL: func.func @epilogue_blocked
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         vector.store {{.*}} : memref<4x16xi32>, vector<16xi32>
// VNNI512:         linalg.fill {{.*}} outs(%arg3 : memref<16xf32>)
// VNNI512:         linalg.generic
// VNNI512-SAME:      outs(%arg1 : memref<4x16xf32>)
memref.global "private" constant @wepi2 : memref<8x16xi8> = dense<3>
func.func @epilogue_blocked(%a: memref<4x8xi8>, %y: memref<4x16xf32>, %offsets: memref<16xi32>, %scales: memref<16xf32>) {
  %w = memref.get_global @wepi2 : memref<8x16xi8>
  %zero = arith.constant 0 : i32
  %one = arith.constant 1.0 : f32
  %c = memref.alloc() {alignment = 64 : i64} : memref<4x16xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<4x16xi32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x16xi8>) outs(%c : memref<4x16xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.fill ins(%one : f32) outs(%scales : memref<16xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%c, %offsets, %scales : memref<4x16xi32>, memref<16xi32>, memref<16xf32>) outs(%y : memref<4x16xf32>) {
  ^bb0(%in: i32, %off: i32, %s: f32, %out: f32):
    %0 = arith.addi %in, %off : i32
    %1 = arith.sitofp %0 : i32 to f32
    %2 = arith.mulf %1, %s : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// C read through the head split of attention (q8-fuse-elementwise folds
// [S, H*D] -> [S, H, D] into the epilogue): the consumer's loops are
// collapsed back to C's shape, its per-column input and output through
// collapse_shape views, and it runs on the accumulators.
// VNNI512-LABEL: func.func @epilogue_expanded
// VNNI512-NOT:     linalg.
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         vector.load %{{.*}} : memref<32xf32>, vector<16xf32>
// VNNI512:         arith.mulf %{{.*}} : vector<16xf32>
// VNNI512:         vector.store {{.*}} : memref<4x32xf32>, vector<16xf32>
// VNNI512-NOT:     linalg.
// VNNI512-NOT:     vector.store {{.*}} : memref<4x32xi32>
memref.global "private" constant @wexp : memref<8x32xi8> = dense<3>
func.func @epilogue_expanded(%a: memref<4x8xi8>, %y: memref<1x4x2x16xf32>, %scales: memref<2x16xf32>) {
  %w = memref.get_global @wexp : memref<8x32xi8>
  %zero = arith.constant 0 : i32
  %c = memref.alloc() {alignment = 64 : i64} : memref<4x32xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<4x32xi32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x32xi8>) outs(%c : memref<4x32xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  %e = memref.expand_shape %c [[0, 1], [2, 3]] output_shape [1, 4, 2, 16] : memref<4x32xi32> into memref<1x4x2x16xi32>
  linalg.generic {indexing_maps = [affine_map<(b, s, h, d) -> (b, s, h, d)>, affine_map<(b, s, h, d) -> (h, d)>, affine_map<(b, s, h, d) -> (b, s, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%e, %scales : memref<1x4x2x16xi32>, memref<2x16xf32>) outs(%y : memref<1x4x2x16xf32>) {
  ^bb0(%in: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    %1 = arith.mulf %0, %s : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Two matmuls whose zero accumulators bufferization shares: the first
// copies the filled buffer into its C, the second takes the buffer itself
// as its C. Both start from zero accumulators with their consumers on
// registers; the fill stays (the first copy reads it before the second
// matmul), a residual add done in place (input and output one buffer)
// included.
// VNNI512-LABEL: func.func @shared_zero_fill
// VNNI512:         linalg.fill
// VNNI512-NOT:     memref.copy
// VNNI512-NOT:     vector.load {{.*}} : memref<4x16xi32>
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         vector.store {{.*}}, %arg1[{{.*}}] : memref<4x16xf32>, vector<16xf32>
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         %[[R:.*]] = vector.load %arg2[{{.*}}] : memref<4x16xf32>, vector<16xf32>
// VNNI512:         arith.addf %{{.*}}, %[[R]] : vector<16xf32>
// VNNI512:         vector.store {{.*}}, %arg2[{{.*}}] : memref<4x16xf32>, vector<16xf32>
// VNNI512-NOT:     linalg.generic
memref.global "private" constant @wsh : memref<8x16xi8> = dense<3>
func.func @shared_zero_fill(%a: memref<4x8xi8>, %y: memref<4x16xf32>, %r: memref<4x16xf32>) {
  %w = memref.get_global @wsh : memref<8x16xi8>
  %zero = arith.constant 0 : i32
  %zeros = memref.alloc() {alignment = 64 : i64} : memref<4x16xi32>
  linalg.fill ins(%zero : i32) outs(%zeros : memref<4x16xi32>)
  %c1 = memref.alloc() {alignment = 64 : i64} : memref<4x16xi32>
  memref.copy %zeros, %c1 : memref<4x16xi32> to memref<4x16xi32>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x16xi8>) outs(%c1 : memref<4x16xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%c1 : memref<4x16xi32>) outs(%y : memref<4x16xf32>) {
  ^bb0(%in: i32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x16xi8>) outs(%zeros : memref<4x16xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%zeros, %r : memref<4x16xi32>, memref<4x16xf32>) outs(%r : memref<4x16xf32>) {
  ^bb0(%in: i32, %res: f32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    %1 = arith.addf %0, %res : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// Not collapsed: an operand broadcast with constant 0 results (an
// attention mask); the consumer stays as it is, reading the expanded C.
// VNNI512-LABEL: func.func @epilogue_expanded_broadcast
// VNNI512:         llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI512:         %[[E:.*]] = memref.expand_shape
// VNNI512-NOT:     memref.collapse_shape
// VNNI512:         linalg.generic
// VNNI512-SAME:      ins(%[[E]], %arg2 : memref<1x4x2x16xi32>, memref<1x1x1x16xf32>)
memref.global "private" constant @wexpb : memref<8x32xi8> = dense<3>
func.func @epilogue_expanded_broadcast(%a: memref<4x8xi8>, %y: memref<1x4x2x16xf32>, %mask: memref<1x1x1x16xf32>) {
  %w = memref.get_global @wexpb : memref<8x32xi8>
  %zero = arith.constant 0 : i32
  %c = memref.alloc() {alignment = 64 : i64} : memref<4x32xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<4x32xi32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : memref<4x8xi8>, memref<8x32xi8>) outs(%c : memref<4x32xi32>) {
  ^bb0(%x: i8, %v: i8, %acc: i32):
    %0 = arith.extui %x : i8 to i32
    %1 = arith.extsi %v : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  %e = memref.expand_shape %c [[0, 1], [2, 3]] output_shape [1, 4, 2, 16] : memref<4x32xi32> into memref<1x4x2x16xi32>
  linalg.generic {indexing_maps = [affine_map<(b, s, h, d) -> (b, s, h, d)>, affine_map<(b, s, h, d) -> (b, 0, 0, d)>, affine_map<(b, s, h, d) -> (b, s, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%e, %mask : memref<1x4x2x16xi32>, memref<1x1x1x16xf32>) outs(%y : memref<1x4x2x16xf32>) {
  ^bb0(%in: i32, %m: f32, %out: f32):
    %0 = arith.sitofp %in : i32 to f32
    %1 = arith.addf %0, %m : f32
    linalg.yield %1 : f32
  }
  return
}
