//===- FuseQuant.cpp - fold the float ops around int8 layers into them ----===//
//
// q8-quantize leaves every q8.qlinear and q8.qconv dequantizing to f32,
// followed by the
// model's float bias add and activation, and the next layer quantizes
// again. q8-fuse-quant folds those into the int8 op, so that int8 feeds
// int8 where the model allows it:
//  1. quantize(dequantize(x)): the same type -> x; another per-tensor type
//     -> q8.requantize (a fixed-point int8 -> int8 rescale). The reverse,
//     dequantize(quantize(x)), is the quantization error itself (x rounded
//     to the grid and clamped to its range), not an identity: it stays.
//  2. q8.add of a constant [N] (or scalar; a conv's [M, 1, 1]) to a
//     bias-less int8 op -> its
//     int32 bias, quantizeBias(b[n], s_x, s_w[n]) (rounding the bias to
//     the accumulator's grid, at most s_x * s_w[n] / 2 per element);
//  3. the erf GELU as torch exports it, x * 0.5 * (1 + erf(x / sqrt 2)),
//     -> q8.gelu (the same float operations);
//  4. q8.relu, q8.clip and exact q8.gelu of a qlinear's f32 result, as its
//     only user -> the qlinear's `activation` (and clip bounds);
//  5. a qlinear whose f32 result feeds only q8.quantize ops of one
//     per-tensor type, without a SmoothQuant prescale or with one along its
//     output channels (folded as `resultPrescale` into the per-channel
//     requantize multipliers; not with clip) -> a qlinear with that
//     resultType: its epilogue requantizes with
//     QuantMath's Q31 arithmetic instead of dequantize + quantize in float.
//     That differs from the unfused rounding by at most one step of the
//     output grid (the multiplier's 31-bit mantissa and the rounding
//     shift's ties away from zero against round-half-even of a float
//     product); relu and clip stay exact as integer clamps, gelu goes
//     through float and is bit for bit the unfused ops.
//
// The patterns read and rebuild the int8 op through Int8EpilogueOpInterface
// (dialects/Q8/Q8Interfaces.td): q8.qlinear (output channel: the last dim)
// and q8.qconv (output channel: dim 1) share its operands, epilogue
// attributes and per-output-channel weight scales.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "passes/ConstantData.h"
#include "passes/Passes.h"
#include "passes/QuantMath.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace q8 {
#define GEN_PASS_DEF_FUSEQUANT
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;
namespace mq = mlir::quant;

