//===- ConvToMatmul.cpp - 2-D convolutions as im2col + contraction --------===//
//
// A direct 2-D convolution does not vectorize in linalg (only 1-D ones do),
// so it would run as scalar loops. As im2col it becomes a gather into a
// [N, C*KH*KW, OH*OW] column buffer and a contraction
// out[n, f, p] += W[f, k] * col[n, k, p] that q8-matmul-kernels runs on its
// micro-kernels, vectorized along the output pixels p.
//
// NCHW (what q8-convert-to-linalg emits) builds the column buffer itself,
// one strided slice copy per filter tap: col[n, (c, kh, kw), (oh, ow)] =
// x[n, c, oh*s + kh*d, ow*s + kw*d] is, for a fixed (kh, kw), a slice of x
// with strides (s, s) inserted as a [N, C, OH, OW] block, inside an scf.for
// nest over (kh, kw) (not one tensor.insert_slice per tap: One-Shot
// Bufferize's analysis of such a chain grows with about the 4th power of
// its length; a 16x16 patch-embedding convolution took 170 s to compile).
// Those copies vectorize along ow; upstream's im2col (linalg::rewriteInIm2Col, used for
// NHWC) is one generic whose floordiv/mod input map does not, and takes
// unit dilations only. NCHW depthwise convolutions, which have no channel
// reduction to amortize a gather, become one elementwise generic over the
// taps' slices instead; other grouped convolutions stay direct.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

namespace q8 {
#define GEN_PASS_DEF_CONVTOMATMUL
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The input window one filter tap (kh, kw) of a static NCHW convolution
/// reads for every output pixel: x[:, :, kh*d + oh*s, kw*d + ow*s] as a
/// strided [N, C, OH, OW] slice.
struct TapSlices {
  TapSlices(Value input, RankedTensorType outType, ArrayRef<int64_t> strides,
            ArrayRef<int64_t> dilations)
      : input(input), strides(strides), dilations(dilations) {
    auto inputType = cast<RankedTensorType>(input.getType());
    type = RankedTensorType::get({inputType.getDimSize(0),
                                  inputType.getDimSize(1),
                                  outType.getDimSize(2), outType.getDimSize(3)},
                                 inputType.getElementType());
  }

  Value tap(OpBuilder &b, Location loc, int64_t kh, int64_t kw) const {
    return tap(b, loc, b.getIndexAttr(kh * dilations[0]),
               b.getIndexAttr(kw * dilations[1]));
  }

  /// The tap whose window starts at row `h`, column `w` of the input.
  Value tap(OpBuilder &b, Location loc, OpFoldResult h, OpFoldResult w) const {
    auto index = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
    ArrayRef<int64_t> shape = type.getShape();
    return tensor::ExtractSliceOp::create(
        b, loc, type, input, {index(0), index(0), h, w},
        {index(shape[0]), index(shape[1]), index(shape[2]), index(shape[3])},
        {index(1), index(1), index(strides[0]), index(strides[1])});
  }

  Value input;
  ArrayRef<int64_t> strides, dilations;
  RankedTensorType type;
};

/// Rewrites a static NCHW/FCHW convolution as tap-slice im2col + a
/// contraction generic; see the file comment.
void rewriteNchw(IRRewriter &rewriter, linalg::Conv2DNchwFchwOp conv) {
  Location loc = conv.getLoc();
  Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
  Value init = conv.getOutputs()[0];
  auto inputType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  int64_t n = inputType.getDimSize(0), c = inputType.getDimSize(1);
  int64_t f = filterType.getDimSize(0), kh = filterType.getDimSize(2),
          kw = filterType.getDimSize(3);
  int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  Type element = inputType.getElementType();

  // col as [N, C, KH, KW, OH, OW]: one [N, C, OH, OW] block per tap,
  // copied in a loop nest over the kernel dims wider than 1.
  TapSlices slices(input, outType, strides, dilations);
  Value col = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{n, c, kh, kw, oh, ow}, element);
  auto copy = [&](OpBuilder &b, Location loc, OpFoldResult i, OpFoldResult j,
                  Value into) -> Value {
    // The window's start, k * dilation (k: an induction variable, or 0
    // along a unit dim).
    auto start = [&](OpFoldResult k, int64_t dilation) -> OpFoldResult {
      auto iv = dyn_cast<Value>(k);
      if (!iv || dilation == 1)
        return k;
      return arith::MulIOp::create(
                 b, loc, iv, arith::ConstantIndexOp::create(b, loc, dilation))
          .getResult();
    };
    Value tap = slices.tap(b, loc, start(i, dilations[0]),
                           start(j, dilations[1]));
    SmallVector<OpFoldResult> at = {b.getIndexAttr(0), b.getIndexAttr(0), i,
                                    j, b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> blockSizes = {
        b.getIndexAttr(n), b.getIndexAttr(c),  b.getIndexAttr(1),
        b.getIndexAttr(1), b.getIndexAttr(oh), b.getIndexAttr(ow)};
    SmallVector<OpFoldResult> ones(6, b.getIndexAttr(1));
    return tensor::InsertSliceOp::create(b, loc, tap, into, at, blockSizes,
                                         ones);
  };
  SmallVector<int64_t> kernel = {kh, kw}, looped;
  for (int64_t d = 0; d < 2; ++d)
    if (kernel[d] > 1)
      looped.push_back(d);
  if (looped.empty()) {
    col = copy(rewriter, loc, rewriter.getIndexAttr(0),
               rewriter.getIndexAttr(0), col);
  } else {
    SmallVector<Value> lbs, ubs, steps;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d : looped) {
      lbs.push_back(zero);
      ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, kernel[d]));
      steps.push_back(one);
    }
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lbs, ubs, steps, ValueRange{col},
        [&](OpBuilder &b, Location loc, ValueRange ivs,
            ValueRange args) -> scf::ValueVector {
          SmallVector<OpFoldResult> k(2, b.getIndexAttr(0));
          for (auto [iv, d] : llvm::zip_equal(ivs, looped))
            k[d] = iv;
          return {copy(b, loc, k[0], k[1], args.front())};
        });
    col = nest.results.front();
  }
  int64_t k = c * kh * kw, p = oh * ow;
  Value cols = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({n, k, p}, element), col,
      ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
  Value weights = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({f, k}, element), filter,
      ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  Value acc = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({n, f, p}, element), init,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});

  // out[n, f, p] += W[f, k] * col[n, k, p]
  MLIRContext *context = rewriter.getContext();
  AffineExpr d0, d1, d2, d3;
  bindDims(context, d0, d1, d2, d3);
  SmallVector<AffineMap> maps = {
      AffineMap::get(4, 0, {d1, d3}, context),
      AffineMap::get(4, 0, {d0, d3, d2}, context),
      AffineMap::get(4, 0, {d0, d1, d2}, context)};
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  auto matmul = linalg::GenericOp::create(
      rewriter, loc, acc.getType(), ValueRange{weights, cols}, ValueRange{acc},
      maps, iterators, [](OpBuilder &b, Location loc, ValueRange args) {
        Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
        Value sum = arith::AddFOp::create(b, loc, product, args[2]);
        linalg::YieldOp::create(b, loc, sum);
      });
  Value result = tensor::ExpandShapeOp::create(
      rewriter, loc, outType, matmul.getResult(0),
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  rewriter.replaceOp(conv, result);
}

