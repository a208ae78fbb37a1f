//===- SmoothQuantCheck.cpp - SmoothQuant checked end to end --------------===//

#include "compiler/calibration/SmoothQuantCheck.h"

#include "compiler/calibration/Jit.h"
#include "compiler/calibration/Reference.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OwningOpRef.h"

#include <algorithm>
#include <thread>

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

double q8::calibration::clampedSqnrDb(const TensorError &output) {
  // An exact output (+inf) or a zero reference (-inf) would swamp a mean;
  // clamped, an exact output still beats any inexact one.
  constexpr double kBound = 300;
  return std::clamp(output.sqnrDb(), -kBound, kBound);
}

std::optional<double> q8::calibration::outputSqnrDb(const LayerError &error) {
  if (error.outputs.empty())
    return std::nullopt;
  double sum = 0;
  for (const TensorError &out : error.outputs)
    sum += clampedSqnrDb(out);
  return sum / error.outputs.size();
}

/// Whether `module`'s entry point returns an f32 tensor: what the check
/// compares (LayerError taps exactly those).
static bool hasF32Output(ModuleOp module) {
  func::FuncOp entry = entryFunction(module);
  if (!entry)
    return false;
  return llvm::any_of(entry.getResultTypes(), [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getElementType().isF32();
  });
}

FailureOr<QuantizeSummary> q8::calibration::quantizeModelChecked(
    ModuleOp module, const QuantizeModelOptions &options,
    const LayerErrorOptions &samples, Reference &reference,
    std::optional<SmoothQuantCheck> *check) {
  if (check)
    check->reset();
  bool checked = options.smoothQuantAlpha && hasF32Output(module);
  OwningOpRef<ModuleOp> plain;
  if (checked)
    plain = module.clone();
  FailureOr<QuantizeSummary> smoothed = quantizeModel(module, options);
  if (failed(smoothed) || !checked || smoothed->smoothQuantAlphas.empty())
    return smoothed; // nothing smoothed: plain W8A8 already

  QuantizeModelOptions plainOptions = options;
  plainOptions.smoothQuantAlpha.reset();
  plainOptions.smoothQuantAuto = false;
  FailureOr<QuantizeSummary> plainSummary = quantizeModel(*plain, plainOptions);
  if (failed(plainSummary))
    return failure();

  // Both against the same fp32 model on the same samples, the plain one on
  // a thread of its own (each is a JIT compile, seconds; they share only
  // the context's uniqued types and attributes, and the reference, whose
  // runs it serializes).
  FailureOr<LayerError> plainError = failure();
  std::thread plainThread(
      [&] { plainError = measureLayerError(reference, *plain, samples); });
  FailureOr<LayerError> smoothedError =
      measureLayerError(reference, module, samples);
  plainThread.join();
  if (failed(smoothedError) || failed(plainError))
    return failure();
  std::optional<double> smoothedDb = outputSqnrDb(*smoothedError),
                        plainDb = outputSqnrDb(*plainError);
  if (!smoothedDb || !plainDb)
    return smoothed;

  SmoothQuantCheck result;
  result.samples = smoothedError->samples;
  result.smoothedDb = *smoothedDb;
  result.plainDb = *plainDb;
  result.smoothed = *smoothed;
  // Worse on any one output is worse: a mean over the outputs would let
  // two heads that gain hide an attention output that loses 20 dB (fuzz
  // seed 32360). The output that loses most decides; a tie keeps the
  // smoothed model, which is what was asked for.
  double worstLoss = 0;
  for (auto [s, p] :
       llvm::zip_equal(smoothedError->outputs, plainError->outputs)) {
    double loss = clampedSqnrDb(p) - clampedSqnrDb(s);
    if (loss > worstLoss) {
      worstLoss = loss;
      result.worse = WorseOutput{s.name, clampedSqnrDb(s), clampedSqnrDb(p)};
    }
  }
  result.fellBack = result.worse.has_value();
  QuantizeSummary kept = *smoothed;
  result.kept = std::move(*smoothedError);
  if (result.fellBack) {
    module.getBodyRegion().takeBody(plain->getBodyRegion());
    kept = *plainSummary;
    result.kept = std::move(*plainError);
  }
  if (check)
    *check = std::move(result);
  return kept;
}
