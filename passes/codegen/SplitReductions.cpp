//===- SplitReductions.cpp - innermost float reductions in 16 lanes -------===//
//
// A float reduction along the innermost loop (LayerNorm's mean and
// variance, Softmax's max and sum) vectorizes into one ordered
// `vector.reduction` per tile: LLVM may not reassociate it, so it runs as
// a chain of scalar adds, one latency (3-4 cycles) per element. Upstream's
// linalg::splitReduction (innerParallel) rewrites it into 16 interleaved
// partial results, element k going to lane k mod 16, then one reduction of
// the 16 partials in order. The lane count is fixed, not the target's
// vector width, so every target computes the same sums in the same order
// and stays bit-identical to the generic one.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace q8 {
#define GEN_PASS_DEF_SPLITREDUCTIONS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The partial results per reduction: one AVX-512 vector, two AVX2 ones.
constexpr int64_t kLanes = 16;

/// Whether `op` reduces floats along its innermost loop only, over a static
/// extent that the lanes divide at least twice, with static shapes. Contractions and
/// convolutions are left whole for q8-matmul-kernels.
bool isSplittable(linalg::LinalgOp op) {
  if (linalg::isaContractionOpInterface(op) ||
      linalg::isaConvolutionOpInterface(op))
    return false;
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 1 || !op.hasOnlyProjectedPermutations())
    return false;
  if (!isa<FloatType>(getElementTypeOrSelf(op.getDpsInits()[0].getType())))
    return false;
  SmallVector<unsigned> dims;
  op.getReductionDims(dims);
  unsigned innermost = op.getNumLoops() - 1;
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  // The reduction's extent static (the parallel ones may be a dynamic
  // extent's rows: see fixPartials).
  if (dims.front() != innermost || ShapedType::isDynamic(extents[innermost]))
    return false;
  int64_t extent = extents[innermost];
  return extent % kLanes == 0 && extent >= 2 * kLanes;
}

/// Upstream's splitReduction makes the partials' tensor.empty from static
/// loop ranges only: where a parallel dim is dynamic (a dynamic extent's
/// rows) it lacks that dim's size. Gives it the size of the original
/// result's dim, which the combining op still writes, before anything
/// verifies the IR.
void fixPartials(RewriterBase &rewriter, linalg::SplitReductionResult &split,
                 int64_t lanes) {
  auto empty = dyn_cast<tensor::EmptyOp>(split.initOrAlloc);
  if (!empty)
    return;
  auto type = cast<RankedTensorType>(empty.getType());
  if (type.getNumDynamicDims() == (int64_t)empty.getDynamicSizes().size())
    return;
  // The partials are the original output's dims with the lanes' dim
  // inserted: the last position whose removal leaves the output's shape.
  Value init = split.resultCombiningLinalgOp.getDpsInits()[0];
  ArrayRef<int64_t> output = cast<RankedTensorType>(init.getType()).getShape();
  int64_t index = -1;
  for (int64_t i = type.getRank() - 1; i >= 0 && index < 0; --i) {
    SmallVector<int64_t> without(type.getShape());
    without.erase(without.begin() + i);
    if (type.getDimSize(i) == lanes && ArrayRef<int64_t>(without) == output)
      index = i;
  }
  if (index < 0)
    return;
  rewriter.setInsertionPoint(empty);
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(rewriter, empty.getLoc(), init,
                                            d < index ? d : d - 1));
  rewriter.replaceOpWithNewOp<tensor::EmptyOp>(empty, type, sizes);
}

struct SplitReductions : q8::impl::SplitReductionsBase<SplitReductions> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isSplittable(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      // The partials' dim goes last in the intermediate result, so the 16
      // lanes are contiguous: [parallel dims..., 16].
      auto control = [](linalg::LinalgOp op) {
        linalg::SplitReductionOptions options;
        options.ratio = kLanes;
        options.index = op.getNumParallelLoops();
        options.innerParallel = true;
        return options;
      };
      // A reduction splitReduction cannot match (several combiners, one
      // without a neutral element) stays an ordered one: correct, slower.
      FailureOr<linalg::SplitReductionResult> split =
          linalg::splitReduction(rewriter, op, control);
      if (succeeded(split))
        fixPartials(rewriter, *split, kLanes);
    }
  }
};

} // namespace