/// Rewrites a static NCHW depthwise convolution (weights [C, KH, KW]) as
/// one elementwise generic over the output that reads every tap's strided
/// slice of the input and its per-channel weight:
///   out[n, c, oh, ow] += sum_taps x_tap[n, c, oh, ow] * w_tap[c].
/// Each input is an identity or a channel map, so the vectorizer runs it
/// along OW (the named depthwise op only vectorizes in 1-D).
void rewriteDepthwiseNchw(IRRewriter &rewriter,
                          linalg::DepthwiseConv2DNchwChwOp conv) {
  Location loc = conv.getLoc();
  Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
  Value init = conv.getOutputs()[0];
  auto inputType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  int64_t c = inputType.getDimSize(1);
  int64_t kh = filterType.getDimSize(1), kw = filterType.getDimSize(2);
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  Type element = inputType.getElementType();
  auto index = [&](int64_t v) -> OpFoldResult {
    return rewriter.getIndexAttr(v);
  };

  TapSlices slices(input, outType, strides, dilations);
  SmallVector<Value> taps, weights;
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      taps.push_back(slices.tap(rewriter, loc, i, j));
      // w[:, i, j] as a [C] tensor (rank-reducing slice).
      weights.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({c}, element), filter,
          {index(0), index(i), index(j)}, {index(c), index(1), index(1)},
          {index(1), index(1), index(1)}));
    }
  }
  MLIRContext *context = rewriter.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, context);
  AffineMap channel =
      AffineMap::get(4, 0, {getAffineDimExpr(1, context)}, context);
  SmallVector<AffineMap> maps(taps.size(), identity);
  maps.append(weights.size(), channel);
  maps.push_back(identity);
  SmallVector<Value> ins(taps);
  ins.append(weights);
  size_t count = taps.size();
  auto generic = linalg::GenericOp::create(
      rewriter, loc, outType, ins, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
      [count](OpBuilder &b, Location loc, ValueRange args) {
        Value acc = args.back();
        // mul + add, not math.fma: the generic target has no FMA, where
        // math.fma would become a libm call per element.
        for (size_t t = 0; t < count; ++t)
          acc = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, args[t], args[count + t]),
              acc);
        linalg::YieldOp::create(b, loc, acc);
      });
  rewriter.replaceOp(conv, generic.getResult(0));
}

struct ConvToMatmul : q8::impl::ConvToMatmulBase<ConvToMatmul> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> convs;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::Conv2DNhwcHwcfOp,
              linalg::DepthwiseConv2DNchwChwOp>(op) &&
          op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
          cast<ShapedType>(op.getDpsInputOperand(0)->get().getType())
              .getElementType()
              .isF32())
        convs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp conv : convs) {
      rewriter.setInsertionPoint(conv);
      if (auto nchw = dyn_cast<linalg::Conv2DNchwFchwOp>(conv.getOperation()))
        rewriteNchw(rewriter, nchw);
      else if (auto dw =
                   dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(conv.getOperation()))
        rewriteDepthwiseNchw(rewriter, dw);
      else // upstream's im2col; a dilated conv it rejects stays direct
        (void)linalg::rewriteInIm2Col(
            rewriter, cast<linalg::Conv2DNhwcHwcfOp>(conv.getOperation()));
    }
  }
};

} // namespace
