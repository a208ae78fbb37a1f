// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=p" | FileCheck %s

// Integer powers have no LLVM lowering of their own: convert-math-to-funcs
// outlines them (vectors scalarized first) into a linkonce_odr function the
// model calls.
// CHECK-LABEL: llvm.func @p_run
// CHECK:         llvm.call @__mlir_math_ipowi_i32
// CHECK-NOT:     math.ipowi
// CHECK:       llvm.func linkonce_odr @__mlir_math_ipowi_i32(%{{.*}}: i32, %{{.*}}: i32) -> i32
#id = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<8xi32>, %e: tensor<8xi32>) -> tensor<8xi32> {
  %init = tensor.empty() : tensor<8xi32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %e : tensor<8xi32>, tensor<8xi32>) outs(%init : tensor<8xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %p = math.ipowi %a, %b : i32
    linalg.yield %p : i32
  } -> tensor<8xi32>
  return %r : tensor<8xi32>
}
