//===- ConvertQ8ToLinalgData.cpp - data-movement q8 ops to linalg/tensor --===//
//
// Constants, transposes, reshapes, broadcasts, gathers, concatenation,
// slicing and padding. Wherever a tensor op says it exactly (reshapes,
// positive-step slices, constant pads) it is used, since those fold into
// buffer views after bufferization; the rest are generics with index math.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace q8;

namespace {

/// `values` as index-typed fold results.
SmallVector<OpFoldResult> asIndices(MLIRContext *context,
                                    ArrayRef<int64_t> values) {
  return getAsIndexOpFoldResult(context, values);
}

/// `value` retyped to `type`, which differs in integer signedness (the same
/// bits; a dense_resource keeps its blob handle) or stores bools as i8;
/// null if `value` is neither kind of elements attribute.
TypedAttr retypeElements(TypedAttr value, ShapedType type) {
  if (value.getType() == type)
    return value;
  // Bools as bytes (see getLoweredType): the importer keeps them dense.
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (dense && isBoolElement(dense.getType())) {
    SmallVector<int8_t> bytes;
    for (bool b : dense.getValues<bool>())
      bytes.push_back(b);
    return DenseElementsAttr::get(type, ArrayRef<int8_t>(bytes));
  }
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value))
    return dense.bitcast(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

/// q8.constant -> arith.constant with the same attribute, so dense_resource
/// payloads are neither copied nor uniqued (only retyped when the constant
/// is unsigned, see getLoweredType).
struct ConstantToArith : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkLowerableTypes(op, rewriter)))
      return failure();
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "value is not a typed attribute");
    auto type = dyn_cast<ShapedType>(getLoweredType(value.getType()));
    TypedAttr lowered = type ? retypeElements(value, type) : TypedAttr();
    if (!lowered)
      return rewriter.notifyMatchFailure(op, "cannot retype the value");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, lowered);
    return success();
  }
};

/// q8.transpose -> linalg.transpose with the same permutation.
struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    Value init = createEmpty(rewriter, op.getLoc(), resultType);
    rewriter.replaceOp(op, linalg::TransposeOp::create(
                               rewriter, op.getLoc(), adaptor.getInput(),
                               init, op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

/// q8.reshape -> tensor.collapse_shape / expand_shape (see reshapeTo).
struct ReshapeToTensor : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     resultType.getShape()));
    return success();
  }
};

/// q8.expand -> a copying generic with a broadcast indexing map.
struct ExpandToLinalg : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(op, broadcastTo(rewriter, op.getLoc(),
                                       adaptor.getInput(),
                                       resultType.getShape()));
    return success();
  }
};

/// q8.gather -> a generic over the result that reads the index through an
/// indexing map and the data with tensor.extract:
///   %r[i, j, k] = %data[i, clamp(wrap(%indices[j])), k]       (axis = 1)
/// Negative indices count from the end, as in ONNX; out-of-range ones are
/// clamped so that bad input cannot read outside the buffer.
struct GatherToLinalg : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    Value data = adaptor.getData();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += dataType.getRank();
    int64_t indexRank = indicesType.getRank();
    int64_t axisSize = dataType.getDimSize(axis);
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < indexRank; ++i)
      indexExprs.push_back(getAffineDimExpr(axis + i, context));
    AffineMap indexMap =
        AffineMap::get(resultType.getRank(), 0, indexExprs, context);
    Value result = createParallelGeneric(
        rewriter, loc, resultType, adaptor.getIndices(), indexMap,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto constant = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v);
          };
          Value index =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value negative = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, index, constant(0));
          Value wrapped = arith::SelectOp::create(
              b, l, negative,
              arith::AddIOp::create(b, l, index, constant(axisSize)), index);
          Value clamped = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, wrapped, constant(0)),
              constant(axisSize - 1));
          SmallVector<Value> coords;
          for (int64_t d = 0; d < dataType.getRank(); ++d) {
            if (d == axis)
              coords.push_back(clamped);
            else
              coords.push_back(linalg::IndexOp::create(
                  b, l, d < axis ? d : d - 1 + indexRank));
          }
          return Value(tensor::ExtractOp::create(b, l, data, coords));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// q8.concat -> tensor.concat.
struct ConcatToTensor : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (adaptor.getInputs().size() == 1) {
      rewriter.replaceOp(op, adaptor.getInputs().front());
      return success();
    }
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += cast<RankedTensorType>(op.getType()).getRank();
    rewriter.replaceOpWithNewOp<tensor::ConcatOp>(
        op, getLoweredType(op.getType()), axis, adaptor.getInputs());
    return success();
  }
};

