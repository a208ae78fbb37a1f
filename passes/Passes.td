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

def FuseLayerNorm : Pass<"q8-fuse-layer-norm", "::mlir::func::FuncOp"> {
  let summary = "fuse LayerNorm written out of its parts into q8.layer_norm";
  let description = [{
    `reduce_mean` / `sub` / `pow 2` (or `mul d, d`) / `reduce_mean` / `add
    eps` / `sqrt` / `div`, then an optional `mul` by a constant gamma and
    `add` of a constant beta, over trailing axes, becomes one
    `q8.layer_norm` with the same location: what older exporters write for
    LayerNormalization. Chains whose intermediates have other users, whose
    eps, gamma or beta are not constant, or whose gamma or beta vary along
    other dims are left alone.

    ```mlir
    %m = q8.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
    %d = q8.sub %x, %m : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
    ...
    %y = q8.div %d, %s : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
    // becomes
    %y = q8.layer_norm %x, %ones {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : (tensor<1x4x8xf32>, tensor<1xf32>) -> tensor<1x4x8xf32>
    ```
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

def SmoothQuant : Pass<"q8-smoothquant", "::mlir::func::FuncOp"> {
  let summary = "SmoothQuant: move activation outliers into the weights";
  let description = [{
    For every `q8.matmul` with a constant f32 `[K, N]` rhs, `q8.gemm`
    (transA = false) with a constant B, and `q8.conv` with a constant
    weight, whose activation has a
    `channel_absmax` in the calibration `table`:
    `s_j = smoothQuantScales(channel_absmax, max_n |W[j, n]|, alpha)`
    (passes/QuantMath.h), the weights become `W'[j, :] = W[j, :] * s_j`
    (gemm: the effective `alpha * op(B)` is measured, `op(B)` is scaled in
    its stored layout) and the activation is divided by `s`: one
    `q8.mul %x, dense<1/s> : tensor<K>` marked `q8.smoothquant`, so the IR
    computes the same function between passes. `q8-quantize` folds that
    marked multiply into its `q8.quantize` as `prescale` (axis = the
    contracted dim), where it costs nothing.

    A `q8.conv` with a constant weight `[M, C / G, k...]` contracts its
    input's channels (dim 1) instead: the weights that read input channel c
    (`W[m, c mod C/G, :]` for the output channels m of c's group) give its
    absmax and take `s_c`, and the multiplier is `dense<1/s> : tensor<Cx1x..>`
    (broadcast along dim 1; q8-quantize's prescale axis 1).

    An activation feeding several such ops gets one `s`, from the max of
    their per-channel weight absmaxes, and one multiply.

    The table's ranges describe `x`, not `x / s`. The multiply carries
    `q8.smoothquant = {ranges = {method = [lo', hi'], ...}}`, one per range
    in the table: channel j of x lies in `[max(lo, -a_j), min(hi, a_j)]`
    (a = channel_absmax), so `x_j / s_j` lies in that interval times
    `1/s_j` and `[lo', hi'] = [min_j, max_j]` of those bounds. For minmax
    this contains every observed value of `x / s` (conservative; the
    reservoir is a sample and is not used), for clipping methods
    (percentile, entropy, mse) it keeps their clip per channel.

    The multiply also records the alpha it used:
    `q8.smoothquant = {alpha = A : f32, ranges = {...}}`.

    `auto-alpha` (`q8c --smoothquant auto`) chooses alpha per activation
    instead (passes/SmoothQuantSearch.h; a convolution is scored as its
    taps, each a matmul of the reservoir's channel vectors, block diagonal
    when grouped, with one int8 scale per output channel over all taps; a
    grouped one with more than 2^22 tap weights, which dense scoring would
    make `group` times too slow, keeps `alpha`, with a remark): for
    alpha = i * 0.05, i = 0..20,
    it simulates q8-quantize on the table's `reservoir` rows of x: x / s
    quantized uint8 per tensor from the `method` range of x / s (the
    bounded range above), each consumer's W s int8 symmetric per output
    channel (qmax from `weight-bits`, as q8-quantize), and sums the squared
    error of deq(Q(x / s)) . deq(Q(W s)) against fp32 x . W over the rows
    and the consumers. No smoothing (x quantized from the table's own
    range) is scored too. The least error wins; ties go to no smoothing,
    then to the smaller alpha. When no smoothing wins the activation is
    left alone with a remark. An activation whose entry has no reservoir
    or no `method` range gets the fixed `alpha` with a remark. The cost is
    21 x rows x K x N integer multiply-adds per consumer.

    Activations without a table entry or channel_absmax get a remark and
    are left alone. Upstream MLIR has no calibration-driven rescaling.
  }];
  let options = [
    Option<"tablePath", "table", "std::string", /*default=*/"\"\"",
           "the calibration table (JSON, q8-calibration version 1)">,
    Option<"alpha", "alpha", "float", /*default=*/"0.5f",
           "migration strength: s_j = amax_x^alpha / amax_w^(1-alpha)">,
    Option<"autoAlpha", "auto-alpha", "bool", /*default=*/"false",
           "search alpha in {0, 0.05, ..., 1} per activation on the "
           "reservoir (the fixed alpha is the fallback)">,
    Option<"method", "method", "std::string", /*default=*/"\"minmax\"",
           "auto-alpha: the activation range q8-quantize will use">,
    Option<"keepFasterFp32", "keep-faster-fp32", "bool", /*default=*/"true",
           "leave fp32 the ops whose int8 form would be slower "
           "(QuantizableOpInterface::isFasterInFp32: depthwise convolutions)">,
    Option<"weightBits", "weight-bits", "int", /*default=*/"8",
           "auto-alpha: q8-quantize's weight bits, 8 or 7 (qmax 63)">,
  ];
  let dependentDialects = ["::q8::Q8Dialect"];
}

def Quantize : Pass<"q8-quantize", "::mlir::func::FuncOp"> {
  let summary = "static W8A8: int8 matmul/gemm/conv from a calibration table";
  let description = [{
    Rewrites every `q8.matmul` whose rhs is a constant f32 `[K, N]`, and
    every `q8.gemm` (transA = false) with a constant B (transB transposed
    and alpha folded at compile time; C, when a constant `[N]`, times beta
    becomes the bias), whose activation has an entry in the calibration
    `table`:

    - activation -> `q8.quantize` to `!quant.uniform<u8:f32, s:zp>` per
      tensor, from the table's `method` range through `asymmetricU8`; one
      quantize per activation, shared by its consumers. An activation
      produced by q8-smoothquant's marked `q8.mul` is quantized from the
      multiply's input with the multiplier as `prescale` (axis = last dim)
      and the rescaled range the multiply records;
    - weights -> `q8.constant dense<i8>` + `quant.scast` to
      `!quant.uniform<i8:f32:1, {s_n...}>` (symmetric per output channel,
      `symmetricI8` with qmax 127, or 63 for `weight-bits=7`, whose type is
      `i8<-63:63>` so the AVX2 kernels know vpmaddubsw cannot saturate);
    - bias -> `q8.constant dense<i32>` from `quantizeBias`;
    - result -> `q8.qlinear` with resultType f32 (dequantized output).

    A `q8.conv` (any group: depthwise and grouped too) with a constant
    weight `[M, C / group, k...]` (and a constant bias, if any) becomes
    `q8.qconv` the same way: the input per tensor, the weight per output
    channel along dim 0 (`!quant.uniform<i8:f32:0, {s_m...}>`), the bias in
    int32 at s_x * s_w[m], the window attributes kept.

    An activation x activation matmul quantizes both operands: the lhs as
    above, the rhs per tensor as qlinear's (non-constant) weight, int8
    symmetric from its range; attention's batched products [B..., M, K] x
    [B..., K, N] with the same batch dims too. An op whose activation has no table
    entry (or no range for `method`) stays fp32 with a remark; a table entry
    whose shape differs from the value's is an error, as is a table that
    does not read. Upstream MLIR's quant passes work on QDQ-annotated
    TOSA/stablehlo, not on a calibration table.
  }];
  let options = [
    Option<"tablePath", "table", "std::string", /*default=*/"\"\"",
           "the calibration table (JSON, q8-calibration version 1)">,
    Option<"method", "method", "std::string", /*default=*/"\"minmax\"",
           "activation range: minmax, ema, percentile, entropy or mse">,
    Option<"keepFasterFp32", "keep-faster-fp32", "bool", /*default=*/"true",
           "leave fp32 the ops whose int8 form would be slower "
           "(QuantizableOpInterface::isFasterInFp32: depthwise convolutions)">,
    Option<"weightBits", "weight-bits", "int", /*default=*/"8",
           "8, or 7 for AVX2-safe weights (qmax 63)">,
  ];
  let dependentDialects = ["::q8::Q8Dialect", "::mlir::quant::QuantDialect"];
}

def FuseQuant : Pass<"q8-fuse-quant", "::mlir::func::FuncOp"> {
  let summary = "fold bias adds, activations and requantization into q8.qlinear/q8.qconv";
  let description = [{
    After q8-quantize, every `q8.qlinear` and `q8.qconv` dequantizes to f32
    and the next layer quantizes again. This pass folds, in any order until none applies:

    - `q8.quantize(q8.dequantize(x))`: the same type -> `x`; another per
      tensor type -> `q8.requantize` (int8 -> int8 in fixed point).
      `dequantize(quantize(x))` is lossy (rounding and clamping) and stays;
    - `q8.add` of a constant `[N]` (or scalar; for qconv `[M, 1, 1]`) to a
      bias-less int8 op -> its int32 bias, `quantizeBias(b[n], s_x, s_w[n])`;
    - the erf GELU formula `x * 0.5 * (1 + erf(x / sqrt(2)))` -> `q8.gelu`;
    - `q8.relu`, `q8.clip` (constant bounds) or exact `q8.gelu` as the only
      user of a qlinear's f32 result -> the qlinear's `activation`
      (`clipMin`/`clipMax`);
    - a qlinear whose f32 result feeds only `q8.quantize` ops of one per
      tensor 8-bit type, with no SmoothQuant prescale (all ones is none) or
      one prescale along its output channels (then its `resultPrescale`,
      folded into the per-channel multipliers; not with clip) -> that
      qlinear with the quantized `resultType`: the epilogue
      requantizes in Q31 fixed point (within one output step of the
      float route; relu/clip exact as integer clamps; gelu through float,
      bit for bit the unfused ops).

    `q8c --quantize w8a8` runs it after q8-quantize unless
    `--no-int8-fusion`.
  }];
  let dependentDialects = ["::q8::Q8Dialect", "::mlir::quant::QuantDialect"];
}

#endif // Q8_PASSES_TD
