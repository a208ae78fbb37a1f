//===- LayerError.cpp - per-layer error of a quantized model vs fp32 ------===//

#include "compiler/calibration/LayerError.h"

#include "compiler/CrashHandler.h"
#include "compiler/TensorFile.h"
#include "compiler/calibration/Samples.h"

#include "compiler/calibration/Jit.h"
#include "compiler/calibration/Reference.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8ValueNames.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

#include <chrono>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

double TensorError::sqnrDb() const {
  if (noise == 0)
    return std::numeric_limits<double>::infinity();
  if (signal == 0)
    return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(signal / noise);
}

double TensorError::cosine() const {
  if (signal == 0 && quantEnergy == 0)
    return 1;
  if (signal == 0 || quantEnergy == 0)
    return 0;
  return dot / std::sqrt(signal * quantEnergy);
}

void TensorError::accumulate(const float *ref, const float *quant,
                             int64_t n) {
  // Double sums in element order: the same data gives the same bits.
  for (int64_t i = 0; i < n; ++i) {
    double r = ref[i], q = quant[i];
    if (!std::isfinite(r) || !std::isfinite(q)) {
      ++nonFinite;
      continue;
    }
    double e = r - q;
    signal += r * r;
    noise += e * e;
    dot += r * q;
    quantEnergy += q * q;
    maxAbsError = std::max(maxAbsError, std::fabs(e));
    ++count;
  }
}

namespace {

/// Which tensor each observer of `model` reports: its name is the tap id.
FailureOr<std::vector<int64_t>> tapIds(const JitModel &model, Location loc,
                                       size_t taps) {
  std::vector<int64_t> ids;
  for (const TensorSpec &spec : model.observers()) {
    int64_t id;
    if (llvm::StringRef(spec.name).getAsInteger(10, id) || id < 0 ||
        id >= static_cast<int64_t>(taps))
      return emitError(loc) << "layer error: unexpected observer '"
                            << spec.name << "'";
    ids.push_back(id);
  }
  return ids;
}

int64_t elements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

} // namespace

FailureOr<LayerError>
q8::calibration::measureLayerError(Reference &reference, ModuleOp quantized,
                                   const LayerErrorOptions &options,
                                   LayerErrorStats *stats) {
  Location loc = quantized.getLoc();
  LayerError result;
  result.source = options.samples;

  // The layers: q8.qlinear and q8.qconv results in program order, each
  // found among the reference's taps by its ONNX value name.
  OwningOpRef<ModuleOp> quantModule(quantized.clone());
  func::FuncOp quantMain = entryFunction(*quantModule);
  if (!quantMain)
    return emitError(loc) << "layer error: needs one public function";
  OpBuilder builder(quantized.getContext());
  SmallVector<Value> layers;
  // Per reference tap: the result entry it is compared in, or -1.
  std::vector<int64_t> entryOfTap(reference.layers().size() +
                                      reference.outputs().size(),
                                  -1);
  WalkResult walk = quantMain.walk([&](Operation *op) {
    if (!isa<QLinearOp, QConvOp>(op))
      return WalkResult::advance();
    auto output = cast<TypedValue<RankedTensorType>>(op->getResult(0));
    std::string name = getValueName(output);
    int64_t index = name.empty() ? -1 : reference.findLayer(name);
    if (index < 0) {
      op->emitError() << "layer error: the quantized layer '"
                     << (name.empty() ? "<unnamed>" : name)
                     << "' has no fp32 counterpart";
      return WalkResult::interrupt();
    }
    const ReferenceTap &tap = reference.layers()[index];
    if (!output.getType().getElementType().isF32() ||
        output.getType().getShape() != ArrayRef<int64_t>(tap.shape)) {
      op->emitError() << "layer error: '" << name << "' is "
                     << output.getType() << " quantized, "
                     << formatDims(tap.shape) << " f32 in fp32";
      return WalkResult::interrupt();
    }
    if (entryOfTap[index] >= 0) {
      op->emitError() << "layer error: two quantized layers are named '"
                      << name << "'";
      return WalkResult::interrupt();
    }
    entryOfTap[index] = result.layers.size();
    TensorError layer;
    layer.name = name;
    layer.op = tap.op;
    layer.shape = tap.shape;
    result.layers.push_back(std::move(layer));
    layers.push_back(output);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (auto [id, value] : llvm::enumerate(layers))
    placeTap(builder, value, std::to_string(id));
  SmallVector<OpOperand *> quantOutputs = f32Outputs(quantMain);
  for (auto [i, operand] : llvm::enumerate(quantOutputs))
    placeTap(builder, operand->get(), std::to_string(layers.size() + i),
             operand->getOwner());
  if (quantOutputs.size() != reference.outputs().size())
    return emitError(loc) << "layer error: the quantized model has "
                          << quantOutputs.size() << " f32 outputs, fp32 "
                          << reference.outputs().size();
  for (auto [i, out] : llvm::enumerate(reference.outputs())) {
    entryOfTap[reference.layers().size() + i] = layers.size() + i;
    TensorError error;
    error.name = out.name;
    error.op = out.op;
    error.shape = out.shape;
    result.outputs.push_back(std::move(error));
  }
  size_t taps = layers.size() + result.outputs.size();

  FailureOr<std::vector<InputSpec>> inputs = entryInputs(quantized);
  if (failed(inputs))
    return failure();
  FailureOr<SampleSource> source =
      openSamples(quantized, options.samples, *inputs, options.randomCount,
                  options.randomSeed);
  if (failed(source))
    return failure();

  auto start = std::chrono::steady_clock::now();
  FailureOr<std::unique_ptr<JitModel>> quantJit =
      JitModel::compile(std::move(quantModule));
  if (failed(quantJit))
    return failure();
  auto jitted = std::chrono::steady_clock::now();
  FailureOr<std::vector<int64_t>> quantIds = tapIds(**quantJit, loc, taps);
  if (failed(quantIds))
    return failure();

  auto errorOf = [&](int64_t entry) -> TensorError & {
    return entry < static_cast<int64_t>(result.layers.size())
               ? result.layers[entry]
               : result.outputs[entry - result.layers.size()];
  };
  // The fp32 run's tensors of the current sample, by entry.
  std::vector<std::vector<float>> refData(taps);
  for (size_t t = 0; t < taps; ++t)
    refData[t].resize(elements(errorOf(t).shape));
  auto keep = [&](size_t tapIndex, const float *data) {
    int64_t t = entryOfTap[tapIndex];
    if (t >= 0)
      std::copy(data, data + refData[t].size(), refData[t].begin());
  };
  auto compare = [&](int64_t id, const float *data) {
    int64_t t = (*quantIds)[id];
    errorOf(t).accumulate(refData[t].data(), data, refData[t].size());
  };

  SampleReader reader(*source, *inputs);
  Progress progress("measuring layer error", options.progress,
                    source->samples.size());
  double runSeconds = 0;
  std::vector<std::vector<char>> buffers;
  for (size_t s = 0; s < source->samples.size(); ++s) {
    std::string error;
    if (!reader.read(s, buffers, error)) {
      progress.finish();
      return emitError(loc) << error;
    }
    CrashPhase phase(sampleDescription("the layer error", *source, s));
    runSeconds += reference.run(buffers, keep);
    runSeconds += (*quantJit)->run(buffers, compare);
    progress.update(s + 1);
  }
  progress.finish();
  result.samples = source->samples.size();
  if (stats) {
    stats->jitSeconds = std::chrono::duration<double>(jitted - start).count();
    stats->runSeconds = runSeconds;
  }
  return result;
}