/// q8.split -> one tensor.extract_slice per piece (a tensor.empty per
/// empty one).
struct SplitToTensor : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *context = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += inputType.getRank();
    SmallVector<int64_t> offsets(inputType.getRank(), 0);
    SmallVector<int64_t> strides(inputType.getRank(), 1);
    SmallVector<Value> pieces;
    for (Type type : op.getResultTypes()) {
      auto pieceType = getLoweredType(cast<RankedTensorType>(type));
      // An empty piece reads nothing (and extract_slice rejects an offset
      // at the end of the dim, where a trailing empty piece starts).
      if (pieceType.getNumElements() == 0)
        pieces.push_back(createEmpty(rewriter, op.getLoc(), pieceType));
      else
        pieces.push_back(tensor::ExtractSliceOp::create(
            rewriter, op.getLoc(), pieceType, adaptor.getInput(),
            asIndices(context, offsets),
            asIndices(context, pieceType.getShape()),
            asIndices(context, strides)));
      offsets[axis] += pieceType.getDimSize(axis);
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

/// q8.slice -> tensor.extract_slice when every step is positive; with a
/// negative step, the elements it visits (tensor.extract_slice) reversed by
/// a generic along those dims (a valid affine map, so no index math in the
/// body).
struct SliceToTensor : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    if (resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, createEmpty(rewriter, loc, resultType));
      return success();
    }
    if (llvm::all_of(steps, [](int64_t step) { return step > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, resultType, adaptor.getInput(), asIndices(context, starts),
          asIndices(context, resultType.getShape()), asIndices(context, steps));
      return success();
    }
    // The elements a negative step visits, in increasing order (from the
    // last one it reaches, stride |step|), then those dims reversed: each
    // operand of the generic then has the result's shape, which linalg's
    // verifier wants of dims its maps read directly (a map reading the
    // whole input, start + i * step, failed it wherever a positive-step dim
    // shrank: fuzz seed 32113).
    SmallVector<int64_t> offsets, strides;
    SmallVector<AffineExpr> exprs;
    for (auto [dim, start] : llvm::enumerate(starts)) {
      int64_t size = resultType.getDimSize(dim), step = steps[dim];
      offsets.push_back(step > 0 ? start : start + (size - 1) * step);
      strides.push_back(std::abs(step));
      AffineExpr d = getAffineDimExpr(dim, context);
      exprs.push_back(step > 0 ? d : (size - 1) - d);
    }
    Value visited = tensor::ExtractSliceOp::create(
        rewriter, loc, resultType, adaptor.getInput(),
        asIndices(context, offsets), asIndices(context, resultType.getShape()),
        asIndices(context, strides));
    rewriter.replaceOp(
        op, createParallelGeneric(
                rewriter, loc, resultType, visited,
                AffineMap::get(resultType.getRank(), 0, exprs, context),
                [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// The source index along one dim of a reflect/edge pad: `index` (already
/// shifted by the begin pad) mapped into [0, size).
Value padSourceIndex(OpBuilder &b, Location loc, PadMode mode, Value index,
                     int64_t size) {
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  if (mode == PadMode::Edge || size == 1)
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, index, constant(0)),
        constant(size - 1));
  // reflect (ONNX requires pads < size): -i below 0, 2 (size - 1) - i above.
  Value low = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index,
                                    constant(0));
  Value high = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index,
                                     constant(size));
  Value mirroredLow = arith::SubIOp::create(b, loc, constant(0), index);
  Value mirroredHigh =
      arith::SubIOp::create(b, loc, constant(2 * (size - 1)), index);
  Value result = arith::SelectOp::create(b, loc, high, mirroredHigh, index);
  return arith::SelectOp::create(b, loc, low, mirroredLow, result);
}

/// q8.pad: negative pads crop first (tensor.extract_slice); then constant
/// mode is tensor.pad and reflect/edge a generic reading the mapped source
/// index with tensor.extract.
struct PadToTensor : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkLowerableTypes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getLoweredType(cast<RankedTensorType>(op.getType()));
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    ArrayRef<int64_t> pads = op.getPads();

    SmallVector<int64_t> offsets, sizes, low, high;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t begin = pads[d], end = pads[rank + d];
      offsets.push_back(std::max<int64_t>(0, -begin));
      sizes.push_back(inputType.getDimSize(d) + std::min<int64_t>(0, begin) +
                      std::min<int64_t>(0, end));
      low.push_back(std::max<int64_t>(0, begin));
      high.push_back(std::max<int64_t>(0, end));
    }
    if (ArrayRef<int64_t>(sizes) != inputType.getShape()) {
      input = tensor::ExtractSliceOp::create(
          rewriter, loc,
          RankedTensorType::get(sizes, inputType.getElementType()), input,
          asIndices(context, offsets), asIndices(context, sizes),
          asIndices(context, SmallVector<int64_t>(rank, 1)));
    }

    PadMode mode = op.getMode();
    if (mode == PadMode::Constant) {
      Value value = createScalar(rewriter, loc, resultType.getElementType(),
                                 op.getValue().convertToDouble());
      rewriter.replaceOp(op, padConstant(rewriter, loc, input, low, high, value));
      return success();
    }
    Value result = createParallelGeneric(
        rewriter, loc, resultType, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            Value index = linalg::IndexOp::create(b, l, d);
            if (low[d] == 0 && high[d] == 0) {
              coords.push_back(index);
              continue;
            }
            Value shifted = arith::SubIOp::create(
                b, l, index, arith::ConstantIndexOp::create(b, l, low[d]));
            coords.push_back(padSourceIndex(b, l, mode, shifted, sizes[d]));
          }
          return Value(tensor::ExtractOp::create(b, l, input, coords));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8DataToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, TransposeToLinalg, ReshapeToTensor,
               ExpandToLinalg, GatherToLinalg, ConcatToTensor, SplitToTensor,
               SliceToTensor, PadToTensor>(patterns.getContext());
}
