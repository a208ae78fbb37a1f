// RUN: q8-opt %s -q8-tile-and-vectorize=target=avx2 -canonicalize -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-tile-and-vectorize=target=avx512 -canonicalize -split-input-file | FileCheck %s --check-prefix=AVX512

// batch_matmul: batch 1, M 4, N 2 x 8, K 8; one vector.contract per tile.
// CHECK-LABEL: func.func @bmm
// CHECK-DAG:   %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:   %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:   %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:   %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:   %[[C32:.*]] = arith.constant 32 : index
// CHECK:       scf.for %{{.*}} = %{{.*}} to %[[C2]] step %{{.*}}
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[C8]] step %[[C4]]
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[C32]] step %[[C16]]
// CHECK:             scf.for %{{.*}} = %{{.*}} to %[[C16]] step %[[C8]]
// CHECK:               vector.contract {{.*}} : vector<1x4x8xf32>, vector<1x8x16xf32> into vector<1x4x16xf32>
// CHECK-NOT:   linalg.batch_matmul
// AVX512-LABEL: func.func @bmm
// AVX512:       vector.contract {{.*}} : vector<1x4x16xf32>, vector<1x16x32xf32> into vector<1x4x32xf32>
func.func @bmm(%a: memref<2x8x16xf32>, %b: memref<2x16x32xf32>, %c: memref<2x8x32xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x16xf32>, memref<2x16x32xf32>) outs(%c : memref<2x8x32xf32>)
  return
}

// -----

// A 2-D convolution is not vectorizable as is: it stays for linalg-to-loops.
// CHECK-LABEL: func.func @conv
// CHECK:       linalg.conv_2d_nchw_fchw
// CHECK-NOT:   vector.
func.func @conv(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %y: memref<1x4x6x6xf32>) {
  linalg.conv_2d_nchw_fchw ins(%x, %w : memref<1x3x8x8xf32>, memref<4x3x3x3xf32>) outs(%y : memref<1x4x6x6xf32>)
  return
}

// -----

// A strided memref.copy becomes vector transfers (never a memrefCopy call);
// 10 has no factor in (5, 8], so the row tile is 5.
// CHECK-LABEL: func.func @copy
// CHECK-NOT:   memref.copy
// CHECK:       scf.for
// CHECK:         vector.transfer_read {{.*}} vector<1x5xf32>
// CHECK:         vector.transfer_write {{.*}} vector<1x5xf32>
func.func @copy(%x: memref<4x10xf32>, %y: memref<2x10xf32>) {
  %s = memref.subview %x[1, 0] [2, 10] [1, 1] : memref<4x10xf32> to memref<2x10xf32, strided<[10, 1], offset: 10>>
  memref.copy %s, %y : memref<2x10xf32, strided<[10, 1], offset: 10>> to memref<2x10xf32>
  return
}

// -----

// Rank 0: no loops to tile, vectorized whole.
// CHECK-LABEL: func.func @scalar_fill
// CHECK:       vector.transfer_write {{.*}} : vector<f32>, memref<f32>
func.func @scalar_fill(%y: memref<f32>) {
  %c = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%y : memref<f32>)
  return
}
