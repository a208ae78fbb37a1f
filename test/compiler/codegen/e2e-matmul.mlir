// End to end: lower, emit an object and a header with q8's own emitters,
// link a C harness with the runtime, run it. Shapes with awkward factors
// (M=6, K=20, N=24) exercise the divisor tiles. Inputs and weights are
// small binary fractions, so every result is exact whatever the FMA order;
// the expected rows were computed independently (numpy, float64).
// RUN: rm -rf %t && mkdir -p %t
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=matmul" -q8-emit-object="path=%t/matmul.o target=avx2" -q8-emit-object="path=%t/matmul.h format=header" -o /dev/null
// RUN: %cc -std=c11 -Wall -Werror -I%q8rt_include -I%t %S/Inputs/matmul_main.c %t/matmul.o %q8rt -o %t/run
// RUN: %t/run | FileCheck %s

// CHECK: validate: ok
// CHECK-NEXT: row 0: 0 0 0 1.75 0 0 4.75 0 0 0 3.5 0 0.25 6.5 0 0 1.625 5.25 1 2 8.25 1.375 0 3.375
// CHECK-NEXT: row 1: 0 0 0 2.125 0 0 4.75 0 0 0 3.875 0 0.375 6.5 0 0 1.25 5.625 1.25 2.125 8.25 1.25 0 3
// CHECK-NEXT: row 2: 0 0 0 2.5 0 0 4.75 0 0 0 4.25 0 0.5 6.5 0 0 0.875 6 1.5 2.25 8.25 1.125 0 2.625
// CHECK-NEXT: row 3: 0 0 0 2.875 0 0 4.75 0 0 0 4.625 0 0.625 6.5 0 0 0.5 6.375 1.75 2.375 8.25 1 0 2.25
// CHECK-NEXT: row 4: 0 0 0 3.25 0 0 4.75 0 0 0 5 0.25 0.75 6.5 0 0 0.125 6.75 2 2.5 8.25 0.875 0 1.875
// CHECK-NEXT: row 5: 0 0 0 3.625 0 0 4.75 0 0 0 5.375 0.5 0.875 6.5 0 0 0 7.125 2.25 2.625 8.25 0.75 0 1.5

#id = affine_map<(d0, d1) -> (d0, d1)>
#bias = affine_map<(d0, d1) -> (d1)>
func.func @main(%a: tensor<6x20xf32> {q8.name = "a"}, %w: tensor<20x24xf32> {q8.name = "w"}, %b: tensor<24xf32> {q8.name = "bias"}) -> (tensor<6x24xf32> {q8.name = "y"}) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x24xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<6x24xf32>) -> tensor<6x24xf32>
  %m = linalg.matmul ins(%a, %w : tensor<6x20xf32>, tensor<20x24xf32>) outs(%f : tensor<6x24xf32>) -> tensor<6x24xf32>
  %e2 = tensor.empty() : tensor<6x24xf32>
  %r = linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<6x24xf32>, tensor<24xf32>) outs(%e2 : tensor<6x24xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %zero : f32
    linalg.yield %t : f32
  } -> tensor<6x24xf32>
  return %r : tensor<6x24xf32>
}
