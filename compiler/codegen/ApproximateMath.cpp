//===- ApproximateMath.cpp - polynomial approximations for f32 math -------===//
//
// LLVM has no vector exp/erf/tanh; without approximations these scalarize
// into libm calls. Upstream exposes the patterns but only a test pass.
// Targets without FMA or SSE4.1 rounding (generic: SSE2) would still call
// libm's fmaf and floorf for the approximations' math.fma and math.floor,
// so there those are expanded too (mul + add; a convert-based floor).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Passes.h"
#include "compiler/codegen/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

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
    auto splat = [&](float value) -> Value {
      TypedAttr attr = rewriter.getF32FloatAttr(value);
      if (auto vector = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vector, rewriter.getF32FloatAttr(value));
      return arith::ConstantOp::create(rewriter, loc, attr);
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

struct ApproximateMath : q8::impl::ApproximateMathBase<ApproximateMath> {
  using ApproximateMathBase::ApproximateMathBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    std::optional<q8::TargetInfo> info = q8::resolveTarget(target);
    if (!info) {
      getOperation().emitError() << "unknown target '" << target << "'";
      return signalPassFailure();
    }
    SmallVector<StringRef> features;
    StringRef(info->features).split(features, ',');
    auto has = [&](StringRef feature) {
      return llvm::is_contained(features, feature);
    };
    // The named targets imply their features by CPU level; host spells
    // them out.
    StringRef cpu = info->cpu;
    bool v3 = cpu == "x86-64-v3" || cpu == "x86-64-v4";
    bool v2 = v3 || cpu == "x86-64-v2";
    if (!v3 && !has("+fma"))
      math::populateExpansionPatterns(patterns, {"fma"});
    if (!v2 && !has("+sse4.1"))
      patterns.add<ExpandFloorF32>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
