//===- ConvertQ8ToLinalgInt8.h - what the int8 lowerings share -*- C++ -*-===//
//
// What the int8 lowerings share (ConvertQ8ToLinalgInt8.cpp): the
// q8.quantize/dequantize/requantize/qlinear patterns
// (passes/ConvertQ8ToLinalgQuant.cpp) and the q8.qconv lowering
// (passes/ConvertQ8ToLinalgQConv.cpp) use quantized types as their
// storage, the scalar quantize and requantize arithmetic, constant weight
// and bias data, and the int8 epilogue that turns an int32 accumulator
// [rows, N] into the dequantized or requantized result, so q8.qlinear and
// q8.qconv compute their outputs with one piece of code.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CONVERTQ8TOLINALGINT8_H
#define Q8_PASSES_CONVERTQ8TOLINALGINT8_H

#include "dialects/Q8/Q8Ops.h"
#include "passes/QuantMath.h"

#include "passes/ConvertQ8ToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

namespace q8::int8 {

/// A per-channel scalar parameter of a generic body: a constant when every
/// channel has the same value, else a 1-D constant tensor read at the
/// channel's index (an extra generic input).
struct ChannelParam {
  llvm::SmallVector<double> values;
  mlir::Type type;
  bool uniform() const {
    return llvm::all_of(values, [&](double v) { return v == values.front(); });
  }
};

/// Collects the generic inputs (and their maps) of the non-uniform params and
/// lets the body fetch each param as a scalar.
struct ParamInputs {
  llvm::SmallVector<mlir::Value> inputs;
  llvm::SmallVector<mlir::AffineMap> maps;
  llvm::SmallVector<int> slot; ///< per param: input index, or -1 when uniform

  void add(mlir::OpBuilder &b, mlir::Location loc, const ChannelParam &param,
           mlir::AffineMap channelMap);

  /// The value of param `index` inside a body whose param block arguments
  /// start at `args`.
  mlir::Value get(mlir::OpBuilder &b, mlir::Location loc,
                  const ChannelParam &param, unsigned index,
                  mlir::ValueRange args) const;
};

/// The map of a channel parameter along `axis` of a rank-`rank` iteration
/// (a zero-result-free constant map for per-tensor params).
mlir::AffineMap channelMap(mlir::MLIRContext *context, int64_t rank,
                           int64_t axis);

/// Per-channel (or per-tensor: one entry) parameters of a quantized type.
struct QuantInfo {
  llvm::SmallVector<q8::quant::QuantParams> params;
  int64_t axis = -1; ///< -1 per tensor
  bool isSigned = true;
  unsigned width = 8;

  /// The parameters of channel `c` (the only ones when per tensor).
  const q8::quant::QuantParams &channel(int64_t c) const {
    return params[params.size() == 1 ? 0 : c];
  }
};

QuantInfo getQuantInfo(mlir::quant::QuantizedType type);

/// The quantized element type of `type` (a tensor or scalar), or null.
mlir::quant::QuantizedType getQuantElement(mlir::Type type);

/// The storage tensor type of a quantized tensor type: signless iN.
mlir::RankedTensorType getStorageType(mlir::RankedTensorType type);

/// `value` as its storage tensor (signless iN).
mlir::Value asStorage(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value value);

/// Replaces `op` (whose one result is quantized) by `storage`, bridging the
/// users the lowering does not convert.
void replaceQuantized(mlir::ConversionPatternRewriter &rewriter,
                      mlir::Operation *op, mlir::Value storage);

/// Marks the quant.scast that replaceQuantized leaves for unconverted users.
constexpr llvm::StringLiteral kBridge = "q8.storage_bridge";

/// Sign- or zero-extends an integer scalar.
mlir::Value extend(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Type to, bool isSigned);

/// q8::quant::quantize of the float scalar `x` (computed in f32):
/// clamp(roundeven(x / scale) + zeroPoint, qmin, qmax), NaN -> zeroPoint,
/// truncated to `storage` (i8). `scale` and `zeroPoint` are f32 scalars.
mlir::Value quantizeScalar(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value scale,
                           mlir::Value zeroPoint, int32_t qmin, int32_t qmax,
                           mlir::Type storage);

/// The per-channel parts of a FixedMultiplier as generic parameters (i64):
/// the Q31 multiplier, and the shift split into a left shift (multipliers
/// >= 1) and a right shift.
struct MultiplierParams {
  ChannelParam multiplier, leftShift, rightShift;

  explicit MultiplierParams(mlir::Type i64)
      : multiplier{{}, i64}, leftShift{{}, i64}, rightShift{{}, i64} {}

