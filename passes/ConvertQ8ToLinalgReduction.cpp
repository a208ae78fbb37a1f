//===- ConvertQ8ToLinalgReduction.cpp - reductions and normalizations -----===//
//
// reduce_*, global_average_pool, softmax, layer_norm and batch_norm. Every
// reduction is a linalg.reduce whose result keeps the reduced dims as size
// 1 (createReduction), so the elementwise steps that follow read it back
// through ordinary broadcast indexing maps.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <numeric>

using namespace mlir;
using namespace q8;

namespace {

enum class ReduceKind { Sum, Mean, Max, Min };

/// The combiner of `kind` on two scalars; max/min propagate NaN as numpy.
/// `isUnsigned`: the graph type is unsigned (the scalars are signless).
Value combine(ReduceKind kind, OpBuilder &b, Location loc, Value lhs,
              Value rhs, bool isUnsigned) {
  bool isFloat = isa<FloatType>(lhs.getType());
  switch (kind) {
  case ReduceKind::Sum:
  case ReduceKind::Mean:
    return isFloat ? Value(arith::AddFOp::create(b, loc, lhs, rhs))
                   : Value(arith::AddIOp::create(b, loc, lhs, rhs));
  case ReduceKind::Max:
    return isFloat      ? Value(arith::MaximumFOp::create(b, loc, lhs, rhs))
           : isUnsigned ? Value(arith::MaxUIOp::create(b, loc, lhs, rhs))
                        : Value(arith::MaxSIOp::create(b, loc, lhs, rhs));
  case ReduceKind::Min:
    return isFloat      ? Value(arith::MinimumFOp::create(b, loc, lhs, rhs))
           : isUnsigned ? Value(arith::MinUIOp::create(b, loc, lhs, rhs))
                        : Value(arith::MinSIOp::create(b, loc, lhs, rhs));
  }
  llvm_unreachable("unknown reduction");
}

/// The number of elements of `type` along `axes`.
int64_t countAlong(RankedTensorType type, ArrayRef<int64_t> axes) {
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= type.getDimSize(axis);
  return count;
}

/// `input` reduced over `axes` with `kind`, reduced dims kept as size 1.
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             ReduceKind kind, bool isUnsigned = false) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  Value init =
      kind == ReduceKind::Max
          ? createExtreme(b, loc, elementType, true, isUnsigned)
      : kind == ReduceKind::Min
          ? createExtreme(b, loc, elementType, false, isUnsigned)
          : createScalar(b, loc, elementType, 0);
  Value result = createReduction(
      b, loc, input, axes, init, [&](OpBuilder &nb, Location nl, ValueRange args) {
        return combine(kind, nb, nl, args[0], args[1], isUnsigned);
      });
  if (kind != ReduceKind::Mean)
    return result;
  auto resultType = cast<RankedTensorType>(result.getType());
  double count = countAlong(type, axes);
  return createElementwise(
      b, loc, resultType, result, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value divisor = createScalar(nb, nl, elementType, count);
        if (isa<FloatType>(elementType))
          return Value(arith::DivFOp::create(nb, nl, args[0], divisor));
        if (isUnsigned)
          return Value(arith::DivUIOp::create(nb, nl, args[0], divisor));
        return Value(arith::DivSIOp::create(nb, nl, args[0], divisor));
      });
}

template <typename OpTy>
constexpr ReduceKind kReduceKind = ReduceKind::Sum;
template <>
constexpr ReduceKind kReduceKind<ReduceMeanOp> = ReduceKind::Mean;
template <>
constexpr ReduceKind kReduceKind<ReduceMaxOp> = ReduceKind::Max;
template <>
constexpr ReduceKind kReduceKind<ReduceMinOp> = ReduceKind::Min;

/// q8.reduce_* over `axes` (empty: all) becomes a linalg.reduce, then a
/// reshape that drops the reduced dims when keepdims is false:
///   %r = q8.reduce_mean %x {axes = [1], keepdims = false} : 2x3 -> 2
/// becomes
///   %s = linalg.reduce { arith.addf } ins(%x) dimensions = [1]
///   %m = linalg.generic { arith.divf %s, 3.0 }
template <typename OpTy>
struct ReduceToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkLowerableTypes(op, rewriter)))
      return failure();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> axes(op.getAxes());
    if (axes.empty())
      axes = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    Value result = adaptor.getInput();
    if (!axes.empty())
      result = reduce(rewriter, op.getLoc(), result, axes, kReduceKind<OpTy>,
                      isUnsignedOperand(op));
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), result,
                                     resultType.getShape()));
    return success();
  }
};

/// Mean over the spatial dims [2, rank), which the result keeps as size 1.
struct GlobalAveragePoolToLinalg : OpConversionPattern<GlobalAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GlobalAveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    auto axes = llvm::to_vector(llvm::seq<int64_t>(2, type.getRank()));
    Value result = adaptor.getInput();
    if (!axes.empty())
      result = reduce(rewriter, op.getLoc(), result, axes, ReduceKind::Mean);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Numerically stable softmax along `axis`, in four steps:
