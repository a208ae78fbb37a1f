//===- ConvertQ8ToLinalgQuant.cpp - the int8 quant ops to linalg ----------===//
//
// The generic (untiled, target-independent) int8 lowering. Quantized tensors
// become their storage tensors (signless i8; u8 storage picks the unsigned
// ops, as the unsigned lowering does) and:
//  - quantize: one generic, round-half-even(x * prescale[c] / scale) + zp,
//    clamped to the storage range, NaN to the zero point (computed in f32
//    as q8::quant::quantize does);
//  - dequantize: one generic, scale * float(q - zp) (q8::quant::dequantize);
//  - requantize: one generic, q8::quant::requantize of q - zp_in by
//    s_in / s_out (int8 -> int8, no float);
//  - qlinear: an exact int32 contraction (a matmul-shaped linalg.generic on
//    zero/sign-extended values) followed by one epilogue generic: + bias +
//    zero-point correction (from the weight column sums at compile time when
//    the weight is a constant with zero zero points; otherwise the zero
//    points are subtracted inside the contraction), then either
//    requantize (q8::quant::requantize's Q31 rounding doubling high multiply
//    and rounding shift, bit for bit) or acc * s_in * s_w[c] in f32, with
//    the fused activation: relu/gelu/clip on the f32 value, or, when
//    requantizing, relu/clip as a tighter integer clamp (exact: both commute
//    with the monotone quantization) and gelu through the f32 value and
//    q8.quantize's rounding (bit for bit the unfused ops).
// Every compile-time number comes from passes/QuantMath.h. The pieces the
// patterns share with the q8.qconv lowering (the scalar arithmetic, the
// contraction, the epilogue) are in ConvertQ8ToLinalgInt8.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"
#include "passes/ConvertQ8ToLinalgInt8.h"

#include "dialects/Q8/Q8Ops.h"
#include "passes/QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace q8;
namespace mq = mlir::quant;
namespace qm = q8::quant;

namespace {

using namespace q8::int8;

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

/// q8.quantize %x {resultType = tensor<4x!quant.uniform<u8:f32, 0.5:3>>}
/// becomes one generic: q = clamp(roundeven(f32(x) / 0.5) + 3, 0, 255),
/// NaN -> 3, stored as i8.
struct QuantizeToLinalg : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto element = getQuantElement(resultType);
    if (!element || !isa<FloatType>(element.getExpressedType()))
      return rewriter.notifyMatchFailure(op, "expects a float -> quant op");
    QuantInfo info = getQuantInfo(element);
    int64_t rank = resultType.getRank();
    MLIRContext *context = rewriter.getContext();
    Type f32 = rewriter.getF32Type();

    ChannelParam scale{{}, f32}, zp{{}, f32};
    for (const qm::QuantParams &p : info.params) {
      scale.values.push_back(p.scale);
      zp.values.push_back(p.zeroPoint);
    }
    ChannelParam prescale{{}, cast<RankedTensorType>(op.getInput().getType())
                                  .getElementType()};
    int64_t prescaleAxis = 0;
    if (auto values = op.getPrescale()) {
      for (float v : *values)
        prescale.values.push_back(v);
      prescaleAxis = *op.getAxis() < 0 ? *op.getAxis() + rank : *op.getAxis();
    }

    ParamInputs params;
    AffineMap quantMap = info.axis >= 0 ? channelMap(context, rank, info.axis)
                                        : AffineMap();
    params.add(rewriter, loc, scale, quantMap);
    params.add(rewriter, loc, zp, quantMap);
    if (!prescale.values.empty())
      params.add(rewriter, loc, prescale,
                 channelMap(context, rank, prescaleAxis));

    SmallVector<Value> inputs = {adaptor.getInput()};
    inputs.append(params.inputs);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    maps.append(params.maps);
    int32_t qmin = info.params.front().qmin, qmax = info.params.front().qmax;
    auto storage = getStorageType(resultType);
    Value result = createParallelGeneric(
        rewriter, loc, storage, inputs, maps,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value x = args[0];
          ValueRange rest = args.drop_front();
          if (!prescale.values.empty())
            x = arith::MulFOp::create(b, loc, x,
                                      params.get(b, loc, prescale, 2, rest));
          return quantizeScalar(b, loc, x, params.get(b, loc, scale, 0, rest),
                                params.get(b, loc, zp, 1, rest), qmin, qmax,
                                storage.getElementType());
        });
    replaceQuantized(rewriter, op, result);
    return success();
  }
};

