//===- SmoothQuantCheck.h - SmoothQuant checked end to end ------*- C++ -*-===//
//
// SmoothQuant (fixed alpha or auto) chooses its scales one activation at a
// time, on what that activation's own consumers compute; a model's output
// can still come out further from fp32 than plain W8A8 leaves it (a
// recurrent or gated model, an output that reads a few of a layer's
// columns). quantizeModelChecked quantizes the model both ways, runs fp32
// (the Reference calibration compiled) and both int8 models on the
// calibration samples (LayerError.h, JIT) and
// keeps the smoothed model only where its outputs are at least as close to
// fp32 as plain W8A8's; otherwise the plain one replaces it.
//
// The comparison is over the model's f32 outputs: per output the SQNR over
// every element of every sample. The smoothed model is kept when no output
// is further from fp32 than plain W8A8 leaves it; the mean over the
// outputs (in dB: each output counts whatever its scale) is what the
// summary prints.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_SMOOTHQUANTCHECK_H
#define Q8_COMPILER_CALIBRATION_SMOOTHQUANTCHECK_H

#include "compiler/Quantize.h"
#include "compiler/calibration/LayerError.h"
#include "compiler/calibration/Reference.h"

#include <optional>

namespace q8::calibration {

/// The output the smoothed model loses most on against plain W8A8.
struct WorseOutput {
  std::string name;
  double smoothedDb = 0, plainDb = 0; ///< its SQNR (clamped, dB)
};

/// What the end-to-end comparison found.
struct SmoothQuantCheck {
  int64_t samples = 0;
  double smoothedDb = 0; ///< output SQNR of the smoothed model (mean, dB)
  double plainDb = 0;    ///< the same for plain W8A8
  /// Set when plain W8A8 is closer to fp32 on some output.
  std::optional<WorseOutput> worse;
  /// Plain W8A8 was closer to fp32 on some output: the module holds it,
  /// not the smoothed model.
  bool fellBack = false;
  /// The smoothed model's summary (its alphas), whichever was kept.
  QuantizeSummary smoothed;
  /// The layer error of the model kept, measured against the module as it
  /// was before quantization: what measureLayerError would give again.
  LayerError kept;
};

/// An output's SQNR in dB, clamped to +-300 (exact, or a zero reference).
double clampedSqnrDb(const TensorError &output);

/// The end-to-end output SQNR of `error` (see the file comment); empty
/// when the model has no f32 output.
std::optional<double> outputSqnrDb(const LayerError &error);

/// quantizeModel(module, options), checked end to end on `samples` (fp32
/// from `reference`, the model before quantization) when
/// `options` smooths (smoothQuantAlpha set) and SmoothQuant rescaled some
/// activation: then `check` (when given) says what was compared and kept,
/// and the returned summary describes the model kept (no alphas after a
/// fall back). Otherwise `check` is left empty. Errors are diagnostics.
mlir::FailureOr<QuantizeSummary>
quantizeModelChecked(mlir::ModuleOp module, const QuantizeModelOptions &options,
                     const LayerErrorOptions &samples, Reference &reference,
                     std::optional<SmoothQuantCheck> *check = nullptr);

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_SMOOTHQUANTCHECK_H
