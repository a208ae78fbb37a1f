// RUN: q8-opt %s -q8-tile-and-vectorize=target=avx2 -canonicalize -split-input-file | FileCheck %s
// RUN: q8-opt %s -q8-tile-and-vectorize=target=avx512 -canonicalize -split-input-file | FileCheck %s --check-prefix=AVX512

// Dynamic extents (q8-bind-extent): loops whose extent is known only at
// run time.

// A run-time innermost extent is tiled by the vector width and peeled: the
// main loop, up to the last multiple of 8, runs static 1 x 8 tiles as
// vector transfers; the partial tile after it stays the linalg op, on
// subviews of run-time size.
// CHECK-DAG:   #[[MAIN:.*]] = affine_map<()[s0] -> ((s0 floordiv 8) * 8)>
// CHECK-DAG:   #[[REST:.*]] = affine_map<(d0)[s0] -> (-d0 + s0)>
// CHECK-LABEL: func.func @dynamic_inner(
// CHECK-SAME:    %[[X:.*]]: memref<4x?xf32>, %[[Y:.*]]: memref<4x?xf32>)
// CHECK:         %[[N:.*]] = memref.dim %[[X]], %c1 : memref<4x?xf32>
// CHECK:         scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// CHECK:           %[[END:.*]] = affine.apply #[[MAIN]]()[%[[N]]]
// CHECK:           scf.for %[[J:.*]] = %c0 to %[[END]] step %c8 {
// CHECK:             %[[XT:.*]] = memref.subview %[[X]][%[[I]], %[[J]]] [1, 8] [1, 1]
// CHECK:             %[[YT:.*]] = memref.subview %[[Y]][%[[I]], %[[J]]] [1, 8] [1, 1]
// CHECK:             %[[V:.*]] = vector.transfer_read %[[XT]]{{.*}} : memref<1x8xf32, strided<[?, 1], offset: ?>>, vector<1x8xf32>
// CHECK:             %[[SQ:.*]] = arith.mulf %[[V]], %[[V]] : vector<1x8xf32>
// CHECK:             vector.transfer_write %[[SQ]], %[[YT]]
// CHECK-NOT:         linalg.generic
// CHECK:           } {q8.parallel}
// CHECK:           scf.for %[[T:.*]] = %[[END]] to %[[N]] step %c8 {
// CHECK:             %[[SIZE:.*]] = affine.apply #[[REST]](%[[T]])[%[[N]]]
// CHECK:             %[[XR:.*]] = memref.subview %[[X]][%[[I]], %[[T]]] [1, %[[SIZE]]] [1, 1]
// CHECK:             %[[YR:.*]] = memref.subview %[[Y]][%[[I]], %[[T]]] [1, %[[SIZE]]] [1, 1]
// CHECK-NOT:         vector.transfer
// CHECK:             linalg.generic {{.*}} ins(%[[XR]] : memref<1x?xf32, {{.*}}>) outs(%[[YR]] : memref<1x?xf32, {{.*}}>)
// CHECK:               arith.mulf
// CHECK:           } {q8.parallel}
// CHECK:         } {q8.parallel}

