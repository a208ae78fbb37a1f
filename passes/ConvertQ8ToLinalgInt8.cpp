//===- ConvertQ8ToLinalgInt8.cpp - what the int8 lowerings share ----------===//
//
// The pieces of the int8 lowering (ConvertQ8ToLinalgInt8.h) that the
// q8.quantize/dequantize/requantize/qlinear patterns
// (ConvertQ8ToLinalgQuant.cpp) and the q8.qconv lowering
// (ConvertQ8ToLinalgQConv.cpp) share: quantized types as their storage,
// the scalar quantize and requantize arithmetic, constant weight and bias
// data, the int32 contraction and the epilogue. Every compile-time number
// comes from passes/QuantMath.h.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalgInt8.h"

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"
#include "passes/QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cstring>
#include <limits>

using namespace mlir;
using namespace q8;
namespace mq = mlir::quant;
namespace qm = q8::quant;

namespace q8::int8 {

QuantInfo getQuantInfo(mq::QuantizedType type) {
  QuantInfo info;
  info.isSigned = type.isSigned();
  info.width = type.getStorageTypeIntegralWidth();
  auto make = [&](double scale, int64_t zp) {
    qm::QuantParams p;
    p.scale = static_cast<float>(scale);
    p.zeroPoint = static_cast<int32_t>(zp);
    p.qmin = static_cast<int32_t>(type.getStorageTypeMin());
    p.qmax = static_cast<int32_t>(type.getStorageTypeMax());
    return p;
  };
  if (auto perAxis = dyn_cast<mq::UniformQuantizedPerAxisType>(type)) {
    info.axis = perAxis.getQuantizedDimension();
    for (auto [scale, zp] :
         llvm::zip(perAxis.getScales(), perAxis.getZeroPoints()))
      info.params.push_back(make(scale, zp));
  } else {
    auto uniform = cast<mq::UniformQuantizedType>(type);
    info.params.push_back(make(uniform.getScale(), uniform.getZeroPoint()));
  }
  return info;
}

mq::QuantizedType getQuantElement(Type type) {
  return dyn_cast<mq::QuantizedType>(getElementTypeOrSelf(type));
}

RankedTensorType getStorageType(RankedTensorType type) {
  auto element = getQuantElement(type);
  if (!element)
    return getLoweredType(type);
  return type.clone(IntegerType::get(type.getContext(),
                                     element.getStorageTypeIntegralWidth()));
}

/// `value` as its storage tensor (the converted value normally already is).
Value asStorage(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  RankedTensorType storage = getStorageType(type);
  if (storage == type)
    return value;
  return UnrealizedConversionCastOp::create(b, loc, TypeRange{storage}, value)
      .getResult(0);
}

/// Replaces `op` (whose one result is quantized) by `storage`, its storage
/// tensor. Users this lowering does not convert (a quantized q8.reshape,
/// say) keep reading the quantized type through an explicit cast, and
/// whatever rejects them later names them.
void replaceQuantized(ConversionPatternRewriter &rewriter, Operation *op,
                      Value storage) {
  Value result = op->getResult(0);
  bool allConverted = llvm::all_of(result.getUsers(), [](Operation *user) {
    return isa<QuantizeOp, DequantizeOp, RequantizeOp, QLinearOp, QConvOp,
               mq::StorageCastOp>(user);
  });
  if (allConverted || result.getType() == storage.getType()) {
    rewriter.replaceOp(op, storage);
    return;
  }
  auto bridge = mq::StorageCastOp::create(rewriter, op->getLoc(),
                                         result.getType(), storage);
  bridge->setAttr(kBridge, rewriter.getUnitAttr());
  rewriter.replaceOp(op, bridge.getResult());
}

void ParamInputs::add(OpBuilder &b, Location loc, const ChannelParam &param,
                      AffineMap channelMap) {
  if (param.uniform()) {
    slot.push_back(-1);
    return;
  }
  auto type = RankedTensorType::get({int64_t(param.values.size())}, param.type);
  Attribute attr;
  if (isa<FloatType>(param.type)) {
    SmallVector<APFloat> values;
    for (double v : param.values) {
      APFloat f(v);
      bool lost;
      f.convert(cast<FloatType>(param.type).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    attr = DenseElementsAttr::get(type, values);
  } else {
    SmallVector<APInt> values;
    unsigned width = param.type.getIntOrFloatBitWidth();
    for (double v : param.values)
      values.push_back(APInt(64, static_cast<int64_t>(v), true).trunc(width));
    attr = DenseElementsAttr::get(type, values);
  }
  slot.push_back(inputs.size());
  inputs.push_back(arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr)));
  maps.push_back(channelMap);
}

Value ParamInputs::get(OpBuilder &b, Location loc, const ChannelParam &param,
                       unsigned index, ValueRange args) const {
  if (slot[index] < 0)
    return createScalar(b, loc, param.type, param.values.front());
  return args[slot[index]];
}

AffineMap channelMap(MLIRContext *context, int64_t rank, int64_t axis) {
  return AffineMap::get(rank, 0, {getAffineDimExpr(axis, context)}, context);
}

Value extend(OpBuilder &b, Location loc, Value v, Type to, bool isSigned) {
  if (v.getType() == to)
    return v;
  if (isSigned)
    return arith::ExtSIOp::create(b, loc, to, v);
  return arith::ExtUIOp::create(b, loc, to, v);
}

Value quantizeScalar(OpBuilder &b, Location loc, Value x, Value scale,
                     Value zeroPoint, int32_t qmin, int32_t qmax,
                     Type storage) {
  Type f32 = b.getF32Type();
  auto width = cast<FloatType>(x.getType()).getWidth();
  if (width < 32)
    x = arith::ExtFOp::create(b, loc, f32, x);
  else if (width > 32)
    x = arith::TruncFOp::create(b, loc, f32, x);
  Value q = math::RoundEvenOp::create(b, loc,
                                      arith::DivFOp::create(b, loc, x, scale));
  q = arith::AddFOp::create(b, loc, q, zeroPoint);
  q = arith::MaximumFOp::create(b, loc, q, createScalar(b, loc, f32, qmin));
  q = arith::MinimumFOp::create(b, loc, q, createScalar(b, loc, f32, qmax));
  Value isNan =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  q = arith::SelectOp::create(b, loc, isNan, zeroPoint, q);
  Value qi = arith::FPToSIOp::create(b, loc, b.getI32Type(), q);
  return arith::TruncIOp::create(b, loc, storage, qi);
}

Value requantizeScalar(OpBuilder &b, Location loc, Value acc, Value multiplier,
                       Value leftShift, Value rightShift, int32_t zeroPoint,
                       int32_t lo, int32_t hi, Type storage) {
  Type i64 = b.getI64Type();
  auto c64 = [&](int64_t v) { return createScalar(b, loc, i64, v); };
  Value wide = arith::ExtSIOp::create(b, loc, i64, acc);
  if (leftShift) {
    wide = arith::ShLIOp::create(b, loc, wide, leftShift);
    wide = arith::MaxSIOp::create(b, loc, wide,
                                  c64(std::numeric_limits<int32_t>::min()));
    wide = arith::MinSIOp::create(b, loc, wide,
                                  c64(std::numeric_limits<int32_t>::max()));
  }
  Value ab = arith::MulIOp::create(b, loc, wide, multiplier);
  Value nonNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, ab, c64(0));
  Value nudge = arith::SelectOp::create(b, loc, nonNegative, c64(1ll << 30),
                                        c64(1 - (1ll << 30)));
  Value high = arith::DivSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, ab, nudge), c64(1ll << 31));
  if (rightShift) {
    Value half = arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, c64(1), rightShift), c64(1));
    Value positive =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, high, c64(0));
    Value magnitude = arith::SelectOp::create(
        b, loc, positive, high, arith::SubIOp::create(b, loc, c64(0), high));
    Value shifted = arith::ShRSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, magnitude, half), rightShift);
    high = arith::SelectOp::create(
        b, loc, positive, shifted,
        arith::SubIOp::create(b, loc, c64(0), shifted));
  }
  Value q = arith::AddIOp::create(b, loc, high, c64(zeroPoint));
  q = arith::MaxSIOp::create(b, loc, q, c64(lo));
  q = arith::MinSIOp::create(b, loc, q, c64(hi));
  return arith::TruncIOp::create(b, loc, storage, q);
}

