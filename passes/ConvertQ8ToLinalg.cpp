//===- ConvertQ8ToLinalg.cpp - the q8-convert-to-linalg pass and its helpers -===//
//
// The pass driver and the IR-building helpers every op family shares; the
// patterns live in ConvertQ8ToLinalg<Family>.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace q8 {
#define GEN_PASS_DEF_CONVERTQ8TOLINALG
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

AffineMap q8::getBroadcastMap(ArrayRef<int64_t> operandShape,
                              ArrayRef<int64_t> resultShape,
                              MLIRContext *context) {
  int64_t offset = resultShape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t dim = offset + i;
    if (size == 1 && resultShape[dim] != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(dim, context));
  }
  return AffineMap::get(resultShape.size(), 0, exprs, context);
}

Value q8::createEmpty(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value q8::createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                       Value value) {
  return linalg::FillOp::create(b, loc, value, createEmpty(b, loc, type))
      .getResult(0);
}

Value q8::createScalar(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  if (type.isIndex())
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
  // Through 64 bits, then wrapped to the width: 255 is -1 as an i8, which
  // is what an unsigned 255 is in the signless lowering.
  double truncated = std::trunc(value);
  APInt bits =
      truncated < 0
          ? APInt(64, static_cast<uint64_t>(static_cast<int64_t>(
                          std::max(truncated, -0x1p63))),
                  /*isSigned=*/true)
          : APInt(64, static_cast<uint64_t>(std::min(truncated, 0x1p64 - 2048)));
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, bits.trunc(type.getIntOrFloatBitWidth())));
}

Value q8::createExtreme(OpBuilder &b, Location loc, Type type, bool lowest,
                        bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType,
                       APFloat::getInf(floatType.getFloatSemantics(), lowest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned ? (lowest ? APInt::getMinValue(width)
                                     : APInt::getMaxValue(width))
                : lowest   ? APInt::getSignedMinValue(width)
                           : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Type q8::getLoweredType(Type type) {
  if (auto intType = dyn_cast<IntegerType>(type))
    return intType.isSignless()
               ? type
               : IntegerType::get(type.getContext(), intType.getWidth());
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    Type element = shaped.getElementType();
    Type lowered = element.isSignlessInteger(1)
                       ? IntegerType::get(type.getContext(), 8)
                       : getLoweredType(element);
    return lowered == element ? type : shaped.clone(lowered);
  }
  return type;
}

bool q8::isBoolElement(Type type) {
  return getElementTypeOrSelf(type).isSignlessInteger(1);
}

RankedTensorType q8::getLoweredType(RankedTensorType type) {
  return cast<RankedTensorType>(getLoweredType(Type(type)));
}

bool q8::isUnsignedElement(Type type) {
  return getElementTypeOrSelf(type).isUnsignedInteger();
}

bool q8::isUnsignedOperand(Operation *op, unsigned index) {
  return index < op->getNumOperands() &&
         isUnsignedElement(op->getOperand(index).getType());
}

q8::SignlessTypeConverter::SignlessTypeConverter() {
  addConversion([](Type type) { return getLoweredType(type); });
}

Value q8::createParallelGeneric(OpBuilder &b, Location loc,
                                RankedTensorType resultType, ValueRange inputs,
                                ArrayRef<AffineMap> maps,
                                ScalarBodyBuilder body) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{createEmpty(b, loc, resultType)}, allMaps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value q8::createElementwise(OpBuilder &b, Location loc,
                            RankedTensorType resultType, ValueRange inputs,
                            ScalarBodyBuilder body) {
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(getBroadcastMap(
        cast<RankedTensorType>(input.getType()).getShape(),
        resultType.getShape(), b.getContext()));
  return createParallelGeneric(b, loc, resultType, inputs, maps, body);
}

Value q8::broadcastTo(OpBuilder &b, Location loc, Value input,
                      ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(input.getType());
  if (type.getShape() == shape)
    return input;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return createElementwise(
      b, loc, resultType, input,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

Value q8::createReduction(OpBuilder &b, Location loc, Value input,
                          ArrayRef<int64_t> axes, Value init,
                          ScalarBodyBuilder combine) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> reducedShape, keptShape;
  for (auto [dim, size] : llvm::enumerate(inputType.getShape())) {
    bool reduced = llvm::is_contained(axes, int64_t(dim));
    keptShape.push_back(reduced ? 1 : size);
    if (!reduced)
      reducedShape.push_back(size);
  }
  auto accType = RankedTensorType::get(reducedShape, init.getType());
  Value acc = createFilled(b, loc, accType, init);
  auto reduce = linalg::ReduceOp::create(
      b, loc, ValueRange{input}, ValueRange{acc}, axes,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args));
      });
  return reshapeTo(b, loc, reduce.getResult(0), keptShape);
}

