//===- ConvertQ8ToLinalgResize.cpp - q8.resize to linalg ------------------===//
//
// q8.resize has static sizes and scales, so everything about an output
// coordinate that does not depend on the data is known at compile time:
// along each dim d, output index x reads the input at a few taps
// (index, weight). The pattern computes those taps here, in double
// precision and by the same steps as ONNX's reference implementation
// (onnx/backend/test/case/node/resize.py: the coordinate transform, the
// ratio in (0, 1], the n nearest neighbours of the edge-padded axis,
// exclude_outside's renormalization), and stores them as small constant
// tables, one [out_d] table per tap for the index and one for the weight.
// The resize itself is one linalg.generic over the output whose body reads
// the tables through its indexing maps and gathers with tensor.extract:
//
//   out[x0, .., xn] = sum over tap combinations k of
//                       prod_d w_d,k_d[x_d] * in[i_0,k_0[x_0], .., i_n,k_n[x_n]]
//
// which is the separable interpolation the reference computes dim by dim.
// A dim whose every output reads one input element with weight 1 (nearest,
// or a linear/cubic dim sampled at integer coordinates) has one tap and no
// weight; one that reads input index x at output x (scale 1) reads
// linalg.index directly. So a 4-D NCHW cubic resize has 16 taps, not 256.
//
// Where ONNX's spec and its reference differ, the reference is followed,
// since its outputs are the conformance data: the resized length in the
// align_corners and pytorch_half_pixel formulas is input * scale (a real
// number), not the integer output size. pytorch_half_pixel maps an output
// of length 1 to coordinate 0, as the spec and ONNX Runtime say (the
// reference's -0.5 reads the same element for nearest and linear).
// When the scales were derived from sizes (the importer stores
// float(size / input)), the exact ratio size / input is used, as the
// reference does: a scale equal to that rounded ratio is taken to be it.
//
// tf_crop_and_resize needs the roi input, which q8.resize does not carry:
// the pattern rejects it with a diagnostic (the importer does not produce
// it). extrapolation_value only applies to that mode.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace q8;

