//===- HandlersGtoL.cpp - ONNX ops Gather .. LSTM -------------------------===//

#include "compiler/onnx/Handlers.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

static LogicalResult handleGather(NodeBinder &b) {
  Value data = b.input(0), indices = b.input(1);
  if (!data || !indices)
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(
      b.attrInt("axis", 0), b.getType(data).getRank(), "attribute 'axis'");
  if (failed(axis))
    return failure();
  return b.result(
      b.create<q8::GatherOp>({data, indices}, {b.namedI64("axis", *axis)}));
}

static LogicalResult handleGemm(NodeBinder &b) {
  SmallVector<Value> operands{b.input(0), b.input(1)};
  if (b.hasInput(2))
    operands.push_back(b.optionalInput(2));
  return b.result(b.create<q8::GemmOp>(
      operands, {b.namedF32("alpha", b.attrFloat("alpha", 1.0f)),
                 b.namedF32("beta", b.attrFloat("beta", 1.0f)),
                 b.namedBool("transA", b.attrInt("transA", 0)),
                 b.namedBool("transB", b.attrInt("transB", 0))}));
}

static LogicalResult handleGlobalMaxPool(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = 2, e = b.getType(x).getRank(); i < e; ++i)
    axes.push_back(i);
  if (axes.empty())
    return b.invalid("input must have rank >= 3 (N, C, spatial...)");
  return b.result(reduce<q8::ReduceMaxOp>(b, x, axes, /*keepdims=*/true));
}

static LogicalResult handleHardSigmoid(NodeBinder &b) {
  return b.result(b.create<q8::HardSigmoidOp>(
      {b.input(0)}, {b.namedF32("alpha", b.attrFloat("alpha", 0.2f)),
                     b.namedF32("beta", b.attrFloat("beta", 0.5f))}));
}

static LogicalResult handleIdentity(NodeBinder &b) {
  return b.result(b.input(0));
}

static LogicalResult handleLayerNormalization(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  if (failed(b.rejectUsedOutputs(1, "q8 imports only output Y")))
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(
      b.attrInt("axis", -1), b.getType(x).getRank(), "attribute 'axis'");
  if (failed(axis))
    return failure();
  SmallVector<Value> operands{x, b.input(1)};
  if (b.hasInput(2))
    operands.push_back(b.optionalInput(2));
  return b.result(b.create<q8::LayerNormOp>(
      operands, {b.namedI64("axis", *axis),
                 b.namedF32("epsilon", b.attrFloat("epsilon", 1e-5f))}));
}

static LogicalResult handleLeakyRelu(NodeBinder &b) {
  return b.result(b.create<q8::LeakyReluOp>(
      {b.input(0)}, {b.namedF32("alpha", b.attrFloat("alpha", 0.01f))}));
}

static LogicalResult handleLogSoftmax(NodeBinder &b) {
  bool opset13 = b.getSinceVersion() >= 13;
  Value x = buildSoftmax(b, b.input(0), b.attrInt("axis", opset13 ? -1 : 1),
                         !opset13);
  return b.result(b.create<q8::LogOp>({x}));
}