std::optional<SmallVector<int8_t>> getConstantStorage(Value value) {
  while (auto cast = value.getDefiningOp<mq::StorageCastOp>())
    value = cast.getInput();
  ElementsAttr attr;
  if (auto constant = value.getDefiningOp<q8::ConstantOp>())
    attr = constant.getValue();
  else if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    attr = dyn_cast<ElementsAttr>(constant.getValue());
  if (!attr)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.getElementType().isInteger(8))
    return std::nullopt;
  SmallVector<int8_t> values;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(static_cast<int8_t>(v.getSExtValue()));
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != size_t(type.getNumElements()))
      return std::nullopt;
    values.resize(type.getNumElements());
    std::memcpy(values.data(), blob->getData().data(), values.size());
    return values;
  }
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> getConstantI32(Value value) {
  if (!value)
    return std::nullopt;
  ElementsAttr attr;
  if (auto constant = value.getDefiningOp<q8::ConstantOp>())
    attr = constant.getValue();
  else if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    attr = dyn_cast<ElementsAttr>(constant.getValue());
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense || !dense.getElementType().isInteger(32))
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

FailureOr<Value> buildInt8Epilogue(ConversionPatternRewriter &rewriter,
                                   Operation *op, Value acc,
                                   const Int8Epilogue &epilogue) {
  Location loc = op->getLoc();
  MLIRContext *context = rewriter.getContext();
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t rank = accType.getRank();
  int64_t channelDim =
      epilogue.channelDim < 0 ? rank - 1 : epilogue.channelDim;
  int64_t n = accType.getDimSize(channelDim);
  Activation activation = epilogue.activation;
  std::optional<double> clipMin = epilogue.clipMin, clipMax = epilogue.clipMax;
  Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
  auto outQuant = dyn_cast<mq::QuantizedType>(epilogue.resultElement);
  float sx = epilogue.inputScale;

  ChannelParam column{SmallVector<double>(n, 0.0), i32};
  for (auto [c, v] : llvm::enumerate(epilogue.column))
    column.values[c] = static_cast<double>(v);
  Value runtimeBias = epilogue.runtimeBias;

  AffineMap colMap = channelMap(context, rank, channelDim);
  ParamInputs params;
  SmallVector<Value> epilogueInputs = {acc};
  SmallVector<AffineMap> epilogueMaps = {
      rewriter.getMultiDimIdentityMap(rank)};
  if (runtimeBias) {
    epilogueInputs.push_back(runtimeBias);
    epilogueMaps.push_back(colMap);
  }
  unsigned paramBase = epilogueInputs.size();
  params.add(rewriter, loc, column, colMap);

  // The dequantizing scale s_in * s_w[c], for an f32 result and for the
  // float route of a requantizing "gelu" epilogue.
  Type floatType = outQuant ? outQuant.getExpressedType()
                            : epilogue.resultElement;
  ChannelParam scale{{}, floatType};
  for (int64_t c = 0; c < n; ++c)
    scale.values.push_back(static_cast<float>(
        static_cast<double>(sx) * epilogue.weightScales[c]));
  // acc + bias + zero-point correction, in i32.
  auto accumulate = [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
    Value v = args[0];
    if (runtimeBias)
      v = arith::AddIOp::create(b, loc, v, args[1]);
    if (!column.uniform() || column.values.front() != 0)
      v = arith::AddIOp::create(
          b, loc, v, params.get(b, loc, column, 0, args.drop_front(paramBase)));
    return v;
  };
  // The activation of the real-valued output `f`, as q8.relu, q8.clip
  // and q8.gelu compute it.
  auto activate = [&](OpBuilder &b, Location loc, Value f) -> Value {
    Type type = f.getType();
    if (activation == Activation::Relu)
      return arith::MaximumFOp::create(b, loc, f,
                                       createScalar(b, loc, type, 0));
    if (activation == Activation::Gelu)
      return createGelu(b, loc, f);
    if (clipMin)
      f = arith::MaximumFOp::create(b, loc, f,
                                    createScalar(b, loc, type, *clipMin));
    if (clipMax)
      f = arith::MinimumFOp::create(b, loc, f,
                                    createScalar(b, loc, type, *clipMax));
    return f;
  };

  // The real value: (acc + column) * s_in * s_w[c], in the float type;
  // `scale` is param 1.
  auto dequantized = [&](OpBuilder &b, Location loc, ValueRange args) {
    Value f =
        arith::SIToFPOp::create(b, loc, floatType, accumulate(b, loc, args));
    return arith::MulFOp::create(
        b, loc, f, params.get(b, loc, scale, 1, args.drop_front(paramBase)));
  };

  if (!outQuant) {
    params.add(rewriter, loc, scale, colMap);
    epilogueInputs.append(params.inputs);
    epilogueMaps.append(params.maps);
    auto flatType = accType.clone(floatType);
    return createParallelGeneric(
        rewriter, loc, flatType, epilogueInputs, epilogueMaps,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return activate(b, loc, dequantized(b, loc, args));
        });
  }
  QuantInfo out = getQuantInfo(outQuant);
  if (out.axis >= 0)
    return rewriter.notifyMatchFailure(op, "per-axis result quantization");
  const qm::QuantParams &y = out.params.front();
  auto storage = accType.clone(IntegerType::get(context, out.width));
  if (activation == Activation::Gelu) {
    // GELU has no integer form: dequantize as the f32 epilogue does,
    // apply it (and the prescale), and quantize as q8.quantize does, so this
    // is bit for bit the unfused int8 op -> q8.gelu -> q8.quantize.
    params.add(rewriter, loc, scale, colMap);
    ChannelParam prescale{{}, floatType};
    for (float p : epilogue.resultPrescale)
      prescale.values.push_back(p);
    if (!prescale.values.empty())
      params.add(rewriter, loc, prescale, colMap);
    epilogueInputs.append(params.inputs);
    epilogueMaps.append(params.maps);
    return createParallelGeneric(
        rewriter, loc, storage, epilogueInputs, epilogueMaps,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Type f32 = b.getF32Type();
          Value f = activate(b, loc, dequantized(b, loc, args));
          if (!prescale.values.empty())
            f = arith::MulFOp::create(
                b, loc, f,
                params.get(b, loc, prescale, 2, args.drop_front(paramBase)));
          return quantizeScalar(b, loc, f,
                                createScalar(b, loc, f32, y.scale),
                                createScalar(b, loc, f32, y.zeroPoint),
                                y.qmin, y.qmax, storage.getElementType());
        });
  }
  // relu commutes with a positive prescale; the verifier keeps clip out.
  if (!epilogue.resultPrescale.empty() && (clipMin || clipMax))
    return rewriter.notifyMatchFailure(op, "a result prescale with clip");
  MultiplierParams fixed(i64);
  for (int64_t c = 0; c < n; ++c) {
    double prescale =
        epilogue.resultPrescale.empty() ? 1.0 : epilogue.resultPrescale[c];
    fixed.push(qm::fixedMultiplier(static_cast<double>(sx) *
                                   epilogue.weightScales[c] * prescale /
                                   y.scale));
  }
  params.add(rewriter, loc, fixed.multiplier, colMap);
  params.add(rewriter, loc, fixed.leftShift, colMap);
  params.add(rewriter, loc, fixed.rightShift, colMap);
  epilogueInputs.append(params.inputs);
  epilogueMaps.append(params.maps);
  // relu and clip commute with quantization (monotone, and quantize(0) =
  // z): they are exact as a tighter integer clamp.
  int32_t lo = y.qmin, hi = y.qmax;
  if (activation == Activation::Relu)
    lo = std::max(lo, y.zeroPoint);
  if (clipMin)
    lo = std::max(lo, qm::quantize(static_cast<float>(*clipMin), y));
  if (clipMax)
    hi = std::min(hi, qm::quantize(static_cast<float>(*clipMax), y));
  return createParallelGeneric(
      rewriter, loc, storage, epilogueInputs, epilogueMaps,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        ValueRange rest = args.drop_front(paramBase);
        return requantizeScalar(
            b, loc, accumulate(b, loc, args),
            params.get(b, loc, fixed.multiplier, 1, rest),
            fixed.hasLeftShift() ? params.get(b, loc, fixed.leftShift, 2, rest)
                                 : Value(),
            fixed.hasRightShift()
                ? params.get(b, loc, fixed.rightShift, 3, rest)
                : Value(),
            y.zeroPoint, lo, hi, storage.getElementType());
      });
}

