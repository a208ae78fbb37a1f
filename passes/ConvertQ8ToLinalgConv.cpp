//===- ConvertQ8ToLinalgConv.cpp - conv, conv_transpose and pools to linalg -===//
//
// Convolutions and pools become linalg's named NC-first ops where MLIR has
// one (they are what tiling, vectorization and im2col recognise), with the
// ONNX pads made explicit by tensor.pad. What has no named op (grouped
// 1-D/3-D convs, 3-D pools) gets the equivalent linalg.generic, and
// conv_transpose is rewritten as zero insertion plus an ordinary conv.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace q8;

namespace {

/// `values`, or `count` ones when it is empty (an attribute left default).
SmallVector<int64_t> orOnes(ArrayRef<int64_t> values, int64_t count) {
  if (values.empty())
    return SmallVector<int64_t>(count, 1);
  return SmallVector<int64_t>(values);
}

/// `[0, 0] + values`: pads or offsets with the batch and channel dims left alone.
SmallVector<int64_t> withLeadingZeros(ArrayRef<int64_t> values) {
  SmallVector<int64_t> result = {0, 0};
  result.append(values.begin(), values.end());
  return result;
}

/// The accumulator of a conv: `bias` (whose dims are `biasDims` of
/// `resultType`) broadcast over the other dims, or zeros without a bias.
/// Starting from the bias saves the separate bias-add pass over the output.
Value createConvAccumulator(OpBuilder &b, Location loc,
                            RankedTensorType resultType, Value bias,
                            ArrayRef<int64_t> biasDims) {
  if (!bias)
    return createFilled(b, loc, resultType,
                        createScalar(b, loc, resultType.getElementType(), 0));
  SmallVector<int64_t> biasShape, addedDims;
  for (int64_t dim = 0; dim < resultType.getRank(); ++dim) {
    if (llvm::is_contained(biasDims, dim))
      biasShape.push_back(resultType.getDimSize(dim));
    else
      addedDims.push_back(dim);
  }
  Value shaped = reshapeTo(b, loc, bias, biasShape);
  return linalg::BroadcastOp::create(b, loc, shaped,
                                     createEmpty(b, loc, resultType), addedDims)
      .getResult()[0];
}

/// A named conv op `OpTy` with strides and dilations attributes.
template <typename OpTy>
Value createNamedConv(OpBuilder &b, Location loc, Value input, Value weight,
                      Value acc, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> dilations) {
  return OpTy::create(b, loc, TypeRange{acc.getType()},
                      ValueRange{input, weight}, ValueRange{acc},
                      b.getI64TensorAttr(strides), b.getI64TensorAttr(dilations))
      .getResult(0);
}

/// A grouped N-d convolution as a linalg.generic, for the shapes that have
/// no named op. Loops (n, g, f, o..., c, k...):
///   out[n, g, f, o...] += in[n, g * Cg + c, o * s + k * d...] * w[g * Mg + f, c, k...]
/// `acc` has shape [N, G, Mg, O...].
Value createGenericConv(OpBuilder &b, Location loc, Value input, Value weight,
                        Value acc, ArrayRef<int64_t> strides,
                        ArrayRef<int64_t> dilations, int64_t group) {
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t spatial = weightType.getRank() - 2;
  int64_t groupIn = weightType.getDimSize(1);
  int64_t groupOut = weightType.getDimSize(0) / group;
  MLIRContext *context = b.getContext();
  int64_t numLoops = 4 + 2 * spatial;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  AffineExpr n = dim(0), g = dim(1), f = dim(2), c = dim(3 + spatial);
  auto out = [&](int64_t i) { return dim(3 + i); };
  auto tap = [&](int64_t i) { return dim(4 + spatial + i); };
  SmallVector<AffineExpr> inputExprs = {n, g * groupIn + c};
  SmallVector<AffineExpr> weightExprs = {g * groupOut + f, c};
  SmallVector<AffineExpr> outputExprs = {n, g, f};
  for (int64_t i = 0; i < spatial; ++i) {
    inputExprs.push_back(out(i) * strides[i] + tap(i) * dilations[i]);
    weightExprs.push_back(tap(i));
    outputExprs.push_back(out(i));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(numLoops, 0, inputExprs, context),
      AffineMap::get(numLoops, 0, weightExprs, context),
      AffineMap::get(numLoops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators(3 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{input, weight},
             ValueRange{acc}, maps, iterators,
             [](OpBuilder &nb, Location nl, ValueRange args) {
               Value product = arith::MulFOp::create(nb, nl, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, nl,
                   Value(arith::AddFOp::create(nb, nl, args[2], product)));
             })
      .getResult(0);
}

/// The convolution of the already padded `input` [N, C, X...] with
/// `weight` [M, C / group, k...] plus the optional `bias` [M], as the named
/// op that fits (see the file comment), producing `resultType`.
Value createConv(OpBuilder &b, Location loc, Value input, Value weight,
                 Value bias, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> dilations, int64_t group,
                 RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t spatial = inputType.getRank() - 2;
  int64_t channels = inputType.getDimSize(1);
  int64_t outChannels = weightType.getDimSize(0);
  ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);

  if (group == 1 && spatial >= 1 && spatial <= 3) {
    Value acc = createConvAccumulator(b, loc, resultType, bias, {1});
    if (spatial == 1)
      return createNamedConv<linalg::Conv1DNcwFcwOp>(b, loc, input, weight, acc,
                                                     strides, dilations);
    if (spatial == 2)
      return createNamedConv<linalg::Conv2DNchwFchwOp>(
          b, loc, input, weight, acc, strides, dilations);
    return createNamedConv<linalg::Conv3DNcdhwFcdhwOp>(
        b, loc, input, weight, acc, strides, dilations);
  }
  if (group == channels && outChannels == channels && spatial >= 1 &&
      spatial <= 3) {
    // Depthwise with multiplier 1: the [C, 1, k...] weight drops its unit dim.
    SmallVector<int64_t> depthwiseShape = {channels};
    depthwiseShape.append(kernel.begin(), kernel.end());
    Value depthwise = reshapeTo(b, loc, weight, depthwiseShape);
    Value acc = createConvAccumulator(b, loc, resultType, bias, {1});
    if (spatial == 1)
      return createNamedConv<linalg::DepthwiseConv1DNcwCwOp>(
          b, loc, input, depthwise, acc, strides, dilations);
    if (spatial == 2)
      return createNamedConv<linalg::DepthwiseConv2DNchwChwOp>(
          b, loc, input, depthwise, acc, strides, dilations);
    return createNamedConv<linalg::DepthwiseConv3DNcdhwCdhwOp>(
        b, loc, input, depthwise, acc, strides, dilations);
  }

  // Grouped: split the channel dims into [G, C / G] and [G, M / G].
  ArrayRef<int64_t> outSpatial = resultType.getShape().drop_front(2);
  SmallVector<int64_t> groupedShape = {resultType.getDimSize(0), group,
                                       outChannels / group};
  groupedShape.append(outSpatial.begin(), outSpatial.end());
  auto groupedType =
      RankedTensorType::get(groupedShape, resultType.getElementType());
  Value acc = createConvAccumulator(b, loc, groupedType, bias, {1, 2});
  Value result;
  if (spatial == 2) {
    SmallVector<int64_t> inputShape = {inputType.getDimSize(0), group,
                                       channels / group};
    inputShape.append(inputType.getShape().begin() + 2,
                      inputType.getShape().end());
    SmallVector<int64_t> weightShape = {group, outChannels / group,
                                        weightType.getDimSize(1)};
    weightShape.append(kernel.begin(), kernel.end());
    result = createNamedConv<linalg::Conv2DNgchwGfchwOp>(
        b, loc, reshapeTo(b, loc, input, inputShape),
        reshapeTo(b, loc, weight, weightShape), acc, strides, dilations);
  } else {
    result = createGenericConv(b, loc, input, weight, acc, strides, dilations,
                               group);
  }
  return reshapeTo(b, loc, result, resultType.getShape());
}

/// Rewrites q8.conv into tensor.pad (zeros) and the conv createConv picks:
///   q8.conv %x, %w, %b {pads = [1, 1, 1, 1], group = 1} : 1x3x8x8 -> 1x4x8x8
/// becomes
///   %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] { 0.0 }
///   %acc = linalg.broadcast %b dimensions = [0, 2, 3]
///   %y = linalg.conv_2d_nchw_fchw ins(%p, %w) outs(%acc)
struct ConvToLinalg : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t spatial = resultType.getRank() - 2;
    if (spatial < 1)
      return rewriter.notifyMatchFailure(op, "no spatial dims");
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> low(2 + spatial, 0), high(2 + spatial, 0);
    if (!pads.empty()) {
      low = withLeadingZeros(pads.take_front(spatial));
      high = withLeadingZeros(pads.drop_front(spatial));
    }
    Value zero = createScalar(rewriter, loc, resultType.getElementType(), 0);
    Value padded = padConstant(rewriter, loc, adaptor.getInput(), low, high, zero);
    Value result = createConv(rewriter, loc, padded, adaptor.getWeight(),
                              adaptor.getBias(), orOnes(op.getStrides(), spatial),
                              orOnes(op.getDilations(), spatial), op.getGroup(),
                              resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Rewrites q8.conv_transpose as a stride-1 conv over the input with
/// (stride - 1) zeros inserted between elements and d * (k - 1) zeros around
/// it, with the kernel flipped and its channel dims swapped; the ONNX pads
/// then crop the full result:
///   %z = tensor.insert_slice %x into zeros[...] [1, 1, s...]
///   %w' = linalg.generic { w[g * Cg + c, f, k - 1 - t] }
///   %y = tensor.extract_slice (conv %z, %w') [0, 0, pad_begin...]
struct ConvTransposeToLinalg : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elementType = resultType.getElementType();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t spatial = inputType.getRank() - 2;
    if (spatial < 1)
      return rewriter.notifyMatchFailure(op, "no spatial dims");
    int64_t group = op.getGroup();
    int64_t channels = inputType.getDimSize(1);
    int64_t groupIn = channels / group;
    int64_t groupOut = weightType.getDimSize(1);
    ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);
    SmallVector<int64_t> strides = orOnes(op.getStrides(), spatial);
    SmallVector<int64_t> dilations = orOnes(op.getDilations(), spatial);
    SmallVector<int64_t> outputPadding(op.getOutputPadding());
    outputPadding.resize(spatial, 0);
    SmallVector<int64_t> pads(op.getPads());
    pads.resize(2 * spatial, 0);

    // Zero insertion and the full padding in one buffer.
    SmallVector<int64_t> zeroedShape(inputType.getShape().take_front(2));
    SmallVector<int64_t> offsets(2, 0), insertStrides(2, 1);
    SmallVector<int64_t> fullShape = {resultType.getDimSize(0),
                                      resultType.getDimSize(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t border = dilations[i] * (kernel[i] - 1);
      int64_t dilated = (inputType.getDimSize(2 + i) - 1) * strides[i] + 1;
      zeroedShape.push_back(dilated + 2 * border + outputPadding[i]);
      offsets.push_back(border);
      insertStrides.push_back(strides[i]);
      fullShape.push_back(dilated + border + outputPadding[i]);
    }
    Value zero = createScalar(rewriter, loc, elementType, 0);
    Value zeroed = createFilled(
        rewriter, loc, RankedTensorType::get(zeroedShape, elementType), zero);
    SmallVector<OpFoldResult> sizes =
        getAsIndexOpFoldResult(context, inputType.getShape());
    Value inserted = tensor::InsertSliceOp::create(
        rewriter, loc, adaptor.getInput(), zeroed,
        getAsIndexOpFoldResult(context, offsets), sizes,
        getAsIndexOpFoldResult(context, insertStrides));

    // w'[g * Mg + f, c, t...] = w[g * Cg + c, f, k - 1 - t...], built over
    // [G, Mg, Cg, k...] and then collapsed.
    SmallVector<int64_t> flippedShape = {group, groupOut, groupIn};
    flippedShape.append(kernel.begin(), kernel.end());
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineExpr> readExprs = {dim(0) * groupIn + dim(2), dim(1)};
    for (int64_t i = 0; i < spatial; ++i)
      readExprs.push_back(kernel[i] - 1 - dim(3 + i));
    Value flipped = createParallelGeneric(
        rewriter, loc, RankedTensorType::get(flippedShape, elementType),
        adaptor.getWeight(),
        AffineMap::get(flippedShape.size(), 0, readExprs, context),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    SmallVector<int64_t> convWeightShape = {group * groupOut, groupIn};
    convWeightShape.append(kernel.begin(), kernel.end());
    flipped = reshapeTo(rewriter, loc, flipped, convWeightShape);

    Value full = createConv(rewriter, loc, inserted, flipped, adaptor.getBias(),
                            SmallVector<int64_t>(spatial, 1), dilations, group,
                            RankedTensorType::get(fullShape, elementType));
    Value result = full;
    if (fullShape != resultType.getShape())
      result = tensor::ExtractSliceOp::create(
          rewriter, loc, resultType, full,
          getAsIndexOpFoldResult(
              context, withLeadingZeros(ArrayRef(pads).take_front(spatial))),
          getAsIndexOpFoldResult(context, resultType.getShape()),
          getAsIndexOpFoldResult(
              context, SmallVector<int64_t>(resultType.getRank(), 1)));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The geometry of a pool: padded input extent, strides, dilations.
struct PoolGeometry {
  SmallVector<int64_t> kernel, strides, dilations, low, high;
};

/// Pads for a pool: the ONNX begin pads, and end pads that make the padded
/// extent exactly what the last window reads (ceil_mode may read past the
/// ONNX end pad; a floor-mode tail may not be read at all).
PoolGeometry getPoolGeometry(ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations,
                             RankedTensorType inputType,
                             RankedTensorType resultType) {
  int64_t spatial = kernel.size();
  PoolGeometry geometry;
  geometry.kernel.assign(kernel.begin(), kernel.end());
  geometry.strides = orOnes(strides, spatial);
  geometry.dilations = orOnes(dilations, spatial);
  geometry.low.assign(2, 0);
  geometry.high.assign(2, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t begin = pads.empty() ? 0 : pads[i];
    int64_t read = (resultType.getDimSize(2 + i) - 1) * geometry.strides[i] +
                   geometry.dilations[i] * (kernel[i] - 1) + 1;
    geometry.low.push_back(begin);
    geometry.high.push_back(
        std::max<int64_t>(0, read - inputType.getDimSize(2 + i) - begin));
  }
  return geometry;
}

enum class PoolKind { Max, Sum };

/// Pools the padded `input` into `acc` (pre-filled with the identity):
/// linalg.pooling_nc{w,hw}_{max,sum} for 1-D/2-D, else a generic with loops
/// (n, c, o..., k...) reading in[n, c, o * s + k * d]. The named max pools
/// compare integers as signed, so an unsigned max pool (`isUnsigned`: the
/// graph type; the tensors are signless) always takes the generic.
Value createPool(OpBuilder &b, Location loc, PoolKind kind, Value input,
                 Value acc, const PoolGeometry &geometry,
                 bool isUnsigned = false) {
  int64_t spatial = geometry.kernel.size();
  Type elementType = cast<RankedTensorType>(acc.getType()).getElementType();
  bool isFloat = isa<FloatType>(elementType);
  Value window = createEmpty(
      b, loc, RankedTensorType::get(geometry.kernel, elementType));
  auto strides = b.getI64TensorAttr(geometry.strides);
  auto dilations = b.getI64TensorAttr(geometry.dilations);
  SmallVector<Value> inputs = {input, window};
  SmallVector<Type> types = {acc.getType()};
  if (spatial == 1 && kind == PoolKind::Max && !isUnsigned)
    return linalg::PoolingNcwMaxOp::create(b, loc, types, inputs, acc, strides,
                                           dilations)
        .getResult(0);
  if (spatial == 1 && kind == PoolKind::Sum)
    return linalg::PoolingNcwSumOp::create(b, loc, types, inputs, acc, strides,
                                           dilations)
        .getResult(0);
  if (spatial == 2 && kind == PoolKind::Max && !isUnsigned)
    return linalg::PoolingNchwMaxOp::create(b, loc, types, inputs, acc,
                                            strides, dilations)
        .getResult(0);
  if (spatial == 2 && kind == PoolKind::Sum)
    return linalg::PoolingNchwSumOp::create(b, loc, types, inputs, acc,
                                            strides, dilations)
        .getResult(0);

  MLIRContext *context = b.getContext();
  int64_t numLoops = 2 + 2 * spatial;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> inputExprs = {dim(0), dim(1)}, windowExprs;
  SmallVector<AffineExpr> outputExprs = {dim(0), dim(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    inputExprs.push_back(dim(2 + i) * geometry.strides[i] +
                         dim(2 + spatial + i) * geometry.dilations[i]);
    windowExprs.push_back(dim(2 + spatial + i));
    outputExprs.push_back(dim(2 + i));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(numLoops, 0, inputExprs, context),
      AffineMap::get(numLoops, 0, windowExprs, context),
      AffineMap::get(numLoops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, types, inputs, acc, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value acc = args[2], x = args[0], result;
               if (kind == PoolKind::Sum)
                 result = isFloat ? Value(arith::AddFOp::create(nb, nl, acc, x))
                                  : Value(arith::AddIOp::create(nb, nl, acc, x));
               else if (isFloat)
                 result = arith::MaximumFOp::create(nb, nl, acc, x);
               else if (isUnsigned)
                 result = arith::MaxUIOp::create(nb, nl, acc, x);
               else
                 result = arith::MaxSIOp::create(nb, nl, acc, x);
               linalg::YieldOp::create(nb, nl, result);
             })
      .getResult(0);
}

/// Rewrites q8.max_pool into tensor.pad with -inf (the type's lowest value
/// for integers: padding never wins) and a max pool:
///   %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] { -inf }
///   %y = linalg.pooling_nchw_max ins(%p, window) outs(fill(-inf))
struct MaxPoolToLinalg : OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    bool isUnsigned = isUnsignedOperand(op);
    PoolGeometry geometry =
        getPoolGeometry(op.getKernelShape(), op.getStrides(), op.getPads(),
                        op.getDilations(), inputType, resultType);
    Value lowest = createExtreme(rewriter, loc, resultType.getElementType(),
                                 true, isUnsigned);
    Value padded = padConstant(rewriter, loc, adaptor.getInput(), geometry.low,
                               geometry.high, lowest);
    Value acc = createFilled(rewriter, loc, resultType, lowest);
    rewriter.replaceOp(op, createPool(rewriter, loc, PoolKind::Max, padded, acc,
                                      geometry, isUnsigned));
    return success();
  }
};

/// Rewrites q8.average_pool into a sum pool over zero padding divided by
/// the number of taps each window counts (all taps inside the padded input
/// with count_include_pad, only those inside the input without), computed
/// here: a scalar when every window counts the same, else a constant
/// tensor over the output's spatial dims.
struct AveragePoolToLinalg : OpConversionPattern<AveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AveragePoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type elementType = resultType.getElementType();
    PoolGeometry geometry =
        getPoolGeometry(op.getKernelShape(), op.getStrides(), op.getPads(),
                        op.getDilations(), inputType, resultType);
    Value zero = createScalar(rewriter, loc, elementType, 0);
    Value padded = padConstant(rewriter, loc, adaptor.getInput(), geometry.low,
                               geometry.high, zero);
    Value sum = createPool(rewriter, loc, PoolKind::Sum, padded,
                           createFilled(rewriter, loc, resultType, zero),
                           geometry);

    // Per spatial dim, the taps of window o that land in [lo, hi).
    int64_t spatial = geometry.kernel.size();
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<SmallVector<int64_t>> counts(spatial);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t size = inputType.getDimSize(2 + i);
      int64_t begin = pads.empty() ? 0 : pads[i];
      int64_t end = pads.empty() ? 0 : pads[spatial + i];
      int64_t lo = op.getCountIncludePad() ? -begin : 0;
      int64_t hi = op.getCountIncludePad() ? size + end : size;
      for (int64_t o = 0; o < resultType.getDimSize(2 + i); ++o) {
        int64_t taps = 0;
        for (int64_t k = 0; k < geometry.kernel[i]; ++k) {
          int64_t at = o * geometry.strides[i] - begin + k * geometry.dilations[i];
          taps += at >= lo && at < hi;
        }
        counts[i].push_back(taps);
      }
    }
    ArrayRef<int64_t> outSpatial = resultType.getShape().drop_front(2);
    SmallVector<double> divisors(1, 1.0);
    for (int64_t i = 0; i < spatial; ++i) {
      SmallVector<double> next;
      for (double outer : divisors)
        for (int64_t taps : counts[i])
          next.push_back(outer * taps);
      divisors = std::move(next);
    }
    bool uniform = llvm::all_equal(divisors);

    SmallVector<Value> inputs = {sum};
    if (!uniform) {
      auto divisorType = RankedTensorType::get(outSpatial, elementType);
      const llvm::fltSemantics &semantics =
          cast<FloatType>(elementType).getFloatSemantics();
      SmallVector<APFloat> values;
      for (double divisor : divisors) {
        APFloat value(divisor);
        bool losesInfo;
        value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
        values.push_back(value);
      }
      inputs.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(divisorType, values)));
    }
    double divisor = divisors.front();
    Value result = createElementwise(
        rewriter, loc, resultType, inputs,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value by = uniform ? createScalar(b, l, elementType, divisor) : args[1];
          return Value(arith::DivFOp::create(b, l, args[0], by));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8ConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvToLinalg, ConvTransposeToLinalg, MaxPoolToLinalg,
               AveragePoolToLinalg>(patterns.getContext());
}
