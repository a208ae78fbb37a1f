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

/// Before opset 7, C must be [M, N] unless `broadcast=1`, and broadcasts as
/// from opset 7 on when it is: both are what q8.gemm does.
static LogicalResult handleGemm(NodeBinder &b) {
  Value a = b.input(0), bMatrix = b.input(1);
  bool transA = b.attrInt("transA", 0), transB = b.attrInt("transB", 0);
  SmallVector<Value> operands{a, bMatrix};
  if (b.hasInput(2) || b.getSinceVersion() < 7)
    operands.push_back(b.input(2));
  if (llvm::is_contained(operands, Value()))
    return failure();
  if (b.getSinceVersion() < 7 && !b.attrInt("broadcast", 0) &&
      b.getType(a).getRank() == 2 && b.getType(bMatrix).getRank() == 2) {
    SmallVector<int64_t> mn{b.getShape(a)[transA ? 1 : 0],
                            b.getShape(bMatrix)[transB ? 0 : 1]};
    if (b.getShape(operands[2]) != ArrayRef<int64_t>(mn))
      return b.invalid("C is " + formatShape(b.getShape(operands[2])) +
                       ", but without broadcast=1 it must be [M, N] = " +
                       formatShape(mn));
  }
  return b.result(b.create<q8::GemmOp>(
      operands, {b.namedF32("alpha", b.attrFloat("alpha", 1.0f)),
                 b.namedF32("beta", b.attrFloat("beta", 1.0f)),
                 b.namedBool("transA", transA),
                 b.namedBool("transB", transB)}));
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

/// lhs OP= rhs as where(lhs OP rhs, true, lhs == rhs): q8 has no logical
/// ops, and this keeps NaN operands false as ONNX wants.
template <typename OpTy>
static LogicalResult handleCompareOrEqual(NodeBinder &b) {
  Value lhs = b.input(0), rhs = b.input(1);
  Value strict = b.create<OpTy>({lhs, rhs});
  Value equal = b.create<q8::EqualOp>({lhs, rhs});
  return b.result(
      b.create<q8::WhereOp>({strict, scalarLike(b, strict, 1), equal}));
}

/// Gelu (opset 20): exact (erf) or with the tanh approximation, q8.gelu
/// either way.
static LogicalResult handleGelu(NodeBinder &b) {
  std::string approximate = b.attrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return b.invalid("attribute 'approximate' must be \"none\" or \"tanh\", "
                     "not \"" +
                     approximate + "\"");
  return b.result(b.create<q8::GeluOp>(
      {b.input(0)}, {b.namedStr("approximate", approximate)}));
}

static LogicalResult handleHardSigmoid(NodeBinder &b) {
  return b.result(b.create<q8::HardSigmoidOp>(
      {b.input(0)}, {b.namedF32("alpha", b.attrFloat("alpha", 0.2f)),
                     b.namedF32("beta", b.attrFloat("beta", 0.5f))}));
}

static LogicalResult handleIdentity(NodeBinder &b) {
  return b.result(b.input(0));
}

/// Mean and InvStdDev (outputs 1 and 2) over dims [axis, rank), kept, as
/// ONNX's reference computes them in the stash type:
///   mean = reduce_mean(x); d = x - mean
///   invStdDev = 1 / sqrt(reduce_mean(d * d) + epsilon)
static LogicalResult buildLayerNormStats(NodeBinder &b, Value x, int64_t axis,
                                         float epsilon) {
  if (b.attrInt("stash_type", 1) != 1)
    return b.unsupported("stash_type other than 1 (float) is not supported");
  Type f32 = b.getBuilder().getF32Type();
  if (b.getType(x).getElementType() != f32)
    x = b.create<q8::CastOp>({x}, {b.named("to", TypeAttr::get(f32))});
  SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(axis, b.getType(x).getRank()));
  Value mean = reduce<q8::ReduceMeanOp>(b, x, axes, /*keepdims=*/true);
  Value centered = b.create<q8::SubOp>({x, mean});
  Value variance = reduce<q8::ReduceMeanOp>(
      b, b.create<q8::MulOp>({centered, centered}), axes, /*keepdims=*/true);
  Value stdDev = b.create<q8::SqrtOp>(
      {b.create<q8::AddOp>({variance, b.splat(f32, epsilon)})});
  if (failed(b.setResult(1, mean)))
    return failure();
  return b.setResult(2, b.create<q8::ReciprocalOp>({stdDev}));
}

static LogicalResult handleLayerNormalization(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(
      b.attrInt("axis", -1), b.getType(x).getRank(), "attribute 'axis'");
  if (failed(axis))
    return failure();
  float epsilon = b.attrFloat("epsilon", 1e-5f);
  if ((b.isOutputUsed(1) || b.isOutputUsed(2)) &&
      failed(buildLayerNormStats(b, x, *axis, epsilon)))
    return failure();
  SmallVector<Value> operands{x, b.input(1)};
  if (b.hasInput(2))
    operands.push_back(b.optionalInput(2));
  return b.result(b.create<q8::LayerNormOp>(
      operands,
      {b.namedI64("axis", *axis), b.namedF32("epsilon", epsilon)}));
}

