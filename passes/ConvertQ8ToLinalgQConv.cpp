//===- ConvertQ8ToLinalgQConv.cpp - q8.qconv to linalg --------------------===//
//
// The generic int8 convolution, any group and any spatial rank. The input
// is padded with its zero point, so that a padded tap contributes zx * w
// like every other tap and the zero-point correction (bias[m] +
// zeroPointCorrection(zx, w[m, :]), compile time) removes it exactly. Then
// one of three contractions, by shape:
//  - group 1, a constant symmetric weight (what q8-quantize makes): im2col.
//    The padded input goes to [N, spatial..., C] once; each filter tap k is
//    a strided slice of it, [N, O..., C], copied into the column buffer
//    col[N, O..., k..., C] by one copy inside an scf.for nest over the
//    kernel dims (not one tensor.insert_slice per tap: One-Shot
//    Bufferize's analysis of such a chain grows with about the 4th power
//    of its length, minutes for a 256-tap kernel, and unrolled copies
//    grow the code with the kernel); col as [N*O, K*C] times the weight reordered
//    at compile time to [K*C, M] is q8.qlinear's own matmul-shaped
//    contraction (buildInt8Contraction), which the int8 micro-kernels
//    (passes/codegen/MatmulKernels.cpp) run. The accumulator [N*O, M]
//    goes through qlinear's epilogue per column m and a transpose gives
//    NCHW back.
//  - depthwise (group = C = M) with a constant symmetric weight: no channel
//    sum to gather for. One elementwise generic over the taps' strided
//    slices of the padded input, acc = sum_k ext(x_k) * w_k[c] with the
//    weights as per-channel inputs, then the epilogue along dim 1: NCHW
//    throughout.
//  - anything else (other groups, run-time weights, weight zero points as
//    QLinearConv imports them): one direct generic over (n, o..., g, m, c,
//    k...) reading x[n, g*C/G + c, o*s + k*d] and w as [G, M/G, C/G, k...],
//    the zero points subtracted inside when they cannot be corrected for
//    at compile time, then the epilogue over [N*O, M] and the transpose.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"
#include "passes/ConvertQ8ToLinalgInt8.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace q8;
using namespace q8::int8;
namespace qm = q8::quant;

namespace {

/// The shape of one q8.qconv and its operands as storage tensors.
struct ConvShape {
  int64_t spatial, batch, groups, outChannels, groupIn, groupOut;
  SmallVector<int64_t> outSpatial, kernel, strides, dilations;

  explicit ConvShape(QConvOp op) {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightType = cast<RankedTensorType>(op.getWeight().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    spatial = inputType.getRank() - 2;
    batch = inputType.getDimSize(0);
    groups = op.getGroup();
    outChannels = weightType.getDimSize(0);
    groupIn = weightType.getDimSize(1);
    groupOut = outChannels / groups;
    outSpatial.assign(resultType.getShape().begin() + 2,
                      resultType.getShape().end());
    kernel.assign(weightType.getShape().begin() + 2,
                  weightType.getShape().end());
    strides.assign(op.getStrides().begin(), op.getStrides().end());
    dilations.assign(op.getDilations().begin(), op.getDilations().end());
  }

  int64_t taps() const {
    int64_t count = 1;
    for (int64_t k : kernel)
      count *= k;
    return count;
  }
  /// The kernel position of tap `t` (row-major over the kernel dims).
  SmallVector<int64_t> tap(int64_t t) const {
    SmallVector<int64_t> position(spatial);
    for (int64_t i = spatial - 1; i >= 0; --i) {
      position[i] = t % kernel[i];
      t /= kernel[i];
    }
    return position;
  }
};

OpFoldResult index(OpBuilder &b, int64_t v) { return b.getIndexAttr(v); }

/// The strided window of the padded input `x` that kernel position `k`
/// reads for every output pixel, given as its start `k * dilation` per
/// spatial dim. `channelLast`: x is [N, spatial..., C] (else [N, C,
/// spatial...]).
Value tapSlice(OpBuilder &b, Location loc, Value x, const ConvShape &shape,
               ArrayRef<OpFoldResult> start, bool channelLast) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t channels = type.getDimSize(channelLast ? type.getRank() - 1 : 1);
  SmallVector<OpFoldResult> offsets = {index(b, 0)}, sizes = {index(b, shape.batch)},
                            strides = {index(b, 1)};
  SmallVector<int64_t> sliceShape = {shape.batch};
  if (!channelLast) {
    offsets.push_back(index(b, 0));
    sizes.push_back(index(b, channels));
    strides.push_back(index(b, 1));
    sliceShape.push_back(channels);
  }
  for (int64_t i = 0; i < shape.spatial; ++i) {
    offsets.push_back(start[i]);
    sizes.push_back(index(b, shape.outSpatial[i]));
    strides.push_back(index(b, shape.strides[i]));
    sliceShape.push_back(shape.outSpatial[i]);
  }
  if (channelLast) {
    offsets.push_back(index(b, 0));
    sizes.push_back(index(b, channels));
    strides.push_back(index(b, 1));
    sliceShape.push_back(channels);
  }
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(sliceShape, type.getElementType()), x,
      offsets, sizes, strides);
}