namespace {

//===----------------------------------------------------------------------===//
// The int8 linear op, generically
//===----------------------------------------------------------------------===//

/// The int8 linear op defining `value` when its result is float and it has
/// no activation yet, else null.
Int8EpilogueOpInterface getFloatLinear(Value value) {
  auto op = value ? value.getDefiningOp<Int8EpilogueOpInterface>() : nullptr;
  if (!op || !isa<FloatType>(getElementTypeOrSelf(value)) ||
      op.getActivation() != Activation::None)
    return nullptr;
  return op;
}

/// What changes when the int8 op is rebuilt; unset fields keep the old.
struct LinearChange {
  Value bias;
  Type resultElement;
  std::optional<Activation> activation;
  std::optional<double> clipMin, clipMax;
  DenseF32ArrayAttr resultPrescale;
};

/// `op` rebuilt at `loc` (its last fused user's) with `change` applied; the
/// caller replaces what it fused.
Value rebuildLinear(PatternRewriter &rewriter, Int8EpilogueOpInterface op,
                    Location loc, const LinearChange &change) {
  SmallVector<Value> operands(op->getOperands());
  if (change.bias) {
    assert(operands.size() == 2 && "bias folding needs a bias-less op");
    operands.push_back(change.bias);
  }
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (change.resultElement)
    resultType = resultType.clone(change.resultElement);
  OperationState state(loc, op->getName(), operands, {resultType},
                       op->getAttrDictionary().getValue());
  auto rebuilt = cast<Int8EpilogueOpInterface>(rewriter.create(state));
  if (change.resultElement)
    rebuilt.setResultType(change.resultElement);
  if (change.activation)
    rebuilt.setActivation(*change.activation);
  if (change.clipMin)
    rebuilt.setClipMinAttr(rewriter.getF64FloatAttr(*change.clipMin));
  if (change.clipMax)
    rebuilt.setClipMaxAttr(rewriter.getF64FloatAttr(*change.clipMax));
  if (change.resultPrescale)
    rebuilt.setResultPrescaleAttr(change.resultPrescale);
  return rebuilt->getResult(0);
}

/// The real scale of the accumulator of output channel `c`: s_x * s_w[c].
std::optional<SmallVector<float>> weightScales(Int8EpilogueOpInterface op,
                                               int64_t n) {
  auto weight = dyn_cast<mq::QuantizedType>(
      getElementTypeOrSelf(op.getWeight().getType()));
  SmallVector<float> scales;
  if (auto perAxis = dyn_cast_or_null<mq::UniformQuantizedPerAxisType>(weight)) {
    if (static_cast<int64_t>(perAxis.getScales().size()) != n)
      return std::nullopt;
    for (double s : perAxis.getScales())
      scales.push_back(static_cast<float>(s));
  } else if (auto uniform = dyn_cast_or_null<mq::UniformQuantizedType>(weight)) {
    scales.assign(n, static_cast<float>(uniform.getScale()));
  } else {
    return std::nullopt;
  }
  return scales;
}

/// True when `value` is a constant whose every element is `expected`.
bool isSplatF32(Value value, float expected) {
  return readF32Splat(value) == expected;
}

//===----------------------------------------------------------------------===//
// 1. quantize(dequantize(x))
//===----------------------------------------------------------------------===//

/// True when `op` has no prescale, or one of all ones.
bool hasNoPrescale(QuantizeOp op) {
  std::optional<ArrayRef<float>> prescale = op.getPrescale();
  return !prescale || llvm::all_of(*prescale, [](float v) { return v == 1; });
}

/// q8.quantize(q8.dequantize(%x)) -> %x when the types agree, else
///   q8.requantize %x : tensor<..x!quant.uniform<A>> -> tensor<..x!quant.uniform<B>>
/// (per tensor only: a per-axis pair stays as it is).
struct FoldQuantizeOfDequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto dequantize = op.getInput().getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return rewriter.notifyMatchFailure(op, "input is not a q8.dequantize");
    if (!hasNoPrescale(op))
      return rewriter.notifyMatchFailure(op, "has a prescale");
    Value x = dequantize.getInput();
    if (x.getType() == op.getType()) {
      rewriter.replaceOp(op, x);
      return success();
    }
    auto isPerTensor = [](Type type) {
      return isa<mq::UniformQuantizedType>(getElementTypeOrSelf(type));
    };
    if (!isPerTensor(x.getType()) || !isPerTensor(op.getType()))
      return rewriter.notifyMatchFailure(op, "per-axis quantization");
    rewriter.replaceOpWithNewOp<RequantizeOp>(op, op.getType(), x,
                                              TypeAttr::get(op.getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 2. bias
//===----------------------------------------------------------------------===//

/// %y = q8.qlinear %x, %w {resultType = f32}; %z = q8.add %y, %b (constant
/// [N], [1, .., N] or a scalar; for q8.qconv [M, 1, 1], [1, M, 1, 1]) -> %z = q8.qlinear %x, %w, %bq with
/// bq[n] = quantizeBias(b[n], s_x, s_w[n]).
struct FoldBiasAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (unsigned side : {0u, 1u}) {
      Value y = add->getOperand(side), b = add->getOperand(1 - side);
      Int8EpilogueOpInterface linear = getFloatLinear(y);
      if (!linear || linear->getNumOperands() != 2 || !y.hasOneUse() ||
          y.getType() != add.getType())
        continue;
      auto yType = cast<RankedTensorType>(y.getType());
      auto bType = dyn_cast<RankedTensorType>(b.getType());
      int64_t channel = linear.getOutputChannelDim();
      int64_t n = yType.getDimSize(channel);
      // b broadcasts along everything but the channel dim.
      auto isPerChannel = [&](RankedTensorType type) {
        int64_t offset = yType.getRank() - type.getRank();
        for (auto [i, d] : llvm::enumerate(type.getShape()))
          if (d != 1 && (static_cast<int64_t>(i) + offset != channel || d != n))
            return false;
        return true;
      };
      if (!bType || bType.getRank() > yType.getRank() || !isPerChannel(bType))
        continue;
      std::optional<SmallVector<float>> values = readF32Constant(b);
      std::optional<SmallVector<float>> sw = weightScales(linear, n);
      auto input = dyn_cast<mq::UniformQuantizedType>(
          getElementTypeOrSelf(linear.getInput().getType()));
      if (!values || !sw || !input ||
          (values->size() != 1 && static_cast<int64_t>(values->size()) != n))
        continue;
      SmallVector<int32_t> bias(n);
      for (int64_t c = 0; c < n; ++c)
        bias[c] = q8::quant::quantizeBias(
            (*values)[values->size() == 1 ? 0 : c],
            static_cast<float>(input.getScale()), (*sw)[c]);
      auto biasType = RankedTensorType::get({n}, rewriter.getI32Type());
      Value biasConst = ConstantOp::create(
          rewriter, add.getLoc(),
          makeConstant<int32_t>(biasType, bias, "q8_bias_i32"));
      LinearChange change;
      change.bias = biasConst;
      rewriter.replaceOp(add,
                         rebuildLinear(rewriter, linear, add.getLoc(), change));
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "not a bias-less int8 linear op plus a constant [N]");
  }
};

//===----------------------------------------------------------------------===//
// 3. the erf GELU formula
//===----------------------------------------------------------------------===//

/// `value` as `Op(x, constant c)` (either operand order for commutative
/// ops), setting `x`.
template <typename Op>
bool matchWithConstant(Value value, float c, Value &x, bool commutative) {
  auto op = value.getDefiningOp<Op>();
  if (!op || !op->getResult(0).hasOneUse())
    return false;
  if (isSplatF32(op->getOperand(1), c)) {
    x = op->getOperand(0);
    return true;
  }
  if (commutative && isSplatF32(op->getOperand(0), c)) {
    x = op->getOperand(1);
    return true;
  }
  return false;
}

/// x * 0.5 * (1 + erf(x / sqrt(2))) as torch exports it (Div, Erf, Add,
/// Mul, Mul; any operand order of the commutative ones, and
/// (x * (1 + erf)) * 0.5) -> q8.gelu x, whose lowering computes the same
/// operations.
struct FormGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Whether `v` is 1 + erf(x / sqrt(2)) (single-use parts) of `x`.
  static bool isOnePlusErf(Value v, Value x) {
    Value e, scaled;
    if (!matchWithConstant<AddOp>(v, 1.0f, e, /*commutative=*/true))
      return false;
    auto erf = e.getDefiningOp<ErfOp>();
    if (!erf || !erf->hasOneUse())
      return false;
    return matchWithConstant<DivOp>(erf.getInput(),
                                    static_cast<float>(M_SQRT2), scaled,
                                    /*commutative=*/false) &&
           scaled == x;
  }

