//===- Q8Ops.td - q8 graph ops at ONNX semantics ------------*- tablegen -*-===//
//
// Op families: elementwise (broadcasting), activations, normalization,
// linear algebra, convolution and pooling, reductions, data movement,
// recurrent cells, and the quantization ops (Q8QuantOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_OPS_TD
#define Q8_OPS_TD

include "dialects/Q8/Q8Dialect.td"
include "dialects/Q8/Q8Enums.td"
include "dialects/Q8/Q8Interfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Q8_ConstantOp : Q8_Op<"constant", [ConstantLike, Pure]> {
  let summary = "a constant tensor (weights are dense_resource blobs)";
  let description = [{
    Holds an initializer or a folded value. Large values are
    `dense_resource<...>` blobs so that megabytes of weights are never hashed
    or uniqued; small ones (shapes, scalars) are `dense<...>` so that they
    fold.

    ```mlir
    %w = q8.constant dense_resource<w0> : tensor<768x3072xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Q8_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops: numpy (multidirectional) broadcasting
//===----------------------------------------------------------------------===//

class Q8_BroadcastBinaryOp<string mnemonic, list<Trait> traits = []>
    : Q8_Op<mnemonic, !listconcat(traits, [Pure])> {
  let arguments = (ins Q8_Tensor:$lhs, Q8_Tensor:$rhs);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
  let description = [{
    | lhs shape | rhs shape | result shape |
    |---|---|---|
    | `[2,3,4]` | `[4]` | `[2,3,4]` |
    | `[2,1,4]` | `[3,1]` | `[2,3,4]` |
    | `[2,3]` | `[4]` | error |

    Both operands have the same element type, which is the result's.

    ```mlir
    %r = q8.}] # mnemonic # [{ %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
}

def Q8_AddOp : Q8_BroadcastBinaryOp<"add", [Commutative]> {
  let summary = "elementwise lhs + rhs";
}
def Q8_SubOp : Q8_BroadcastBinaryOp<"sub"> {
  let summary = "elementwise lhs - rhs";
}
def Q8_MulOp : Q8_BroadcastBinaryOp<"mul", [Commutative]> {
  let summary = "elementwise lhs * rhs";
}
def Q8_DivOp : Q8_BroadcastBinaryOp<"div"> {
  let summary = "elementwise lhs / rhs (integer division truncates)";
}
def Q8_PowOp : Q8_BroadcastBinaryOp<"pow"> {
  let summary = "elementwise lhs ^ rhs; rhs may have another element type";
}
def Q8_MaxOp : Q8_BroadcastBinaryOp<"max", [Commutative]> {
  let summary = "elementwise maximum (ONNX Max folds to a chain of these)";
}
def Q8_MinOp : Q8_BroadcastBinaryOp<"min", [Commutative]> {
  let summary = "elementwise minimum (ONNX Min folds to a chain of these)";
}

class Q8_CompareOp<string mnemonic, list<Trait> traits = []>
    : Q8_BroadcastBinaryOp<mnemonic, traits> {
  let results = (outs Q8_BoolTensor:$result);
  let description = [{
    Broadcasts as the arithmetic ops do; the result is i1.

    ```mlir
    %r = q8.}] # mnemonic # [{ %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
    ```
  }];
}
def Q8_EqualOp : Q8_CompareOp<"equal", [Commutative]> {
  let summary = "elementwise lhs == rhs, giving i1";
}
def Q8_LessOp : Q8_CompareOp<"less"> {
  let summary = "elementwise lhs < rhs, giving i1";
}
def Q8_GreaterOp : Q8_CompareOp<"greater"> {
  let summary = "elementwise lhs > rhs, giving i1";
}

def Q8_WhereOp : Q8_Op<"where", [Pure]> {
  let summary = "elementwise select: condition ? lhs : rhs, broadcasting all three";
  let description = [{
    condition, lhs and rhs broadcast together; lhs and rhs share the result's
    element type.

    ```mlir
    %r = q8.where %c, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Q8_BoolTensor:$condition, Q8_Tensor:$lhs, Q8_Tensor:$rhs);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class Q8_UnaryOp<string mnemonic, Type operandType = Q8_Tensor,
                 list<Trait> traits = []>
    : Q8_Op<mnemonic, !listconcat(traits, [Pure])> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let description = [{
    Same shape and element type as the input.

    ```mlir
    %y = q8.}] # mnemonic # [{ %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
}
class Q8_FloatUnaryOp<string mnemonic, list<Trait> traits = []>
    : Q8_UnaryOp<mnemonic, Q8_FloatTensor, traits>;

