// A model whose code takes its dynamic dim as a run-time extent (q8.extent,
// passes/codegen/ExtentDim.h): the entry function takes the dims first;
// the emitters make it the private @m_run_extents, export m_run and
// m_run_packed through q8_run_extents (runtime/q8_runtime.h), describe the
// dim in the descriptor and header, and a C harness calls both at dims in
// and out of bounds. y = x + 1 over seq * 4 elements; seq is dim 1 of x and
// dim 0 of y.
// RUN: rm -rf %t && mkdir -p %t
// RUN: q8-opt %s -q8-emit-object="path=%t/m.o target=avx2" -q8-emit-object="path=%t/m.h format=header" -o /dev/null
// RUN: FileCheck %s --check-prefix=HDR < %t/m.h
// RUN: %cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%q8rt_include -include %t/m.h -x c /dev/null
// RUN: %cc -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%q8rt_include -include %t/m.h -x c++ /dev/null
// RUN: q8-opt %s -q8-emit-object="format=ll target=avx2" -o /dev/null | FileCheck %s --check-prefix=LL
// RUN: %cc -std=c11 -Wall -Wextra -Werror -pedantic -I%q8rt_include -I%t %S/Inputs/extent_main.c %t/m.o %q8rt -o %t/run
// RUN: %t/run | FileCheck %s

// HDR:      #define M_SEQ_MIN 1
// HDR-NEXT: #define M_SEQ_MAX 16
// HDR:      #define M_WORKSPACE_SIZE 256
// HDR:      /* x: f32[1xseqx4] */
// HDR:      #define M_X_DIM1 (-1) /* dynamic: seq */
// HDR-NEXT: #define M_X_DIM2 4
// HDR-NEXT: #define M_X_ELEMENTS_MAX 64
// HDR:      #define M_Y_DIM0 (-1) /* dynamic: seq */
// HDR:      #define M_Y_ELEMENTS_MAX 64
// HDR:      dims: dims[0] is the size of seq, in [M_SEQ_MIN, M_SEQ_MAX];
// HDR:      q8_status m_run(const int64_t *dims, const float *x, float *y, void *workspace, q8_pool *pool);
// HDR:      args[0] the dims, args[1..2) inputs, args[2..3) outputs, args[3] the workspace, args[4] the pool.
// HDR:      {"x", Q8_DTYPE_F32, 3, {1, -1, 4}},
// HDR:      {"y", Q8_DTYPE_F32, 2, {-1, 4}},
// HDR:      static const q8_dim_desc dims[] = {{[{][{]}}"seq", 1, 16}};
// HDR:      Q8_ABI_VERSION, 1, 1, Q8_MODEL_DYNAMIC, "m",
// HDR:      1, 0, dims};

// LL:       @m_q8_desc = constant {{.*}} { i32 6, i32 1, i32 1, i32 2, {{.*}}, ptr @m_run, ptr @m_run_packed, {{.*}}, i32 1, i32 0, ptr @m_q8_desc.dims }
// LL:       @m_q8_desc.dims = private constant {{.*}} { ptr @m_q8_desc.dim.0, i64 1, i64 16 }
// LL:       [8 x i64] [i64 1, i64 -1, i64 4,
// LL:       define internal {{.*}}void @m_run_extents(
// LL-LABEL: define internal {{.*}}i32 @m_run_extents_packed(ptr
// LL:         call {{.*}}void @m_run_extents(
// LL-LABEL: define i32 @m_run_packed(ptr %args)
// LL-NEXT:  entry:
// LL-NEXT:    %[[S:.*]] = tail call i32 @q8_run_extents(ptr nonnull @m_q8_desc, ptr nonnull @m_run_extents_packed, ptr %args)
// LL-NEXT:    ret i32 %[[S]]
// The typed entry point packs its arguments (m_run_packed inlined).
// LL-LABEL: define i32 @m_run(ptr %0, ptr %1, ptr %2, ptr %3, ptr %4)
// LL:         store ptr %0, ptr %args
// LL:         call i32 @q8_run_extents(ptr nonnull @m_q8_desc, ptr nonnull @m_run_extents_packed, ptr nonnull %args)

// CHECK:      seq in [1, 16], x dim1 -1, elements max 64, workspace 256
// CHECK-NEXT: check: ok, flags 2, dims 1: seq [1, 16], x {1, -1, 4}, y {-1, 4}, same as header 1
// CHECK-NEXT: seq 1: ok, mismatches 0
// CHECK-NEXT: seq 3: ok, mismatches 0
// CHECK-NEXT: seq 16: ok, mismatches 0
// CHECK-NEXT: packed, seq 7, y [7, 4]: ok, mismatches 0
// CHECK-NEXT: seq 0: shape mismatch, mismatches 0
// CHECK-NEXT: seq 17: shape mismatch, mismatches 0
// CHECK-NEXT: null dims: invalid argument, mismatches 0
// CHECK-NEXT: null x: invalid argument, mismatches 0
// CHECK-NEXT: null workspace: invalid argument, mismatches 0
// CHECK-NEXT: misaligned workspace: workspace misaligned, mismatches 0

module attributes {q8.extent = {name = "seq", min = 1 : i64, max = 16 : i64, inputs = array<i64: 1>, outputs = array<i64: 0>}} {
  llvm.func @m_run(%dims: !llvm.ptr, %x: !llvm.ptr, %y: !llvm.ptr, %ws: !llvm.ptr, %pool: !llvm.ptr) attributes {
      q8.inputs = [{name = "x", type = tensor<1x?x4xf32>}],
      q8.outputs = [{name = "y", type = tensor<?x4xf32>}],
      q8.workspace_size = 256 : i64} {
    %seq = llvm.load %dims : !llvm.ptr -> i64
    %four = llvm.mlir.constant(4 : i64) : i64
    %n = llvm.mul %seq, %four : i64
    %zero = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %c1 = llvm.mlir.constant(1.0 : f32) : f32
    llvm.br ^loop(%zero : i64)
  ^loop(%i: i64):
    %more = llvm.icmp "slt" %i, %n : i64
    llvm.cond_br %more, ^body, ^done
  ^body:
    %px = llvm.getelementptr %x[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %v = llvm.load %px : !llvm.ptr -> f32
    %w = llvm.fadd %v, %c1 : f32
    %py = llvm.getelementptr %y[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %w, %py : f32, !llvm.ptr
    %next = llvm.add %i, %one : i64
    llvm.br ^loop(%next : i64)
  ^done:
    llvm.return
  }
}
