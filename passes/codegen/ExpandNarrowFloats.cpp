//===- ExpandNarrowFloats.cpp - no compiler-rt calls for f16 and bf16 -----===//
//
// See the pass description in Passes.td. The f16 conversions follow the
// classic branch-free bit manipulations (as in F. Giesen's half <-> float
// notes): a rebias of the exponent with the rounding carried by an integer
// add, and a float add of a magic constant that lets the FPU's own
// round-to-nearest-even place subnormal mantissas.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"
#include "passes/codegen/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_EXPANDNARROWFLOATS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// Builds scalar or vector (in the shape of `like`) integer and float code.
struct Bits {
  PatternRewriter &b;
  Location loc;
  Type like;

  Type shaped(Type element) const {
    if (auto vector = dyn_cast<VectorType>(like))
      return vector.clone(element);
    return element;
  }
  Value constant(Type element, Attribute value) const {
    Type type = shaped(element);
    if (auto vector = dyn_cast<VectorType>(type))
      return arith::ConstantOp::create(b, loc,
                                       DenseElementsAttr::get(vector, value));
    return arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
  }
  Value u32(uint32_t value) const {
    return constant(b.getI32Type(), b.getI32IntegerAttr(value));
  }
  Value f32(float value) const {
    return constant(b.getF32Type(), b.getF32FloatAttr(value));
  }
  Value bitcast(Value value, Type element) const {
    return arith::BitcastOp::create(b, loc, shaped(element), value);
  }
  Value add(Value x, Value y) const { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) const { return arith::SubIOp::create(b, loc, x, y); }
  Value bitAnd(Value x, Value y) const {
    return arith::AndIOp::create(b, loc, x, y);
  }
  Value bitOr(Value x, Value y) const { return arith::OrIOp::create(b, loc, x, y); }
  Value shr(Value x, uint32_t n) const {
    return arith::ShRUIOp::create(b, loc, x, u32(n));
  }
  Value shl(Value x, uint32_t n) const {
    return arith::ShLIOp::create(b, loc, x, u32(n));
  }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) const {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value select(Value c, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
};

template <typename Predicate>
bool isElement(Type type, Predicate predicate) {
  return predicate(getElementTypeOrSelf(type));
}

/// f32 -> f16, round to nearest even, without F16C.
struct TruncF32ToF16 : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    if (!isElement(op.getIn().getType(), [](Type t) { return t.isF32(); }) ||
        !isElement(op.getType(), [](Type t) { return t.isF16(); }))
      return rewriter.notifyMatchFailure(op, "not f32 -> f16");
    Bits k{rewriter, op.getLoc(), op.getType()};
    using P = arith::CmpIPredicate;
    Value u = k.bitcast(op.getIn(), rewriter.getI32Type());
    Value sign = k.bitAnd(u, k.u32(0x80000000u));
    Value a = arith::XOrIOp::create(rewriter, op.getLoc(), u, sign);
    // 2^16 and above (after rounding: 65520 and above), infinities, NaN.
    Value special = k.select(k.cmp(P::ugt, a, k.u32(0x7f800000u)),
                             k.u32(0x7e00u), k.u32(0x7c00u));
    // Below 2^-14: subnormal or zero. Adding 0.5f puts the 10 mantissa bits
    // at the bottom of the float, rounded by the FPU (nearest even).
    Value magic = k.f32(0.5f);
    Value sum = arith::AddFOp::create(
        rewriter, op.getLoc(), k.bitcast(a, rewriter.getF32Type()), magic);
    Value subnormal =
        k.sub(k.bitcast(sum, rewriter.getI32Type()), k.u32(0x3f000000u));
    // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits
    // to nearest even; a carry out of the mantissa bumps the exponent, up
    // to infinity.
    Value odd = k.bitAnd(k.shr(a, 13), k.u32(1));
    Value normal =
        k.shr(k.add(k.add(a, k.u32(0xc8000fffu)), odd), 13);
    Value h = k.select(
        k.cmp(P::uge, a, k.u32(0x47800000u)), special,
        k.select(k.cmp(P::ult, a, k.u32(0x38800000u)), subnormal, normal));
    h = k.bitOr(h, k.shr(sign, 16));
    Value h16 = arith::TruncIOp::create(rewriter, op.getLoc(),
                                        k.shaped(rewriter.getI16Type()), h);
    rewriter.replaceOp(op, k.bitcast(h16, rewriter.getF16Type()));
    return success();
  }
};

/// f16 -> f32 (exact) without F16C.
struct ExtF16ToF32 : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    if (!isElement(op.getIn().getType(), [](Type t) { return t.isF16(); }) ||
        !isElement(op.getType(), [](Type t) { return t.isF32(); }))
      return rewriter.notifyMatchFailure(op, "not f16 -> f32");
    Bits k{rewriter, op.getLoc(), op.getType()};
    using P = arith::CmpIPredicate;
    Value h = arith::ExtUIOp::create(
        rewriter, op.getLoc(), k.shaped(rewriter.getI32Type()),
        k.bitcast(op.getIn(), rewriter.getI16Type()));
    Value o = k.shl(k.bitAnd(h, k.u32(0x7fffu)), 13);
    Value exp = k.bitAnd(o, k.u32(0x0f800000u));
    o = k.add(o, k.u32(0x38000000u)); // exponent 15 -> 127
    // Infinities and NaN: the exponent all ones again.
    Value special = k.add(o, k.u32(0x38000000u));
    // Zero and subnormals: 2^-14 * 0.mantissa, as (1.mantissa - 1) * 2^-14.
    Value shifted = k.bitcast(k.add(o, k.u32(0x00800000u)),
                              rewriter.getF32Type());
    Value renormalized = k.bitcast(
        arith::SubFOp::create(rewriter, op.getLoc(), shifted,
                              k.f32(6.103515625e-05f)),
        rewriter.getI32Type());
    o = k.select(k.cmp(P::eq, exp, k.u32(0x0f800000u)), special,
                 k.select(k.cmp(P::eq, exp, k.u32(0)), renormalized, o));
    o = k.bitOr(o, k.shl(k.bitAnd(h, k.u32(0x8000u)), 16));
    rewriter.replaceOp(op, k.bitcast(o, rewriter.getF32Type()));
    return success();
  }
};

