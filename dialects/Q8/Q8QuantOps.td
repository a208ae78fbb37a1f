//===- Q8QuantOps.td - calibration and int8 ops -------------*- tablegen -*-===//
//
// What upstream `quant` lacks: a calibration point, quantize/dequantize with
// a per-channel pre-scale (SmoothQuant's 1/s lives there), and the fused int8
// linear and convolution ops. Element types are upstream `!quant.uniform`.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_QUANT_OPS_TD
#define Q8_QUANT_OPS_TD

include "mlir/Dialect/Quant/IR/QuantBase.td"

def Q8_QuantTensor : StaticShapeTensorOf<[quant_QuantizedType]>;
def Q8_I32Tensor : StaticShapeTensorOf<[I32]>;

def Q8_ObserveOp : Q8_Op<"observe", [
                                      MemoryEffects<[MemWrite]>]> {
  let summary = "a calibration point: records statistics of the value passing through";
  let description = [{
    `name` is the ONNX value name the statistics are keyed by. `axis`, when
    present, is the dimension the consuming matmul or convolution contracts:
    the collectors keep a per-channel absmax along it (what SmoothQuant
    scales) and sample rows along it. The op has a write effect so that
    nothing removes it before calibration lowers it into a call to the
    runtime's collectors; outside calibration it is an identity.

    ```mlir
    %o = q8.observe %x {axis = 2 : i64, name = "x"} : tensor<1x4x8xf32>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, StrAttr:$name,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs Q8_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Q8_QuantizeOp : Q8_Op<"quantize", [Pure]> {
  let summary = "float -> !quant.uniform, optionally pre-scaled per channel";
  let description = [{
    result = quant(input * prescale[c]) where c indexes `axis`. The
    prescale is where SmoothQuant's 1/s is folded: it costs one multiply in
    an op that multiplies anyway. The result type carries the scale and zero
    point, per tensor or per axis.

    ```mlir
    %q = q8.quantize %x {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>}
        : (tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>
    ```
  }];
  let arguments = (ins Q8_FloatTensor:$input, TypeAttr:$resultType,
                       OptionalAttr<DenseF32ArrayAttr>:$prescale,
                       OptionalAttr<I64Attr>:$axis);
  let results = (outs Q8_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Q8_DequantizeOp : Q8_Op<"dequantize", [Pure]> {
  let summary = "!quant.uniform -> its expressed float type";
  let description = [{
    scale * (q - zero_point), per tensor or per axis.

    ```mlir
    %x = q8.dequantize %q : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Q8_QuantTensor:$input);
  let results = (outs Q8_FloatTensor:$result);
}

def Q8_RequantizeOp : Q8_Op<"requantize", [Pure]> {
  let summary = "!quant.uniform -> another !quant.uniform (int8 -> int8 rescale)";
  let description = [{
    result = requantize(q - z_in, s_in / s_out) + z_out, with
    q8::quant::requantize's Q31 fixed-point arithmetic: what
    `quantize(dequantize(x))` to another type folds into (q8-fuse-quant),
    without a float round trip. Both types are per tensor, 8-bit storage.

    ```mlir
    %r = q8.requantize %q {resultType = tensor<2x4x!quant.uniform<u8:f32, 0.2:100>>}
        : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<2x4x!quant.uniform<u8:f32, 0.2:100>>
    ```
  }];
  let arguments = (ins Q8_QuantTensor:$input, TypeAttr:$resultType);
  let results = (outs Q8_QuantTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

/// An int8 op whose int32 accumulator goes through the fused epilogue:
/// `operands` (input, weight, optional bias and the op's own attributes)
/// followed by the five epilogue attributes both ops share.
///
///   resultType      the result's element type: a `!quant.uniform` with
///                   i8/u8 storage (requantize) or a float type (dequantize)
///   activation      applied to the real-valued output before any
///                   requantization: none, relu, gelu (exact, erf) or clip
///   clipMin/clipMax clip's bounds (a missing bound is unbounded; only with
///                   clip)
///   resultPrescale  only with a quantized resultType and an activation
///                   other than clip: output channel n's real value times
///                   resultPrescale[n] (> 0) before requantizing, the next
///                   layer's SmoothQuant 1/s that its quantize would apply
class Q8_Int8EpilogueOp<string mnemonic, dag operands>
    : Q8_Op<mnemonic, [Pure, Q8_Int8EpilogueOpInterface]> {
  let arguments = !con(operands, (ins
      TypeAttr:$resultType,
      Q8_DefaultStrEnumAttr<Q8_Activation, "None">:$activation,
      OptionalAttr<F64Attr>:$clipMin,
      OptionalAttr<F64Attr>:$clipMax,
      OptionalAttr<DenseF32ArrayAttr>:$resultPrescale));
  let results = (outs Q8_Tensor:$result);
  code extraInt8ClassDeclaration = [{
    /// The result dim that indexes output channels.
    int64_t getOutputChannelDim();
  }];
  let extraClassDeclaration = extraInt8ClassDeclaration;
  let hasVerifier = 1;
}

def Q8_QLinearOp : Q8_Int8EpilogueOp<"qlinear", (ins Q8_QuantTensor:$input,
    Q8_QuantTensor:$weight, Optional<Q8_I32Tensor>:$bias)> {
  let summary = "int8 x int8 -> int32 matmul with a fused epilogue";
  let description = [{
    `input` `[..., K]` quantized activations, `weight` `[K, N]` quantized
    per output channel (axis 1) or per tensor (or, for attention's
    activation x activation products, a batched `[B..., K, N]` per tensor
    against an input `[B..., M, K]` with the same batch dims, no
    broadcasting), `bias` `[N]` int32 at scale
    s_input * s_weight. The epilogue (Q8_Int8EpilogueOp) applies bias,
    zero-point correction, scale and `activation`, then requantizes to the
    result's quant type or dequantizes to f32. Result shape `[..., N]`;
    the output channel is the last dim. q8-fuse-quant folds the ops that
    follow a qlinear into the epilogue attributes.

    ```mlir
    %y = q8.qlinear %x, %w, %b {activation = "relu", resultType = f32}
        : (tensor<2x4x!quant.uniform<u8:f32, 0.1:128>>,
           tensor<4x3x!quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>>,
           tensor<3xi32>) -> tensor<2x3xf32>
    ```
  }];
  let builders = [
    // Without clip bounds (the form q8-quantize builds).
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, "::mlir::Type":$resultType,
                   CArg<"::q8::Activation", "::q8::Activation::None">:$activation), [{
      build($_builder, $_state, input, weight, bias,
            ::mlir::TypeAttr::get(resultType),
            $_builder.getStringAttr(::q8::stringifyActivation(activation)),
            nullptr, nullptr, nullptr);
    }]>
  ];
  let extraClassDeclaration = extraInt8ClassDeclaration # [{
    /// Whether an `input` and a `weight` of these shapes pair up as the op
    /// takes them: [..., K] x [K, N], or [B..., M, K] x [B..., K, N] with
    /// the same batch dims (K itself is checked apart).
    static bool isProductShape(::llvm::ArrayRef<int64_t> input,
                               ::llvm::ArrayRef<int64_t> weight);
  }];
}

def Q8_QConvOp : Q8_Int8EpilogueOp<"qconv", (ins Q8_QuantTensor:$input,
    Q8_QuantTensor:$weight, Optional<Q8_I32Tensor>:$bias,
    DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations, DefaultValuedAttr<I64Attr, "1">:$group)> {
  let summary = "int8 convolution with qlinear's fused epilogue";
  let description = [{
    `q8.conv` on quantized tensors: `input` `[N, C, spatial...]` quantized
    per tensor, `weight` `[M, C / group, k...]` quantized per output
    channel (axis 0) or per tensor, `bias` `[M]` int32 at scale
    s_input * s_weight[m]; `strides`, `pads`, `dilations` and `group` as
    in `q8.conv` (depthwise is group == C). Padding reads the input's zero
    point, i.e. a real 0. The int32 accumulator goes through the same
    epilogue as `q8.qlinear` (Q8_Int8EpilogueOp), per output channel m
    (result dim 1).

    ```mlir
    %y = q8.qconv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>,
                          strides = array<i64: 1, 1>, resultType = f32}
        : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.1:128>>,
           tensor<4x2x3x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x4x3x3xf32>
    ```
  }];
}

#endif // Q8_QUANT_OPS_TD
