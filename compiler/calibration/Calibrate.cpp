//===- Calibrate.cpp - calibrate a model by running it natively -----------===//

#include "compiler/calibration/Calibrate.h"

#include "compiler/Compiler.h"
#include "compiler/calibration/Samples.h"
#include "compiler/codegen/ObjectEmitter.h"
#include "dialects/Q8/Q8Ops.h"
#include "passes/Passes.h"
#include "q8_calib.h"
#include "q8_runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

namespace {

/// The q8 dtype of a graph element type, or -1.
int32_t dtypeOf(Type type) {
  if (type.isF32()) return Q8_DTYPE_F32;
  if (type.isF64()) return Q8_DTYPE_F64;
  if (type.isF16()) return Q8_DTYPE_F16;
  if (type.isBF16()) return Q8_DTYPE_BF16;
  if (type.isInteger(1)) return Q8_DTYPE_BOOL;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return -1;
  bool u = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 8: return u ? Q8_DTYPE_U8 : Q8_DTYPE_I8;
  case 16: return u ? Q8_DTYPE_U16 : Q8_DTYPE_I16;
  case 32: return u ? Q8_DTYPE_U32 : Q8_DTYPE_I32;
  case 64: return u ? Q8_DTYPE_U64 : Q8_DTYPE_I64;
  default: return -1;
  }
}

func::FuncOp entryOf(ModuleOp module) {
  func::FuncOp entry;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entry = entry ? func::FuncOp() : func;
  return entry;
}

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

/// The compiled code calls this for every observer; it forwards to the
/// session bound to the thread with the observer's dense shape.
struct Observed {
  std::vector<std::vector<int64_t>> sizes, strides;
};
thread_local const Observed *currentObserved = nullptr;

extern "C" void q8CalibObserveDense(int64_t id, intptr_t address) {
  const float *data = reinterpret_cast<const float *>(address);
  q8_calib_session *session = q8_calib_bound();
  if (!session || !currentObserved || id < 0 ||
      id >= static_cast<int64_t>(currentObserved->sizes.size()))
    return;
  q8_calib_record(session, static_cast<int32_t>(id), data,
                  currentObserved->sizes[id].data(),
                  currentObserved->strides[id].data());
}

/// "calibrating: 12/100 samples, 35.2/s, ETA 3s" on stderr, redrawn at
/// most ten times a second, from wall time (sample reading included).
class Progress {
public:
  Progress(bool enabled, size_t total)
      : enabled(enabled), total(total),
        start(std::chrono::steady_clock::now()) {}
  void update(size_t done) {
    if (!enabled)
      return;
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - last < std::chrono::milliseconds(100))
      return;
    last = now;
    double seconds = std::chrono::duration<double>(now - start).count();
    double rate = seconds > 0 ? done / seconds : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    llvm::errs() << llvm::format("\rcalibrating: %zu/%zu samples, %.1f/s, "
                                 "ETA %.0fs   ",
                                 done, total, rate, eta);
  }
  void finish() {
    if (enabled)
      llvm::errs() << "\n";
  }