  /// The x of the formula rooted at `mul`, or null.
  static Value matchGelu(MulOp mul) {
    for (unsigned side : {0u, 1u}) {
      Value a = mul->getOperand(side), b = mul->getOperand(1 - side), x;
      // (x * 0.5) * (1 + erf(x / sqrt 2))
      if (matchWithConstant<MulOp>(a, 0.5f, x, /*commutative=*/true) &&
          isOnePlusErf(b, x))
        return x;
      // (x * (1 + erf(x / sqrt 2))) * 0.5
      auto inner = a.getDefiningOp<MulOp>();
      if (!inner || !inner->hasOneUse() || !isSplatF32(b, 0.5f))
        continue;
      for (unsigned s : {0u, 1u})
        if (isOnePlusErf(inner->getOperand(1 - s), inner->getOperand(s)))
          return inner->getOperand(s);
    }
    return {};
  }

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    Value x = matchGelu(mul);
    if (!x || x.getType() != mul.getType())
      return rewriter.notifyMatchFailure(mul, "not the erf GELU formula");
    rewriter.replaceOpWithNewOp<GeluOp>(mul, mul.getType(), x);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 4. activations
//===----------------------------------------------------------------------===//

/// q8.relu / q8.clip / q8.gelu (exact) of an int8 linear op's f32 result,
/// its only user -> the op with that `activation`.
template <typename ActivationOp>
struct FuseActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern<ActivationOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    Value y = op->getOperand(0);
    Int8EpilogueOpInterface linear = getFloatLinear(y);
    if (!linear || !y.hasOneUse() || y.getType() != op.getType())
      return rewriter.notifyMatchFailure(
          op, "input is not an int8 linear op's only-used f32 result");
    LinearChange change;
    if constexpr (std::is_same_v<ActivationOp, ReluOp>) {
      change.activation = Activation::Relu;
    } else if constexpr (std::is_same_v<ActivationOp, GeluOp>) {
      if (op.getApproximate() != GeluApproximation::None)
        return rewriter.notifyMatchFailure(op, "tanh approximation");
      change.activation = Activation::Gelu;
    } else {
      change.activation = Activation::Clip;
      if (auto min = op.getMin())
        change.clipMin = min->convertToDouble();
      if (auto max = op.getMax())
        change.clipMax = max->convertToDouble();
    }
    rewriter.replaceOp(op, rebuildLinear(rewriter, linear, op.getLoc(), change));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// 5. requantize chaining
//===----------------------------------------------------------------------===//

/// An int8 linear op with an f32 result read only by q8.quantize ops of one
/// per-tensor type, without a prescale or all with one prescale along the
/// op's output channels (SmoothQuant's 1/s for the next layer) -> the op
/// with that quantized resultType (and the prescale as its resultPrescale);
/// the quantize ops go.
struct ChainRequantize : RewritePattern {
  ChainRequantize(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *operation,
                                PatternRewriter &rewriter) const override {
    auto op = dyn_cast<Int8EpilogueOpInterface>(operation);
    if (!op || op->getNumResults() != 1)
      return failure();
    Value y = op->getResult(0);
    if (!isa<FloatType>(getElementTypeOrSelf(y)) || y.use_empty())
      return rewriter.notifyMatchFailure(op, "not an f32 result");
    Type quantType;
    std::optional<ArrayRef<float>> prescale;
    SmallVector<QuantizeOp> quantizes;
    for (Operation *user : y.getUsers()) {
      auto quantize = dyn_cast<QuantizeOp>(user);
      if (!quantize || (quantType && quantize.getType() != quantType))
        return rewriter.notifyMatchFailure(
            op, "a user is not a q8.quantize of the one type");
      std::optional<ArrayRef<float>> p;
      if (!hasNoPrescale(quantize))
        p = quantize.getPrescale();
      if (!quantizes.empty() && p != prescale)
        return rewriter.notifyMatchFailure(op, "the quantize ops' prescales differ");
      if (p) {
        int64_t rank = cast<RankedTensorType>(y.getType()).getRank();
        int64_t axis = *quantize.getAxis() < 0 ? *quantize.getAxis() + rank
                                               : *quantize.getAxis();
        if (axis != op.getOutputChannelDim() ||
            op.getActivation() == Activation::Clip ||
            llvm::any_of(*p, [](float v) { return !(v > 0) || !std::isfinite(v); }))
          return rewriter.notifyMatchFailure(
              op, "a prescale not along the output channels (or with clip)");
      }
      prescale = p;
      quantType = quantize.getType();
      quantizes.push_back(quantize);
    }
    auto element = dyn_cast<mq::UniformQuantizedType>(
        getElementTypeOrSelf(quantType));
    if (!element || element.getStorageTypeIntegralWidth() != 8 ||
        element.getExpressedType() != getElementTypeOrSelf(y))
      return rewriter.notifyMatchFailure(op, "not a per-tensor 8-bit type");
    LinearChange change;
    change.resultElement = element;
    if (prescale)
      change.resultPrescale = rewriter.getDenseF32ArrayAttr(*prescale);
    Value fused = rebuildLinear(rewriter, op, op->getLoc(), change);
    for (QuantizeOp quantize : quantizes)
      rewriter.replaceOp(quantize, fused);
    rewriter.eraseOp(op);
    return success();
  }
};

struct FuseQuant : q8::impl::FuseQuantBase<FuseQuant> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    patterns.add<FoldQuantizeOfDequantize, FoldBiasAdd, FormGelu,
                 FuseActivation<ReluOp>, FuseActivation<ClipOp>,
                 FuseActivation<GeluOp>, ChainRequantize>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
