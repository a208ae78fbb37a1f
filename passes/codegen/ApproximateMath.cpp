//===- ApproximateMath.cpp - polynomial approximations for f32 math -------===//
//
// LLVM has no vector exp/erf/tanh; without approximations these scalarize
// into libm calls. Upstream exposes the patterns but only a test pass.
// Targets without FMA or SSE4.1 rounding (generic: SSE2) would still call
// libm's fmaf and floorf for the approximations' math.fma and math.floor,
// so there those are expanded too (mul + add; a convert-based floor).
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"
#include "passes/codegen/TargetInfo.h"
#include "runtime/q8_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The constant `value` of `type`'s float element type, splat when `type`
/// is a vector.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  TypedAttr attr = b.getFloatAttr(getElementTypeOrSelf(type), value);
  if (auto vector = dyn_cast<VectorType>(type))
    attr = DenseElementsAttr::get(vector, attr);
  return arith::ConstantOp::create(b, loc, attr);
}

/// erf(x) for f32 as x * P(x^2) / Q(x^2), P and Q of degree 5 fitted to
/// erf(x)/x on [0, 3.92] (erf rounds to +-1 beyond) by iteratively
/// reweighted least squares (Lawson), on x clamped to [-4, 4], where it
/// reaches 1, and the result clamped to [-1, 1]: erf(+-inf) = +-1, NaN
/// stays NaN, -0 stays -0. Max absolute error 3.7e-7 in f32 (upstream's: a
/// few ulp, about 1e-7). 17 vector ops and one division against upstream's
/// three-interval rational with its coefficient blends, about 40: GELU's
/// erf is most of the epilogue of a BERT FFN's first matmul.
struct ErfRationalF32 : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    auto splat = [&](double value) {
      return floatConstant(rewriter, loc, type, value);
    };
    static constexpr double kP[] = {
        1.1283790222075705e+00, 1.9277292521112194e-01, 5.3061490521424323e-02,
        3.8686588239635528e-03, 2.8747893159621410e-04, 2.0345694401457948e-06};
    static constexpr double kQ[] = {
        1.0, 5.0417222223175584e-01, 1.1508813624030007e-01,
        1.5172970735179977e-02, 1.1881803009529419e-03, 3.8068882920266889e-05};
    auto horner = [&](ArrayRef<double> coefficients, Value t) {
      Value acc = splat(coefficients.back());
      for (double c : llvm::reverse(coefficients.drop_back()))
        acc = math::FmaOp::create(rewriter, loc, acc, t, splat(c));
      return acc;
    };
    Value x = arith::MaximumFOp::create(
        rewriter, loc,
        arith::MinimumFOp::create(rewriter, loc, op.getOperand(), splat(4.0)),
        splat(-4.0));
    Value t = arith::MulFOp::create(rewriter, loc, x, x);
    Value numerator = arith::MulFOp::create(rewriter, loc, x, horner(kP, t));
    Value denominator = horner(kQ, t);
    Value y = arith::DivFOp::create(rewriter, loc, numerator, denominator);
    y = arith::MinimumFOp::create(rewriter, loc, y, splat(1.0));
    rewriter.replaceOpWithNewOp<arith::MaximumFOp>(op, y, splat(-1.0));
    return success();
  }
};

/// floor(x) for f32 without SSE4.1's roundps: truncate through i32 and step
/// down where that rounded up, for |x| < 2^23 (above it every f32 is an
/// integer, and NaN and infinities pass through); copysign keeps -0.0.
struct ExpandFloorF32 : OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::FloorOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    Type intType = rewriter.getI32Type();
    if (auto vector = dyn_cast<VectorType>(type))
      intType = vector.clone(intType);
    auto splat = [&](double value) {
      return floatConstant(rewriter, loc, type, value);
    };
    Value x = op.getOperand();
    Value truncated = arith::SIToFPOp::create(
        rewriter, loc, type, arith::FPToSIOp::create(rewriter, loc, intType, x));
    Value roundedUp = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OGT, truncated, x);
    Value stepped = arith::SelectOp::create(
        rewriter, loc, roundedUp,
        arith::SubFOp::create(rewriter, loc, truncated, splat(1.0f)), truncated);
    Value small = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT,
        math::AbsFOp::create(rewriter, loc, x), splat(8388608.0f));
    Value floor = arith::SelectOp::create(rewriter, loc, small, stepped, x);
    rewriter.replaceOpWithNewOp<math::CopySignOp>(op, floor, x);
    return success();
  }
};