  void push(const q8::quant::FixedMultiplier &fm) {
    multiplier.values.push_back(fm.multiplier);
    leftShift.values.push_back(fm.shift < 0 ? -fm.shift : 0);
    rightShift.values.push_back(fm.shift > 0 ? fm.shift : 0);
  }
  bool hasLeftShift() const {
    return !leftShift.uniform() || leftShift.values.front() != 0;
  }
  bool hasRightShift() const {
    return !rightShift.uniform() || rightShift.values.front() != 0;
  }
};

/// q8::quant::requantize of the i32 scalar `acc`, bit for bit: a saturating
/// left shift (multipliers >= 1), the rounding doubling high multiply, a
/// rounding right shift (half away from zero), + zeroPoint, clamped to
/// [lo, hi], truncated to `storage`. `multiplier` and the shifts are i64
/// scalars; a null shift is 0.
mlir::Value requantizeScalar(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value acc, mlir::Value multiplier,
                             mlir::Value leftShift, mlir::Value rightShift,
                             int32_t zeroPoint, int32_t lo, int32_t hi,
                             mlir::Type storage);

/// The int8 values of a constant storage tensor behind `value` (through
/// quant.scast), or nullopt.
std::optional<llvm::SmallVector<int8_t>> getConstantStorage(mlir::Value value);

/// The constant int32 values of `value` (a bias), or nullopt.
std::optional<llvm::SmallVector<int64_t>> getConstantI32(mlir::Value value);

/// What the epilogue of an int8 op applies to its accumulator acc[r, c].
struct Int8Epilogue {
  /// clip clips to [clipMin, clipMax].
  q8::Activation activation = q8::Activation::None;
  std::optional<double> clipMin, clipMax;
  /// A float type (dequantize) or a per-tensor quant type (requantize).
  mlir::Type resultElement;
  float inputScale = 1.0f;
  /// s_w[c] for every column c.
  llvm::SmallVector<float> weightScales;
  /// The compile-time int32 term of column c (bias + zero-point
  /// correction); empty means 0.
  llvm::SmallVector<int64_t> column;
  /// A run-time int32 bias [N], or null.
  mlir::Value runtimeBias;
  /// The accumulator dim that indexes the channels; -1 is the last.
  int64_t channelDim = -1;
  /// With a quantized result: channel c's real value times
  /// resultPrescale[c] (> 0) before requantizing; empty is 1.
  llvm::SmallVector<float> resultPrescale;
};

/// The epilogue of `op` (q8.qlinear or q8.qconv, read through their
/// Int8EpilogueOpInterface): its activation, clip bounds, result type, the scales
/// s_in and s_w[c] of `channels` channels and the int32 column term,
/// `corrections[c]` (zero-point corrections; empty is 0) plus the bias:
/// folded when constant, else `bias` (the converted operand) at run time.
Int8Epilogue getEpilogue(q8::Int8EpilogueOpInterface op, mlir::Value bias,
                         const QuantInfo &in, const QuantInfo &w,
                         int64_t channels, llvm::ArrayRef<int64_t> corrections);

/// The int32 contraction acc[m, n] = sum_k x[m, k] * w[k, n] of storage
/// tensors (or batched: [B, M, K] x [B, K, N]), extended as `in` and `w`
/// say; with `subtractInside` the zero points are subtracted from both
/// operands first. This matmul-shaped generic is what the int8
/// micro-kernels (passes/codegen/MatmulKernels.cpp) recognize.
mlir::Value buildInt8Contraction(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value x, mlir::Value weight,
                                 const QuantInfo &in, const QuantInfo &w,
                                 bool subtractInside);

/// A zero-filled i32 `accType` accumulator reduced by one generic over
/// `inputs` = {x, w, the zero-point inputs of `zeroPoints`...} with `maps`
/// (the accumulator's last) and `iterators`, the body multiplyAccumulate;
/// with `zeroPoints`, param 0 of it (`zw`) is the weight's zero point.
mlir::Value buildInt8Reduction(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::RankedTensorType accType,
                               mlir::ValueRange inputs,
                               llvm::ArrayRef<mlir::AffineMap> maps,
                               llvm::ArrayRef<mlir::utils::IteratorType> iterators,
                               const QuantInfo &in, const QuantInfo &w,
                               const ParamInputs *zeroPoints,
                               const ChannelParam &zw);

/// One step of an int8 contraction body: acc + ext(x) * ext(w), or, with a
/// `weightZeroPoint` (an i32 scalar), acc + (ext(x) - z_x) * (ext(w) - z_w).
mlir::Value multiplyAccumulate(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value x, mlir::Value w, mlir::Value acc,
                               const QuantInfo &in, const QuantInfo &wInfo,
                               mlir::Value weightZeroPoint);

/// The epilogue generic over `acc` (i32, any rank, the channels along
/// `epilogue.channelDim`): the same shape of the float result type, or of
/// the requantized storage. Fails (a match failure on `op`) for a per-axis
/// result type.
mlir::FailureOr<mlir::Value>
buildInt8Epilogue(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                  mlir::Value acc, const Int8Epilogue &epilogue);

} // namespace q8::int8

#endif // Q8_PASSES_CONVERTQ8TOLINALGINT8_H