private:
  bool enabled;
  size_t total;
  std::chrono::steady_clock::time_point start, last;
};

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
                                            RunStats *stats) {
  MLIRContext *context = imported.getContext();
  Location loc = imported.getLoc();
  func::FuncOp main = entryOf(imported);
  if (!main)
    return emitError(loc) << "calibration needs one public function";

  // The inputs a sample must provide.
  std::vector<InputSpec> inputs;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    int32_t dtype = tensor ? dtypeOf(tensor.getElementType()) : -1;
    if (dtype < 0 || !tensor.hasStaticShape())
      return emitError(loc) << "input " << i << " has type " << type
                            << ", which calibration cannot feed";
    auto name = main.getArgAttrOfType<StringAttr>(i, "q8.name");
    inputs.push_back({name ? name.str() : "input" + std::to_string(i), dtype,
                      std::vector<int64_t>(tensor.getShape().begin(),
                                           tensor.getShape().end())});
  }
  SampleSource source;
  if (options.samples == "random") {
    source = randomSamples(inputs, options.randomCount, options.randomSeed);
  } else {
    std::string error;
    if (!findSamples(options.samples, inputs, source, error))
      return emitError(loc) << error;
  }

  // The calibration build: observers as collector calls, then the usual
  // lowering, entry renamed q8_calib_run.
  auto start = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> module(imported.clone());
  {
    PassManager pm(context);
    addObserverPasses(pm);
    q8::LowerObserversOptions lower;
    lower.calleeName = "q8_calib_observe_dense";
    pm.addPass(q8::createLowerObservers(lower));
    if (failed(pm.run(*module)))
      return failure();
  }
  Observed observed;
  std::vector<TensorSpec> specs;
  std::vector<q8_calib_tensor> collectors;
  if (auto list = (*module)->getAttrOfType<ArrayAttr>("q8.observers")) {
    for (Attribute attr : list) {
      auto dict = cast<DictionaryAttr>(attr);
      auto type = cast<RankedTensorType>(
          cast<TypeAttr>(dict.get("type")).getValue());
      TensorSpec spec;
      spec.name = cast<StringAttr>(dict.get("name")).str();
      spec.shape.assign(type.getShape().begin(), type.getShape().end());
      if (auto axis = dict.getAs<IntegerAttr>("axis"))
        spec.axis = axis.getInt();
      if (spec.shape.size() > Q8_MAX_RANK)
        return emitError(loc) << "'" << spec.name << "' has rank above "
                              << Q8_MAX_RANK;
      specs.push_back(spec);
      std::vector<int64_t> strides(spec.shape.size());
      int64_t stride = 1;
      for (int64_t d = spec.shape.size() - 1; d >= 0; --d) {
        strides[d] = stride;
        stride *= spec.shape[d];
      }
      observed.sizes.push_back(spec.shape);
      observed.strides.push_back(strides);
    }
  }
  // Names stay alive in `specs` for the collectors' lifetime.
  for (const TensorSpec &spec : specs) {
    q8_calib_tensor t{};
    t.name = spec.name.c_str();
    t.rank = spec.shape.size();
    for (size_t d = 0; d < spec.shape.size(); ++d)
      t.dims[d] = spec.shape[d];
    t.channel_axis = spec.axis ? *spec.axis : -1;
    collectors.push_back(t);
  }

  CodegenOptions codegen = options.codegen;
  codegen.modelName = "q8_calib";
  // Weights stay out of the JIT's code: passed as one buffer, they are not
  // copied into LLVM IR constants, an object and its loaded image (which
  // for a 12-layer BERT-base is a gigabyte).
  codegen.externalWeightsThreshold = 1024;
  if (failed(lowerToLinalg(*module)) ||
      failed(lowerToLLVMDialect(*module, codegen)))
    return failure();
  LLVM::LLVMFuncOp entry;
  for (auto func : module->getOps<LLVM::LLVMFuncOp>())
    if (func->hasAttr("q8.inputs"))
      entry = func;
  if (!entry)
    return emitError(loc) << "the calibration build has no entry function";
  std::unique_ptr<void, void (*)(void *)> weights(nullptr, std::free);
  if (entry->hasAttr("q8.weights_size")) {
    FailureOr<uint64_t> size = externalWeightsSize(*module);
    if (failed(size))
      return failure();
    size_t bytes = std::max<size_t>((*size + 63) / 64 * 64, 64);
    weights.reset(std::aligned_alloc(64, bytes));
    if (!weights)
      return emitError(loc) << "cannot allocate " << bytes
                            << " bytes of weights";
    if (failed(fillWeights(*module,
                           MutableArrayRef<char>(
                               static_cast<char *>(weights.get()), *size))))
      return failure();
  }
  int64_t workspaceSize = 0;
  if (auto ws = entry->getAttrOfType<IntegerAttr>("q8.workspace_size"))
    workspaceSize = ws.getInt();
  std::vector<size_t> outputBytes;
  for (Attribute attr : entry->getAttrOfType<ArrayAttr>("q8.outputs")) {
    auto type = cast<ShapedType>(
        cast<TypeAttr>(cast<DictionaryAttr>(attr).get("type")).getValue());
    int32_t dtype = dtypeOf(type.getElementType());
    size_t bytes = std::max<size_t>(
        q8_dtype_size(static_cast<q8_dtype>(dtype < 0 ? Q8_DTYPE_F32 : dtype)),
        1);
    for (int64_t d : type.getShape())
      bytes *= d;
    outputBytes.push_back(bytes);
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(*module, codegen);
  if (failed(machine))
    return failure();
  auto transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, machine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine =
      ExecutionEngine::create(*module, engineOptions, std::move(*machine));
  if (!engine)
    return emitError(loc) << "JIT compilation failed: "
                          << llvm::toString(engine.takeError());
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("q8_calib_observe_dense")] = {
        llvm::orc::ExecutorAddr::fromPtr(&q8CalibObserveDense),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  auto run = (*engine)->lookupPacked("q8_calib_run");
  if (!run)
    return emitError(loc) << "JIT lookup failed: "
                          << llvm::toString(run.takeError());
  // The engine holds the code; the IR (and its copies of the constants) can
  // go before the samples run.
  module = nullptr;
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

  // Buffers for one call: inputs, outputs, a 64-byte aligned workspace.
  std::vector<std::vector<char>> inputBuffers;
  std::vector<std::vector<char>> outputBuffers(outputBytes.size());
  for (auto [i, bytes] : llvm::enumerate(outputBytes))
    outputBuffers[i].resize(bytes);
  size_t wsBytes = (workspaceSize + 63) / 64 * 64;
  std::unique_ptr<void, void (*)(void *)> workspace(
      wsBytes ? std::aligned_alloc(64, wsBytes) : nullptr, std::free);
  SampleReader reader(source, inputs);
  Progress progress(options.progress, source.samples.size());
  double runSeconds = 0;
  std::vector<double> sampleSeconds;
  currentObserved = &observed;
  for (size_t s = 0; s < source.samples.size(); ++s) {
    std::string error;
    if (!reader.read(s, inputBuffers, error)) {
      currentObserved = nullptr;
      progress.finish();
      return emitError(loc) << error;
    }
    std::vector<void *> pointers;
    for (auto &buffer : inputBuffers)
      pointers.push_back(buffer.data());
    for (auto &buffer : outputBuffers)
      pointers.push_back(buffer.data());
    pointers.push_back(workspace.get());
    if (weights)
      pointers.push_back(weights.get());
    std::vector<void *> packed;
    for (void *&p : pointers)
      packed.push_back(&p);
    auto t0 = std::chrono::steady_clock::now();
    q8_calib_bind(session.get());
    (*run)(packed.data());
    q8_calib_bind(nullptr);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    sampleSeconds.push_back(seconds);
    runSeconds += seconds;
    progress.update(s + 1);
  }
  currentObserved = nullptr;
  progress.finish();
  q8_status last;
  if (q8_calib_observe_errors(session.get(), &last))
    return emitError(loc) << "the collectors rejected an observation: "
                          << q8_status_string(last);

  std::vector<std::string> warnings;
  Table table;
  table.samples = source.samples.size();
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
  return table;
}