///   m = max(x, axis);  e = exp(x - m);  s = sum(e, axis);  y = e / s
/// (linalg.softmax would do the same but only decomposes through a
/// transform, and bufferizing it directly is not supported.)
struct SoftmaxToLinalg : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += type.getRank();
    Value max = reduce(rewriter, loc, x, {axis}, ReduceKind::Max);
    Value exp = createElementwise(
        rewriter, loc, type, {x, max},
        [](OpBuilder &b, Location l, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
          return Value(math::ExpOp::create(b, l, shifted));
        });
    Value sum = reduce(rewriter, loc, exp, {axis}, ReduceKind::Sum);
    Value result = createElementwise(
        rewriter, loc, type, {exp, sum},
        [](OpBuilder &b, Location l, ValueRange args) {
          return Value(arith::DivFOp::create(b, l, args[0], args[1]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// LayerNormalization over [axis, rank), following the ONNX reference:
///   d = x - mean(x);  v = mean(d * d);  y = d * (1 / sqrt(v + eps)) * scale + bias
/// as two reductions and two generics (the second fuses the whole epilogue).
struct LayerNormToLinalg : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elementType = type.getElementType();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += type.getRank();
    auto axes = llvm::to_vector(llvm::seq<int64_t>(axis, type.getRank()));
    double count = countAlong(type, axes);
    double epsilon = op.getEpsilon().convertToDouble();

    Value sum = reduce(rewriter, loc, x, axes, ReduceKind::Sum);
    Value centered = createElementwise(
        rewriter, loc, type, {x, sum},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value mean = arith::DivFOp::create(
              b, l, args[1], createScalar(b, l, elementType, count));
          return Value(arith::SubFOp::create(b, l, args[0], mean));
        });
    Value zero = createScalar(rewriter, loc, elementType, 0);
    Value squares = createReduction(
        rewriter, loc, centered, axes, zero,
        [](OpBuilder &b, Location l, ValueRange args) {
          Value square = arith::MulFOp::create(b, l, args[0], args[0]);
          return Value(arith::AddFOp::create(b, l, args[1], square));
        });
    SmallVector<Value> inputs = {centered, squares, adaptor.getScale()};
    if (adaptor.getBias())
      inputs.push_back(adaptor.getBias());
    Value result = createElementwise(
        rewriter, loc, type, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value variance = arith::DivFOp::create(
              b, l, args[1], createScalar(b, l, elementType, count));
          Value shifted = arith::AddFOp::create(
              b, l, variance, createScalar(b, l, elementType, epsilon));
          Value invStdDev = arith::DivFOp::create(
              b, l, createScalar(b, l, elementType, 1),
              math::SqrtOp::create(b, l, shifted));
          Value normalized = arith::MulFOp::create(b, l, args[0], invStdDev);
          Value scaled = arith::MulFOp::create(b, l, normalized, args[2]);
          if (args.size() == 3)
            return scaled;
          return Value(arith::AddFOp::create(b, l, scaled, args[3]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Inference BatchNormalization as one generic over channel dim 1:
///   y = (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c]
/// The [C] parameters are reshaped to [C, 1, ...] so that numpy
/// broadcasting puts them on dim 1.
struct BatchNormToLinalg : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    if (type.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "input has no channel dim");
    Type elementType = type.getElementType();
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<int64_t> paramShape(type.getRank() - 1, 1);
    paramShape[0] = type.getDimSize(1);
    SmallVector<Value> inputs = {adaptor.getInput()};
    for (Value param : {adaptor.getScale(), adaptor.getBias(),
                        adaptor.getMean(), adaptor.getVariance()})
      inputs.push_back(reshapeTo(rewriter, loc, param, paramShape));
    Value result = createElementwise(
        rewriter, loc, type, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value centered = arith::SubFOp::create(b, l, args[0], args[3]);
          Value shifted = arith::AddFOp::create(
              b, l, args[4], createScalar(b, l, elementType, epsilon));
          Value normalized = arith::DivFOp::create(
              b, l, centered, math::SqrtOp::create(b, l, shifted));
          Value scaled = arith::MulFOp::create(b, l, normalized, args[1]);
          return Value(arith::AddFOp::create(b, l, scaled, args[2]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8ReductionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceToLinalg<ReduceSumOp>, ReduceToLinalg<ReduceMeanOp>,
               ReduceToLinalg<ReduceMaxOp>, ReduceToLinalg<ReduceMinOp>,
               GlobalAveragePoolToLinalg, SoftmaxToLinalg, LayerNormToLinalg,
               BatchNormToLinalg>(patterns.getContext());
}
