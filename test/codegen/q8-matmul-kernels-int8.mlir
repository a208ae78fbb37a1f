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
// AVX2:         scf.for %[[K:.*]] = %c0 to %c8 step %c2 iter_args
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
// AVX2:         scf.for %[[K:.*]] = %c0 to %c8 step %c4 iter_args
// AVX2:           %[[A4:.*]] = vector.load %arg0[%c0, %[[K]]] : memref<5x8xi8>, vector<4xi8>
// AVX2:           %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2:           %[[QUADS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %[[ONES]])
// AVX2:           arith.addi %{{.*}}, %[[QUADS]] : vector<8xi32>
// Four rows of two vectors on 16 registers (the dot needs ones and a temporary).
// AVX2-COUNT-7:   llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// AVX2:           scf.yield

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

// A zero point subtracted inside the contraction (non-constant weights'
// form) is not the plain u8 x s8 dot: left to the generic path everywhere.
// VNNI512-LABEL: func.func @zp
// VNNI512:         linalg.generic
// VNNI512-NOT:     call_intrinsic
// AVX2-LABEL: func.func @zp
// AVX2:         linalg.generic
// AVX2-NOT:     call_intrinsic
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
