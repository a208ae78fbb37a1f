// End to end: a softmax over rows (two linalg.reduce, polynomial exp) and a
// row sum over an odd extent (37: scalar tiles), as two outputs of one
// model, through the object emitter and a C harness. Expected values:
// Python's math.exp in float64, printed to 5 decimals.
// RUN: rm -rf %t && mkdir -p %t
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=softmax" -q8-emit-object="path=%t/softmax.o target=avx2" -q8-emit-object="path=%t/softmax.h format=header" -o /dev/null
// RUN: %cc -std=c11 -Wall -Werror -I%q8rt_include -I%t %S/Inputs/softmax_main.c %t/softmax.o %q8rt -o %t/run
// RUN: %t/run | FileCheck %s

// CHECK: workspace: 64
// CHECK-NEXT: probs 0: 0.00725 0.01196 0.01971 0.03250 0.05358 0.00725 0.01196 0.01971
// CHECK-NEXT: probs 1: 0.00725 0.01196 0.01971 0.03250 0.05358 0.00725 0.01196 0.01971
// CHECK-NEXT: probs 2: 0.00725 0.01196 0.01971 0.03250 0.05358 0.00725 0.01196 0.01971
// CHECK-NEXT: row sums: 1.00000 1.00000 1.00000
// CHECK-NEXT: sums: -573.5 -231.25 111 453.25 795.5

#id = affine_map<(d0, d1) -> (d0, d1)>
#kept = affine_map<(d0, d1) -> (d0, 0)>
func.func @main(%x: tensor<3x40xf32> {q8.name = "x"}, %v: tensor<5x37xf32> {q8.name = "v"}) -> (tensor<3x40xf32> {q8.name = "probs"}, tensor<5xf32> {q8.name = "sums"}) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3xf32>
  %fm = linalg.fill ins(%ninf : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  %max = linalg.reduce ins(%x : tensor<3x40xf32>) outs(%fm : tensor<3xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  %maxk = tensor.expand_shape %max [[0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
  %e1 = tensor.empty() : tensor<3x40xf32>
  %exp = linalg.generic {indexing_maps = [#id, #kept, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %maxk : tensor<3x40xf32>, tensor<3x1xf32>) outs(%e1 : tensor<3x40xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<3x40xf32>
  %fs = linalg.fill ins(%zero : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.reduce ins(%exp : tensor<3x40xf32>) outs(%fs : tensor<3xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %sumk = tensor.expand_shape %sum [[0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
  %probs = linalg.generic {indexing_maps = [#id, #kept, #id], iterator_types = ["parallel", "parallel"]}
      ins(%exp, %sumk : tensor<3x40xf32>, tensor<3x1xf32>) outs(%e1 : tensor<3x40xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %r = arith.divf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<3x40xf32>
  %e5 = tensor.empty() : tensor<5xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<5xf32>) -> tensor<5xf32>
  %rs = linalg.reduce ins(%v : tensor<5x37xf32>) outs(%f5 : tensor<5xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  return %probs, %rs : tensor<3x40xf32>, tensor<5xf32>
}