/// tapSlice at the constant kernel position `k`.
Value tapSlice(OpBuilder &b, Location loc, Value x, const ConvShape &shape,
               ArrayRef<int64_t> k, bool channelLast) {
  SmallVector<OpFoldResult> start;
  for (int64_t i = 0; i < shape.spatial; ++i)
    start.push_back(index(b, k[i] * shape.dilations[i]));
  return tapSlice(b, loc, x, shape, start, channelLast);
}

/// col[n, o..., k..., c] = xt[n, o*s + k*d..., c] for every kernel position
/// k: one strided slice copy (tensor.insert_slice) of xt [N, P..., C] into
/// col [N, O..., k..., C], inside an scf.for nest over the kernel dims
/// wider than 1 that carries col. A chain of one insert_slice per tap
/// instead costs One-Shot Bufferize's in-place analysis about the 4th power
/// of the chain's length (every insert checks every read against every
/// write of the growing alias set): a 256-tap Conv1d (an STFT basis, as in
/// Silero VAD) took 130 s to bufferize, 128 taps 9 s, 64 taps 0.6 s.
Value copyTaps(OpBuilder &b, Location loc, Value xt, Value col,
               const ConvShape &shape) {
  int64_t s = shape.spatial;
  int64_t channels = cast<RankedTensorType>(xt.getType()).getDimSize(s + 1);
  SmallVector<int64_t> looped;
  for (int64_t i = 0; i < s; ++i)
    if (shape.kernel[i] > 1)
      looped.push_back(i);
  auto copy = [&](OpBuilder &nb, Location loc, ValueRange ivs,
                  Value into) -> Value {
    // The kernel position: an induction variable, or 0 along unit dims.
    SmallVector<OpFoldResult> k(s, index(nb, 0)), start(s, index(nb, 0));
    for (auto [iv, i] : llvm::zip_equal(ivs, looped)) {
      k[i] = iv;
      start[i] = shape.dilations[i] == 1
                     ? OpFoldResult(iv)
                     : OpFoldResult(arith::MulIOp::create(
                           nb, loc, iv,
                           arith::ConstantIndexOp::create(
                               nb, loc, shape.dilations[i])));
    }
    Value slice = tapSlice(nb, loc, xt, shape, start, /*channelLast=*/true);
    SmallVector<OpFoldResult> offsets(1 + s, index(nb, 0));
    offsets.append(k);
    offsets.push_back(index(nb, 0));
    SmallVector<OpFoldResult> sizes = {index(nb, shape.batch)};
    for (int64_t o : shape.outSpatial)
      sizes.push_back(index(nb, o));
    sizes.append(s, index(nb, 1));
    sizes.push_back(index(nb, channels));
    SmallVector<OpFoldResult> strides(sizes.size(), index(nb, 1));
    return tensor::InsertSliceOp::create(nb, loc, slice, into, offsets, sizes,
                                         strides);
  };
  if (looped.empty())
    return copy(b, loc, {}, col);
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i : looped) {
    lbs.push_back(zero);
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, shape.kernel[i]));
    steps.push_back(one);
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{col},
      [&](OpBuilder &nb, Location loc, ValueRange ivs,
          ValueRange args) -> scf::ValueVector {
        return {copy(nb, loc, ivs, args.front())};
      });
  return nest.results.front();
}

