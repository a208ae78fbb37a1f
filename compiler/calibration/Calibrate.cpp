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
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <map>
#include <set>

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

/// The calibration observers placed in `module` (not the reference taps),
/// in program order, which is their ids' order in its JIT build.
std::vector<TensorSpec> observersOf(ModuleOp module) {
  std::vector<TensorSpec> specs;
  module.walk([&](ObserveOp op) {
    if (!isReferenceTap(op.getName()))
      specs.push_back(specOf(op));
  });
  return specs;
}

/// A table shape, its varying dims as "?": "1x?x16".
std::string formatShape(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + (d < 0 ? std::string("?") : std::to_string(d));
  return s;
}

/// One JIT build of the model and the samples it runs: the only one of a
/// static model; one per size of the dynamic extent that samples have.
struct Build {
  OwningOpRef<ModuleOp> module; ///< observers placed; the JIT consumes it
  std::vector<size_t> samples;  ///< indices into the SampleSource
};

/// The extent's name and bounds; sets each input's position of it. Checks
/// the options against `imported`, the model at the bound.
FailureOr<ExtentBounds>
extentBounds(ModuleOp imported, const CalibrateOptions::ExtentSamples &extent,
             std::vector<InputSpec> &inputs) {
  Location loc = imported.getLoc();
  if (extent.positions.size() != inputs.size())
    return emitError(loc) << "the dynamic extent gives positions for "
                          << extent.positions.size()
                          << " inputs; the model has " << inputs.size();
  if (extent.min < 1 || extent.min > extent.max)
    return emitError(loc) << "the dynamic extent's bounds [" << extent.min
                          << ", " << extent.max << "] leave no size";
  if (!extent.importAt)
    return emitError(loc) << "the dynamic extent has no way to import the "
                             "model at other sizes";
  ExtentBounds bounds;
  bounds.min = extent.min;
  bounds.max = extent.max;
  func::FuncOp entry = entryFunction(imported);
  for (auto [i, input] : llvm::enumerate(inputs)) {
    int64_t position = extent.positions[i];
    if (position < 0)
      continue;
    if (position >= static_cast<int64_t>(input.dims.size()) ||
        input.dims[position] != extent.max)
      return emitError(loc)
             << "input '" << input.name << "' is " << formatDims(input.dims)
             << ", without the dynamic extent's bound " << extent.max
             << " at dim " << position;
    input.extent = position;
    // The dim's name, as the model declares it (q8.dynamic_dims /
    // q8.dim_names, compiler/Compiler.h).
    auto positions =
        entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dynamic_dims");
    auto names = entry.getArgAttrOfType<ArrayAttr>(i, "q8.dim_names");
    if (!bounds.name.empty() || !positions || !names ||
        static_cast<int64_t>(names.size()) != positions.size())
      continue;
    for (auto [p, name] : llvm::zip(positions.asArrayRef(), names))
      if (auto text = dyn_cast<StringAttr>(name);
          p == position && text && text.getValue() != "?")
        bounds.name = text.str();
  }
  return bounds;
}

/// "'seq' = 9" (or "size 9" of an unnamed dim), for errors.
std::string atSize(const ExtentBounds &bounds, int64_t size) {
  return bounds.name.empty() ? "size " + std::to_string(size)
                             : "'" + bounds.name + "' = " + std::to_string(size);
}