/// roundeven(x) for f32 and f64 without SSE4.1's roundps/roundpd:
/// |x| + 2^23 - 2^23 (2^52 for f64) leaves |x| rounded to an integer by the
/// FPU's own round-to-nearest-even, for |x| below that (above it every
/// value is an integer; NaN and infinities pass through); copysign restores
/// the sign, -0.0 included. (Upstream's expansion goes through math.round,
/// a libm call on such targets.)
struct ExpandRoundEvenF32 : OpRewritePattern<math::RoundEvenOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::RoundEvenOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    Type element = getElementTypeOrSelf(type);
    if (!element.isF32() && !element.isF64())
      return failure();
    Location loc = op.getLoc();
    Value two23 = floatConstant(
        rewriter, loc, type, element.isF32() ? 8388608.0 : 4503599627370496.0);
    Value x = op.getOperand();
    Value magnitude = math::AbsFOp::create(rewriter, loc, x);
    Value rounded = arith::SubFOp::create(
        rewriter, loc, arith::AddFOp::create(rewriter, loc, magnitude, two23),
        two23);
    Value small = arith::CmpFOp::create(rewriter, loc,
                                        arith::CmpFPredicate::OLT, magnitude,
                                        two23);
    Value result = arith::SelectOp::create(
        rewriter, loc, small,
        math::CopySignOp::create(rewriter, loc, rounded, x), x);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// f64 exp and log, which have no approximation upstream, as calls to
/// libq8rt's (runtime/q8_math.c) instead of libm's; vectors element by
/// element.
template <typename MathOp>
struct CallRuntimeF64 : OpRewritePattern<MathOp> {
  CallRuntimeF64(MLIRContext *context, StringRef callee)
      : OpRewritePattern<MathOp>(context), callee(callee) {}

  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF64())
      return rewriter.notifyMatchFailure(op, "not f64");
    auto vector = dyn_cast<VectorType>(type);
    if (vector && vector.isScalable())
      return rewriter.notifyMatchFailure(op, "scalable vector");
    auto module = op->template getParentOfType<ModuleOp>();
    if (!module)
      return rewriter.notifyMatchFailure(op, "not in a module");
    Type f64 = rewriter.getF64Type();
    auto fnType = rewriter.getFunctionType({f64}, {f64});
    if (!module.template lookupSymbol<func::FuncOp>(callee)) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      auto decl = func::FuncOp::create(rewriter, op.getLoc(), callee, fnType);
      decl.setPrivate();
    }
    Location loc = op.getLoc();
    auto call = [&](Value x) {
      return func::CallOp::create(rewriter, loc, callee, TypeRange{f64},
                                  ValueRange{x})
          .getResult(0);
    };
    Value x = op.getOperand();
    if (!vector) {
      rewriter.replaceOp(op, call(x));
      return success();
    }
    Value result = ub::PoisonOp::create(rewriter, loc, vector);
    SmallVector<int64_t> at(vector.getRank(), 0);
    for (int64_t n = vector.getNumElements(); n > 0; --n) {
      result = vector::InsertOp::create(
          rewriter, loc, call(vector::ExtractOp::create(rewriter, loc, x, at)),
          result, at);
      for (int64_t d = vector.getRank() - 1; d >= 0; --d) {
        if (++at[d] < vector.getDimSize(d))
          break;
        at[d] = 0;
      }
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  std::string callee;
};

struct ApproximateMath : q8::impl::ApproximateMathBase<ApproximateMath> {
  using ApproximateMathBase::ApproximateMathBase;
  /// Set by the pipeline; else the `target` option is resolved through
  /// `resolver` (q8-opt).
  std::optional<q8::TargetInfo> resolved;
  q8::TargetResolver resolver;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ErfRationalF32>(&getContext(), /*benefit=*/2);
    populateMathPolynomialApproximationPatterns(patterns);
    FailureOr<q8::TargetInfo> info =
        q8::passTarget(resolved, resolver, target, getOperation());
    if (failed(info))
      return signalPassFailure();
    // x^y as exp(y log x) (with its sign and special cases), whose f32
    // exp and log the approximations above then expand: no powf call.
    math::populateExpansionPatterns(patterns, {"powf"});
    patterns.add<CallRuntimeF64<math::ExpOp>>(&getContext(), Q8_MATH_EXP_F64);
    patterns.add<CallRuntimeF64<math::LogOp>>(&getContext(), Q8_MATH_LOG_F64);
    if (!info->fma)
      math::populateExpansionPatterns(patterns, {"fma"});
    if (!info->sse41) {
      patterns.add<ExpandFloorF32>(&getContext());
      patterns.add<ExpandRoundEvenF32>(&getContext());
    }
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> q8::createApproximateMath(const TargetInfo &target) {
  auto pass = std::make_unique<ApproximateMath>();
  pass->resolved = target;
  return pass;
}

std::unique_ptr<Pass> q8::createApproximateMath(TargetResolver resolve) {
  auto pass = std::make_unique<ApproximateMath>();
  pass->resolver = std::move(resolve);
  return pass;
}