def Q8_NegOp : Q8_UnaryOp<"neg"> { let summary = "elementwise -x"; let hasFolder = 1; }
def Q8_AbsOp : Q8_UnaryOp<"abs"> { let summary = "elementwise |x|"; let hasFolder = 1; }
def Q8_ReluOp : Q8_UnaryOp<"relu"> { let summary = "elementwise max(x, 0)"; let hasFolder = 1; }
def Q8_SqrtOp : Q8_FloatUnaryOp<"sqrt"> { let summary = "elementwise square root"; let hasFolder = 1; }
def Q8_ReciprocalOp : Q8_FloatUnaryOp<"reciprocal"> { let summary = "elementwise 1 / x"; let hasFolder = 1; }
def Q8_ExpOp : Q8_FloatUnaryOp<"exp"> { let summary = "elementwise e^x"; let hasFolder = 1; }
def Q8_LogOp : Q8_FloatUnaryOp<"log"> { let summary = "elementwise natural logarithm"; let hasFolder = 1; }
def Q8_ErfOp : Q8_FloatUnaryOp<"erf"> { let summary = "elementwise error function"; let hasFolder = 1; }
def Q8_TanhOp : Q8_FloatUnaryOp<"tanh"> { let summary = "elementwise tanh"; let hasFolder = 1; }
def Q8_SigmoidOp : Q8_FloatUnaryOp<"sigmoid"> { let summary = "elementwise 1 / (1 + e^-x)"; let hasFolder = 1; }
def Q8_HardSwishOp : Q8_FloatUnaryOp<"hard_swish"> {
  let summary = "elementwise x * max(0, min(1, x / 6 + 1 / 2))";
}

