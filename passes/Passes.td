//===- Passes.td - q8 graph-level passes --------------------*- tablegen -*-===//

#ifndef Q8_PASSES_TD
#define Q8_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"q8-fold-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "fold inference-mode BatchNormalization into the preceding conv";
  let description = [{
    conv(x, W, b) followed by batch_norm(scale, bias, mean, var, eps), with
    all parameters constant, becomes conv(x, W', b') where
    `W'[m] = W[m] * scale[m] / sqrt(var[m] + eps)` and
    `b'[m] = (b[m] - mean[m]) * scale[m] / sqrt(var[m] + eps) + bias[m]`.
    A batch_norm whose parameters are not constant, or whose conv has other
    users, is left alone. Upstream MLIR has no such pass for ONNX-level IR.
  }];
  let dependentDialects = ["::q8::Q8Dialect"];
}

def ConvertQ8ToLinalg : Pass<"q8-convert-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "lower fp32 q8 graph ops to linalg, tensor, arith and math";
  let description = [{
    A partial dialect conversion into upstream dialects, with named linalg
    ops where MLIR has them so that later tiling and vectorization see
    matmuls and convolutions:

    | q8 ops | become |
    |---|---|
    | add sub mul div pow max min equal less greater where, neg abs relu sqrt reciprocal exp log erf tanh sigmoid hard_sigmoid hard_swish gelu leaky_relu clip cast | one `linalg.generic` each; numpy broadcasting is in the indexing maps (a stretched size-1 dim reads index 0) |
    | reduce_sum/mean/max/min, global_average_pool | `linalg.reduce` (+ a divide for means, a reshape for keepdims) |
    | softmax | max, exp(x - max), sum, divide: two `linalg.reduce` and two generics |
    | layer_norm, batch_norm | reductions and one fused epilogue generic |
    | matmul | `linalg.matmul` (batch folded into M when the rhs has none) or `linalg.batch_matmul` |
    | gemm | `linalg.matmul` with the transposes in its `indexing_maps`, alpha/beta/C in a generic |
    | conv | `tensor.pad` + `linalg.conv_{1,2,3}d_nc..._fc...`, `linalg.depthwise_conv_*` (group == C == M), `linalg.conv_2d_ngchw_gfchw` (other 2-D groups), a generic for other grouped 1-D/3-D convs; the bias initializes the accumulator |
    | conv_transpose | zero insertion (`tensor.insert_slice` with strides), a generic that flips the kernel, then the conv above |
    | max_pool, average_pool | `tensor.pad` (-inf / 0) + `linalg.pooling_nc{w,hw}_{max,sum}`, a generic for 3-D; averages divide by a compile-time count (a constant tensor when windows differ) |
    | transpose, reshape, expand, gather, concat, split, slice, pad | `linalg.transpose`, `tensor.collapse_shape`/`expand_shape`, a broadcasting generic, a generic with `tensor.extract` (negative indices wrap, then clamp), `tensor.concat`, `tensor.extract_slice` (a generic for negative steps), `tensor.pad` or an index-mapping generic (reflect/edge/wrap) |
    | constant | `arith.constant`, with dense_resource payloads kept as they are |
    | resize | one generic over the output gathering with `tensor.extract`: each dim's taps (input index, weight) for nearest/linear/cubic under every coordinate transform are computed at compile time, as ONNX's reference does, into constant tables the generic reads |
    | lstm, gru | per direction: one `linalg.matmul` for the input projection of all time steps, then an `scf.for` over the steps carrying the state (and scratch) tensors: `linalg.matmul` with the transposed recurrence weights, the gates as a `linalg.generic` (updating the state it reads) and a `linalg.map` (LSTM's H, GRU's r * H), `tensor.insert_slice` into Y; the carried tensors start as `bufferization.alloc_tensor`s, which CSE never merges |

    Element types: integers of any signedness compute as signless ones,
    the unsigned q8 ops picking the unsigned arith ops (divui, maxui/minui,
    cmpi ult/ugt, uitofp, extui, an unsigned max pool as a generic); bool
    tensors are stored as i8 (0 or 1) and only elementwise bodies compute on
    i1. Function signatures are converted the same way, each changed
    argument or result keeping its graph type as `q8.type` for the ABI (see
    q8-prepare-entry).

    The converted ops are illegal, so one a pattern cannot handle (say an
    unsigned matmul) fails the pass with a diagnostic. Everything else
    stays: any op on `!quant.uniform`
    values (observe, quantize, dequantize, qlinear and the data-movement ops
    between them), for the int8 lowering and a later check that nothing q8 is
    left.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def InsertObservers : Pass<"q8-insert-observers", "::mlir::func::FuncOp"> {
  let summary = "mark the activations int8 ops consume with q8.observe";
  let description = [{
    Calibration points: every non-constant f32 operand of `q8.matmul`
    (both sides: attention's activation x activation products quantize
    too), `q8.gemm` and the input of `q8.conv` gets one `q8.observe`, named
    by its ONNX value name, with `axis` the dimension the op contracts
    (matmul lhs: last; rhs: second-to-last; gemm: by transA/transB; conv:
    channels). Only the quantizable consumers read the observer. With
    `outputs` (the default), the function's f32 results are observed too,
    without an axis, for the accuracy report. A value without an ONNX name
    is named `<node>:<result>`; names are made unique with `#<n>`.
  }];
  let options = [
    Option<"outputs", "outputs", "bool", /*default=*/"true",
           "also observe the function's f32 results">,
  ];
  let dependentDialects = ["::q8::Q8Dialect"];
}

def LowerObservers : Pass<"q8-lower-observers", "::mlir::ModuleOp"> {
  let summary = "turn q8.observe into calls to the calibration collectors";
  let description = [{
    The calibration build's lowering of `q8.observe` (outside calibration
    the op is never lowered: quantization replaces it). Observer `i`, in
    walk order, becomes

      %m = bufferization.to_buffer %x read_only : ... to memref<AxBxf32>
      %p = memref.extract_aligned_pointer_as_index %m ; index_cast to i64
      func.call @<callee>(%c_i, %p) : (i64, i64) -> ()

    and its uses read `%x` again. The callee (private, declared here) gets
    the address of a dense row-major buffer (identity layout: bufferization
    copies a strided value): in C, `void callee(int64_t id, intptr_t data)`. The module gets
    `q8.observers`: one `{id, name, type, axis?}` dictionary per observer,
    in id order.
  }];
  let options = [
    Option<"calleeName", "callee", "std::string",
           /*default=*/"\"q8_calib_observe_dense\"",
           "the collector function the calls go to">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def PlanArena : Pass<"q8-plan-arena", "::mlir::func::FuncOp"> {
  let summary = "place static allocations in one workspace argument by liveness";
  let description = [{
    Runs after bufferization. Every `memref.alloc` of static size and identity
    layout in the function's entry block becomes a `memref.view` into one
    `memref<Nxi8>` argument appended to the function (`q8.name =
    "workspace"`), and its deallocs are removed. A buffer lives from its first
    to its last use (views of it count as uses), measured in top-level ops;
    buffers whose ranges are disjoint may share bytes. Offsets are chosen
    greedily, largest buffer first, at the lowest offset clear of every buffer
    live at the same time; sizes round up to `alignment`. The total is the
    function attribute `q8.workspace_size`. Allocations of dynamic size, in
    nested regions, or whose memory reaches the terminator stay as they are.
    Call sites of the function are not updated. Upstream MLIR promotes or
    hoists allocations but never overlaps them.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "byte alignment of every buffer in the workspace">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // Q8_PASSES_TD
