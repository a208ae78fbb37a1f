//===- ConvertQ8ToLinalgInt8.h - what the int8 lowerings share -*- C++ -*-===//
//
// The pieces of passes/ConvertQ8ToLinalgQuant.cpp that the q8.qconv lowering
// (passes/ConvertQ8ToLinalgQConv.cpp) reuses: quantized types as their
// storage, constant weight and bias data, and the int8 epilogue that turns
// an int32 accumulator [rows, N] into the dequantized or requantized result,
// so q8.qlinear and q8.qconv compute their outputs with one piece of code.
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

/// `value` as its storage tensor (signless iN).
mlir::Value asStorage(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Value value);

/// Replaces `op` (whose one result is quantized) by `storage`, bridging the
/// users the lowering does not convert.
void replaceQuantized(mlir::ConversionPatternRewriter &rewriter,
                      mlir::Operation *op, mlir::Value storage);

/// Sign- or zero-extends an integer scalar.
mlir::Value extend(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Type to, bool isSigned);

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
