//===- Passes.td - q8 code-generation passes ---------------*- tablegen -*-===//
//
// Linalg on tensors to vector code on buffers. The passes with a `target`
// option read a TargetInfo the pipeline resolved once; run alone (q8-opt),
// they resolve the option through the TargetResolver they were registered
// with (Passes.h).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_PASSES_TD
#define Q8_PASSES_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def PrepareEntry : Pass<"q8-prepare-entry", "::mlir::ModuleOp"> {
  let summary = "fix the C ABI of public functions before bufferization";
  let description = [{
    For every public `func.func` with a body: marks its arguments
    `bufferization.writable = false` (inputs are `const` in the C prototype,
    so the model must never write them), and records its signature as the
    function attributes `q8.inputs` and `q8.outputs`: arrays of
    `{name, type}` dictionaries with the tensor types and the `q8.name`
    argument/result attributes (`input<i>`/`output<i>` where absent). The
    header emitter reads these after lowering, when the tensor types are
    gone. The signature is the ABI one: a graph type recorded as `q8.type`
    (unsigned integers, computed as signless) wins over the lowered type;
    i1 tensors cross as one byte per element, converted at the boundary;
    zero-element tensors cross as `tensor<0xT>`; a value returned twice is
    copied so every output has its own buffer. With `model-name`, the module
    must have exactly one public function, which is renamed
    `<model-name>_run`.
  }];
  let options = [
    Option<"modelName", "model-name", "std::string", /*default=*/"",
           "rename the one public function to <model-name>_run">,
  ];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def ConvToMatmul : Pass<"q8-conv-to-matmul", "::mlir::func::FuncOp"> {
  let summary = "rewrite f32 2-D convolutions on tensors as im2col plus a contraction";
  let description = [{
    `linalg.conv_2d_nchw_fchw` with static shapes becomes one strided
    `tensor.extract_slice`/`insert_slice` copy per filter tap into a column
    tensor [N, C, KH, KW, OH, OW] (copies that vectorize along OW; strides
    and dilations are the slices' offsets and steps), written once inside
    an `scf.for` nest over the kernel dims wider than 1 (a chain of one
    insert_slice per tap costs One-Shot Bufferize about the 4th power of
    the tap count), and a contraction
    generic out[n, f, p] += W[f, k] * col[n, k, p] on the collapsed shapes,
    which `q8-matmul-kernels` turns into micro-kernels after bufferization.
    `linalg.conv_2d_nhwc_hwcf` uses upstream's `linalg::rewriteInIm2Col`
    (unit dilations only). `linalg.depthwise_conv_2d_nchw_chw` becomes one
    elementwise generic that reads each tap's strided slice and its [C]
    weight column (the named op vectorizes only in 1-D). Other grouped
    convolutions are left as they are.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FuseElementwise : Pass<"q8-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "fuse elementwise linalg chains on tensors, keeping contractions whole";
  let description = [{
    upstream `linalg-fuse-elementwise-ops` (producer-consumer fusion of
    elementwise generics, reshapes folded by expansion, linalg constant
    folding), except that a reshape folds only into ops whose loops are all
    parallel. A matmul feeding a head-splitting reshape stays a matmul for
    `q8-matmul-kernels` rather than becoming a contraction with two N dims.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SplitReductions : Pass<"q8-split-reductions", "::mlir::func::FuncOp"> {
  let summary = "split innermost float reductions into 16 interleaved partial results";
  let description = [{
    On tensors, after `q8-fuse-elementwise`. A linalg op with one reduction
    loop, the innermost, over floats with a static extent that is a
    multiple of 16 and at least 32 (LayerNorm's mean and variance,
    Softmax's max and sum) becomes upstream's `linalg::splitReduction` with
    `innerParallel`: a generic that accumulates element k into partial
    k mod 16 of a `[parallel dims..., 16]` tensor filled with the
    combiner's neutral element, then a generic that combines the 16
    partials, in order, into the original init. An ordered reduction
    vectorizes into a chain of scalar adds (LLVM may not reassociate
    floats); the split one runs on whole vectors. 16 is fixed, not the
    target's vector width, so every target computes the same sums in the
    same order (bit-identical results). Other reductions are left alone.
    The parallel dims may be a dynamic extent's rows (the partials'
    `tensor.empty` then takes their sizes from the result's dims); a
    reduction over a run-time extent stays ordered.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def BindExtent : Pass<"q8-bind-extent", "::mlir::ModuleOp"> {
  let summary = "give a dynamic extent its C ABI and its arena room, on buffers";
  let description = [{
    For a module with a `q8.extent` attribute (passes/codegen/ExtentDim.h:
    one dynamic dim, its bounds, and where it sits in each input and
    output), after bufferization and buffer-results-to-out-params. The
    entry function gains a first argument `dims` (`memref<1xi64>`, the
    `const int64_t *dims` of the C ABI) and reads the extent n from it.
    Every argument whose memref has the dynamic dim takes the static type
    at the bound instead (a bare pointer) and is viewed at n through a
    `memref.reinterpret_cast` with identity strides. Every `memref.alloc`
    with dynamic sizes becomes a static allocation of the size at the
    bound, viewed the same way, so q8-plan-arena places it: the workspace
    is planned once for the bound and a call never allocates. A size that
    is not computed from n by integer arithmetic, or that is larger at the
    lower bound than at the upper, is an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def MatmulKernels : Pass<"q8-matmul-kernels", "::mlir::ModuleOp"> {
  let summary = "rewrite f32 and int8 matmuls on buffers into register-blocked vector micro-kernels";
  let description = [{
    Runs after bufferization, before `q8-plan-arena` (buffers are still
    distinct allocations) and `q8-tile-and-vectorize`. Every static f32
    contraction C(batch.., m, n) += A(.., m, k) * B(.., k, n) whose C is
    contiguous along n (matmul, batch_matmul, transposed-operand matmuls,
    contraction generics) becomes loops over batch, K blocks of at most 512,
    column panels and row blocks around a micro-kernel that keeps
    rows x vectors accumulators in registers for the whole K block:

    | registers | panel (vectors) | rows |
    |---|---|---|
    | 32 (AVX-512) | 3, else 4 or 2 if that divides N / lanes | 8, 6, 12 |
    | 16 (AVX2, SSE) | 2 | 6 |

    Leftover vectors get one narrower panel with more rows (1 vector: 16
    rows on AVX-512, 12 otherwise).

    Dynamic extents (`q8-bind-extent`): a run-time M (rows) is blocked as
    if it were `kNominalRows`, its full row blocks looped up to the
    run-time count and the rows left over done one at a time; in f32 with B
    read in place (attention's `Q K^T` and `P V`), a run-time N gets full
    panels then single vectors, the last N mod lanes columns on the
    generic path, and a run-time K is one K block. Batch dims stay static.

    Each k step loads the panel's B vectors once and does one broadcast of
    A per row and one `vector.fma` per accumulator. Constant B operands
    (`memref.get_global` of a constant global) are repacked at compile time
    into strips of one vector's width, `[N/lanes][K][lanes]`, a new global
    `<name>_packed`; originals left unused are erased. Other B operands are
    read in place and must be contiguous along n, or the op is left alone.
    Row and column blocks that do not fill a kernel get narrower kernels;
    the last N mod lanes columns stay as the same linalg op on subviews. A
    zero `linalg.fill` of C right before the op, or a `memref.copy` into C
    from a buffer that only a zero fill writes, is dropped and the first K
    block starts from zero accumulators.

    Int8 contractions, u8 A x constant s8 B -> i32 with the body
    `acc + extui(a) * extsi(b)` (what qlinear lowers to), get the same loops
    with an integer dot per accumulator, `group` consecutive k per i32 lane,
    B packed as `[N/lanes][K/group][lanes x group]`:

    | target | dot | group |
    |---|---|---|
    | avx512-vnni / avx-vnni | `vpdpbusd` zmm / `{vex}` ymm | 4 |
    | avx2 / avx512, every k pair with \|b0\| + \|b1\| <= 128 | `vpmaddubsw` then `vpmaddwd` by ones | 4 |
    | avx2 / avx512, other weights | `vpmaddwd` on i16 (A widened once) | 2 |
    | generic | none: left to the generic path | |

    vpmaddubsw saturates its i16 pair sums, so it is chosen only when the
    weights themselves rule that out (7-bit weights always do). K must be a
    multiple of the group; other int8 contractions are left alone.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "host | avx2 | avx-vnni | avx512 | avx512-vnni | generic: sets "
           "the vector width and register count">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def ExternalizeWeights : Pass<"q8-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "move large constant globals into a weights argument of the entry point";
  let description = [{
    Runs after bufferization, `q8-matmul-kernels` (whose `<name>_packed`
    globals are the bulk of a model's weights) and `q8-plan-arena`. Every
    constant `memref.global` of at least `threshold` bytes (static shape,
    identity layout, whole-byte elements) read only from the entry function
    (the one with `q8.inputs`) is erased, and its `memref.get_global`s
    become `memref.view`s into a new trailing argument `weights` of type
    `memref<Nxi8>` (`q8.name = "weights"`): the entry point's C ABI becomes
    `<model>_run(inputs..., outputs..., workspace, weights)`, and the
    argument is appended even when nothing is large enough to move, so the
    ABI follows from the flag, not from the model. Each constant gets an
    offset aligned to 64 bytes (Q8_WEIGHTS_ALIGNMENT), in the order of the
    module's globals, so the layout is deterministic. The entry function
    records `q8.weights_size` (the file's size, a multiple of 64) and
    `q8.weights`, one `{name, offset, value}` dictionary per constant, from
    which `emitWeights` writes the `.weights` file and the header emitter
    `<MODEL>_WEIGHTS_SIZE`.
    Compiled code only reads the argument, so it stays reentrant.
  }];
  let options = [
    Option<"threshold", "threshold", "int64_t", /*default=*/"1024",
           "move constants of at least this many bytes">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def OutlineParallel : Pass<"q8-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "outline the outermost parallel loops of the entry point into thread-pool tasks";
  let description = [{
    Runs on buffers, after tiling and vectorization, before SCF becomes
    control flow. The entry function (the one with `q8.inputs`) gets a
    trailing argument `pool` (`!llvm.ptr`, `q8.name = "pool"`), the
    `q8_pool *` of the C ABI, whether or not any loop runs in parallel, so
    the ABI follows from the ABI version, not from the model.

    The loops that may run in parallel are the `scf.for`s that carry the
    unit attribute `q8.parallel`, set by the passes that create them and
    know their iterations write disjoint memory and compute the same bytes
    in any order (`q8-matmul-kernels`: batch loops, column panels, row
    blocks; `q8-tile-and-vectorize`: the loops over parallel dims). The
    outermost such loop with a trip count of at least 2 or known only at
    run time (a dynamic extent's rows; the call computes
    ceil(max(ub - lb, 0) / step)), looking inside a marked loop of one
    iteration, becomes a private function

        func.func private @<entry>_task_<node>(%pool: !llvm.ptr,
            %begin: index, %end: index, captured...)
            attributes {q8.parallel_task}

    (`<node>`: the first name in the loop's location, the ONNX node, so
    that a profile names the layer; numbered when not unique) that runs
    iterations [begin, end) of the loop, and the loop becomes a
    call of it over [0, trip count) with the pool as its first operand;
    `q8-lower-parallel-calls` turns that call into a
    `q8_pool_parallel_for` once everything is in the LLVM dialect, where
    the captured values can be stored in memory. Constants and view ops
    (subview, view, casts, reshapes, get_global) whose operands are
    available are cloned into the task rather than captured, so the
    captures are the entry's arguments and scalars.

    A loop that executes fewer than `min-work` operations (a static
    estimate: ops times trip counts, 16 for a run-time one) stays
    sequential, and so does what is inside it: waking threads would cost
    more than it saves.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"16384",
           "the fewest operations a loop must execute to run in parallel">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

def LowerParallelCalls : Pass<"q8-lower-parallel-calls", "::mlir::ModuleOp"> {
  let summary = "turn calls of q8.parallel_task functions into q8_pool_parallel_for";
  let description = [{
    Runs on the LLVM dialect, at the end of the lowering. For every call of
    a function `q8-outline-parallel` made (`q8.parallel_task`), with
    operands (pool, 0, count, captured...): a thunk
    `<task>_thunk(ptr context, i64 begin, i64 end)` loads the captured
    values from a struct at `context` and calls the task on [begin, end);
    the call site stores them into a struct on the stack (allocated in the
    function's entry block, so a call inside a loop does not grow the
    stack) and calls `q8_pool_parallel_for(pool, count, thunk, context)`
    (runtime/q8_pool.h), which runs slices of [0, count) on the pool's
    threads and returns when all are done.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TileAndVectorize : Pass<"q8-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "tile linalg ops on buffers to register-sized tiles and vectorize them";
  let description = [{
    Runs after bufferization. `memref.copy` becomes `linalg.copy` first (a
    strided `memref.copy` would otherwise lower to a call into MLIR's C
    runner library, which compiled models do not link). Then every linalg op
    with static loop bounds that the vectorizer accepts is tiled with
    `scf.for` (`tileUsingSCF`) and each tile is vectorized (`linalg::vectorize`):

    | op | tile |
    |---|---|
    | contractions (matmul, batch_matmul, contraction generics) | batch dims 1, M up to 4, N up to 2 x the vector width, K up to the vector width; vectorized to `vector.contract` |
    | everything else | every loop 1 except the innermost, up to the vector width |

    A tile size is the largest divisor of the loop's extent that is at most
    the bound, so tiles are full and vectors need no masks. The loops over
    parallel dims carry `q8.parallel` (their tiles write disjoint parts of
    the outputs), for `q8-outline-parallel`. Ops the
    vectorizer rejects (convolutions wider than 1-D, gathers) stay linalg,
    for convert-linalg-to-loops.

    Loops of run-time extent (a dynamic extent, `q8-bind-extent`) are tiled
    by 1, or, where the table gives the vector width (the innermost loop,
    a contraction's N and K), by it; those loops are peeled
    (`scf::peelForLoopAndSimplifyBounds`), so every tile but the last is
    static and vectorized, and the last, partial one stays linalg: the
    run-time tail, never tiled again. Ops are taken from a worklist walked
    again after each op, since cleaning up a peeled nest may rewrite the
    ops around it.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "host | avx2 | avx-vnni | avx512 | avx512-vnni | generic: sets "
           "`vector-width`, the f32 lanes of one vector register">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def ApproximateMath : Pass<"q8-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "replace f32 transcendental math ops by polynomial approximations";
  let description = [{
    `populateMathPolynomialApproximationPatterns` and the f32 expansions:
    exp, erf, tanh, log, sigmoid-style expressions become arith (and vector)
    code, so that compiled models vectorize them and call no libm. On a
    `target` without FMA or SSE4.1 (generic) math.fma and math.floor are
    expanded as well, which LLVM would otherwise lower to fmaf/floorf calls.
    powf is expanded to exp(y log x) on every target, roundeven (without
    SSE4.1) to integer code, and f64 exp/log become calls to libq8rt's
    `q8_math_exp`/`q8_math_log` (runtime/q8_math.c): compiled models call
    no libm. Other math ops are left for math-to-llvm.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "host | avx2 | avx-vnni | avx512 | avx512-vnni | generic">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::ub::UBDialect",
                           "::mlir::vector::VectorDialect"];
}

def ExpandNarrowFloats : Pass<"q8-expand-narrow-floats", "::mlir::func::FuncOp"> {
  let summary = "f16/bf16 arithmetic in f32, their conversions as integer code";
  let description = [{
    Compiled models must need nothing beyond libc and libq8rt, but LLVM
    lowers every conversion x86 has no instruction for to a compiler-rt call
    (`__truncsfbf2`, `__extendhfsf2`, `__truncdfhf2`, ...), which the
    application then fails to link or load. This pass leaves LLVM none:
    - arith on f16 and bf16 is computed in f32 (upstream
      `populateEmulateUnsupportedFloatsPatterns`), so only conversions remain;
    - bf16 <-> f32 become integer code (upstream
      `populateExpandBFloat16Patterns`), on every target, AVX512-BF16 or not,
      so the object's bytes do not depend on the build host;
    - f16 <-> f32 become integer code on a `target` without F16C (generic);
      with F16C, LLVM's vcvtph2ps/vcvtps2ph give the same bits;
    - f64 -> f16/bf16 round to odd into f32 first (exact double rounding:
      f32 keeps 13 more bits than f16), f64 <- f16/bf16 extend through f32
      (exact).
    Rounding is to nearest even; NaN stays NaN, overflow becomes infinity,
    f16 subnormals are produced and read exactly.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "host | avx2 | avx-vnni | avx512 | avx512-vnni | generic">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // Q8_PASSES_CODEGEN_PASSES_TD