/// `x` with its dims permuted: result dim i is x's dim permutation[i].
Value transpose(OpBuilder &b, Location loc, Value x,
                ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (int64_t d : permutation)
    shape.push_back(type.getDimSize(d));
  Value init = createEmpty(b, loc, type.clone(shape));
  return linalg::TransposeOp::create(b, loc, x, init, permutation)
      .getResult()[0];
}

/// An i8 constant tensor of `shape` holding `values`.
Value i8Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 ArrayRef<int8_t> values) {
  auto type = RankedTensorType::get(shape, b.getIntegerType(8));
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

struct QConvToLinalg : OpConversionPattern<QConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    QuantInfo in = getQuantInfo(getQuantElement(op.getInput().getType()));
    QuantInfo w = getQuantInfo(getQuantElement(op.getWeight().getType()));
    int32_t zx = in.params.front().zeroPoint;
    ConvShape shape(op);

    // The input padded with its zero point.
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> low(2, 0), high(2, 0);
    low.append(pads.begin(), pads.begin() + shape.spatial);
    high.append(pads.begin() + shape.spatial, pads.end());
    Value x = asStorage(rewriter, loc, adaptor.getInput());
    Type storage = cast<RankedTensorType>(x.getType()).getElementType();
    x = padConstant(rewriter, loc, x, low, high,
                    createScalar(rewriter, loc, storage, zx));

    std::optional<SmallVector<int8_t>> weightData;
    bool weightZeroPoints = llvm::any_of(
        w.params, [](const qm::QuantParams &p) { return p.zeroPoint != 0; });
    if (w.isSigned && !weightZeroPoints)
      weightData = getConstantStorage(op.getWeight());
    int64_t perChannel = shape.groupIn * shape.taps();
    SmallVector<int64_t> corrections;
    if (weightData && zx != 0)
      for (int64_t c = 0; c < shape.outChannels; ++c)
        corrections.push_back(qm::zeroPointCorrection(
            zx, ArrayRef<int8_t>(*weightData).slice(c * perChannel,
                                                    perChannel)));
    Int8Epilogue epilogue = getEpilogue(op, adaptor.getBias(), in, w,
                                        shape.outChannels, corrections);

    Value result;
    if (weightData && shape.groups == 1) {
      FailureOr<Value> acc = im2col(rewriter, loc, x, *weightData, shape, in, w);
      result = pixelsToNchw(rewriter, op, *acc, epilogue, shape);
    } else if (weightData && shape.groupIn == 1 && shape.groupOut == 1) {
      Value acc = depthwise(rewriter, loc, x, *weightData, shape, in, w);
      epilogue.channelDim = 1;
      FailureOr<Value> out = buildInt8Epilogue(rewriter, op, acc, epilogue);
      if (failed(out))
        return failure();
      result = *out;
    } else {
      Value acc = direct(rewriter, loc, x, adaptor.getWeight(), shape, in, w,
                         /*subtractInside=*/!weightData &&
                             (zx != 0 || weightZeroPoints));
      result = pixelsToNchw(rewriter, op, acc, epilogue, shape);
    }
    if (!result)
      return failure();
    if (isa<mlir::quant::QuantizedType>(resultType.getElementType()))
      replaceQuantized(rewriter, op, result);
    else
      rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// col [N*O, K*C] x weight [K*C, M] -> acc [N*O, M].
  static FailureOr<Value> im2col(OpBuilder &b, Location loc, Value x,
                                 ArrayRef<int8_t> weights,
                                 const ConvShape &shape, const QuantInfo &in,
                                 const QuantInfo &w) {
    int64_t s = shape.spatial, taps = shape.taps();
    int64_t channels = shape.groupIn, m = shape.outChannels;
    // [N, C, P...] -> [N, P..., C].
    SmallVector<int64_t> toChannelLast = {0};
    for (int64_t i = 0; i < s; ++i)
      toChannelLast.push_back(2 + i);
    toChannelLast.push_back(1);
    Value xt = transpose(b, loc, x, toChannelLast);

    SmallVector<int64_t> colShape = {shape.batch};
    colShape.append(shape.outSpatial);
    colShape.append(shape.kernel);
    colShape.push_back(channels);
    Type i8 = b.getIntegerType(8);
    Value col = copyTaps(
        b, loc, xt, createEmpty(b, loc, RankedTensorType::get(colShape, i8)),
        shape);
    int64_t pixels = shape.batch;
    for (int64_t o : shape.outSpatial)
      pixels *= o;
    int64_t k = taps * channels;
    Value rows = reshapeTo(b, loc, col, {pixels, k});

    // The int8 micro-kernels read A four bytes of K at a time (vpdpbusd,
    // vpmaddubsw; q8-matmul-kernels): a K that is no multiple of 4 would
    // leave the whole contraction to generic loops, and it is common in a
    // network's first layer (3 colour channels x 3x3 taps: K = 27, which
    // ran 12x slower than the same layer in fp32). So K is padded to a
    // multiple of 4 here, on every target: zero columns in A and zero rows
    // in the weight add nothing to any sum or to the weight's column sums,
    // so the results keep their bytes and every target still computes the
    // same ones.
    int64_t paddedK = llvm::alignTo(k, 4);
    if (paddedK != k) {
      Value filled = createFilled(
          b, loc, RankedTensorType::get({pixels, paddedK}, i8),
          createScalar(b, loc, i8, 0));
      rows = tensor::InsertSliceOp::create(
          b, loc, rows, filled, ArrayRef<OpFoldResult>{b.getIndexAttr(0),
                                                        b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(pixels), b.getIndexAttr(k)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    }

    // The weight [M, C, k...] as [k..., C, M], i.e. [K*C, M] (then the
    // zero rows of the padding).
    SmallVector<int8_t> reordered(paddedK * m, 0);
    for (int64_t oc = 0; oc < m; ++oc)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t t = 0; t < taps; ++t)
          reordered[(t * channels + c) * m + oc] =
              weights[(oc * channels + c) * taps + t];
    Value weight = i8Constant(b, loc, {paddedK, m}, reordered);
    return buildInt8Contraction(b, loc, rows, weight, in, w,
                                /*subtractInside=*/false);
  }

  /// acc[n, c, o...] = sum over taps k of ext(x_k[n, c, o...]) * w[c, k].
  static Value depthwise(OpBuilder &b, Location loc, Value x,
                         ArrayRef<int8_t> weights, const ConvShape &shape,
                         const QuantInfo &in, const QuantInfo &w) {
    MLIRContext *context = b.getContext();
    int64_t taps = shape.taps(), channels = shape.outChannels;
    int64_t rank = shape.spatial + 2;
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (int64_t t = 0; t < taps; ++t) {
      inputs.push_back(tapSlice(b, loc, x, shape, shape.tap(t),
                                /*channelLast=*/false));
      maps.push_back(b.getMultiDimIdentityMap(rank));
    }
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context);
    for (int64_t t = 0; t < taps; ++t) {
      SmallVector<int8_t> column(channels);
      for (int64_t c = 0; c < channels; ++c)
        column[c] = weights[c * taps + t];
      inputs.push_back(i8Constant(b, loc, {channels}, column));
      maps.push_back(channel);
    }
    SmallVector<int64_t> accShape = {shape.batch, channels};
    accShape.append(shape.outSpatial);
    Type i32 = b.getI32Type();
    auto accType = RankedTensorType::get(accShape, i32);
    return createParallelGeneric(
        b, loc, accType, inputs, maps,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value acc = createScalar(b, loc, i32, 0);
          for (int64_t t = 0; t < taps; ++t)
            acc = multiplyAccumulate(b, loc, args[t], args[taps + t], acc, in,
                                     w, Value());
          return acc;
        });
  }

  /// The direct contraction over (n, o..., g, m, c, k...): acc [N*O, M].
  static Value direct(OpBuilder &b, Location loc, Value x, Value weightOperand,
                      const ConvShape &shape, const QuantInfo &in,
                      const QuantInfo &w, bool subtractInside) {
    MLIRContext *context = b.getContext();
    int64_t s = shape.spatial;
    Type i32 = b.getI32Type();
    // The weight as [G, M/G, C/G, k...].
    SmallVector<int64_t> groupedShape = {shape.groups, shape.groupOut,
                                         shape.groupIn};
    groupedShape.append(shape.kernel);
    Value weight =
        reshapeTo(b, loc, asStorage(b, loc, weightOperand), groupedShape);

    unsigned loops = 2 * s + 4;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    AffineExpr dn = dim(0), dg = dim(s + 1), dm = dim(s + 2), dc = dim(s + 3);
    SmallVector<AffineExpr> inputExprs = {dn, dg * shape.groupIn + dc};
    SmallVector<AffineExpr> weightExprs = {dg, dm, dc};
    SmallVector<AffineExpr> accExprs = {dn};
    for (int64_t i = 0; i < s; ++i) {
      AffineExpr o = dim(1 + i), k = dim(s + 4 + i);
      inputExprs.push_back(o * shape.strides[i] + k * shape.dilations[i]);
      weightExprs.push_back(k);
      accExprs.push_back(o);
    }
    accExprs.append({dg, dm});
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, inputExprs, context),
        AffineMap::get(loops, 0, weightExprs, context)};
    SmallVector<Value> inputs = {x, weight};
    ParamInputs zeroPoints;
    ChannelParam zw{{}, i32};
    for (int64_t c = 0; c < shape.outChannels; ++c)
      zw.values.push_back(w.channel(c).zeroPoint);
    if (subtractInside) {
      zeroPoints.add(b, loc, zw,
                     AffineMap::get(loops, 0, {dg * shape.groupOut + dm},
                                    context));
      inputs.append(zeroPoints.inputs);
      maps.append(zeroPoints.maps);
    }
    maps.push_back(AffineMap::get(loops, 0, accExprs, context));

    SmallVector<int64_t> accShape = {shape.batch};
    accShape.append(shape.outSpatial);
    accShape.append({shape.groups, shape.groupOut});
    auto accType = RankedTensorType::get(accShape, i32);
    SmallVector<utils::IteratorType> iterators(s + 3,
                                               utils::IteratorType::parallel);
    iterators.append(s + 1, utils::IteratorType::reduction);
    Value acc = buildInt8Reduction(b, loc, accType, inputs, maps, iterators, in,
                                   w, subtractInside ? &zeroPoints : nullptr,
                                   zw);
    int64_t pixels = accType.getNumElements() / shape.outChannels;
    return reshapeTo(b, loc, acc, {pixels, shape.outChannels});
  }

  /// The epilogue over acc [N*O, M], then [N, O..., M] -> [N, M, O...];
  /// null on failure.
  static Value pixelsToNchw(ConversionPatternRewriter &rewriter, QConvOp op,
                            Value acc, const Int8Epilogue &epilogue,
                            const ConvShape &shape) {
    Location loc = op.getLoc();
    FailureOr<Value> flat = buildInt8Epilogue(rewriter, op, acc, epilogue);
    if (failed(flat))
      return {};
    SmallVector<int64_t> pixelMajor = {shape.batch};
    pixelMajor.append(shape.outSpatial);
    pixelMajor.push_back(shape.outChannels);
    Value expanded = reshapeTo(rewriter, loc, *flat, pixelMajor);
    SmallVector<int64_t> permutation = {0, shape.spatial + 1};
    for (int64_t i = 0; i < shape.spatial; ++i)
      permutation.push_back(1 + i);
    return transpose(rewriter, loc, expanded, permutation);
  }
};

} // namespace

void q8::populateQ8QConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<QConvToLinalg>(patterns.getContext());
}