Value q8::reshapeTo(OpBuilder &b, Location loc, Value input,
                    ArrayRef<int64_t> shape) {
  auto sourceType = cast<RankedTensorType>(input.getType());
  if (sourceType.getShape() == shape)
    return input;
  auto targetType = RankedTensorType::get(shape, sourceType.getElementType());
  // No elements, nothing to move (and no reassociation to find: the 1-D
  // detour below would recurse forever on 0x3x4 -> 3x4x0).
  if (targetType.getNumElements() == 0)
    return createEmpty(b, loc, targetType);
  // To or from rank 0 every dim is 1 and the reassociation is empty.
  if (sourceType.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, targetType, input,
                                         ArrayRef<ReassociationIndices>{});
  if (targetType.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, targetType, input,
                                           ArrayRef<ReassociationIndices>{});
  if (auto reassociation =
          getReassociationIndicesForReshape(sourceType, targetType)) {
    if (sourceType.getRank() > targetType.getRank())
      return tensor::CollapseShapeOp::create(b, loc, targetType, input,
                                             *reassociation);
    return tensor::ExpandShapeOp::create(b, loc, targetType, input,
                                         *reassociation);
  }
  // Neither a collapse nor an expand (e.g. [2,3] -> [3,2]): go through 1-D,
  // which is still free on a contiguous buffer.
  int64_t count = sourceType.getNumElements();
  Value flat = reshapeTo(b, loc, input, {count});
  return reshapeTo(b, loc, flat, shape);
}

Value q8::padConstant(OpBuilder &b, Location loc, Value input,
                      ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                      Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  for (auto [dim, size] : llvm::enumerate(shape))
    size += low[dim] + high[dim];
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, resultType, input,
                               getAsIndexOpFoldResult(b.getContext(), low),
                               getAsIndexOpFoldResult(b.getContext(), high),
                               padValue);
}

bool q8::isComputeType(Type type) {
  if (isa<FloatType>(type))
    return true;
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isSignless();
}

LogicalResult q8::checkComputeTypes(Operation *op, PatternRewriter &rewriter) {
  auto isCompute = [](Type type) {
    return isComputeType(getElementTypeOrSelf(type));
  };
  if (!llvm::all_of(op->getOperandTypes(), isCompute) ||
      !llvm::all_of(op->getResultTypes(), isCompute))
    return rewriter.notifyMatchFailure(
        op, "element types must be float or signless integer");
  return success();
}

LogicalResult q8::checkLowerableTypes(Operation *op,
                                      PatternRewriter &rewriter) {
  auto isLowerable = [](Type type) {
    Type element = getElementTypeOrSelf(type);
    return isa<FloatType>(element) || isa<IntegerType>(element);
  };
  if (!llvm::all_of(op->getOperandTypes(), isLowerable) ||
      !llvm::all_of(op->getResultTypes(), isLowerable))
    return rewriter.notifyMatchFailure(
        op, "element types must be float or integer");
  return success();
}

