//===- ConvertQ8ToLinalgQConv.cpp - q8.qconv to linalg --------------------===//
//
// The generic int8 convolution, any group (depthwise is group == C) and any
// spatial rank. For an NCHW input with zero point zx and a constant,
// symmetric weight:
//   %xp  = tensor.pad %x low[0, 0, pb...] high[0, 0, pe...] (zx)
//   %acc = linalg.generic (n, o..., g, m, c, k...) ins(%xp, %w) outs([N, O..., G, M/G] i32)
//            { acc + ext(xp[n, g*C/G + c, o*s + k*d]) * extsi(w[g, m, c, k]) }
//   %y   = the q8.qlinear epilogue over %acc as [N*O, M]
//            (+ bias[m] + zeroPointCorrection(zx, w[m, :]), scale or
//             requantize, activation)
//   %r   = linalg.transpose %y as [N, O..., M] to [N, M, O...]
// Padding with zx makes a padded tap contribute zx * w, which the
// correction removes like every other tap's zx * w: the padded border is
// exact. The accumulator is laid out [output pixels, M] so that the
// epilogue is q8.qlinear's own (ConvertQ8ToLinalgInt8.h), per column m.
// With a run-time weight (or weight zero points) the zero points are
// subtracted inside the contraction instead, as q8.qlinear does.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"
#include "passes/ConvertQ8ToLinalgInt8.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace q8;
using namespace q8::int8;
namespace qm = q8::quant;

namespace {

struct QConvToLinalg : OpConversionPattern<QConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    QuantInfo in = getQuantInfo(getQuantElement(inputType));
    QuantInfo w = getQuantInfo(getQuantElement(weightType));
    Type i32 = rewriter.getI32Type();
    int32_t zx = in.params.front().zeroPoint;

