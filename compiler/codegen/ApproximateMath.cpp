//===- ApproximateMath.cpp - polynomial approximations for f32 math -------===//
//
// LLVM has no vector exp/erf/tanh; without approximations these scalarize
// into libm calls. Upstream exposes the patterns but only a test pass.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

struct ApproximateMath : q8::impl::ApproximateMathBase<ApproximateMath> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
