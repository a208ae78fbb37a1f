//===- Calibrate.cpp - calibrate a model by running it natively -----------===//

#include "compiler/calibration/Calibrate.h"

#include "compiler/CrashHandler.h"

#include "compiler/calibration/Jit.h"
#include "compiler/calibration/Reference.h"
#include "compiler/calibration/Samples.h"
#include "dialects/Q8/Q8Ops.h"
#include "passes/Passes.h"
#include "q8_calib.h"
#include "q8_runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

namespace {

/// Everything before observers: what q8-convert-to-linalg will see first.
void addObserverPasses(PassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(q8::createFoldBatchNorm());
  pm.addNestedPass<func::FuncOp>(q8::createInsertObservers());
}

TensorSpec specOf(ObserveOp op) {
  TensorSpec spec;
  spec.name = op.getName().str();
  auto shape = op.getInput().getType().getShape();
  spec.shape.assign(shape.begin(), shape.end());
  spec.axis = op.getAxis();
  return spec;
}

} // namespace

FailureOr<std::vector<TensorSpec>>
q8::calibration::expectedTensors(ModuleOp imported) {
  OwningOpRef<ModuleOp> clone(imported.clone());
  PassManager pm(imported.getContext());
  addObserverPasses(pm);
  if (failed(pm.run(*clone)))
    return failure();
  std::vector<TensorSpec> specs;
  clone->walk([&](ObserveOp op) { specs.push_back(specOf(op)); });
  return specs;
}

LogicalResult q8::calibration::checkTable(const Table &table,
                                          ModuleOp imported,
                                          std::string &error) {
  FailureOr<std::vector<TensorSpec>> expected = expectedTensors(imported);
  if (failed(expected)) {
    error = "cannot place the model's observers";
    return failure();
  }
  for (const TensorSpec &spec : *expected) {
    const TensorEntry *entry = table.find(spec.name);
    if (!entry) {
      error = "it has no entry for '" + spec.name +
              "', which the model quantizes (was it made for another model?)";
      return failure();
    }
    if (entry->spec.shape != spec.shape) {
      error = "'" + spec.name + "' is " + formatDims(spec.shape) +
              " in the model, " + formatDims(entry->spec.shape) +
              " in the table";
      return failure();
    }
    if (entry->count == 0) {
      error = "'" + spec.name + "' has no finite values in the table";
      return failure();
    }
  }
  return success();
}