/// q8.dequantize becomes one generic: scale * f32(ext(q) - zp).
struct DequantizeToLinalg : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto element = getQuantElement(op.getInput().getType());
    if (!element)
      return rewriter.notifyMatchFailure(op, "expects a quantized input");
    QuantInfo info = getQuantInfo(element);
    int64_t rank = resultType.getRank();
    Type floatType = resultType.getElementType();
    Type i32 = rewriter.getI32Type();
    ChannelParam scale{{}, floatType}, zp{{}, i32};
    for (const qm::QuantParams &p : info.params) {
      scale.values.push_back(p.scale);
      zp.values.push_back(p.zeroPoint);
    }
    ParamInputs params;
    AffineMap quantMap =
        info.axis >= 0 ? channelMap(rewriter.getContext(), rank, info.axis)
                       : AffineMap();
    params.add(rewriter, loc, scale, quantMap);
    params.add(rewriter, loc, zp, quantMap);
    SmallVector<Value> inputs = {asStorage(rewriter, loc, adaptor.getInput())};
    inputs.append(params.inputs);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    maps.append(params.maps);
    Value result = createParallelGeneric(
        rewriter, loc, resultType, inputs, maps,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          ValueRange rest = args.drop_front();
          Value q = extend(b, loc, args[0], i32, info.isSigned);
          q = arith::SubIOp::create(b, loc, q, params.get(b, loc, zp, 1, rest));
          Value f = arith::SIToFPOp::create(b, loc, floatType, q);
          return arith::MulFOp::create(b, loc,
                                       params.get(b, loc, scale, 0, rest), f)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// q8.requantize from !quant.uniform<u8:f32, s1:z1> to <i8:f32, s2:z2>
/// becomes one generic: requantize(ext(q) - z1, fixedMultiplier(s1 / s2))
/// + z2, clamped to the result's storage range (q8::quant::requantize).
struct RequantizeToLinalg : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    QuantInfo in = getQuantInfo(getQuantElement(op.getInput().getType()));
    QuantInfo out = getQuantInfo(getQuantElement(resultType));
    if (in.axis >= 0 || out.axis >= 0)
      return rewriter.notifyMatchFailure(op, "per-axis quantization");
    const qm::QuantParams &x = in.params.front(), &y = out.params.front();
    Type i32 = rewriter.getI32Type(), i64 = rewriter.getI64Type();
    MultiplierParams fixed(i64);
    fixed.push(qm::fixedMultiplier(static_cast<double>(x.scale) / y.scale));
    int64_t rank = resultType.getRank();
    auto storage = getStorageType(resultType);
    Value result = createParallelGeneric(
        rewriter, loc, storage, {asStorage(rewriter, loc, adaptor.getInput())},
        {rewriter.getMultiDimIdentityMap(rank)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          auto c64 = [&](int64_t v) { return createScalar(b, loc, i64, v); };
          Value v = extend(b, loc, args[0], i32, in.isSigned);
          if (x.zeroPoint != 0)
            v = arith::SubIOp::create(b, loc, v,
                                      createScalar(b, loc, i32, x.zeroPoint));
          return requantizeScalar(
              b, loc, v, c64(fixed.multiplier.values.front()),
              fixed.hasLeftShift() ? c64(fixed.leftShift.values.front())
                                   : Value(),
              fixed.hasRightShift() ? c64(fixed.rightShift.values.front())
                                    : Value(),
              y.zeroPoint, y.qmin, y.qmax, storage.getElementType());
        });
    replaceQuantized(rewriter, op, result);
    return success();
  }
};