def Q8_GeluOp : Q8_FloatUnaryOp<"gelu"> {
  let summary = "GELU, exact (erf) or with the tanh approximation";
  let arguments = (ins Q8_FloatTensor:$input,
                       Q8_DefaultStrEnumAttr<Q8_GeluApproximation, "None">:$approximate);
}
def Q8_LeakyReluOp : Q8_FloatUnaryOp<"leaky_relu"> {
  let summary = "x >= 0 ? x : alpha * x";
  let arguments = (ins Q8_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}
def Q8_HardSigmoidOp : Q8_FloatUnaryOp<"hard_sigmoid"> {
  let summary = "max(0, min(1, alpha * x + beta))";
  let arguments = (ins Q8_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5f">:$beta);
}
def Q8_ClipOp : Q8_UnaryOp<"clip"> {
  let summary = "clamp to [min, max]; a missing bound is unbounded";
  let arguments = (ins Q8_Tensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let hasVerifier = 1;
  let hasFolder = 1;
}
def Q8_CastOp : Q8_Op<"cast", [Pure]> {
  let summary = "element type conversion (ONNX Cast: float->int truncates toward zero)";
  let description = [{
    Same shape; the element type is `to`.

    ```mlir
    %y = q8.cast %x {to = i32} : (tensor<4xf32>) -> tensor<4xi32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, TypeAttr:$to);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Softmax and normalization
//===----------------------------------------------------------------------===//

def Q8_SoftmaxOp : Q8_Op<"softmax", [Pure]> {
  let summary = "softmax along one axis (opset-13 semantics)";
  let description = [{
    exp(x - max) / sum(exp(x - max)) along `axis` (non-negative).

    ```mlir
    %y = q8.softmax %x {axis = 1 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Q8_FloatTensor:$result);
}

def Q8_LayerNormOp : Q8_Op<"layer_norm", [Pure]> {
  let summary = "LayerNormalization over the dimensions [axis, rank)";
  let description = [{
    `scale` and the optional `bias` broadcast to the normalized dimensions
    `input.shape[axis:]`.

    ```mlir
    %y = q8.layer_norm %x, %scale, %bias {axis = 2 : i64} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, Q8_FloatTensor:$scale,
                       Optional<Q8_FloatTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Q8_FloatTensor:$result);
}

def Q8_BatchNormOp : Q8_Op<"batch_norm", [Pure]> {
  let summary = "BatchNormalization in inference mode, NCHW";
  let description = [{
    (x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + bias[c] for
    channel c (dim 1); q8-fold-batch-norm folds it into a preceding conv.

    ```mlir
    %y = q8.batch_norm %x, %scale, %bias, %mean, %var
        : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, Q8_FloatTensor:$scale,
                       Q8_FloatTensor:$bias, Q8_FloatTensor:$mean,
                       Q8_FloatTensor:$variance,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs Q8_FloatTensor:$result);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Q8_MatMulOp : Q8_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<Q8_QuantizableOpInterface>]> {
  let summary = "numpy matmul: batched, broadcast batch dims, 1-D promotion";
  let description = [{
    | lhs | rhs | result |
    |---|---|---|
    | `[M,K]` | `[K,N]` | `[M,N]` |
    | `[B,M,K]` | `[K,N]` | `[B,M,N]` |
    | `[K]` | `[K,N]` | `[N]` |
    | `[2,1,M,K]` | `[3,K,N]` | `[2,3,M,N]` |

    ```mlir
    %y = q8.matmul %x, %w : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$lhs, Q8_Tensor:$rhs);
  let results = (outs Q8_Tensor:$result);
}

def Q8_GemmOp : Q8_Op<"gemm", [Pure,
    DeclareOpInterfaceMethods<Q8_QuantizableOpInterface,
                              ["getProductScale", "getBiasScale"]>]> {
  let summary = "alpha * op(A) * op(B) + beta * C, C broadcast to [M,N]";
  let description = [{
    A `[M, K]` (`[K, M]` with transA), B `[K, N]` (`[N, K]` with transB);
    C broadcasts to `[M, N]`.

    ```mlir
    %y = q8.gemm %a, %b, %c {transB = true} : (tensor<2x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$a, Q8_Tensor:$b, Optional<Q8_Tensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$transA,
                       DefaultValuedAttr<BoolAttr, "false">:$transB);
  let results = (outs Q8_Tensor:$result);
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NCHW, any number of spatial dims)
//===----------------------------------------------------------------------===//

def Q8_ConvOp : Q8_Op<"conv", [Pure,
    DeclareOpInterfaceMethods<Q8_QuantizableOpInterface, ["getGroupCount", "isFasterInFp32"]>]> {
  let summary = "grouped, dilated N-d convolution; depthwise is group == C";
  let description = [{
    `pads` holds the begin pads of every spatial dim, then the end pads
    (ONNX order); auto_pad is resolved at import. Weight is
    `[M, C / group, k...]`, bias `[M]`.

    ```mlir
    %y = q8.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, Q8_FloatTensor:$weight,
                       Optional<Q8_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Q8_FloatTensor:$result);
}

def Q8_ConvTransposeOp : Q8_Op<"conv_transpose", [Pure]> {
  let summary = "transposed (fractionally strided) convolution";
  let description = [{
    Weight is `[C, M / group, k...]`. Output spatial size is
    `stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pad_begin - pad_end`;
    ONNX's `output_shape` is resolved into pads at import.

    ```mlir
    %y = q8.conv_transpose %x, %w {dilations = array<i64: 1, 1>, output_padding = array<i64: 0, 0>,
                                  pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
        : (tensor<1x2x3x3xf32>, tensor<2x4x2x2xf32>) -> tensor<1x4x6x6xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, Q8_FloatTensor:$weight,
                       Optional<Q8_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$output_padding,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Q8_FloatTensor:$result);
}

class Q8_PoolOp<string mnemonic> : Q8_Op<mnemonic, [Pure]> {
  let results = (outs Q8_FloatTensor:$result);
}

def Q8_MaxPoolOp : Q8_PoolOp<"max_pool"> {
  let summary = "max pooling; padding never wins the max";
  let description = [{
    Integer inputs of any signedness are allowed (ONNX MaxPool takes int8
    and uint8): the max needs only an order.

    ```mlir
    %y = q8.max_pool %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>,
                          pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
        : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
    ```
  }];
  let arguments = (ins Q8_NumericTensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Q8_NumericTensor:$result);
}
def Q8_AveragePoolOp : Q8_PoolOp<"average_pool"> {
  let summary = "average pooling, with or without the pads in the count";
  let description = [{
    The mean over each window; pads count only with `count_include_pad`.

    ```mlir
    %y = q8.average_pool %x {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>,
                              pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}
def Q8_GlobalAveragePoolOp : Q8_PoolOp<"global_average_pool"> {
  let summary = "mean over all spatial dims, keeping them as size 1";
  let description = [{
    `[N, C, spatial...]` -> `[N, C, 1...]`.

    ```mlir
    %y = q8.global_average_pool %x : (tensor<1x3x8x8xf32>) -> tensor<1x3x1x1xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Q8_ReduceOp<string mnemonic> : Q8_Op<mnemonic, [Pure]> {
  let description = [{
    `axes` are non-negative and sorted; empty `axes` reduces every dim
    (ONNX's noop_with_empty_axes=1 never reaches q8: it imports as nothing).

    ```mlir
    %y = q8.}] # mnemonic # [{ %x {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}
def Q8_ReduceMeanOp : Q8_ReduceOp<"reduce_mean"> { let summary = "mean over axes"; }
def Q8_ReduceSumOp : Q8_ReduceOp<"reduce_sum"> { let summary = "sum over axes"; }
def Q8_ReduceMaxOp : Q8_ReduceOp<"reduce_max"> { let summary = "maximum over axes"; }
def Q8_ReduceMinOp : Q8_ReduceOp<"reduce_min"> { let summary = "minimum over axes"; }

//===----------------------------------------------------------------------===//
// Data movement and shape ops
//===----------------------------------------------------------------------===//

def Q8_TransposeOp : Q8_Op<"transpose", [Pure]> {
  let summary = "permute dims: result.shape[i] = input.shape[perm[i]]";
  let description = [{
    `perm` is a permutation of the dims.

    ```mlir
    %y = q8.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

def Q8_ReshapeOp : Q8_Op<"reshape", [Pure]> {
  let summary = "same elements, new static shape";
  let description = [{
    ONNX Reshape, Flatten, Squeeze and Unsqueeze all import as this op; the
    shape is fully resolved (no 0 or -1).

    ```mlir
    %y = q8.reshape %x {shape = array<i64: 2, 12>} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Q8_ExpandOp : Q8_Op<"expand", [Pure]> {
  let summary = "broadcast input and `shape` together (ONNX Expand)";
  let description = [{
    The result shape is the numpy broadcast of the input's shape and `shape`.

    ```mlir
    %y = q8.expand %x {shape = array<i64: 2, 3>} : (tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

def Q8_GatherOp : Q8_Op<"gather", [Pure]> {
  let summary = "take slices of data along axis at indices (embeddings)";
  let description = [{
    Result shape: `data.shape[:axis] + indices.shape + data.shape[axis+1:]`.
    Negative indices count from the end, as in ONNX.

    ```mlir
    %y = q8.gather %table, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$data, Q8_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

def Q8_ConcatOp : Q8_Op<"concat", [Pure]> {
  let summary = "join tensors along axis";
  let description = [{
    Every input has the result's shape except along `axis`.

    ```mlir
    %y = q8.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Q8_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

def Q8_SplitOp : Q8_Op<"split", [Pure]> {
  let summary = "cut a tensor along axis into pieces of the given sizes";
  let description = [{
    `sizes` sum to the input's dim `axis`; one result per size.

    ```mlir
    %a, %b = q8.split %x {axis = 1 : i64, sizes = array<i64: 3, 5>} : (tensor<2x8xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>)
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, I64Attr:$axis, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Q8_Tensor>:$results);
}

def Q8_SliceOp : Q8_Op<"slice", [Pure]> {
  let summary = "strided slice over every dim, bounds already clamped";
  let description = [{
    One entry per dim. For step > 0: 0 <= start <= end <= dim. For step < 0:
    -1 <= end <= start <= dim - 1 (end = -1 means "through index 0").
    Size is `max(0, ceil((end - start) / step))`.

    ```mlir
    %y = q8.slice %x {ends = array<i64: 2, 4>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : (tensor<2x6xf32>) -> tensor<2x2xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Q8_Tensor:$result);
  let hasFolder = 1;
}

def Q8_PadOp : Q8_Op<"pad", [Pure]> {
  let summary = "pad (or crop, for negative pads) every dim";
  let description = [{
    `pads` holds the begin pads of every dim, then the end pads (ONNX
    order). `mode` is "constant" (`value`), "reflect" or "edge".

    ```mlir
    %y = q8.pad %x {mode = "reflect", pads = array<i64: 0, 1, 0, 1>} : (tensor<2x4xf32>) -> tensor<2x6xf32>
    ```
  }];
  let arguments = (ins Q8_Tensor:$input, DenseI64ArrayAttr:$pads,
                       Q8_DefaultStrEnumAttr<Q8_PadMode, "Constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Q8_Tensor:$result);
}

def Q8_ResizeOp : Q8_Op<"resize", [Pure]> {
  let summary = "ONNX Resize (nearest, linear, cubic) to a static output shape";
  let description = [{
    `sizes` is the output shape; `scales` the per-dim factors the coordinate
    transform uses (ONNX uses the given scales, not sizes / input).

    ```mlir
    %y = q8.resize %x {mode = "linear", scales = array<f32: 1.0, 1.0, 2.0, 2.0>, sizes = array<i64: 1, 3, 8, 8>}
        : (tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, DenseI64ArrayAttr:$sizes,
                       DenseF32ArrayAttr:$scales,
                       Q8_DefaultStrEnumAttr<Q8_ResizeMode, "Nearest">:$mode,
                       Q8_DefaultStrEnumAttr<Q8_CoordinateTransformationMode, "HalfPixel">:$coordinate_transformation_mode,
                       Q8_DefaultStrEnumAttr<Q8_NearestMode, "RoundPreferFloor">:$nearest_mode,
                       DefaultValuedAttr<F32Attr, "-0.75f">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       DefaultValuedAttr<F32Attr, "0.0f">:$extrapolation_value);
  let results = (outs Q8_FloatTensor:$result);
}

//===----------------------------------------------------------------------===//
// Recurrent ops (ONNX layout 0: [seq, batch, feature])
//===----------------------------------------------------------------------===//

def Q8_LSTMOp : Q8_Op<"lstm", [Pure, AttrSizedOperandSegments]> {
  let summary = "ONNX LSTM with the default activations (sigmoid, tanh, tanh)";
  let description = [{
    X `[seq, batch, input]`, W `[dirs, 4H, input]`, R `[dirs, 4H, H]`,
    B `[dirs, 8H]`, initial_h/initial_c `[dirs, batch, H]`, P `[dirs, 3H]`.
    Gate order i, o, f, c. Results Y `[seq, dirs, batch, H]`, Y_h and Y_c
    `[dirs, batch, H]`.

    ```mlir
    %y, %h, %c = q8.lstm %x, %w, %r bias %b {hidden_size = 4 : i64}
        : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, tensor<1x32xf32>)
        -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$x, Q8_FloatTensor:$w, Q8_FloatTensor:$r,
                       Optional<Q8_FloatTensor>:$b,
                       Optional<Q8_FloatTensor>:$initial_h,
                       Optional<Q8_FloatTensor>:$initial_c,
                       Optional<Q8_FloatTensor>:$p,
                       I64Attr:$hidden_size,
                       Q8_DefaultStrEnumAttr<Q8_RnnDirection, "Forward">:$direction,
                       OptionalAttr<F32Attr>:$clip,
                       DefaultValuedAttr<BoolAttr, "false">:$input_forget);
  let results = (outs Q8_FloatTensor:$y, Q8_FloatTensor:$y_h, Q8_FloatTensor:$y_c);
  let assemblyFormat = "$x `,` $w `,` $r (`bias` $b^)? (`initial_h` $initial_h^)? (`initial_c` $initial_c^)? (`peephole` $p^)? attr-dict `:` functional-type(operands, results)";
}

def Q8_GRUOp : Q8_Op<"gru", [Pure, AttrSizedOperandSegments]> {
  let summary = "ONNX GRU with the default activations (sigmoid, tanh)";
  let description = [{
    X `[seq, batch, input]`, W `[dirs, 3H, input]`, R `[dirs, 3H, H]`,
    B `[dirs, 6H]`, initial_h `[dirs, batch, H]`. Gate order z, r, h.
    Results Y `[seq, dirs, batch, H]` and Y_h `[dirs, batch, H]`.

    ```mlir
    %y, %h = q8.gru %x, %w, %r {direction = "bidirectional", hidden_size = 4 : i64}
        : (tensor<5x2x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>)
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$x, Q8_FloatTensor:$w, Q8_FloatTensor:$r,
                       Optional<Q8_FloatTensor>:$b,
                       Optional<Q8_FloatTensor>:$initial_h,
                       I64Attr:$hidden_size,
                       Q8_DefaultStrEnumAttr<Q8_RnnDirection, "Forward">:$direction,
                       OptionalAttr<F32Attr>:$clip,
                       DefaultValuedAttr<BoolAttr, "false">:$linear_before_reset);
  let results = (outs Q8_FloatTensor:$y, Q8_FloatTensor:$y_h);
  let assemblyFormat = "$x `,` $w `,` $r (`bias` $b^)? (`initial_h` $initial_h^)? attr-dict `:` functional-type(operands, results)";
}

include "dialects/Q8/Q8QuantOps.td"

#endif // Q8_OPS_TD