/// The attributes and operands LSTM and GRU share: default activations only,
/// layout 0, no sequence_lens. `gates` is 4 (LSTM) or 3 (GRU).
static LogicalResult checkRecurrent(NodeBinder &b, ArrayRef<StringRef> acts,
                                    int64_t gates,
                                    SmallVectorImpl<NamedAttribute> &attrs) {
  std::string direction = b.attrString("direction", "forward");
  int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (auto given = b.attrStrings("activations")) {
    bool isDefault = given->size() == acts.size() * dirs;
    for (size_t i = 0; isDefault && i < given->size(); ++i)
      isDefault = (*given)[i] == acts[i % acts.size()];
    if (!isDefault)
      return b.unsupported("only the default activations are supported");
  }
  if (b.hasAttr("activation_alpha") || b.hasAttr("activation_beta"))
    return b.unsupported("activation_alpha/activation_beta are not supported");
  if (b.attrInt("layout", 0) != 0)
    return b.unsupported("layout=1 is not supported (only [seq, batch, ...])");
  if (b.hasInput(4))
    return b.unsupported("the sequence_lens operand is not supported");
  Value w = b.input(1);
  if (!w)
    return failure();
  ArrayRef<int64_t> wShape = b.getShape(w);
  int64_t hidden = b.attrInt("hidden_size", wShape.size() == 3
                                                 ? wShape[1] / gates
                                                 : 0);
  attrs.push_back(b.namedI64("hidden_size", hidden));
  attrs.push_back(b.namedStr("direction", direction));
  if (b.hasAttr("clip"))
    attrs.push_back(b.namedF32("clip", b.attrFloat("clip", 0)));
  return success();
}

/// Builds a recurrent op from ONNX inputs `inputs` (absent ones skipped,
/// recorded in operandSegmentSizes) and binds its results.
template <typename OpTy>
static LogicalResult buildRecurrent(NodeBinder &b, ArrayRef<unsigned> inputs,
                                    SmallVectorImpl<NamedAttribute> &attrs) {
  SmallVector<Value> operands;
  SmallVector<int32_t> segments;
  for (unsigned i : inputs) {
    Value v = b.optionalInput(i);
    if (b.hasInput(i) && !v)
      return failure();
    segments.push_back(v ? 1 : 0);
    if (v)
      operands.push_back(v);
  }
  attrs.push_back(b.named("operandSegmentSizes",
                          b.getBuilder().getDenseI32ArrayAttr(segments)));
  SmallVector<Value> results = b.createMulti<OpTy>(operands, attrs);
  if (results.empty())
    return failure();
  for (auto [i, v] : llvm::enumerate(results))
    (void)b.setResult(i, v);
  return success();
}

static LogicalResult handleGRU(NodeBinder &b) {
  SmallVector<NamedAttribute> attrs;
  if (failed(checkRecurrent(b, {"Sigmoid", "Tanh"}, 3, attrs)))
    return failure();
  attrs.push_back(
      b.namedBool("linear_before_reset", b.attrInt("linear_before_reset", 0)));
  return buildRecurrent<q8::GRUOp>(b, {0, 1, 2, 3, 5}, attrs);
}

static LogicalResult handleLSTM(NodeBinder &b) {
  SmallVector<NamedAttribute> attrs;
  if (failed(checkRecurrent(b, {"Sigmoid", "Tanh", "Tanh"}, 4, attrs)))
    return failure();
  attrs.push_back(b.namedBool("input_forget", b.attrInt("input_forget", 0)));
  return buildRecurrent<q8::LSTMOp>(b, {0, 1, 2, 3, 5, 6, 7}, attrs);
}

void q8::importer::registerHandlersGtoL(HandlerTable &t) {
  t.add("Gather", 1, handleGather);
  t.add("Gemm", 7, handleGemm);
  t.add("GlobalAveragePool", 1, unary<q8::GlobalAveragePoolOp>);
  t.add("GlobalMaxPool", 1, handleGlobalMaxPool);
  t.add("Greater", 7, binary<q8::GreaterOp>);
  t.add("GRU", 7, handleGRU);
  t.add("HardSigmoid", 6, handleHardSigmoid);
  t.add("HardSwish", 14, unary<q8::HardSwishOp>);
  t.add("Identity", 1, handleIdentity);
  t.add("LayerNormalization", 17, handleLayerNormalization);
  t.add("LeakyRelu", 6, handleLeakyRelu);
  t.add("Less", 7, binary<q8::LessOp>);
  t.add("Log", 1, unary<q8::LogOp>);
  t.add("LogSoftmax", 1, handleLogSoftmax);
  t.add("LSTM", 7, handleLSTM);
}