    int64_t spatial = inputType.getRank() - 2;
    int64_t batch = inputType.getDimSize(0);
    int64_t groups = op.getGroup();
    int64_t outChannels = weightType.getDimSize(0);
    int64_t groupIn = weightType.getDimSize(1), groupOut = outChannels / groups;
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();
    ArrayRef<int64_t> outSpatial = resultType.getShape().drop_front(2);
    ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);

    // The input padded with its zero point.
    SmallVector<int64_t> low(2, 0), high(2, 0);
    low.append(pads.begin(), pads.begin() + spatial);
    high.append(pads.begin() + spatial, pads.end());
    Value x = asStorage(rewriter, loc, adaptor.getInput());
    Type storage = cast<RankedTensorType>(x.getType()).getElementType();
    x = padConstant(rewriter, loc, x, low, high,
                    createScalar(rewriter, loc, storage, zx));

    // The weight as [G, M/G, C/G, k...].
    SmallVector<int64_t> groupedShape = {groups, groupOut, groupIn};
    groupedShape.append(kernel.begin(), kernel.end());
    Value weight = reshapeTo(rewriter, loc,
                             asStorage(rewriter, loc, adaptor.getWeight()),
                             groupedShape);

    std::optional<SmallVector<int8_t>> weightData;
    bool weightZeroPoints = llvm::any_of(
        w.params, [](const qm::QuantParams &p) { return p.zeroPoint != 0; });
    if (w.isSigned && !weightZeroPoints)
      weightData = getConstantStorage(op.getWeight());
    bool subtractInside = !weightData && (zx != 0 || weightZeroPoints);

    // Loops: n, o_1..o_S, g, m, c, k_1..k_S.
    unsigned loops = 2 * spatial + 4;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    AffineExpr dn = dim(0), dg = dim(spatial + 1), dm = dim(spatial + 2),
               dc = dim(spatial + 3);
    SmallVector<AffineExpr> inputExprs = {dn, dg * groupIn + dc};
    SmallVector<AffineExpr> weightExprs = {dg, dm, dc};
    SmallVector<AffineExpr> accExprs = {dn};
    for (int64_t i = 0; i < spatial; ++i) {
      AffineExpr o = dim(1 + i), k = dim(spatial + 4 + i);
      inputExprs.push_back(o * strides[i] + k * dilations[i]);
      weightExprs.push_back(k);
      accExprs.push_back(o);
    }
    accExprs.append({dg, dm});
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, inputExprs, context),
        AffineMap::get(loops, 0, weightExprs, context)};
    SmallVector<Value> inputs = {x, weight};
    ParamInputs contractionParams;
    ChannelParam zw{{}, i32};
    for (int64_t c = 0; c < outChannels; ++c)
      zw.values.push_back(w.channel(c).zeroPoint);
    if (subtractInside) {
      contractionParams.add(
          rewriter, loc, zw,
          AffineMap::get(loops, 0, {dg * groupOut + dm}, context));
      inputs.append(contractionParams.inputs);
      maps.append(contractionParams.maps);
    }
    maps.push_back(AffineMap::get(loops, 0, accExprs, context));

    SmallVector<int64_t> accShape = {batch};
    accShape.append(outSpatial.begin(), outSpatial.end());
    accShape.append({groups, groupOut});
    auto accType = RankedTensorType::get(accShape, i32);
    SmallVector<utils::IteratorType> iterators(spatial + 3,
                                               utils::IteratorType::parallel);
    iterators.append(spatial + 1, utils::IteratorType::reduction);
    Value zeros = createFilled(rewriter, loc, accType,
                               createScalar(rewriter, loc, i32, 0));
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{accType}, inputs, ValueRange{zeros}, maps,
            iterators,
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value a = extend(b, loc, args[0], i32, in.isSigned);
              Value bw = extend(b, loc, args[1], i32, w.isSigned);
              if (subtractInside) {
                a = arith::SubIOp::create(b, loc, a,
                                          createScalar(b, loc, i32, zx));
                bw = arith::SubIOp::create(
                    b, loc, bw,
                    contractionParams.get(b, loc, zw, 0,
                                          args.drop_front(2).drop_back()));
              }
              Value product = arith::MulIOp::create(b, loc, a, bw);
              linalg::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddIOp::create(b, loc, args.back(),
                                                   product)});
            })
            .getResult(0);
    int64_t pixels = accType.getNumElements() / outChannels;
    acc = reshapeTo(rewriter, loc, acc, {pixels, outChannels});

    // The epilogue, per output channel m.
    Int8Epilogue epilogue;
    epilogue.activation = op.getActivation();
    if (FloatAttr attr = op.getClipMinAttr())
      epilogue.clipMin = attr.getValueAsDouble();
    if (FloatAttr attr = op.getClipMaxAttr())
      epilogue.clipMax = attr.getValueAsDouble();
    epilogue.resultElement = resultType.getElementType();
    epilogue.inputScale = in.params.front().scale;
    for (int64_t c = 0; c < outChannels; ++c)
      epilogue.weightScales.push_back(w.channel(c).scale);
    epilogue.column.assign(outChannels, 0);
    int64_t perChannel = weightType.getNumElements() / outChannels;
    if (weightData && zx != 0)
      for (int64_t c = 0; c < outChannels; ++c)
        epilogue.column[c] = qm::zeroPointCorrection(
            zx, ArrayRef<int8_t>(*weightData).slice(c * perChannel,
                                                    perChannel));
    if (Value bias = op.getBias()) {
      if (auto values = getConstantI32(bias)) {
        for (int64_t c = 0; c < outChannels; ++c)
          epilogue.column[c] = static_cast<int32_t>(static_cast<uint32_t>(
              epilogue.column[c] + (*values)[c]));
      } else {
        epilogue.runtimeBias = adaptor.getBias();
      }
    }
    FailureOr<Value> flat = buildInt8Epilogue(rewriter, op, acc, epilogue);
    if (failed(flat))
      return failure();

    // [N*O, M] -> [N, O..., M] -> [N, M, O...].
    SmallVector<int64_t> pixelMajor = {batch};
    pixelMajor.append(outSpatial.begin(), outSpatial.end());
    pixelMajor.push_back(outChannels);
    Value expanded = reshapeTo(rewriter, loc, *flat, pixelMajor);
    SmallVector<int64_t> permutation = {0, spatial + 1};
    for (int64_t i = 0; i < spatial; ++i)
      permutation.push_back(1 + i);
    Type element = cast<RankedTensorType>(expanded.getType()).getElementType();
    Value init =
        createEmpty(rewriter, loc, RankedTensorType::get(resultType.getShape(),
                                                         element));
    Value result = linalg::TransposeOp::create(rewriter, loc, expanded, init,
                                               permutation)
                       .getResult()[0];
    if (isa<mlir::quant::QuantizedType>(resultType.getElementType()))
      replaceQuantized(rewriter, op, result);
    else
      rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8QConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<QConvToLinalg>(patterns.getContext());
}
