//===- FuseLayerNorm.cpp - LayerNorm written out, as one q8.layer_norm ----===//
//
// Exporters of older frameworks (and torch before opset 17) write
// LayerNormalization out of its parts:
//
//   mean = reduce_mean(x, axes [a, rank), keepdims)
//   d    = x - mean
//   var  = reduce_mean(d ^ 2  or  d * d, the same axes, keepdims)
//   y    = d / sqrt(var + eps)   [* gamma]   [+ beta]
//
// eight ops, each a pass over the tensor (two reductions, six elementwise),
// where q8.layer_norm lowers to two reductions and two fused loops. The
// pattern is rooted at the div and matches only a chain whose intermediate
// values have no other users, constant eps, gamma and beta, and gamma/beta
// that vary along the normalized dims only; anything else stays as it was.
// The fused op keeps the location (the ONNX value name) of the op it
// replaces. ONNX Runtime does the same fusion (LayerNormFusion); upstream
// MLIR has none for ONNX-level IR.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "passes/ConstantData.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_FUSELAYERNORM
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;

namespace {

/// `axes` are exactly [first, rank).
bool isTrailing(ArrayRef<int64_t> axes, int64_t rank, int64_t &first) {
  if (axes.empty())
    return false;
  first = axes.front();
  for (auto [i, axis] : llvm::enumerate(axes))
    if (axis != first + static_cast<int64_t>(i))
      return false;
  return axes.back() == rank - 1;
}

/// The mean over trailing axes (keepdims) of `x`, when `value` is one:
/// sets `axis` to the first of them.
Value meanOf(Value value, int64_t &axis) {
  auto mean = value.getDefiningOp<ReduceMeanOp>();
  if (!mean || !mean.getKeepdims())
    return {};
  auto type = cast<RankedTensorType>(mean.getInput().getType());
  if (!isTrailing(mean.getAxes(), type.getRank(), axis))
    return {};
  return mean.getInput();
}

/// `value`, a constant gamma or beta: reshaped to the normalized dims
/// `normalized` when it only varies along them (leading 1s dropped), else
/// null. Scalars broadcast.
Value asNormalizedParam(PatternRewriter &rewriter, Location loc, Value value,
                        ArrayRef<int64_t> normalized) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  std::optional<SmallVector<float>> values = readF32Constant(value);
  if (!type || !values || !type.getElementType().isF32())
    return {};
  ArrayRef<int64_t> shape = type.getShape();
  while (!shape.empty() && shape.front() == 1 &&
         shape.size() > normalized.size())
    shape = shape.drop_front();
  if (shape.size() > normalized.size())
    return {};
  // Each remaining dim is 1 or the normalized dim it lines up with.
  ArrayRef<int64_t> tail = normalized.take_back(shape.size());
  for (auto [d, n] : llvm::zip_equal(shape, tail))
    if (d != 1 && d != n)
      return {};
  auto newType = RankedTensorType::get(shape, rewriter.getF32Type());
  if (newType == type)
    return value;
  return ConstantOp::create(rewriter, loc,
                            makeF32Constant(newType, *values, "layer_norm"));
}

/// The other operand of a commutative binary op whose one operand is
/// `known`.
Value otherOperand(Operation *op, Value known) {
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

struct FuseDecomposedLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    // d / sqrt(var + eps)
    Value d = div.getLhs();
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    auto sub = d.getDefiningOp<SubOp>();
    if (!sqrt || !sub || !sqrt->hasOneUse())
      return rewriter.notifyMatchFailure(div, "not d / sqrt(...)");
    auto type = dyn_cast<RankedTensorType>(div.getType());
    if (!type || !type.getElementType().isF32() ||
        sub.getLhs().getType() != type || sub.getType() != type)
      return rewriter.notifyMatchFailure(div, "not an f32 normalization");
    // d = x - mean(x)
    Value x = sub.getLhs();
    int64_t axis = 0, varAxis = 0;
    if (meanOf(sub.getRhs(), axis) != x || !sub.getRhs().hasOneUse())
      return rewriter.notifyMatchFailure(div, "d is not x - mean(x)");
    // var + eps, var = mean(d ^ 2) or mean(d * d)
    auto add = sqrt.getInput().getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse())
      return rewriter.notifyMatchFailure(div, "not sqrt(var + eps)");
    Value var;
    std::optional<float> epsilon;
    for (auto [v, e] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
      if (v.getDefiningOp<ReduceMeanOp>() && (epsilon = readF32Splat(e))) {
        var = v;
        break;
      }
    if (!var || !var.hasOneUse() ||
        cast<RankedTensorType>(add.getType()) != var.getType())
      return rewriter.notifyMatchFailure(div, "no mean + constant eps");
    Value square = meanOf(var, varAxis);
    if (!square || varAxis != axis || !square.hasOneUse())
      return rewriter.notifyMatchFailure(div, "var is not a mean over x's axes");
    Operation *squareOp = square.getDefiningOp();
    bool isSquare = false;
    if (auto pow = dyn_cast_or_null<PowOp>(squareOp))
      isSquare = pow.getLhs() == d && readF32Splat(pow.getRhs()) == 2.0f;
    else if (auto mul = dyn_cast_or_null<MulOp>(squareOp))
      isSquare = mul.getLhs() == d && mul.getRhs() == d;
    if (!isSquare)
      return rewriter.notifyMatchFailure(div, "var is not mean(d^2)");
    // d is read by the square and the div only.
    for (Operation *user : d.getUsers())
      if (user != squareOp && user != div.getOperation())
        return rewriter.notifyMatchFailure(div, "d has other users");

    // [* gamma] [+ beta], each constant along the normalized dims.
    ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
    Operation *last = div;
    Value gamma, beta;
    if (div->hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*div->user_begin());
          mul && mul.getType() == type)
        if (Value g = otherOperand(mul, div))
          if ((gamma = asNormalizedParam(rewriter, mul.getLoc(), g,
                                         normalized)))
            last = mul;
    if (last->hasOneUse())
      if (auto plus = dyn_cast<AddOp>(*last->user_begin());
          plus && plus.getType() == type)
        if (Value b = otherOperand(plus, last->getResult(0)))
          if ((beta = asNormalizedParam(rewriter, plus.getLoc(), b,
                                        normalized)))
            last = plus;
    if (!gamma) {
      SmallVector<float> ones(1, 1.0f);
      gamma = ConstantOp::create(
          rewriter, div.getLoc(),
          makeF32Constant(RankedTensorType::get({1}, rewriter.getF32Type()),
                          ones, "layer_norm"));
    }
    rewriter.setInsertionPoint(last);
    auto fused = LayerNormOp::create(
        rewriter, last->getLoc(), type, x, gamma, beta,
        rewriter.getI64IntegerAttr(axis), rewriter.getF32FloatAttr(*epsilon));
    rewriter.replaceOp(last, fused.getResult());
    return success();
  }
};

struct FuseLayerNorm : q8::impl::FuseLayerNormBase<FuseLayerNorm> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseDecomposedLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