void q8::populateQ8ToLinalgPatterns(RewritePatternSet &patterns) {
  populateQ8ElementwiseToLinalgPatterns(patterns);
  populateQ8ReductionToLinalgPatterns(patterns);
  populateQ8MatmulToLinalgPatterns(patterns);
  populateQ8ConvToLinalgPatterns(patterns);
  populateQ8DataToLinalgPatterns(patterns);
  populateQ8ResizeToLinalgPatterns(patterns);
  populateQ8RecurrentToLinalgPatterns(patterns);
  populateQ8QuantToLinalgPatterns(patterns);
  populateQ8QConvToLinalgPatterns(patterns);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

/// True for the ops this pass claims to convert. They are illegal, so a
/// pattern that cannot handle one fails the pass loudly; every other q8 op
/// (the quant ops) stays for a later lowering.
bool isConvertedOp(Operation *op) {
  using namespace q8;
  auto hasQuantized = [](Type type) {
    return isa<quant::QuantizedType>(getElementTypeOrSelf(type));
  };
  if (isa<QuantizeOp, DequantizeOp, RequantizeOp, QLinearOp, QConvOp>(op))
    return true;
  if (llvm::any_of(op->getOperandTypes(), hasQuantized) ||
      llvm::any_of(op->getResultTypes(), hasQuantized))
    return false;
  return isa<
      // Elementwise.
      AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp,
      GreaterOp, WhereOp, NegOp, AbsOp, ReluOp, SqrtOp, ReciprocalOp, ExpOp,
      LogOp, ErfOp, TanhOp, SigmoidOp, HardSwishOp, GeluOp, LeakyReluOp,
      HardSigmoidOp, ClipOp, CastOp,
      // Reductions and normalization.
      SoftmaxOp, LayerNormOp, BatchNormOp, ReduceMeanOp, ReduceSumOp,
      ReduceMaxOp, ReduceMinOp, GlobalAveragePoolOp,
      // Linear algebra, convolution, pooling.
      MatMulOp, GemmOp, ConvOp, ConvTransposeOp, MaxPoolOp, AveragePoolOp,
      // Data movement.
      ConstantOp, TransposeOp, ReshapeOp, ExpandOp, GatherOp, ConcatOp,
      SplitOp, SliceOp, PadOp,
      // Resize and the recurrent ops.
      ResizeOp, LSTMOp, GRUOp>(op);
}

/// Sets `q8.type` to the graph-level type on every argument and result of
/// `func` whose type the conversion changes.
void recordGraphTypes(func::FuncOp func, const TypeConverter &converter) {
  auto typeAttr = [&](Type type) -> TypeAttr {
    return converter.convertType(type) == type ? TypeAttr()
                                               : TypeAttr::get(type);
  };
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes()))
    if (TypeAttr attr = typeAttr(type))
      func.setArgAttr(index, "q8.type", attr);
  for (auto [index, type] : llvm::enumerate(func.getResultTypes()))
    if (TypeAttr attr = typeAttr(type))
      func.setResultAttr(index, "q8.type", attr);
}

/// The condition of an imported run-time If (scf.if on a tensor.extract of
/// a bool tensor): bool tensors become i8 tensors, so the extracted byte is
/// compared with zero.
struct ConvertBoolExtract : OpConversionPattern<tensor::ExtractOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(tensor::ExtractOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value element = tensor::ExtractOp::create(rewriter, loc, adaptor.getTensor(),
                                              adaptor.getIndices());
    if (element.getType() != op.getType()) {
      Value zero = arith::ConstantOp::create(
          rewriter, loc, rewriter.getIntegerAttr(element.getType(), 0));
      element = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                      element, zero);
    }
    rewriter.replaceOp(op, element);
    return success();
  }
};

struct ConvertQ8ToLinalg
    : q8::impl::ConvertQ8ToLinalgBase<ConvertQ8ToLinalg> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addLegalDialect<arith::ArithDialect,
                           bufferization::BufferizationDialect,
                           linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalDialect<q8::Q8Dialect>(
        [](Operation *op) { return !isConvertedOp(op); });
    // quant.scast is storage reinterpretation; the int8 lowering keeps only
    // those it marks as bridges to users it leaves quantized.
    target.addDynamicallyLegalOp<quant::StorageCastOp>(
        [](Operation *op) { return op->hasAttr("q8.storage_bridge"); });

    RewritePatternSet patterns(context);
    q8::populateQ8ToLinalgPatterns(patterns);

    // Signatures become signless too (see getLoweredType); what the graph
    // had is kept as `q8.type` for the ABI.
    q8::SignlessTypeConverter signless;
    getOperation()->walk([&](func::FuncOp func) {
      recordGraphTypes(func, signless);
    });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return signless.isSignatureLegal(func.getFunctionType()) &&
             signless.isLegal(&func.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return signless.isLegal(op); });
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   signless);
    populateReturnOpTypeConversionPattern(patterns, signless);
    populateCallOpTypeConversionPattern(patterns, signless);
    // Imported If: scf.if yields graph types, and its condition reads a bool
    // tensor.
    scf::populateSCFStructuralTypeConversionsAndLegality(signless, patterns,
                                                         target);
    target.addDynamicallyLegalOp<tensor::ExtractOp>([&](tensor::ExtractOp op) {
      return signless.isLegal(op.getTensor().getType());
    });
    patterns.add<ConvertBoolExtract>(signless, context);

    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
