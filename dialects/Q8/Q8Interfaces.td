//===- Q8Interfaces.td - what the quantization passes ask an op -*- tablegen -*-===//
//
// Two op interfaces: QuantizableOpInterface, implemented by the fp32
// contractions that q8-quantize can turn into int8 ops (q8.matmul, q8.gemm,
// q8.conv), and Int8EpilogueOpInterface, implemented by the int8 ops that
// carry a fused epilogue (q8.qlinear, q8.qconv). Passes ask these instead
// of knowing the ops: a new int8 op implements them and the passes take it.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_INTERFACES_TD
#define Q8_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Q8_QuantizableOpInterface : OpInterface<"QuantizableOpInterface"> {
  let cppNamespace = "::q8";
  let description = [{
    An fp32 contraction `activation x weight` (plus an optional bias) that
    q8-quantize can rewrite into an int8 op: the activation quantized uint8
    per tensor, the weight int8 per output channel. The interface names the
    operands and the dims each contracts, which q8-insert-observers,
    q8-smoothquant and q8-quantize need, and `getQuantizableForm` is the one
    place that decides whether an op is quantized at all.

    | op | activation (dim) | weight (contracted, output channel) | bias |
    |---|---|---|---|
    | `q8.matmul` | lhs (last) | rhs (rank - 2, last) | none |
    | `q8.gemm` | a (0 with transA, else 1) | b (1/0 with transB, 0/1 without) | c |
    | `q8.conv` | input (1, the channels) | weight `[M, C/G, k...]` (1, 0) | bias |
  }];
  let methods = [
    InterfaceMethod<
      "The operand that is quantized per tensor from its calibrated range.",
      "::mlir::OpOperand &", "getActivationOperand">,
    InterfaceMethod<
      "The dim of the activation that the op sums over (what calibration "
      "keeps a per-channel absmax along and SmoothQuant scales).",
      "int64_t", "getActivationContractedDim">,
    InterfaceMethod<
      "The operand that is quantized per output channel (a constant), or, "
      "for an activation x activation product, per tensor.",
      "::mlir::OpOperand &", "getWeightOperand">,
    InterfaceMethod<
      "The dim of the weight that the op sums over (a convolution's input "
      "channels within a group; its kernel taps are summed too).",
      "int64_t", "getWeightContractedDim">,
    InterfaceMethod<
      "The dim of the weight that indexes output channels: the weight's "
      "per-axis quantization dim.",
      "int64_t", "getWeightOutputChannelDim">,
    InterfaceMethod<
      "The float bias added to every output channel, or null.",
      "::mlir::Value", "getBiasValue">,
    InterfaceMethod<
      "Whether the weight may itself be an activation: a non-constant "
      "weight is then calibrated along its contracted dim like the "
      "activation (a convolution's never is).",
      "bool", "mayWeightBeActivation">,
    InterfaceMethod<
      "The scalar the product is multiplied by (gemm's alpha); q8-quantize "
      "and q8-smoothquant fold it into the weights.",
      "float", "getProductScale", (ins), [{}], [{ return 1.0f; }]>,
    InterfaceMethod<
      "The scalar the bias is multiplied by (gemm's beta).",
      "float", "getBiasScale", (ins), [{}], [{ return 1.0f; }]>,
    InterfaceMethod<
      "The number of groups the channels are split into (a grouped "
      "convolution's; 1 for a dense product).",
      "int64_t", "getGroupCount", (ins), [{}], [{ return 1; }]>,
    InterfaceMethod<[{
        Builds the int8 op that replaces this one: `input` and `weight`
        quantized (the weight laid out as the stored weight for a
        convolution, [K, N] for a product), `bias` int32 or null, the result
        of element type `resultElement`.
      }],
      "::mlir::Value", "createInt8Op",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Value":$input,
           "::mlir::Value":$weight, "::mlir::Value":$bias,
           "::mlir::Type":$resultElement)>,
    InterfaceMethod<[{
        Whether the op's int8 form would run slower than its fp32 form on
        every target (so that keeping it fp32 is the same choice for every
        target, which then all compute the same bytes), with what the op is,
        for the summary, in `why` (when not null). q8-quantize and
        q8-smoothquant leave such ops fp32 unless told otherwise
        (keep-faster-fp32=false); getQuantizableForm does not look at speed.
      }],
      "bool", "isFasterInFp32", (ins "std::string *":$why), [{}],
      [{ return false; }]>,
    InterfaceMethod<[{
        How q8-quantize may rewrite the op, or QuantizableForm::None with
        `whyNot` (when not null) set to the reason a user should see, left
        empty where there is nothing to say (integer ops, unsupported
        shapes).
      }],
      "::q8::QuantizableForm", "getQuantizableForm",
      (ins "std::string *":$whyNot)>,
  ];
  let extraSharedClassDeclaration = [{
    /// Whether the weight has dims besides the contracted and output-channel
    /// ones: a convolution's kernel taps.
    bool hasKernelTaps() {
      auto type = ::llvm::cast<::mlir::ShapedType>(
          $_op.getWeightOperand().get().getType());
      return type.getRank() > 2;
    }
  }];
}

def Q8_Int8EpilogueOpInterface : OpInterface<"Int8EpilogueOpInterface"> {
  let cppNamespace = "::q8";
  let description = [{
    An int8 op (`input` x `weight` accumulated in int32, optional int32
    `bias`) whose accumulator goes through the fused epilogue the
    Q8_Int8EpilogueOp base class declares: bias, zero-point correction,
    scale, `activation` (with `clipMin`/`clipMax`), `resultPrescale`, then
    requantize to `resultType` or dequantize to a float type. q8-fuse-quant
    folds float ops into the epilogue through this interface.
  }];
  let methods = [
    InterfaceMethod<"The result dim that indexes output channels.",
      "int64_t", "getOutputChannelDim">,
    InterfaceMethod<"The quantized activation.", "::mlir::Value", "getInput">,
    InterfaceMethod<"The quantized weight.", "::mlir::Value", "getWeight">,
    InterfaceMethod<"The int32 bias, or null.", "::mlir::Value", "getBias">,
    InterfaceMethod<"The result's element type (quantized or float).",
      "::mlir::Type", "getResultType">,
    InterfaceMethod<"The fused activation.", "::q8::Activation",
      "getActivation">,
    InterfaceMethod<"clip's lower bound, if any.", "::mlir::FloatAttr",
      "getClipMinAttr">,
    InterfaceMethod<"clip's upper bound, if any.", "::mlir::FloatAttr",
      "getClipMaxAttr">,
    InterfaceMethod<"The per-output-channel prescale, if any.",
      "::mlir::DenseF32ArrayAttr", "getResultPrescaleAttr">,
    InterfaceMethod<"Sets the result's element type (the attribute only).",
      "void", "setResultType", (ins "::mlir::Type":$type)>,
    InterfaceMethod<"Sets the fused activation.", "void", "setActivation",
      (ins "::q8::Activation":$activation)>,
    InterfaceMethod<"Sets clip's lower bound.", "void", "setClipMinAttr",
      (ins "::mlir::FloatAttr":$bound)>,
    InterfaceMethod<"Sets clip's upper bound.", "void", "setClipMaxAttr",
      (ins "::mlir::FloatAttr":$bound)>,
    InterfaceMethod<"Sets the per-output-channel prescale.", "void",
      "setResultPrescaleAttr", (ins "::mlir::DenseF32ArrayAttr":$prescale)>,
  ];
}

#endif // Q8_INTERFACES_TD