/// quant.scast is a reinterpretation: both sides are the storage tensor.
struct StorageCastToStorage : OpConversionPattern<mq::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(mq::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "expects ranked tensors");
    if (op->hasAttr(kBridge))
      return rewriter.notifyMatchFailure(op, "kept for an unconverted user");
    if (getQuantElement(op.getType()))
      replaceQuantized(rewriter, op,
                       asStorage(rewriter, op.getLoc(), adaptor.getInput()));
    else
      rewriter.replaceOp(op,
                         asStorage(rewriter, op.getLoc(), adaptor.getInput()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// qlinear
//===----------------------------------------------------------------------===//

/// Rewrites q8.qlinear; for example (u8 input zp 3, constant i8 weights)
///   %y = q8.qlinear %x, %w, %b {resultType = !quant.uniform<u8:f32, s:z>}
/// becomes
///   %x2  = tensor.collapse_shape %x                  : [M, K] i8
///   %acc = linalg.generic (m, n, k) ins(%x2, %w) outs(zeros : [M, N] i32)
///            { acc + extui(x) * extsi(w) }
///   %y   = linalg.generic (m, n) ins(%acc, %b?, per-column constants)
///            { requantize(acc + bias[n] + corr[n], m[n], shift[n]) + z,
///              clamped (and max'd with z for relu) }
/// where corr[n] = zeroPointCorrection(3, W[:, n]) is folded with a
/// constant bias. With non-constant weights or weight zero points the
/// contraction reads (ext(x) - zx) * (ext(w) - zw[n]) instead.
struct QLinearToLinalg : OpConversionPattern<QLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    QuantInfo in = getQuantInfo(getQuantElement(inputType));
    QuantInfo w = getQuantInfo(getQuantElement(weightType));
    auto outQuant = getQuantElement(resultType);
    // A batched weight [B..., K, N] (per tensor, run time) contracts as
    // (b, m, n, k) over [B, M/B, K] x [B, K, N]; the epilogue then sees the
    // accumulator as the same [M, N] rows as the unbatched case.
    int64_t batchRank = weightType.getRank() - 2;
    int64_t batch = 1;
    for (int64_t d : weightType.getShape().drop_back(2))
      batch *= d;
    int64_t k = weightType.getDimSize(batchRank),
            n = weightType.getDimSize(batchRank + 1);
    int64_t m = inputType.getNumElements() / std::max<int64_t>(k, 1);
    bool batched = batchRank > 0;
    if (batched && !isa<mq::UniformQuantizedType>(getQuantElement(weightType)))
      return rewriter.notifyMatchFailure(op, "per-axis batched weight");
    int32_t zx = in.params.front().zeroPoint;

    SmallVector<int64_t> xShape = {m, k};
    if (batched)
      xShape = {batch, m / batch, k};
    Value x = reshapeTo(rewriter, loc,
                        asStorage(rewriter, loc, adaptor.getInput()), xShape);
    Value weight = asStorage(rewriter, loc, adaptor.getWeight());
    if (batched)
      weight = reshapeTo(rewriter, loc, weight, {batch, k, n});

    // The contraction.
    std::optional<SmallVector<int8_t>> weightData;
    bool weightZeroPoints = llvm::any_of(
        w.params, [](const qm::QuantParams &p) { return p.zeroPoint != 0; });
    if (w.isSigned && !weightZeroPoints && !batched)
      weightData = getConstantStorage(op.getWeight());
    bool subtractInside = !weightData && (zx != 0 || weightZeroPoints);

    Value acc = buildInt8Contraction(rewriter, loc, x, weight, in, w,
                                     subtractInside);
    if (batched)
      acc = reshapeTo(rewriter, loc, acc, {m, n});

    // The per-column zero-point correction.
    SmallVector<int64_t> corrections;
    if (weightData && zx != 0) {
      SmallVector<int8_t> col(k);
      for (int64_t c = 0; c < n; ++c) {
        for (int64_t r = 0; r < k; ++r)
          col[r] = (*weightData)[r * n + c];
        corrections.push_back(qm::zeroPointCorrection(zx, col));
      }
    }
    Int8Epilogue epilogue =
        getEpilogue(op, adaptor.getBias(), in, w, n, corrections);
    FailureOr<Value> result = buildInt8Epilogue(rewriter, op, acc, epilogue);
    if (failed(result))
      return failure();
    SmallVector<int64_t> shape(resultType.getShape());
    Value reshaped = reshapeTo(rewriter, loc, *result, shape);
    if (outQuant)
      replaceQuantized(rewriter, op, reshaped);
    else
      rewriter.replaceOp(op, reshaped);
    return success();
  }
};

} // namespace

void q8::populateQ8QuantToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeToLinalg, DequantizeToLinalg, RequantizeToLinalg,
               StorageCastToStorage, QLinearToLinalg>(patterns.getContext());
}
