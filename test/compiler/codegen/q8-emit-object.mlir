// The emitters: byte-identical objects (in one process and across runs),
// the instructions each target selects, LLVM IR, and the model header.
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=tiny" -q8-emit-object="path=%t.a.o target=avx2" -q8-emit-object="path=%t.b.o target=avx2" -o /dev/null
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=tiny" -q8-emit-object="path=%t.c.o target=avx2" -o /dev/null
// RUN: cmp %t.a.o %t.b.o
// RUN: cmp %t.a.o %t.c.o
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=tiny" -q8-emit-object="format=asm target=avx2" -o /dev/null | FileCheck %s --check-prefix=AVX2
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx512 model-name=tiny" -q8-emit-object="format=asm target=avx512" -o /dev/null | FileCheck %s --check-prefix=AVX512
// RUN: q8-opt %s -q8-lower-to-llvm="target=generic model-name=tiny" -q8-emit-object="format=asm target=generic" -o /dev/null | FileCheck %s --check-prefix=GENERIC
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=tiny" -q8-emit-object="format=ll target=avx2" -o /dev/null | FileCheck %s --check-prefix=LL
// RUN: q8-opt %s -q8-lower-to-llvm="target=avx2 model-name=tiny" -q8-emit-object="format=header" -o /dev/null | FileCheck %s --check-prefix=HDR

// AVX2-LABEL: tiny_run:
// AVX2:         vfmadd{{[0-9]+}}ps {{.*}}%ymm
// AVX2-NOT:     %zmm
// AVX2:         retq

// AVX512-LABEL: tiny_run:
// AVX512:         vfmadd{{[0-9]+}}ps {{.*}}%zmm

// GENERIC-LABEL: tiny_run:
// GENERIC-NOT:     %ymm
// GENERIC:         mulps
// GENERIC:         retq

// LL: target triple = "x86_64-unknown-linux-gnu"
// LL: define void @tiny_run(ptr {{.*}}, ptr {{.*}}, ptr {{.*}}, ptr {{.*}}, ptr {{.*}})
// The packed entry point loads the arguments and calls it, not inlined (the
// optimizer passes poison for the workspace, which tiny_run never reads).
// LL-LABEL: define noundef i32 @tiny_run_packed(ptr noundef readonly captures(none) %args)
// LL:         %arg0 = load ptr, ptr %args, align 8
// LL:         %arg1 = load ptr, ptr %arg1.slot, align 8
// LL:         tail call void @tiny_run(ptr %arg0, ptr %arg1, {{.*}}) #[[NOINLINE:[0-9]+]]
// LL-NEXT:    ret i32 0
// LL:       attributes #[[NOINLINE]] = { noinline {{.*}}}

// HDR:      #ifndef Q8_MODEL_TINY_H
// HDR:      #include "q8_abi.h"
// HDR:      #define TINY_NUM_INPUTS 2
// HDR-NEXT: #define TINY_NUM_OUTPUTS 1
// HDR:      #define TINY_WORKSPACE_SIZE 0
// HDR:      /* x.in: f32[4x32] */
// HDR-NEXT: #define TINY_X_IN_RANK 2
// HDR-NEXT: #define TINY_X_IN_DIM0 4
// HDR-NEXT: #define TINY_X_IN_DIM1 32
// HDR-NEXT: #define TINY_X_IN_ELEMENTS 128
// HDR:      void tiny_run(const float *x_in, const float *float_, float *y, void *workspace, q8_pool *pool);
// HDR:      args[0..2) inputs, args[2..3) outputs, args[3] the workspace, args[4] the pool.
// HDR:      int32_t tiny_run_packed(void *const *args);
// HDR:      static inline const q8_model_desc *tiny_descriptor(void) {
// HDR:        {"x.in", Q8_DTYPE_F32, 2, {4, 32}},
// HDR:        {"float", Q8_DTYPE_F32, 2, {32, 32}},
// HDR:        {"y", Q8_DTYPE_F32, 2, {4, 32}},
// HDR:        Q8_ABI_VERSION, 2, 1, 0, "tiny",
// HDR-NEXT:   inputs, outputs, 0,
// HDR-NEXT:   (q8_run_fn)tiny_run, tiny_run_packed, "avx2", 0x1fu,
// HDR-NEXT:   0, 0, NULL};

func.func @main(%x: tensor<4x32xf32> {q8.name = "x.in"}, %w: tensor<32x32xf32> {q8.name = "float"}) -> (tensor<4x32xf32> {q8.name = "y"}) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %m = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x32xf32>) outs(%f : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %m : tensor<4x32xf32>
}