static LogicalResult handleLeakyRelu(NodeBinder &b) {
  return b.result(b.create<q8::LeakyReluOp>(
      {b.input(0)}, {b.namedF32("alpha", b.attrFloat("alpha", 0.01f))}));
}

/// LogSoftmax as (x - max) - log(sum(exp(x - max))), as ONNX Runtime
/// computes it: log(softmax(x)) is log(0) = -inf wherever softmax
/// underflows, i.e. for any logit more than ~87 below the row's maximum
/// (found by test/fuzz, regression-logsoftmax-underflow.test). Before opset
/// 13 the input is coerced to 2-D around `axis`.
static LogicalResult handleLogSoftmax(NodeBinder &b) {
  bool opset13 = b.getSinceVersion() >= 13;
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size();
  FailureOr<int64_t> axis = b.normalizeAxis(
      b.attrInt("axis", opset13 ? -1 : 1), rank, "attribute 'axis'");
  if (failed(axis))
    return failure();
  bool flatten = !opset13 && *axis != rank - 1;
  SmallVector<int64_t> original(shape);
  int64_t reduced = *axis;
  if (flatten) {
    x = b.reshape(x, SmallVector<int64_t>{product(shape, 0, *axis),
                                          product(shape, *axis, rank)});
    reduced = 1;
  }
  Value max = reduce<q8::ReduceMaxOp>(b, x, {reduced}, /*keepdims=*/true);
  Value shifted = b.create<q8::SubOp>({x, max});
  Value sum = reduce<q8::ReduceSumOp>(b, b.create<q8::ExpOp>({shifted}),
                                      {reduced}, /*keepdims=*/true);
  Value result = b.create<q8::SubOp>({shifted, b.create<q8::LogOp>({sum})});
  if (flatten)
    result = b.reshape(result, original);
  return b.result(result);
}

/// The attributes and operands LSTM and GRU share: default activations only,
/// no sequence_lens. `gates` is 4 (LSTM) or 3 (GRU).
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
  if (b.attrInt("layout", 0) != 0 && b.attrInt("layout", 0) != 1)
    return b.invalid("attribute 'layout' must be 0 or 1");
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
/// recorded in operandSegmentSizes) and binds its results. With layout=1
/// (batch first) X and the initial states are transposed into q8's
/// [seq, batch, ...] / [dirs, batch, ...] and the results back out.
template <typename OpTy>
static LogicalResult buildRecurrent(NodeBinder &b, ArrayRef<unsigned> inputs,
                                    SmallVectorImpl<NamedAttribute> &attrs) {
  bool batchFirst = b.attrInt("layout", 0) == 1;
  auto transpose = [&](Value v, ArrayRef<int64_t> perm) {
    return b.create<q8::TransposeOp>({v}, {b.namedI64s("perm", perm)});
  };
  SmallVector<Value> operands;
  SmallVector<int32_t> segments;
  for (unsigned i : inputs) {
    Value v = b.optionalInput(i);
    if (b.hasInput(i) && !v)
      return failure();
    // X (0), initial_h (5) and initial_c (6) carry the batch dim.
    if (v && batchFirst && (i == 0 || i == 5 || i == 6))
      v = transpose(v, {1, 0, 2});
    segments.push_back(v ? 1 : 0);
    if (v)
      operands.push_back(v);
  }
  attrs.push_back(b.named("operandSegmentSizes",
                          b.getBuilder().getDenseI32ArrayAttr(segments)));
  SmallVector<Value> results = b.createMulti<OpTy>(operands, attrs);
  if (results.empty())
    return failure();
  for (auto [i, v] : llvm::enumerate(results)) {
    // Y is [seq, dirs, batch, hidden]; layout=1 wants [batch, seq, dirs, hidden].
    if (batchFirst)
      v = i == 0 ? transpose(v, {2, 0, 1, 3}) : transpose(v, {1, 0, 2});
    if (failed(b.setResult(i, v)))
      return failure();
  }
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
  t.add("Gelu", 20, handleGelu);
  t.add("Gemm", 1, handleGemm);
  t.add("GlobalAveragePool", 1, unary<q8::GlobalAveragePoolOp>);
  t.add("GlobalMaxPool", 1, handleGlobalMaxPool);
  t.add("Greater", 7, binary<q8::GreaterOp>);
  t.add("GreaterOrEqual", 12, handleCompareOrEqual<q8::GreaterOp>);
  t.add("GRU", 7, handleGRU);
  t.add("HardSigmoid", 6, handleHardSigmoid);
  t.add("HardSwish", 14, unary<q8::HardSwishOp>);
  t.add("Identity", 1, handleIdentity);
  t.add("LayerNormalization", 17, handleLayerNormalization);
  t.add("LeakyRelu", 6, handleLeakyRelu);
  t.add("Less", 7, binary<q8::LessOp>);
  t.add("LessOrEqual", 12, handleCompareOrEqual<q8::LessOp>);
  t.add("Log", 1, unary<q8::LogOp>);
  t.add("LogSoftmax", 1, handleLogSoftmax);
  t.add("LSTM", 7, handleLSTM);
}