// AVX512-DAG:   #[[MAIN:.*]] = affine_map<()[s0] -> ((s0 floordiv 16) * 16)>
// AVX512-LABEL: func.func @dynamic_inner(
// AVX512:         %[[END:.*]] = affine.apply #[[MAIN]]()
// AVX512:         scf.for %{{.*}} = %c0 to %[[END]] step %c16 {
// AVX512:           vector.transfer_read {{.*}}, vector<1x16xf32>
// AVX512:         scf.for %{{.*}} = %[[END]] to %{{.*}} step %c16 {
// AVX512:           linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @dynamic_inner(%x: memref<4x?xf32>, %y: memref<4x?xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x?xf32>) outs(%y : memref<4x?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = arith.mulf %a, %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A reduction over a run-time extent: its loop is peeled the same way,
// the main tiles become vector.multi_reduction, and, accumulating, it is
// not marked q8.parallel.
// CHECK-LABEL: func.func @dynamic_reduction(
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:           %[[END:.*]] = affine.apply
// CHECK:           scf.for %{{.*}} = %c0 to %[[END]] step %c8 {
// CHECK:             vector.transfer_read {{.*}} vector<1x8xf32>
// CHECK:             vector.multi_reduction <add>, {{.*}} [1] : vector<1x8xf32> to vector<1xf32>
// CHECK-NEXT:        vector.transfer_write
// CHECK-NEXT:      }{{$}}
// CHECK-NEXT:      scf.for %{{.*}} = %[[END]] to %{{.*}} step %c8 {
// CHECK-NOT:         vector.
// CHECK:             linalg.reduce ins(%{{.*}} : memref<1x?xf32, {{.*}}>) outs(%{{.*}} : memref<1xf32, {{.*}}>)
// CHECK:               linalg.yield
// CHECK-NEXT:        }{{$}}
// CHECK-NEXT:      }{{$}}
// CHECK-NEXT:    } {q8.parallel}
func.func @dynamic_reduction(%x: memref<4x?xf32>, %y: memref<4xf32>) {
  linalg.reduce ins(%x : memref<4x?xf32>) outs(%y : memref<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A contraction's run-time K is tiled by the vector width and peeled: the
// main tiles are 4 x 16 x 8 vector.contracts, the partial K tile a matmul
// on subviews.
// CHECK-LABEL: func.func @matmul_dynamic_k(
// CHECK-SAME:    %[[A:.*]]: memref<8x?xf32>, %[[B:.*]]: memref<?x32xf32>, %[[C:.*]]: memref<8x32xf32>)
// CHECK:         %[[K:.*]] = memref.dim %[[A]], %c1 : memref<8x?xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c4 {
// CHECK:           scf.for %{{.*}} = %c0 to %c32 step %c16 {
// CHECK:             %[[END:.*]] = affine.apply #{{.*}}()[%[[K]]]
// CHECK:             scf.for %{{.*}} = %c0 to %[[END]] step %c8 {
// CHECK:               vector.contract {{.*}} : vector<4x8xf32>, vector<8x16xf32> into vector<4x16xf32>
// CHECK-NEXT:          vector.transfer_write
// CHECK-NEXT:        }{{$}}
// CHECK-NEXT:        scf.for %{{.*}} = %[[END]] to %[[K]] step %c8 {
// CHECK-NOT:           vector.
// CHECK:               linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x?xf32, {{.*}}>, memref<?x16xf32, {{.*}}>) outs(%{{.*}} : memref<4x16xf32, {{.*}}>)
// CHECK-NEXT:        }{{$}}
// CHECK-NEXT:      } {q8.parallel}
// CHECK:         } {q8.parallel}

// AVX512-LABEL: func.func @matmul_dynamic_k(
// AVX512:         scf.for %{{.*}} = %c0 to %{{.*}} step %c16 {
// AVX512:           vector.contract {{.*}} : vector<4x16xf32>, vector<16x32xf32> into vector<4x32xf32>
// AVX512:         scf.for
// AVX512:           linalg.matmul
func.func @matmul_dynamic_k(%a: memref<8x?xf32>, %b: memref<?x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x?xf32>, memref<?x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// A contraction's run-time N is tiled by two vectors and peeled; inside
// both, K stays static (tiles of 8).
// CHECK-LABEL: func.func @matmul_dynamic_n(
// CHECK:         %[[N:.*]] = memref.dim %{{.*}}, %c1 : memref<16x?xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c4 {
// CHECK:           %[[END:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK:           scf.for %{{.*}} = %c0 to %[[END]] step %c16 {
// CHECK:             scf.for %{{.*}} = %c0 to %c16 step %c8 {
// CHECK:               vector.contract {{.*}} : vector<4x8xf32>, vector<8x16xf32> into vector<4x16xf32>
// CHECK:           } {q8.parallel}
// CHECK:           scf.for %{{.*}} = %[[END]] to %[[N]] step %c16 {
// CHECK:             scf.for %{{.*}} = %c0 to %c16 step %c8 {
// CHECK:               linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xf32, {{.*}}>, memref<8x?xf32, {{.*}}>) outs(%{{.*}} : memref<4x?xf32, {{.*}}>)
// CHECK:           } {q8.parallel}
// CHECK:         } {q8.parallel}
func.func @matmul_dynamic_n(%a: memref<8x16xf32>, %b: memref<16x?xf32>, %c: memref<8x?xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x?xf32>) outs(%c : memref<8x?xf32>)
  return
}

// -----

// Run-time rows with a static innermost extent: the dynamic loop is tiled
// by 1 (every tile static, nothing to peel: one loop over the rows), the
// innermost by the vector width.
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK-SAME:    %[[X:.*]]: memref<1x?x64xf32>, %[[Y:.*]]: memref<1x?x64xf32>)
// CHECK:         %[[ROWS:.*]] = memref.dim %[[X]], %c1 : memref<1x?x64xf32>
// CHECK-NEXT:    scf.for %[[I:.*]] = %c0 to %[[ROWS]] step %c1 {
// CHECK-NEXT:      scf.for %[[J:.*]] = %c0 to %c64 step %c8 {
// CHECK-NEXT:        memref.subview %[[X]][0, %[[I]], %[[J]]] [1, 1, 8] [1, 1, 1] : memref<1x?x64xf32> to memref<1x1x8xf32, {{.*}}>
// CHECK-NEXT:        memref.subview %[[Y]][0, %[[I]], %[[J]]] [1, 1, 8] [1, 1, 1] : memref<1x?x64xf32> to memref<1x1x8xf32, {{.*}}>
// CHECK-NOT:         scf.for
// CHECK:           } {q8.parallel}
// CHECK-NEXT:    } {q8.parallel}
// CHECK-NEXT:    return
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @dynamic_rows(%x: memref<1x?x64xf32>, %y: memref<1x?x64xf32>) {
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x?x64xf32>) outs(%y : memref<1x?x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = arith.mulf %a, %a : f32
    linalg.yield %e : f32
  }
  return
}
