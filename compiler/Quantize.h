//===- Quantize.h - W8A8 quantization of an imported model ------*- C++ -*-===//
//
// The pipeline behind `q8c --quantize w8a8`: canonicalize and fold batch
// norms (so that the ops match those calibration observed), optionally
// q8-smoothquant, then q8-quantize, all from one calibration table; then,
// as a separate step (fuseQuantized), q8-fuse-quant (bias adds,
// activations and requantization folded into the int8 ops), so that the
// layer error can be measured between the two.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_QUANTIZE_H
#define Q8_COMPILER_QUANTIZE_H

#include "passes/calibration/Table.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace q8 {

struct QuantizeModelOptions {
  std::string tablePath;          ///< the calibration table, read by the passes
  /// Or the table itself, when the caller holds it (q8c right after
  /// calibrating); it wins over tablePath.
  std::shared_ptr<const calibration::Table> table;
  std::string method = "minmax";  ///< activation ranges from the table
  std::optional<float> smoothQuantAlpha; ///< run SmoothQuant with this alpha
  /// SmoothQuant chooses alpha per activation on the reservoir
  /// (smoothQuantAlpha, which must be set, is the fallback).
  bool smoothQuantAuto = false;
  int weightBits = 8;             ///< 8, or 7 (AVX2-safe)
  /// Leave fp32 the ops whose int8 form would be slower (depthwise
  /// convolutions; QuantizableOpInterface::isFasterInFp32).
  bool keepFasterFp32 = true;
};

/// What quantization did, for the summary q8c prints.
struct QuantizeSummary {
  int64_t quantized = 0; ///< q8.qlinear ops
  int64_t keptFp32 = 0;  ///< matmul/gemm/conv left in f32
  /// Of those, the ones whose int8 form would be slower
  /// (QuantizableOpInterface::isFasterInFp32), by reason, in first-seen order.
  std::vector<std::pair<std::string, int64_t>> fasterInFp32;
  int64_t fp32WeightBytes = 0; ///< constant weights of all those ops, before
  int64_t int8WeightBytes = 0; ///< the quantized ops' int8 weights, after
  /// The alpha of every activation SmoothQuant rescaled, in program order.
  std::vector<float> smoothQuantAlphas;
};

/// What q8-fuse-quant folded, for the summary q8c prints.
struct FusionSummary {
  int64_t requantizing = 0; ///< q8.qlinear with a quantized result
  int64_t activations = 0;  ///< q8.qlinear with a fused activation
  int64_t biases = 0;       ///< q8.qlinear with a bias
};

/// Quantizes `module` (imported q8 IR) in place. Errors are diagnostics.
mlir::FailureOr<QuantizeSummary> quantizeModel(mlir::ModuleOp module,
                                               const QuantizeModelOptions &options);

/// Runs q8-fuse-quant on a module quantizeModel has quantized and counts
/// the result.
mlir::FailureOr<FusionSummary> fuseQuantized(mlir::ModuleOp module);

} // namespace q8

#endif // Q8_COMPILER_QUANTIZE_H
