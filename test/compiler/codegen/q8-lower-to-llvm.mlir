// RUN: q8-opt %s -q8-lower-to-llvm=target=avx2 -split-input-file | FileCheck %s

// Elementwise add with a broadcast operand: one vectorized loop nest, the
// result written straight into the caller's buffer (no workspace needed).
// CHECK-LABEL: llvm.func @add_broadcast
// CHECK-SAME:    (%{{.*}}: !llvm.ptr {q8.name = "x"}, %{{.*}}: !llvm.ptr {q8.name = "b"}, %{{.*}}: !llvm.ptr {q8.name = "y"}, %{{.*}}: !llvm.ptr {q8.name = "workspace"}, %{{.*}}: !llvm.ptr {q8.name = "pool"})
// CHECK-SAME:    q8.inputs = [{name = "x", type = tensor<4x16xf32>}, {name = "b", type = tensor<16xf32>}]
// CHECK-SAME:    q8.outputs = [{name = "y", type = tensor<4x16xf32>}]
// CHECK-SAME:    q8.workspace_size = 0 : i64
// CHECK:         llvm.load {{.*}} -> vector<8xf32>
// CHECK:         llvm.fadd {{.*}} : vector<8xf32>
// CHECK:         llvm.store {{.*}} : vector<8xf32>, !llvm.ptr
// CHECK-NOT:     llvm.call @malloc
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @add_broadcast(%x: tensor<4x16xf32> {q8.name = "x"}, %b: tensor<16xf32> {q8.name = "b"}) -> (tensor<4x16xf32> {q8.name = "y"}) {
  %e = tensor.empty() : tensor<4x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// Matmul with a bias + relu epilogue: q8-matmul-kernels' 6 x 2 micro-kernel
// becomes FMAs on 8-lane vectors (ymm), accumulating straight into the
// caller's output buffer, so the workspace stays empty.
// CHECK-LABEL: llvm.func @matmul
// CHECK-SAME:    {q8.name = "workspace"}
// CHECK-SAME:    q8.workspace_size = 0 : i64
// CHECK:         llvm.intr.fmuladd({{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK:         llvm.intr.maximum
// CHECK-NOT:     llvm.call @malloc
#id = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
func.func @matmul(%a: tensor<16x24xf32>, %w: tensor<24x32xf32>, %b: tensor<32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x24xf32>, tensor<24x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %e2 = tensor.empty() : tensor<16x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<16x32xf32>, tensor<32xf32>) outs(%e2 : tensor<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %zero : f32
    linalg.yield %t : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// Softmax over rows, as q8-convert-to-linalg writes it: two reductions and
// two broadcasting generics; exp is a polynomial, not a libm call. The
// workspace holds a row buffer (4 floats, 64 bytes aligned) next to the 16
// partial results per row of a split reduction (4 x 16 floats): 320 bytes.
// CHECK-LABEL: llvm.func @softmax
// CHECK-SAME:    q8.workspace_size = 320 : i64
// CHECK:         llvm.intr.vector.reduce.fmaximum
// CHECK:         llvm.intr.vector.reduce.fadd
// CHECK:         llvm.fdiv
// CHECK-NOT:     llvm.call @expf
// CHECK-NOT:     llvm.call @malloc
#id = affine_map<(d0, d1) -> (d0, d1)>
#kept = affine_map<(d0, d1) -> (d0, 0)>
func.func @softmax(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %max = linalg.reduce ins(%x : tensor<4x32xf32>) outs(%fm : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  %maxk = tensor.expand_shape %max [[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
  %e1 = tensor.empty() : tensor<4x32xf32>
  %exp = linalg.generic {indexing_maps = [#id, #kept, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %maxk : tensor<4x32xf32>, tensor<4x1xf32>) outs(%e1 : tensor<4x32xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  } -> tensor<4x32xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.reduce ins(%exp : tensor<4x32xf32>) outs(%fs : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %sumk = tensor.expand_shape %sum [[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
  %r = linalg.generic {indexing_maps = [#id, #kept, #id], iterator_types = ["parallel", "parallel"]}
      ins(%exp, %sumk : tensor<4x32xf32>, tensor<4x1xf32>) outs(%e1 : tensor<4x32xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %v = arith.divf %a, %s : f32
    linalg.yield %v : f32
  } -> tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}