/// f64 -> f16/bf16: to f32 rounding to odd (truncate toward zero, then set
/// the lowest bit when inexact), then the f32 rounding to nearest even. The
/// two roundings then give the correctly rounded result, because f32 has at
/// least two more mantissa bits than either narrow type.
struct TruncF64ToNarrow : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    Type to = getElementTypeOrSelf(op.getType());
    if (!getElementTypeOrSelf(op.getIn().getType()).isF64() ||
        !(to.isF16() || to.isBF16()))
      return rewriter.notifyMatchFailure(op, "not f64 -> f16/bf16");
    Bits k{rewriter, op.getLoc(), op.getType()};
    Location loc = op.getLoc();
    Value x = op.getIn();
    Value nearest =
        arith::TruncFOp::create(rewriter, loc, k.shaped(rewriter.getF32Type()), x);
    Value back = arith::ExtFOp::create(rewriter, loc, x.getType(), nearest);
    Value inexact = arith::CmpFOp::create(rewriter, loc,
                                          arith::CmpFPredicate::UNE, back, x);
    Value awayFromZero = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OGT,
        math::AbsFOp::create(rewriter, loc, back),
        math::AbsFOp::create(rewriter, loc, x));
    Value bits = k.bitcast(nearest, rewriter.getI32Type());
    bits = k.select(awayFromZero, k.sub(bits, k.u32(1)), bits);
    bits = k.select(inexact, k.bitOr(bits, k.u32(1)), bits);
    rewriter.replaceOpWithNewOp<arith::TruncFOp>(
        op, op.getType(), k.bitcast(bits, rewriter.getF32Type()));
    return success();
  }
};

/// f16/bf16 -> f64: through f32, exactly. (arith has no f16 <-> bf16
/// conversion: neither type is wider.)
struct ConvertThroughF32 : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    Type from = getElementTypeOrSelf(op.getIn().getType());
    Type to = getElementTypeOrSelf(op.getType());
    if (!(from.isF16() || from.isBF16()) || !to.isF64())
      return rewriter.notifyMatchFailure(op, "not f16/bf16 -> f64");
    Bits k{rewriter, op.getLoc(), op.getType()};
    Value wide = arith::ExtFOp::create(
        rewriter, op.getLoc(), k.shaped(rewriter.getF32Type()), op.getIn());
    rewriter.replaceOpWithNewOp<arith::ExtFOp>(op, op.getType(), wide);
    return success();
  }
};

struct ExpandNarrowFloats
    : q8::impl::ExpandNarrowFloatsBase<ExpandNarrowFloats> {
  using ExpandNarrowFloatsBase::ExpandNarrowFloatsBase;
  /// Set by the pipeline; else the `target` option is resolved through
  /// `resolver` (q8-opt).
  std::optional<q8::TargetInfo> resolved;
  q8::TargetResolver resolver;

  void runOnOperation() override {
    FailureOr<q8::TargetInfo> info =
        q8::passTarget(resolved, resolver, target, getOperation());
    if (failed(info))
      return signalPassFailure();
    MLIRContext *context = &getContext();
    // Arithmetic in f32: only extf/truncf stay narrow.
    {
      Type f32 = Float32Type::get(context);
      Type sources[] = {Float16Type::get(context), BFloat16Type::get(context)};
      TypeConverter converter;
      arith::populateEmulateUnsupportedFloatsConversions(converter, sources,
                                                         f32);
      RewritePatternSet patterns(context);
      arith::populateEmulateUnsupportedFloatsPatterns(patterns, converter);
      ConversionTarget legality(*context);
      arith::populateEmulateUnsupportedFloatsLegality(legality, converter);
      if (failed(applyPartialConversion(getOperation(), legality,
                                        std::move(patterns))))
        return signalPassFailure();
    }
    RewritePatternSet patterns(context);
    arith::populateExpandBFloat16Patterns(patterns);
    patterns.add<TruncF64ToNarrow, ConvertThroughF32>(context);
    if (!info->f16c)
      patterns.add<TruncF32ToF16, ExtF16ToF32>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> q8::createExpandNarrowFloats(const TargetInfo &target) {
  auto pass = std::make_unique<ExpandNarrowFloats>();
  pass->resolved = target;
  return pass;
}

std::unique_ptr<Pass> q8::createExpandNarrowFloats(TargetResolver resolve) {
  auto pass = std::make_unique<ExpandNarrowFloats>();
  pass->resolver = std::move(resolve);
  return pass;
}
