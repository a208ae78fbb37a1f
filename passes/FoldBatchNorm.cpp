//===- FoldBatchNorm.cpp - fold inference BatchNormalization into conv ----===//
//
// Exported CNNs (torch.onnx without training-mode fusion, Keras converters)
// keep Conv -> BatchNormalization pairs. In inference both are affine per
// output channel, so the pair is one conv with rescaled weights and a new
// bias. Folding them here means quantization later sees the weights that
// actually run, and the batch_norm costs nothing.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "passes/ConstantData.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace q8 {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;

namespace {

/// Rewrites
///   %y = q8.conv(%x, %W, %b)
///   %z = q8.batch_norm(%y, %scale, %bias, %mean, %var) {epsilon}
/// into
///   %z = q8.conv(%x, %W', %b')
/// with, per output channel m and k = scale[m] / sqrt(var[m] + epsilon),
///   W'[m] = W[m] * k,   b'[m] = (b[m] - mean[m]) * k + bias[m].
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv)
      return rewriter.notifyMatchFailure(bn, "input is not a q8.conv");
    if (!conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "conv has other users");

    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    auto weight = readF32Constant(conv.getWeight());
    auto scale = readF32Constant(bn.getScale());
    auto shift = readF32Constant(bn.getBias());
    auto mean = readF32Constant(bn.getMean());
    auto variance = readF32Constant(bn.getVariance());
    if (!weight || !scale || !shift || !mean || !variance)
      return rewriter.notifyMatchFailure(
          bn, "conv weight or batch_norm parameters are not f32 constants");
    std::optional<SmallVector<float>> bias;
    if (conv.getBias()) {
      bias = readF32Constant(conv.getBias());
      if (!bias)
        return rewriter.notifyMatchFailure(bn, "conv bias is not constant");
    }

    int64_t channels = weightType.getDimSize(0);
    int64_t perChannel = weightType.getNumElements() / channels;
    SmallVector<float> newBias(channels);
    float epsilon = bn.getEpsilon().convertToFloat();
    for (int64_t m = 0; m < channels; ++m) {
      float k = (*scale)[m] / std::sqrt((*variance)[m] + epsilon);
      for (int64_t i = 0; i < perChannel; ++i)
        (*weight)[m * perChannel + i] *= k;
      float b = bias ? (*bias)[m] : 0.0f;
      newBias[m] = (b - (*mean)[m]) * k + (*shift)[m];
    }

    Location loc = bn.getLoc();
    auto biasType = RankedTensorType::get({channels}, rewriter.getF32Type());
    Value newWeight = ConstantOp::create(
        rewriter, loc, makeF32Constant(weightType, *weight, "folded_weight"));
    Value newBiasValue = ConstantOp::create(
        rewriter, loc, makeF32Constant(biasType, newBias, "folded_bias"));
    rewriter.replaceOpWithNewOp<ConvOp>(
        bn, conv.getInput(), newWeight, newBiasValue, conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldBatchNorm : q8::impl::FoldBatchNormBase<FoldBatchNorm> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
