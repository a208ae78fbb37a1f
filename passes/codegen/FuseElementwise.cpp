//===- FuseElementwise.cpp - elementwise fusion that keeps matmuls whole --===//
//
// Upstream's linalg-fuse-elementwise-ops also folds reshapes into every
// linalg op by expanding its iteration space. For a matmul followed by the
// head split of attention ([S, H*D] -> [S, H, D]) that turns linalg.matmul
// into a 5-D contraction generic with two N dims, which no longer has the
// plain M x N x K shape q8-matmul-kernels writes micro-kernels for. This is
// the same pattern set with two differences: reshapes fold only into ops
// whose loops are all parallel, and producers do not fuse into
// contractions. Elementwise chains still fuse into single
// loop nests, across reshapes.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace q8 {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// Contractions by their maps, whatever their body: upstream's
/// isaContractionOpInterface also wants the body to be a plain multiply-add,
/// which the int8 contraction with A's zero point subtracted inside,
/// (extui(a) - zp) * extsi(b), is not. Fusing a quantize into that would
/// recompute it for every (m, n, k).
bool isContraction(linalg::LinalgOp op) {
  if (linalg::isaContractionOpInterface(op))
    return true;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return false;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  return succeeded(dims) && !dims->m.empty() && !dims->n.empty() &&
         !dims->k.empty();
}

bool isAllParallel(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
}

struct FuseElementwise : q8::impl::FuseElementwiseBase<FuseElementwise> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Fuse into a consumer only a producer nothing else reads, and never
    // into a contraction: its operands stay plain buffers (an im2col
    // gather fused into it would make it a direct convolution again).
    linalg::ControlFusionFn singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    // Nor a producer that reads its own init: an accumulation whose
    // reduction loops are all unit (a 1x1 depthwise conv canonicalizes to
    // `out = in * w + out`) looks elementwise, but fused into a consumer
    // that iterates more often (a broadcast) it adds into the same element
    // once per consumer iteration (graph fuzzer, seed 30754: 12x).
    linalg::ControlFusionFn notIntoContraction = [&](OpOperand *fused) {
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      auto producer = fused->get().getDefiningOp<linalg::LinalgOp>();
      if (producer &&
          llvm::any_of(producer.getDpsInitsMutable(), [&](OpOperand &init) {
            return producer.payloadUsesValueFromOperand(&init);
          }))
        return false;
      return singleUse(fused) &&
             !(consumer && isContraction(consumer));
    };
    // A reshape folds into the linalg op on the other side of it only when
    // that op is elementwise (or a broadcast, transpose, ...).
    linalg::ControlFusionFn reshapeIntoParallel = [&](OpOperand *fused) {
      if (!singleUse(fused))
        return false;
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      Operation *linalgSide =
          isa<linalg::LinalgOp>(consumer) ? consumer : producer;
      return isAllParallel(linalgSide);
    };

    // Transposes as generics, so that they fuse like any elementwise op: a
    // head split's transpose then costs no pass of its own, its permuted
    // read folds into the op that consumes it (a quantize, say).
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk(
        [&](linalg::TransposeOp op) { transposes.push_back(op); });
    IRRewriter rewriter(context);
    for (linalg::TransposeOp op : transposes) {
      rewriter.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rewriter, op);
    }

    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, notIntoContraction);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      reshapeIntoParallel);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, singleUse);

    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