Value buildInt8Contraction(OpBuilder &b, Location loc, Value x, Value weight,
                           const QuantInfo &in, const QuantInfo &w,
                           bool subtractInside) {
  MLIRContext *context = b.getContext();
  Type i32 = b.getI32Type();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(weight.getType());
  bool batched = wType.getRank() == 3;
  int64_t m = xType.getDimSize(xType.getRank() - 2),
          n = wType.getDimSize(wType.getRank() - 1);
  // Loop dims (m, n, k), or (b, m, n, k) when batched.
  unsigned loops = batched ? 4 : 3;
  AffineExpr db, dm, dn, dk;
  if (batched)
    bindDims(context, db, dm, dn, dk);
  else
    bindDims(context, dm, dn, dk);
  auto loopMap = [&](ArrayRef<AffineExpr> dims) {
    SmallVector<AffineExpr> exprs;
    if (batched)
      exprs.push_back(db);
    exprs.append(dims.begin(), dims.end());
    return AffineMap::get(loops, 0, exprs, context);
  };
  SmallVector<AffineMap> maps = {loopMap({dm, dk}), loopMap({dk, dn})};
  SmallVector<Value> inputs = {x, weight};
  ChannelParam zw{{}, i32};
  for (int64_t c = 0; c < n; ++c)
    zw.values.push_back(w.channel(c).zeroPoint);
  ParamInputs contractionParams;
  if (subtractInside) {
    contractionParams.add(b, loc, zw, AffineMap::get(loops, 0, {dn}, context));
    inputs.append(contractionParams.inputs);
    maps.append(contractionParams.maps);
  }
  maps.push_back(loopMap({dm, dn}));
  auto accType = batched ? RankedTensorType::get({xType.getDimSize(0), m, n}, i32)
                         : RankedTensorType::get({m, n}, i32);
  SmallVector<utils::IteratorType> iterators(loops - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return buildInt8Reduction(b, loc, accType, inputs, maps, iterators, in, w,
                            subtractInside ? &contractionParams : nullptr,
                            zw);
}

Value buildInt8Reduction(OpBuilder &b, Location loc, RankedTensorType accType,
                         ValueRange inputs, ArrayRef<AffineMap> maps,
                         ArrayRef<utils::IteratorType> iterators,
                         const QuantInfo &in, const QuantInfo &w,
                         const ParamInputs *zeroPoints,
                         const ChannelParam &zw) {
  Value zeros = createFilled(b, loc, accType,
                             createScalar(b, loc, b.getI32Type(), 0));
  return linalg::GenericOp::create(
             b, loc, TypeRange{accType}, inputs, ValueRange{zeros}, maps,
             iterators,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               Value zwValue =
                   zeroPoints ? zeroPoints->get(b, loc, zw, 0,
                                                args.drop_front(2).drop_back())
                              : Value();
               linalg::YieldOp::create(
                   b, loc,
                   multiplyAccumulate(b, loc, args[0], args[1], args.back(),
                                      in, w, zwValue));
             })
      .getResult(0);
}

