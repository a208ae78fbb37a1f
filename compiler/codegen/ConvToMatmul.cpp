//===- ConvToMatmul.cpp - 2-D convolutions as im2col + contraction --------===//
//
// A direct 2-D convolution does not vectorize in linalg (only 1-D ones do),
// so it would run as scalar loops. Rewritten by upstream's im2col
// (linalg::rewriteInIm2Col) it becomes a gather into a [N, C*KH*KW, OH*OW]
// column buffer and a contraction out[n, f, p] += W[f, k] * col[n, k, p]
// that q8-matmul-kernels runs on its micro-kernels, vectorized along the
// output pixels p. Depthwise and grouped convolutions keep their direct
// form: they have no reduction over channels to amortize the gather. So do
// dilated ones, which upstream's im2col rejects.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace q8 {
#define GEN_PASS_DEF_CONVTOMATMUL
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

struct ConvToMatmul : q8::impl::ConvToMatmulBase<ConvToMatmul> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> convs;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp>(op) &&
          op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
          cast<ShapedType>(op.getDpsInputOperand(0)->get().getType())
              .getElementType()
              .isF32())
        convs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp conv : convs) {
      rewriter.setInsertionPoint(conv);
      // A conv im2col cannot express (dilations) stays direct.
      if (auto nchw = dyn_cast<linalg::Conv2DNchwFchwOp>(conv.getOperation()))
        (void)linalg::rewriteInIm2Col(rewriter, nchw);
      else
        (void)linalg::rewriteInIm2Col(
            rewriter, cast<linalg::Conv2DNhwcHwcfOp>(conv.getOperation()));
    }
  }
};

} // namespace