FailureOr<Table> q8::calibration::calibrate(ModuleOp imported,
                                            const CalibrateOptions &options,
                                            RunStats *stats,
                                            std::unique_ptr<Reference> *reference) {
  MLIRContext *context = imported.getContext();
  Location loc = imported.getLoc();
  FailureOr<std::vector<InputSpec>> inputs = entryInputs(imported);
  if (failed(inputs))
    return failure();
  FailureOr<SampleSource> source =
      openSamples(imported, options.samples, *inputs, options.randomCount,
                  options.randomSeed);
  if (failed(source))
    return failure();

  // The calibration build: observers as collector calls, then the usual
  // lowering. It carries the fp32 reference's taps too, always (they only
  // read, so the table is the same whether a layer error follows or not).
  auto start = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> module(imported.clone());
  {
    PassManager pm(context);
    addObserverPasses(pm);
    if (failed(pm.run(*module)))
      return failure();
  }
  ReferenceTaps taps = placeReferenceTaps(*module);
  FailureOr<std::unique_ptr<JitModel>> jit =
      JitModel::compile(std::move(module));
  if (failed(jit))
    return failure();
  // The calibration observers (what the table describes), in id order; the
  // taps map to -1.
  std::vector<TensorSpec> specs;
  std::vector<int64_t> collectorOf;
  for (const TensorSpec &spec : (*jit)->observers()) {
    bool tap = isReferenceTap(spec.name);
    collectorOf.push_back(tap ? -1 : static_cast<int64_t>(specs.size()));
    if (!tap)
      specs.push_back(spec);
  }
  // Each observer's dense shape, for the collectors.
  std::vector<std::vector<int64_t>> strides;
  std::vector<q8_calib_tensor> collectors;
  for (const TensorSpec &spec : specs) {
    if (spec.shape.size() > Q8_MAX_RANK)
      return emitError(loc) << "'" << spec.name << "' has rank above "
                            << Q8_MAX_RANK;
    std::vector<int64_t> s(spec.shape.size());
    int64_t stride = 1;
    for (int64_t d = spec.shape.size() - 1; d >= 0; --d) {
      s[d] = stride;
      stride *= spec.shape[d];
    }
    strides.push_back(std::move(s));
    // Names stay alive in `specs` for the collectors' lifetime.
    q8_calib_tensor t{};
    t.name = spec.name.c_str();
    t.rank = spec.shape.size();
    for (size_t d = 0; d < spec.shape.size(); ++d)
      t.dims[d] = spec.shape[d];
    t.channel_axis = spec.axis ? *spec.axis : -1;
    collectors.push_back(t);
  }
  auto jitted = std::chrono::steady_clock::now();

  q8_calib_options collectorOptions;
  q8_calib_options_default(&collectorOptions);
  collectorOptions.histogram_bins = options.settings.histogramBins;
  collectorOptions.reservoir_rows = options.settings.reservoirRows;
  collectorOptions.ema_constant = options.settings.emaConstant;
  collectorOptions.seed = options.settings.seed;
  std::unique_ptr<q8_calib_session, void (*)(q8_calib_session *)> session(
      q8_calib_create(&collectorOptions, collectors.data(), collectors.size()),
      q8_calib_destroy);
  if (!session)
    return emitError(loc) << "cannot create the calibration collectors "
                             "(bad settings or out of memory)";

  std::vector<std::vector<char>> inputBuffers;
  SampleReader reader(*source, *inputs);
  Progress progress("calibrating", options.progress, source->samples.size());
  double runSeconds = 0;
  std::vector<double> sampleSeconds;
  q8_calib_session *recording = session.get();
  q8_status rejected = Q8_OK;
  auto record = [&](int64_t observer, const float *data) {
    if (observer < 0 || observer >= static_cast<int64_t>(collectorOf.size())) {
      rejected = Q8_ERROR_INVALID_ARGUMENT;
      return;
    }
    int64_t id = collectorOf[observer];
    if (id < 0)
      return; // a reference tap
    q8_status status =
        q8_calib_record(recording, static_cast<int32_t>(id), data,
                        specs[id].shape.data(), strides[id].data());
    if (status != Q8_OK)
      rejected = status;
  };
  for (size_t s = 0; s < source->samples.size(); ++s) {
    std::string error;
    if (!reader.read(s, inputBuffers, error)) {
      progress.finish();
      return emitError(loc) << error;
    }
    CrashPhase phase(sampleDescription("calibration", *source, s));
    double seconds = (*jit)->run(inputBuffers, record);
    sampleSeconds.push_back(seconds);
    runSeconds += seconds;
    progress.update(s + 1);
  }
  progress.finish();
  if (rejected != Q8_OK)
    return emitError(loc) << "the collectors rejected an observation: "
                          << q8_status_string(rejected);

  std::vector<std::string> warnings;
  Table table;
  table.samples = source->samples.size();
  table.source = options.samples;
  table.settings = options.settings;
  for (auto [id, spec] : llvm::enumerate(specs)) {
    q8_calib_stats st;
    if (q8_calib_get(session.get(), id, &st) != Q8_OK)
      return emitError(loc) << "no statistics for '" << spec.name << "'";
    TensorEntry t;
    t.spec = spec;
    t.observations = st.observations;
    t.count = st.count;
    t.nanCount = st.nan_count;
    t.infCount = st.inf_count;
    t.min = st.min;
    t.max = st.max;
    t.emaMin = st.ema_min;
    t.emaMax = st.ema_max;
    t.channelAbsmax.assign(st.channel_absmax, st.channel_absmax + st.channels);
    t.histogramBins = st.bins;
    t.histogramRange = st.histogram_range;
    t.histogram.assign(st.histogram, st.histogram + st.bins);
    t.reservoirRows = st.reservoir_rows;
    t.rowLength = st.row_length;
    t.rowsSeen = st.rows_seen;
    t.reservoir.assign(st.reservoir,
                       st.reservoir + st.reservoir_rows * st.row_length);
    if (t.nanCount || t.infCount)
      warnings.push_back("'" + spec.name + "': " +
                         std::to_string(t.nanCount) + " NaN and " +
                         std::to_string(t.infCount) +
                         " infinite values, left out of its ranges");
    if (t.count) {
      HistogramView h;
      h.counts = t.histogram.data();
      h.bins = t.histogramBins;
      h.range = t.histogramRange;
      h.min = t.min;
      h.max = t.max;
      h.count = t.count;
      t.ranges["minmax"] = minMaxRange(t.min, t.max, t.count);
      t.ranges["ema"] =
          movingAverageRange(t.emaMin, t.emaMax, t.min, t.max, t.count);
      // The histogram methods, unless collection ran without one.
      if (h.bins > 0) {
        t.ranges["percentile"] =
            percentileRange(h, options.settings.percentile);
        t.ranges["entropy"] = entropyRange(h);
        t.ranges["mse"] = mseRange(h);
      }
    } else if (t.observations == 0) {
      // Inside an If branch that no sample takes.
      warnings.push_back("'" + spec.name +
                         "' was never computed on the samples (a branch "
                         "of an If that none takes?): it gets no range");
    } else {
      warnings.push_back("'" + spec.name +
                         "' had no finite values: it gets no range");
    }
    table.tensors.push_back(std::move(t));
  }
  if (stats) {
    stats->samples = table.samples;
    stats->jitSeconds =
        std::chrono::duration<double>(jitted - start).count();
    stats->runSeconds = runSeconds;
    stats->sampleSeconds = std::move(sampleSeconds);
    stats->warnings = std::move(warnings);
  }
  if (reference) {
    FailureOr<std::unique_ptr<Reference>> adopted =
        Reference::adopt(std::move(*jit), std::move(taps), loc);
    if (failed(adopted))
      return failure();
    *reference = std::move(*adopted);
  }
  return table;
}