Value multiplyAccumulate(OpBuilder &b, Location loc, Value x, Value w,
                         Value acc, const QuantInfo &in, const QuantInfo &wInfo,
                         Value weightZeroPoint) {
  Type i32 = b.getI32Type();
  Value a = extend(b, loc, x, i32, in.isSigned);
  Value bw = extend(b, loc, w, i32, wInfo.isSigned);
  if (weightZeroPoint) {
    a = arith::SubIOp::create(
        b, loc, a, createScalar(b, loc, i32, in.params.front().zeroPoint));
    bw = arith::SubIOp::create(b, loc, bw, weightZeroPoint);
  }
  Value product = arith::MulIOp::create(b, loc, a, bw);
  return arith::AddIOp::create(b, loc, acc, product);
}

Int8Epilogue getEpilogue(Int8EpilogueOpInterface op, Value bias,
                         const QuantInfo &in,
                         const QuantInfo &w, int64_t channels,
                         ArrayRef<int64_t> corrections) {
  Int8Epilogue epilogue;
  epilogue.activation = op.getActivation();
  if (FloatAttr attr = op.getClipMinAttr())
    epilogue.clipMin = attr.getValueAsDouble();
  if (FloatAttr attr = op.getClipMaxAttr())
    epilogue.clipMax = attr.getValueAsDouble();
  epilogue.resultElement = getElementTypeOrSelf(op->getResult(0).getType());
  if (DenseF32ArrayAttr prescale = op.getResultPrescaleAttr())
    epilogue.resultPrescale.assign(prescale.asArrayRef().begin(),
                                   prescale.asArrayRef().end());
  epilogue.inputScale = in.params.front().scale;
  for (int64_t c = 0; c < channels; ++c)
    epilogue.weightScales.push_back(w.channel(c).scale);
  epilogue.column.assign(channels, 0);
  for (auto [c, v] : llvm::enumerate(corrections))
    epilogue.column[c] = v;
  if (bias) {
    Value original = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
    if (auto values = getConstantI32(original)) {
      for (int64_t c = 0; c < channels; ++c)
        epilogue.column[c] = static_cast<int32_t>(
            static_cast<uint32_t>(epilogue.column[c] + (*values)[c]));
    } else {
      epilogue.runtimeBias = bias;
    }
  }
  return epilogue;
}

} // namespace q8::int8