/// Imports the model at each size the samples have (`imported` at the
/// bound), places its observers and keeps it to be JIT-compiled with its
/// samples. The collectors' `specs` are the bound's observers with -1 at
/// each dim whose size differs between the sizes (a second size is looked
/// at when all samples have one, so that the table never depends on the
/// samples' sizes).
LogicalResult prepareExtentBuilds(ModuleOp imported,
                                  const CalibrateOptions::ExtentSamples &extent,
                                  const ExtentBounds &bounds,
                                  const std::vector<InputSpec> &inputs,
                                  const SampleSource &source,
                                  std::vector<Build> &builds,
                                  std::vector<TensorSpec> &specs) {
  Location loc = imported.getLoc();
  std::map<int64_t, std::vector<size_t>> bySize;
  for (auto [s, size] : llvm::enumerate(source.sizes))
    bySize[size].push_back(s);
  std::set<int64_t> sizes = {bounds.max};
  for (auto &[size, samples] : bySize)
    sizes.insert(size);
  if (sizes.size() == 1 && bounds.min < bounds.max)
    sizes.insert(bounds.min + (bounds.max - bounds.min) / 2);
  std::vector<std::pair<int64_t, std::vector<TensorSpec>>> observed;
  for (int64_t size : sizes) {
    OwningOpRef<ModuleOp> module =
        size == bounds.max ? OwningOpRef<ModuleOp>(imported.clone())
                           : extent.importAt(size);
    if (!module)
      return failure();
    // The import must take the sample's shapes.
    FailureOr<std::vector<InputSpec>> taken = entryInputs(*module);
    if (failed(taken))
      return failure();
    for (auto [input, got] : llvm::zip(inputs, *taken))
      if (input.at(size).dims != got.dims)
        return emitError(loc)
               << "the model imported at " << atSize(bounds, size)
               << " takes input '" << input.name << "' as "
               << formatDims(got.dims) << ", not "
               << formatDims(input.at(size).dims);
    PassManager pm(imported.getContext());
    addObserverPasses(pm);
    if (failed(pm.run(*module)))
      return failure();
    observed.emplace_back(size, observersOf(*module));
    auto it = bySize.find(size);
    if (it != bySize.end())
      builds.push_back({std::move(module), std::move(it->second)});
  }

  specs = llvm::find_if(observed, [&](const auto &o) {
            return o.first == bounds.max;
          })->second;
  llvm::StringMap<size_t> index;
  for (auto [i, spec] : llvm::enumerate(specs))
    index[spec.name] = i;
  std::string bound = "the bound " + std::to_string(bounds.max);
  for (auto &[size, found] : observed) {
    if (size == bounds.max)
      continue;
    std::vector<bool> seen(specs.size());
    for (const TensorSpec &spec : found) {
      auto it = index.find(spec.name);
      if (it == index.end())
        return emitError(loc)
               << "observer '" << spec.name << "' is placed at "
               << atSize(bounds, size) << " but not at " << bound
               << ": the quantized ops change with " << bounds.describe();
      seen[it->second] = true;
      TensorSpec &merged = specs[it->second];
      if (spec.shape.size() != merged.shape.size() || spec.axis != merged.axis)
        return emitError(loc)
               << "observer '" << spec.name << "' is "
               << formatDims(spec.shape) << " at " << atSize(bounds, size)
               << ", " << formatShape(merged.shape) << " at " << bound
               << ": its rank or contracted dim changes with "
               << bounds.describe();
      for (size_t d = 0; d < spec.shape.size(); ++d)
        if (spec.shape[d] != merged.shape[d])
          merged.shape[d] = -1;
    }
    for (auto [i, spec] : llvm::enumerate(specs))
      if (!seen[i])
        return emitError(loc)
               << "observer '" << spec.name << "' is placed at " << bound
               << " but not at " << atSize(bounds, size)
               << ": the quantized ops change with " << bounds.describe();
  }
  return success();
}

/// The runtime's description of an observed tensor; `spec` must outlive
/// it (the name is not copied until q8_calib_create). A contracted dim
/// whose size varies (attention's probabilities, contracted over the
/// keys) has no channels: no per-channel absmax and no reservoir, which
/// only a weight's consumer (SmoothQuant) reads.
q8_calib_tensor collectorFor(const TensorSpec &spec) {
  q8_calib_tensor t{};
  t.name = spec.name.c_str();
  t.rank = spec.shape.size();
  for (size_t d = 0; d < spec.shape.size(); ++d)
    t.dims[d] = spec.shape[d];
  t.channel_axis = spec.axis && spec.shape[*spec.axis] >= 0 ? *spec.axis : -1;
  return t;
}