namespace {

/// One interpolation weight per neighbour of the original coordinate,
/// `ratio` in (0, 1] being its distance past the floor (1 at an integer).
using CoeffFn = llvm::function_ref<SmallVector<double>(double)>;

SmallVector<double> nearestCoeffs(double ratio, NearestMode mode) {
  if (ratio == 1.0)
    return {0, 1};
  bool ceil;
  switch (mode) {
  case NearestMode::RoundPreferFloor:
    ceil = ratio > 0.5;
    break;
  case NearestMode::RoundPreferCeil:
    ceil = ratio >= 0.5;
    break;
  case NearestMode::Floor:
    ceil = false;
    break;
  case NearestMode::Ceil:
    ceil = true;
    break;
  }
  return {ceil ? 0.0 : 1.0, ceil ? 1.0 : 0.0};
}

SmallVector<double> linearCoeffs(double ratio) { return {1 - ratio, ratio}; }

SmallVector<double> cubicCoeffs(double ratio, double a) {
  double r1 = ratio + 1, q = 1 - ratio, q1 = q + 1;
  return {((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
          ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
          ((a + 2) * q - (a + 3)) * q * q + 1,
          ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a};
}

/// The input coordinate output index `x` maps to along a dim of `inSize`
/// resized to `outSize` with `scale` (the reference's get_original_coordinate).
double originalCoordinate(CoordinateTransformationMode mode, double x,
                          double scale, int64_t inSize, int64_t outSize) {
  using Mode = CoordinateTransformationMode;
  double resized = scale * double(inSize);
  if (mode == Mode::AlignCorners)
    return resized == 1 ? 0.0 : x * double(inSize - 1) / (resized - 1);
  if (mode == Mode::Asymmetric)
    return x / scale;
  // An output of length 1 (the integer output size, as ONNX Runtime reads
  // the spec, whatever input * scale is) reads coordinate 0.
  if (mode == Mode::PytorchHalfPixel)
    return resized == 1 || outSize == 1 ? 0.0 : (x + 0.5) / scale - 0.5;
  if (mode == Mode::HalfPixelSymmetric) {
    double adjustment = double(outSize) / resized;
    double center = double(inSize) / 2;
    double offset = center * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  // half_pixel.
  return (x + 0.5) / scale - 0.5;
}

/// The taps of one dim: `count` per output index, row-major in `index`
/// (clamped input indices) and `weight`.
struct DimTaps {
  int64_t count = 1;
  /// Output index x reads input index x with weight 1.
  bool identity = false;
  /// Every weight is 1 (one tap that needs no multiply).
  bool unitWeights = false;
  SmallVector<int32_t> index;
  SmallVector<float> weight;
};

DimTaps computeTaps(CoordinateTransformationMode transform, CoeffFn coeffsOf,
                    bool excludeOutside, double scale, int64_t inSize,
                    int64_t outSize) {
  SmallVector<SmallVector<std::pair<int64_t, double>>> perOutput;
  size_t width = 0;
  for (int64_t x = 0; x < outSize; ++x) {
    double original =
        originalCoordinate(transform, double(x), scale, inSize, outSize);
    double floorValue = std::floor(original);
    double ratio = original == floorValue ? 1.0 : original - floorValue;
    SmallVector<double> coeffs = coeffsOf(ratio);
    int64_t n = coeffs.size();
    // The n nearest indices of the axis edge-padded by ceil(n / 2), ties to
    // the smaller index, in ascending order.
    int64_t pad = (n + 1) / 2, limit = inSize + 2 * pad;
    double padded = original + double(pad);
    int64_t center = static_cast<int64_t>(
        std::clamp(std::floor(padded), 0.0, double(limit - 1)));
    SmallVector<int64_t> candidates;
    for (int64_t i = std::max<int64_t>(0, center - n);
         i < std::min(limit, center + n + 1); ++i)
      candidates.push_back(i);
    llvm::sort(candidates, [&](int64_t a, int64_t b) {
      double da = std::abs(padded - double(a)), db = std::abs(padded - double(b));
      return da < db || (da == db && a < b);
    });
    candidates.resize(n);
    llvm::sort(candidates);
    if (excludeOutside) {
      double sum = 0;
      for (auto [i, idx] : llvm::enumerate(candidates)) {
        int64_t unpadded = idx - pad;
        if (unpadded < 0 || unpadded >= inSize)
          coeffs[i] = 0;
        sum += coeffs[i];
      }
      for (double &c : coeffs)
        c /= sum;
    }
    SmallVector<std::pair<int64_t, double>> taps;
    for (auto [i, idx] : llvm::enumerate(candidates))
      if (coeffs[i] != 0)
        taps.push_back(
            {std::clamp<int64_t>(idx - pad, 0, inSize - 1), coeffs[i]});
    width = std::max(width, taps.size());
    perOutput.push_back(std::move(taps));
  }

  DimTaps result;
  result.count = std::max<size_t>(width, 1);
  result.unitWeights = result.count == 1;
  result.identity = result.count == 1 && inSize == outSize;
  for (auto [x, taps] : llvm::enumerate(perOutput)) {
    for (int64_t k = 0; k < result.count; ++k) {
      // Missing taps read index 0 with weight 0.
      auto [idx, w] = k < int64_t(taps.size()) ? taps[k]
                                               : std::pair<int64_t, double>(0, 0.0);
      result.index.push_back(idx);
      result.weight.push_back(static_cast<float>(w));
      if (w != 1.0)
        result.unitWeights = false;
      if (idx != int64_t(x))
        result.identity = false;
    }
  }
  result.identity = result.identity && result.unitWeights;
  return result;
}

/// Rewrites q8.resize into one linalg.generic over the output; for
/// example a 2x upsample of the last dim with mode = "linear" becomes
///   %i0 = arith.constant dense<[0, 0, 0, 1]> : tensor<4xi32>
///   %i1 = arith.constant dense<[0, 1, 1, 1]> : tensor<4xi32>
///   %w0 = arith.constant dense<[...]> : tensor<4xf32>
///   %w1 = arith.constant dense<[...]> : tensor<4xf32>
///   linalg.generic ins(%i0, %w0, %i1, %w1 : ...) outs(%empty) {
///     tensor.extract %input[linalg.index 0, index_cast %i0] * %w0
///       + tensor.extract %input[linalg.index 0, index_cast %i1] * %w1 }
struct ResizeToLinalg : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    auto elementType = dyn_cast<FloatType>(resultType.getElementType());
    if (!elementType || !inputType.hasStaticShape() ||
        !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static float tensors");
    if (inputType.getNumElements() == 0)
      return op.emitOpError("cannot resize an input without elements");
    CoordinateTransformationMode transform =
        op.getCoordinateTransformationMode();
    if (transform == CoordinateTransformationMode::TfCropAndResize)
      return op.emitOpError(
          "coordinate_transformation_mode 'tf_crop_and_resize' is not "
          "supported by the lowering: it needs the roi input, which "
          "q8.resize does not carry");

    ResizeMode mode = op.getMode();
    NearestMode nearestMode = op.getNearestMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    auto coeffsOf = [&](double ratio) -> SmallVector<double> {
      if (mode == ResizeMode::Nearest)
        return nearestCoeffs(ratio, nearestMode);
      if (mode == ResizeMode::Linear)
        return linearCoeffs(ratio);
      return cubicCoeffs(ratio, cubicA);
    };
    // exclude_outside only changes weights; nearest has one unit weight.
    bool excludeOutside = op.getExcludeOutside() && mode != ResizeMode::Nearest;

    int64_t rank = resultType.getRank();
    ArrayRef<float> scales = op.getScales();
    SmallVector<DimTaps> dims;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t inSize = inputType.getDimSize(d), outSize = resultType.getDimSize(d);
      double scale = scales[d];
      double ratio = double(outSize) / double(inSize);
      if (inSize > 0 && static_cast<float>(ratio) == scales[d])
        scale = ratio;
      dims.push_back(computeTaps(transform, coeffsOf, excludeOutside, scale,
                                 inSize, outSize));
    }

    // The tables, each read through (x0, .., xn) -> (x_d).
    MLIRContext *context = rewriter.getContext();
    SmallVector<Value> tables;
    SmallVector<AffineMap> maps;
    // Per dim and tap: the generic block argument of its index and weight
    // (-1 when none).
    SmallVector<SmallVector<std::pair<int, int>>> argOf(rank);
    for (auto [d, taps] : llvm::enumerate(dims)) {
      if (taps.identity)
        continue;
      int64_t outSize = resultType.getDimSize(d);
      AffineMap map = AffineMap::get(rank, 0, getAffineDimExpr(d, context));
      for (int64_t k = 0; k < taps.count; ++k) {
        SmallVector<int32_t> index;
        SmallVector<float> weight;
        for (int64_t x = 0; x < outSize; ++x) {
          index.push_back(taps.index[x * taps.count + k]);
          weight.push_back(taps.weight[x * taps.count + k]);
        }
        auto indexType = RankedTensorType::get({outSize}, rewriter.getI32Type());
        tables.push_back(arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(indexType, ArrayRef(index))));
        maps.push_back(map);
        int indexArg = tables.size() - 1, weightArg = -1;
        if (!taps.unitWeights) {
          auto weightType =
              RankedTensorType::get({outSize}, rewriter.getF32Type());
          tables.push_back(arith::ConstantOp::create(
              rewriter, loc,
              DenseElementsAttr::get(weightType, ArrayRef(weight))));
          maps.push_back(map);
          weightArg = tables.size() - 1;
        }
        argOf[d].push_back({indexArg, weightArg});
      }
    }

    // Accumulate in f32 at least (the tables' weights are f32).
    Type computeType = elementType.getWidth() < 32
                           ? Type(rewriter.getF32Type())
                           : Type(elementType);
    Value result = createParallelGeneric(
        rewriter, loc, resultType, tables, maps,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto toCompute = [&](Value v) -> Value {
            if (v.getType() == computeType)
              return v;
            if (cast<FloatType>(v.getType()).getWidth() <
                cast<FloatType>(computeType).getWidth())
              return arith::ExtFOp::create(b, l, computeType, v);
            return arith::TruncFOp::create(b, l, computeType, v);
          };
          // Each dim's taps as (index value, weight or null), built once.
          SmallVector<SmallVector<std::pair<Value, Value>>> tapValues(rank);
          for (int64_t d = 0; d < rank; ++d) {
            if (dims[d].identity) {
              tapValues[d].push_back(
                  {linalg::IndexOp::create(b, l, d), Value()});
              continue;
            }
            for (auto [indexArg, weightArg] : argOf[d]) {
              Value index = arith::IndexCastOp::create(
                  b, l, b.getIndexType(), args[indexArg]);
              Value weight =
                  weightArg < 0 ? Value() : toCompute(args[weightArg]);
              tapValues[d].push_back({index, weight});
            }
          }
          // Sum over every combination of taps (an odometer over the dims).
          SmallVector<int64_t> which(rank, 0);
          Value sum;
          while (true) {
            SmallVector<Value> coords;
            Value weight;
            for (int64_t d = 0; d < rank; ++d) {
              auto [index, w] = tapValues[d][which[d]];
              coords.push_back(index);
              if (w)
                weight = weight ? Value(arith::MulFOp::create(b, l, weight, w))
                                : w;
            }
            Value value =
                toCompute(tensor::ExtractOp::create(b, l, input, coords));
            Value term =
                weight ? Value(arith::MulFOp::create(b, l, weight, value))
                       : value;
            sum = sum ? Value(arith::AddFOp::create(b, l, sum, term)) : term;
            int64_t d = rank - 1;
            while (d >= 0 && ++which[d] == int64_t(tapValues[d].size()))
              which[d--] = 0;
            if (d < 0)
              break;
          }
          if (sum.getType() != elementType)
            sum = arith::TruncFOp::create(b, l, elementType, sum);
          return sum;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void q8::populateQ8ResizeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeToLinalg>(patterns.getContext());
}