/// Dense row-major strides of `shape`.
std::vector<int64_t> denseStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
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
    if (!shapeFits(entry->spec.shape, spec.shape)) {
      error = "'" + spec.name + "' is " + formatDims(spec.shape) +
              " in the model, " + formatShape(entry->spec.shape) +
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
  if (options.extent && reference)
    return emitError(loc) << "the layer error is not supported for "
                             "dynamic-extent models yet";
  FailureOr<std::vector<InputSpec>> inputs = entryInputs(imported);
  if (failed(inputs))
    return failure();
  std::optional<ExtentBounds> bounds;
  if (options.extent) {
    FailureOr<ExtentBounds> found =
        extentBounds(imported, *options.extent, *inputs);
    if (failed(found))
      return failure();
    bounds = *found;
  }
  FailureOr<SampleSource> source =
      openSamples(imported, options.samples, *inputs, options.randomCount,
                  options.randomSeed, bounds ? &*bounds : nullptr);
  if (failed(source))
    return failure();

  // The builds and the observers they share (what the table describes).
  // A static model's calibration build carries the fp32 reference's taps
  // too, always (they only read, so the table is the same whether a layer
  // error follows or not).
  auto start = std::chrono::steady_clock::now();
  std::vector<Build> builds;
  std::vector<TensorSpec> specs;
  ReferenceTaps taps;
  if (bounds) {
    if (failed(prepareExtentBuilds(imported, *options.extent, *bounds,
                                   *inputs, *source, builds, specs)))
      return failure();
  } else {
    Build build;
    build.module = OwningOpRef<ModuleOp>(imported.clone());
    PassManager pm(context);
    addObserverPasses(pm);
    if (failed(pm.run(*build.module)))
      return failure();
    specs = observersOf(*build.module);
    taps = placeReferenceTaps(*build.module);
    for (size_t s = 0; s < source->samples.size(); ++s)
      build.samples.push_back(s);
    builds.push_back(std::move(build));
  }
  std::vector<q8_calib_tensor> collectors;
  llvm::StringMap<int64_t> collectorIds;
  for (auto [id, spec] : llvm::enumerate(specs)) {
    if (spec.shape.size() > Q8_MAX_RANK)
      return emitError(loc) << "'" << spec.name << "' has rank above "
                            << Q8_MAX_RANK;
    // Names stay alive in `specs` for the collectors' lifetime.
    collectors.push_back(collectorFor(spec));
    collectorIds[spec.name] = id;
  }
  double jitSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

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
  size_t done = 0;
  double runSeconds = 0;
  std::vector<double> sampleSeconds;
  q8_calib_session *recording = session.get();
  q8_status rejected = Q8_OK;
  std::unique_ptr<JitModel> kept;
  for (Build &build : builds) {
    auto compileStart = std::chrono::steady_clock::now();
    FailureOr<std::unique_ptr<JitModel>> jit =
        JitModel::compile(std::move(build.module));
    if (failed(jit)) {
      progress.finish();
      return failure();
    }
    // This build's observers: their collector (-1 for a reference tap)
    // and their shape at this build's size.
    std::vector<int64_t> collectorOf;
    std::vector<std::vector<int64_t>> shapes, strides;
    for (const TensorSpec &spec : (*jit)->observers()) {
      int64_t id = -1;
      if (!isReferenceTap(spec.name)) {
        auto it = collectorIds.find(spec.name);
        if (it == collectorIds.end() ||
            !shapeFits(specs[it->second].shape, spec.shape)) {
          progress.finish();
          return emitError(loc)
                 << "the calibration build observes '" << spec.name << "' as "
                 << formatDims(spec.shape) << ", which its collectors do not "
                 << "expect";
        }
        id = it->second;
      }
      collectorOf.push_back(id);
      shapes.push_back(spec.shape);
      strides.push_back(denseStrides(spec.shape));
    }
    jitSeconds += std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - compileStart)
                      .count();
    auto record = [&](int64_t observer, const float *data) {
      if (observer < 0 ||
          observer >= static_cast<int64_t>(collectorOf.size())) {
        rejected = Q8_ERROR_INVALID_ARGUMENT;
        return;
      }
      int64_t id = collectorOf[observer];
      if (id < 0)
        return; // a reference tap
      q8_status status =
          q8_calib_record(recording, static_cast<int32_t>(id), data,
                          shapes[observer].data(), strides[observer].data());
      if (status != Q8_OK)
        rejected = status;
    };
    for (size_t s : build.samples) {
      std::string error;
      if (!reader.read(s, inputBuffers, error)) {
        progress.finish();
        return emitError(loc) << error;
      }
      CrashPhase phase(sampleDescription("calibration", *source, s));
      double seconds = (*jit)->run(inputBuffers, record);
      sampleSeconds.push_back(seconds);
      runSeconds += seconds;
      progress.update(++done);
    }
    // A static model's build is the fp32 reference's too; an extent
    // size's goes before the next is compiled.
    if (!bounds)
      kept = std::move(*jit);
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
    stats->jitSeconds = jitSeconds;
    stats->runSeconds = runSeconds;
    stats->sampleSeconds = std::move(sampleSeconds);
    stats->warnings = std::move(warnings);
  }
  if (reference) {
    FailureOr<std::unique_ptr<Reference>> adopted =
        Reference::adopt(std::move(kept), std::move(taps), loc);
    if (failed(adopted))
      return failure();
    *reference = std::move(*adopted);
  }
  return table;
}
