//===- Compile.cpp - the whole q8 pipeline behind one call ----------------===//

#include "compiler/Compile.h"

#include "compiler/DynamicBatch.h"
#include "compiler/BatchLockstep.h"
#include "compiler/DynamicExtent.h"

#include "compiler/CrashHandler.h"
#include "compiler/calibration/Reference.h"
#include "compiler/calibration/Report.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>
#include <optional>
#include <thread>

using namespace llvm;
using namespace q8;

std::optional<ArtifactKind> q8::artifactOf(OutputKind kind) {
  switch (kind) {
  case OutputKind::Object:
    return ArtifactKind::Object;
  case OutputKind::StaticLibrary:
    return ArtifactKind::StaticLibrary;
  case OutputKind::SharedLibrary:
    return ArtifactKind::SharedLibrary;
  default:
    return std::nullopt;
  }
}

std::optional<SmoothQuantOption>
SmoothQuantOption::parse(StringRef value, std::string &error) {
  SmoothQuantOption option;
  option.enabled = true;
  if (value == "auto") {
    option.automatic = true;
    return option;
  }
  double alpha = 0.5;
  if (!value.empty() && (value.getAsDouble(alpha) || !(alpha >= 0 && alpha <= 1))) {
    error = "expected an alpha in [0, 1] or auto";
    return std::nullopt;
  }
  option.alpha = static_cast<float>(alpha);
  return option;
}

//===----------------------------------------------------------------------===//
// Paths
//===----------------------------------------------------------------------===//

namespace {

/// Whether `a` and `b` name the same file (spelled alike, or one existing
/// file under two names).
bool sameFile(StringRef a, StringRef b) {
  if (a == b)
    return true;
  bool same = false;
  if (sys::fs::exists(a) && sys::fs::exists(b))
    sys::fs::equivalent(a, b, same);
  return same;
}

/// Whether a report can be written at `path` (its folder made where
/// missing), so that a bad path fails before any work; false with `why`.
bool canWrite(StringRef path, std::string &why) {
  if (sys::fs::is_directory(path)) {
    why = "it is a folder";
    return false;
  }
  if (sys::fs::exists(path)) {
    if (sys::fs::access(path, sys::fs::AccessMode::Write)) {
      why = "it is read-only";
      return false;
    }
    return true;
  }
  // The nearest existing folder above it must be one we may write in.
  std::string dir = sys::path::parent_path(path).str();
  while (!dir.empty() && !sys::fs::exists(dir))
    dir = sys::path::parent_path(dir).str();
  if (dir.empty())
    dir = ".";
  if (!sys::fs::is_directory(dir)) {
    why = dir + " is not a folder";
    return false;
  }
  if (sys::fs::access(dir, sys::fs::AccessMode::Write)) {
    why = "cannot create files in " + dir;
    return false;
  }
  return true;
}

/// Where everything goes, resolved from a request: the artifacts' base
/// path and the default table and layer-error paths.
struct Paths {
  std::optional<ArtifactKind> artifact;
  std::string base;       ///< artifacts' path without extension
  std::string table;      ///< the calibration table (written or read)
  std::string layerError; ///< JSON layer error; empty: not written
  bool measure = false;   ///< measure the layer error at all
  std::vector<std::string> outputs; ///< artifacts and the text output
};

Paths resolvePaths(const CompileRequest &request) {
  Paths paths;
  const OutputRequest &output = request.output;
  paths.artifact = artifactOf(output.kind);
  paths.base = output.path;
  if (paths.artifact) {
    // `-o out/model.o` (.a, .so) names the artifact itself; accept it.
    StringRef ext = artifactExtension(*paths.artifact);
    if (StringRef(paths.base).ends_with(ext))
      paths.base.resize(paths.base.size() - ext.size());
    paths.outputs = modelOutputPaths(
        paths.base, *paths.artifact,
        request.codegen.externalWeightsThreshold >= 0);
  }
  if (output.path != "-")
    paths.outputs.push_back(output.path);

  const CalibrationRequest &calib = request.calibration;
  paths.table = calib.tablePath;
  if (!calib.samples.empty() && paths.table.empty() && output.path != "-")
    paths.table = paths.base + ".calib.json";

  const ReportRequest &report = request.report;
  paths.layerError = report.layerErrorPath;
  paths.measure = report.requested || !report.layerErrorPath.empty() ||
                  !report.htmlPath.empty();
  if (request.quantization.w8a8 && !calib.samples.empty() &&
      output.path != "-") {
    paths.measure = true;
    if (paths.layerError.empty())
      paths.layerError = paths.base + ".layers.json";
  }
  return paths;
}

} // namespace

//===----------------------------------------------------------------------===//
// Checking a request
//===----------------------------------------------------------------------===//

std::vector<std::string> q8::checkRequest(const CompileRequest &request) {
  std::vector<std::string> problems;
  auto problem = [&](const Twine &message) {
    problems.push_back(message.str());
  };
  const OutputRequest &output = request.output;
  const CalibrationRequest &calib = request.calibration;
  const QuantizationRequest &quant = request.quantization;
  const ReportRequest &report = request.report;
  Paths paths = resolvePaths(request);

  if (paths.artifact && output.path == "-") {
    StringRef name = output.kind == OutputKind::Object          ? "obj"
                     : output.kind == OutputKind::StaticLibrary ? "lib"
                                                                : "shared";
    problem("--emit=" + name + " writes <o>" +
            artifactExtension(*paths.artifact) +
            " and <o>.h; give their path without extension with -o");
  }
  if (request.codegen.externalWeightsThreshold >= 0 && !paths.artifact &&
      output.kind != OutputKind::LLVM)
    problem("--external-weights needs --emit=obj, lib, shared or llvm");
  if (request.codegen.externalWeightsThreshold >= 0 &&
      isAllTargets(request.codegen.target))
    problem("--external-weights with --target all is not supported yet "
            "(each variant packs its weights differently); name one target");
  // Refuse to overwrite the model, whatever the spelling.
  for (const std::string &path : paths.outputs)
    if (sameFile(path, request.modelPath)) {
      problem("-o " + output.path +
              " names the model itself; refusing to overwrite it");
      break;
    }

  if (!calib.samples.empty() && paths.table.empty())
    problem("--calibrate writes its table to --calibration-table FILE, or to "
            "<o>.calib.json with -o; give one");
  if (!calib.samples.empty() && !paths.table.empty() &&
      sameFile(paths.table, request.modelPath))
    problem("the calibration table " + paths.table +
            " would overwrite the model");
  if (calib.samples == "random" && calib.randomCount <= 0)
    problem("--calibration-samples must be positive");
  const calibration::Settings &settings = calib.settings;
  if (!(settings.percentile > 50 && settings.percentile <= 100)) {
    std::string value;
    raw_string_ostream(value) << settings.percentile;
    problem("--percentile " + value + ": expected a value in (50, 100]");
  }
  if (settings.histogramBins < 0 || settings.histogramBins % 2 ||
      settings.reservoirRows < 0)
    problem("--histogram-bins must be even (0 for none), --reservoir-rows "
            "non-negative");

  if (quant.w8a8 && paths.table.empty())
    problem("--quantize=w8a8 needs ranges: --calibrate DIR, or "
            "--calibration-table FILE");
  if (quant.smoothQuant.enabled && !quant.w8a8)
    problem("--smoothquant applies to --quantize=w8a8");
  if (quant.weightBits != 8 && quant.weightBits != 7)
    problem("--weight-bits=" + Twine(quant.weightBits) +
            ": expected 8 or 7");

  // The layer error: measured on the calibration samples, so only where
  // there are some.
  if (report.requested || !report.layerErrorPath.empty() ||
      !report.htmlPath.empty()) {
    StringRef flag = report.htmlPath.empty() || !report.layerErrorPath.empty()
                         ? "--layer-error"
                         : "--report";
    if (!quant.w8a8)
      problem(flag + " measures a quantized model: give --quantize=w8a8");
    else if (calib.samples.empty())
      problem(flag + " needs calibration samples to measure on: give "
                     "--calibrate DIR (or random); a --calibration-table "
                     "holds none");
  }
  // Neither report may overwrite the model, the table or each other.
  std::vector<std::pair<std::string, std::string>> reports;
  if (!paths.layerError.empty())
    reports.push_back({"the layer error " + paths.layerError, paths.layerError});
  if (!report.htmlPath.empty())
    reports.push_back({"the report " + report.htmlPath, report.htmlPath});
  for (auto [i, entry] : llvm::enumerate(reports)) {
    std::string why;
    if (!canWrite(entry.second, why)) {
      problem(entry.second + ": cannot write: " + why);
      continue;
    }
    std::vector<std::pair<std::string, std::string>> others = {
        {"the model", request.modelPath}};
    if (!paths.table.empty())
      others.push_back({"the calibration table", paths.table});
    for (const std::string &path : paths.outputs)
      others.push_back({"the output " + path, path});
    for (size_t j = 0; j < i; ++j)
      others.push_back(reports[j]);
    for (auto &[what, path] : others)
      if (sameFile(entry.second, path)) {
        problem(entry.first + " would overwrite " + what);
        break;
      }
  }
  if (request.codegen.optLevel < 0 || request.codegen.optLevel > 3)
    problem("-O" + Twine(request.codegen.optLevel) +
            ": expected 0, 1, 2 or 3");
  return problems;
}

//===----------------------------------------------------------------------===//
// The pipeline
//===----------------------------------------------------------------------===//

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// One compile() call: the request, the streams and what has been done.
class Compilation {
public:
  Compilation(const CompileRequest &request, raw_ostream &log,
              raw_ostream &out)
      : request(request), log(log), out(out), paths(resolvePaths(request)) {}

  CompileResult run();

private:
  mlir::LogicalResult calibrateOrReadTable(mlir::ModuleOp module);
  mlir::LogicalResult quantize(mlir::ModuleOp module);
  mlir::FailureOr<calibration::LayerError>
  measureLayerError(mlir::ModuleOp module, calibration::LayerErrorStats &stats);
  mlir::LogicalResult reportLayerError(
      mlir::FailureOr<calibration::LayerError> error,
      const calibration::LayerErrorStats &stats);
  mlir::LogicalResult emit(mlir::ModuleOp module);
  calibration::LayerErrorOptions sampleOptions() const;

  const CompileRequest &request;
  raw_ostream &log, &out;
  Paths paths;
  CompileResult result;
  /// The table calibration just made, handed to quantization as it is.
  std::shared_ptr<const calibration::Table> calibrated;
  /// The fp32 model compiled with its layer taps, calibration's build: what
  /// the SmoothQuant check and the layer error measure the quantized model
  /// against. Set whenever they run: both need samples (checkRequest), and
  /// with samples and w8a8 this compile calibrates.
  std::unique_ptr<calibration::Reference> reference;
  /// A model compiled with a dynamic extent (DynamicExtent.h): the imports
  /// at the smaller sizes (the one at the bound is the module compiled).
  std::optional<ExtentModel> extent;
  /// How the model is imported (dynamic dims at one item).
  ImportOptions importOptions;
  mlir::LogicalResult findDynamicDim(mlir::OwningOpRef<mlir::ModuleOp> &module,
                                     const ImportOptions &options);
  mlir::LogicalResult lowerExtentModel(mlir::ModuleOp module);
};

calibration::LayerErrorOptions Compilation::sampleOptions() const {
  calibration::LayerErrorOptions options;
  options.samples = request.calibration.samples;
  options.randomCount = request.calibration.randomCount;
  options.randomSeed = request.calibration.seed;
  options.progress = request.progress;
  return options;
}

mlir::LogicalResult Compilation::calibrateOrReadTable(mlir::ModuleOp module) {
  const CalibrationRequest &calib = request.calibration;
  const std::string &tablePath = paths.table;
  if (!calib.samples.empty()) {
    calibration::CalibrateOptions options;
    options.samples = calib.samples;
    options.randomCount = calib.randomCount;
    options.randomSeed = calib.seed;
    options.settings = calib.settings;
    options.settings.seed = calib.seed;
    options.progress = request.progress;
    if (calib.samples == "random")
      log << "warning: calibrating on " << calib.randomCount
          << " random samples: the ranges say nothing about real inputs\n";
    if (extent) {
      // Samples of every size of the extent: each size's graph runs its own.
      calibration::CalibrateOptions::ExtentSamples sizes;
      sizes.positions.assign(extent->extent.inputs.begin(),
                             extent->extent.inputs.end());
      sizes.min = extent->extent.min;
      sizes.max = extent->extent.max;
      sizes.importAt = [this, context = module.getContext()](int64_t size) {
        ImportOptions at = importOptions;
        at.dynamicExtent = size;
        ImportResult imported = importModel(*context, request.modelPath, at);
        if (!imported.module)
          printImportErrors(log, request.modelPath, imported.errors);
        return std::move(imported.module);
      };
      options.extent = std::move(sizes);
    }
    calibration::RunStats stats;
    mlir::FailureOr<calibration::Table> table = calibration::calibrate(
        module, options, &stats,
        request.quantization.w8a8 && !extent ? &reference : nullptr);
    if (failed(table))
      return mlir::failure();
    for (const std::string &warning : stats.warnings)
      log << "warning: " << request.modelPath << ": " << warning << "\n";
    std::string error;
    if (StringRef dir = sys::path::parent_path(tablePath); !dir.empty())
      (void)sys::fs::create_directories(dir);
    if (!calibration::writeTable(*table, tablePath, error)) {
      log << "error: " << tablePath << ": " << error << "\n";
      return mlir::failure();
    }
    result.written.push_back(tablePath);
    std::vector<double> ms;
    for (double seconds : stats.sampleSeconds)
      ms.push_back(1e3 * seconds);
    llvm::sort(ms);
    double median = ms.empty()       ? 0
                    : ms.size() % 2 ? ms[ms.size() / 2]
                                    : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    log << format("calibration: %lld samples in %.3f s (%.2f ms/sample; "
                  "JIT %.2f s), %zu tensors -> ",
                  (long long)stats.samples, stats.runSeconds,
                  1e3 * stats.runSeconds / std::max<int64_t>(stats.samples, 1),
                  stats.jitSeconds, table->tensors.size())
        << tablePath << "\n";
    log << format("calibration: per sample min %.3f ms, median %.3f ms, "
                  "max %.3f ms\n",
                  ms.empty() ? 0 : ms.front(), median,
                  ms.empty() ? 0 : ms.back());
    result.tableSamples = table->samples;
    result.tableTensors = table->tensors.size();
    result.calibration = std::move(stats);
    calibrated = std::make_shared<const calibration::Table>(std::move(*table));
    return mlir::success();
  }
  if (tablePath.empty())
    return mlir::success();
  calibration::Table table;
  std::string error;
  if (!calibration::readTable(tablePath, table, error)) {
    log << "error: " << tablePath << ": " << error << "\n";
    return mlir::failure();
  }
  if (failed(calibration::checkTable(table, module, error))) {
    log << "error: " << tablePath << " does not fit " << request.modelPath
        << ": " << error << "\n";
    return mlir::failure();
  }
  log << "calibration: reusing " << tablePath << " (" << table.samples
      << " samples, " << table.tensors.size() << " tensors)\n";
  result.tableSamples = table.samples;
  result.tableTensors = table.tensors.size();
  return mlir::success();
}

mlir::LogicalResult Compilation::quantize(mlir::ModuleOp module) {
  const QuantizationRequest &quant = request.quantization;
  const SmoothQuantOption &smooth = quant.smoothQuant;
  QuantizeModelOptions options;
  options.tablePath = paths.table;
  options.table = calibrated;
  options.method = quant.method;
  if (smooth.enabled)
    options.smoothQuantAlpha = smooth.alpha;
  options.smoothQuantAuto = smooth.automatic;
  options.weightBits = quant.weightBits;
  options.keepFasterFp32 = quant.keepFasterFp32;
  // --smoothquant auto with samples: checked end to end against plain
  // W8A8, which replaces it where it is closer to fp32.
  std::optional<calibration::SmoothQuantCheck> check;
  bool checked = smooth.automatic && !request.calibration.samples.empty() &&
                 !extent;
  mlir::FailureOr<QuantizeSummary> quantized =
      checked ? calibration::quantizeModelChecked(
                    module, options, sampleOptions(), *reference, &check)
              : quantizeModel(module, options);
  if (failed(quantized))
    return mlir::failure();
  // The extent model's other sizes: the same quantization, so the graphs
  // still agree op for op (DynamicExtent.h).
  if (extent)
    for (mlir::OwningOpRef<mlir::ModuleOp> &other : extent->imports)
      if (failed(quantizeModel(*other, options)))
        return mlir::failure();
  log << format("quantize: %lld layers int8, %lld kept fp32",
                (long long)quantized->quantized,
                (long long)quantized->keptFp32);
  // The layers whose int8 form would be slower than their fp32 one.
  for (auto [index, entry] : llvm::enumerate(quantized->fasterInFp32))
    log << (index ? ", " : " (") << entry.second << " " << entry.first
        << (entry.second == 1 ? "" : "s");
  if (!quantized->fasterInFp32.empty())
    log << " faster in fp32)";
  log << format("; layer weights %.2f MB fp32 before, %.2f MB int8 after\n",
                quantized->fp32WeightBytes / 1e6,
                quantized->int8WeightBytes / 1e6);
  if (smooth.enabled) {
    // min, median (the lower middle one) and max of the alphas used.
    std::vector<float> alphas = check ? check->smoothed.smoothQuantAlphas
                                      : quantized->smoothQuantAlphas;
    llvm::sort(alphas);
    log << "smoothquant: " << alphas.size() << " activations smoothed";
    if (!alphas.empty())
      log << format(", alpha min %g median %g max %g", alphas.front(),
                    alphas[(alphas.size() - 1) / 2], alphas.back());
    log << (smooth.automatic ? " (auto)" : "") << "\n";
    if (check && check->fellBack)
      log << "smoothquant: auto is worse end to end than plain W8A8 on "
             "output '"
          << check->worse->name
          << format("' (output SQNR %.2f dB vs %.2f dB on %lld samples); "
                    "falling back to plain W8A8\n",
                    check->worse->smoothedDb, check->worse->plainDb,
                    (long long)check->samples);
    else if (check)
      log << format("smoothquant: auto kept: output SQNR %.2f dB vs "
                    "%.2f dB for plain W8A8 on %lld samples (no output "
                    "worse)\n",
                    check->smoothedDb, check->plainDb,
                    (long long)check->samples);
    else if (smooth.automatic && request.calibration.samples.empty() &&
             !alphas.empty())
      log << "smoothquant: auto not checked end to end against plain "
             "W8A8: a --calibration-table holds no samples (give "
             "--calibrate DIR)\n";
  }
  result.quantization = std::move(*quantized);
  result.smoothQuantCheck = std::move(check);
  return mlir::success();
}

/// Measures the quantized `module` against the fp32 reference on the
/// calibration samples, or takes the SmoothQuant check's measurement of the
/// same model instead of compiling and running it again.
mlir::FailureOr<calibration::LayerError>
Compilation::measureLayerError(mlir::ModuleOp module,
                               calibration::LayerErrorStats &stats) {
  if (result.smoothQuantCheck)
    return result.smoothQuantCheck->kept;
  return calibration::measureLayerError(*reference, module, sampleOptions(),
                                        &stats);
}

/// Writes the JSON (and the HTML report when asked) of a measured layer
/// error and prints a line of the numbers that matter.
mlir::LogicalResult Compilation::reportLayerError(
    mlir::FailureOr<calibration::LayerError> error,
    const calibration::LayerErrorStats &stats) {
  bool known = result.smoothQuantCheck.has_value();
  if (failed(error))
    return mlir::failure();
  const std::string &jsonPath = paths.layerError;
  const std::string &htmlPath = request.report.htmlPath;
  std::string why;
  if (!jsonPath.empty()) {
    if (!calibration::writeReportFile(
            jsonPath, calibration::printLayerErrorJson(*error), why)) {
      log << "error: " << jsonPath << ": " << why << "\n";
      return mlir::failure();
    }
    result.written.push_back(jsonPath);
  }
  if (!htmlPath.empty()) {
    if (!calibration::writeReportFile(
            htmlPath,
            calibration::printLayerErrorHtml(
                *error, sys::path::filename(request.modelPath)),
            why)) {
      log << "error: " << htmlPath << ": " << why << "\n";
      return mlir::failure();
    }
    result.written.push_back(htmlPath);
  }
  calibration::SqnrSummary summary = calibration::summarizeSqnr(*error);
  log << format("layer error: %zu layers on %lld samples (end to end)",
                error->layers.size(), (long long)error->samples);
  if (!error->layers.empty())
    log << format(", SQNR min %.2f dB", summary.min) << " ('"
        << summary.worst << "')" << format(", median %.2f dB", summary.median);
  for (const calibration::TensorError &output : error->outputs)
    log << "; output '" << output.name << "' "
        << format("%.2f dB, 1 - cosine %.2g", output.sqnrDb(),
                  1 - output.cosine());
  if (known)
    log << " (measured by the SmoothQuant check)";
  else
    log << format(" (fp32 from calibration's JIT; quantized JIT %.2f s, run "
                  "%.2f s)",
                  stats.jitSeconds, stats.runSeconds);
  for (StringRef path : {StringRef(jsonPath), StringRef(htmlPath)})
    if (!path.empty())
      log << " -> " << path;
  log << "\n";
  result.layerError = std::move(*error);
  return mlir::success();
}

mlir::LogicalResult Compilation::emit(mlir::ModuleOp module) {
  const OutputRequest &output = request.output;
  CodegenOptions codegen = request.codegen;
  if (codegen.modelName.empty())
    codegen.modelName = modelNameFromPath(
        paths.artifact || output.path != "-" ? StringRef(paths.base)
                                             : StringRef(request.modelPath));
  if (extent && failed(lowerExtentModel(module)))
    return mlir::failure();
  if (!extent && output.kind == OutputKind::Linalg &&
      failed(lowerToLinalg(module)))
    return mlir::failure();
  if (output.kind == OutputKind::LLVM || paths.artifact) {
    if (failed(extent ? lowerToLLVMDialect(module, codegen)
                      : compileModule(module, codegen)))
      return mlir::failure();
  }
  if (paths.artifact) {
    if (failed(emitModel(module, codegen, paths.base, *paths.artifact,
                         request.modelPath)))
      return mlir::failure();
    for (const std::string &path :
         modelOutputPaths(paths.base, *paths.artifact,
                          codegen.externalWeightsThreshold >= 0))
      result.written.push_back(path);
    return mlir::success();
  }
  if (output.kind == OutputKind::None)
    return mlir::success();
  auto print = [&](raw_ostream &os) {
    if (output.kind == OutputKind::LLVM)
      return emitLLVMIR(module, codegen, os);
    // --mlir-print-debuginfo shows the locations (node and value names).
    module.print(os, mlir::OpPrintingFlags());
    return mlir::success();
  };
  if (output.path == "-")
    return print(out);
  std::error_code ec;
  ToolOutputFile file(output.path, ec, sys::fs::OF_None);
  if (ec) {
    log << "error: cannot write " << output.path << ": " << ec.message()
        << "\n";
    return mlir::failure();
  }
  if (failed(print(file.os())))
    return mlir::failure();
  file.keep();
  result.written.push_back(output.path);
  return mlir::success();
}

/// Keeps the model's dynamic dim, if it has one: as a batch dim when the
/// model is separable along it (DynamicBatch.h), else, when it is bounded,
/// as a dynamic extent of the generated code (DynamicExtent.h); `module`
/// becomes the graph to compile.
mlir::LogicalResult
Compilation::findDynamicDim(mlir::OwningOpRef<mlir::ModuleOp> &module,
                            const ImportOptions &options) {
  mlir::MLIRContext *context = module->getContext();
  // The batch proof's refusal is the error unless the dim is bounded and
  // compiles as an extent instead.
  std::vector<std::string> batchErrors;
  mlir::FailureOr<std::optional<BatchModel>> batched = mlir::failure();
  {
    mlir::ScopedDiagnosticHandler collect(context, [&](mlir::Diagnostic &d) {
      if (d.getSeverity() != mlir::DiagnosticSeverity::Error)
        return mlir::failure();
      batchErrors.push_back(d.str());
      return mlir::success();
    });
    batched = findBatchDim(*module, request.modelPath, options);
  }
  if (succeeded(batched)) {
    if (*batched) {
      module = std::move((*batched)->item);
      setBatchDim(*module, (*batched)->batch);
    }
    return mlir::success();
  }
  auto reportBatch = [&] {
    for (const std::string &message : batchErrors)
      log << "error: " << request.modelPath << ": " << message << "\n";
  };
  if (!hasBoundedDynamicDim(*module)) {
    reportBatch();
    if (!batchErrors.empty())
      log << "note: a dynamic dim with an upper bound (--input-shape "
             "x=1,1..512,...) is compiled with dynamic extents instead\n";
    return mlir::failure();
  }
  mlir::FailureOr<ExtentModel> model =
      importAtExtents(*module, request.modelPath, options);
  if (failed(model))
    return mlir::failure();
  module = std::move(model->imports.back());
  model->imports.pop_back();
  // Where each output has the dim (the summary says; generalizeExtent
  // checks it): the dims that differ from the smallest import's.
  mlir::func::FuncOp bound = batch::entryOf(*module),
                     small = batch::entryOf(*model->imports.front());
  for (auto [b, s] : llvm::zip(bound.getResultTypes(), small.getResultTypes())) {
    auto big = dyn_cast<mlir::ShapedType>(b), little = dyn_cast<mlir::ShapedType>(s);
    int64_t position = -1;
    for (int64_t d = 0; big && little && big.hasRank() && d < big.getRank(); ++d)
      if (big.getDimSize(d) != little.getDimSize(d))
        position = d;
    model->extent.outputs.push_back(position);
  }
  extent = std::move(*model);
  return mlir::success();
}

/// Lowers the imports of an extent model to linalg and rewrites `module`
/// (the one at the bound) into the graph with the extent dynamic.
mlir::LogicalResult Compilation::lowerExtentModel(mlir::ModuleOp module) {
  // Without CSE: a size that equals one of the model's own constants at
  // one import would merge with it there only.
  llvm::SmallVector<mlir::ModuleOp> lowered;
  for (mlir::OwningOpRef<mlir::ModuleOp> &m : extent->imports) {
    if (failed(lowerToLinalg(*m, /*cse=*/false)))
      return mlir::failure();
    lowered.push_back(*m);
  }
  if (failed(lowerToLinalg(module, /*cse=*/false)))
    return mlir::failure();
  lowered.push_back(module);
  mlir::FailureOr<size_t> rewritten =
      generalizeExtent(lowered, extent->sizes, extent->extent);
  if (failed(rewritten))
    return mlir::failure();
  if (lowered[*rewritten] != module) {
    // A smaller size's graph is the dynamic one: it becomes the module.
    module.getBody()->clear();
    module.getBody()->getOperations().splice(
        module.getBody()->end(), lowered[*rewritten].getBody()->getOperations());
  }
  if (failed(cleanUpLinalg(module)))
    return mlir::failure();
  setExtentDim(module, extent->extent);
  return mlir::success();
}

CompileResult Compilation::run() {
  Clock::time_point start = Clock::now();
  std::vector<std::string> problems = checkRequest(request);
  for (const std::string &problem : problems)
    log << "error: " << problem << "\n";
  if (!problems.empty())
    return std::move(result);

  mlir::MLIRContext context;
  // The extent model's imports live in `context`: gone before it is.
  llvm::scope_exit dropImports([&] { extent.reset(); });
  loadDialects(context);
  trackCrashContext(context);
  // Dynamic dims are imported at one item; findBatchDim below checks that
  // they are batch dims, so that the item's code serves every batch size
  // (else findDynamicDim imports the model again at other sizes).
  importOptions = request.import;
  // At the smallest size every bound admits (a valid convolution's input
  // may need a few elements).
  importOptions.dynamicExtent = 1;
  for (const InputShape &shape : importOptions.inputShapes)
    for (const InputDim &dim : shape.dims)
      if (dim.isDynamic())
        importOptions.dynamicExtent =
            std::max(importOptions.dynamicExtent, dim.min);
  ImportResult imported =
      importModel(context, request.modelPath, importOptions);
  if (!imported.module) {
    printImportErrors(log, request.modelPath, imported.errors);
    return std::move(result);
  }
  mlir::ModuleOp module = *imported.module;
  result.timings.import = secondsSince(start);

  // Lowering diagnostics read like import errors: the model's path, then
  // the message (which names the ONNX node where there is one).
  mlir::ScopedDiagnosticHandler diagnostics(
      &context, [&](mlir::Diagnostic &diag) {
        if (diag.getSeverity() != mlir::DiagnosticSeverity::Error)
          return mlir::failure(); // the default handler prints the rest
        log << "error: " << request.modelPath << ": ";
        if (!isa<mlir::NameLoc, mlir::UnknownLoc>(diag.getLocation()))
          log << diag.getLocation() << ": ";
        log << diag.str() << "\n";
        // The op dump MLIR attaches says less than the node name does.
        for (const mlir::Diagnostic &note : diag.getNotes())
          if (!StringRef(note.str()).starts_with("see current operation"))
            log << "note: " << note.str() << "\n";
        return mlir::success();
      });
  if (failed(findDynamicDim(imported.module, importOptions)))
    return std::move(result);
  module = *imported.module;
  result.timings.import = secondsSince(start);
  if (request.afterImport)
    request.afterImport(module);

  // The summary describes the model, not its lowering: print it from the
  // imported IR, after whatever was emitted.
  std::string summaryText;
  if (request.output.summary) {
    raw_string_ostream os(summaryText);
    printSummary(os, module, extent ? &extent->extent : nullptr);
  }

  Clock::time_point phase = Clock::now();
  if (failed(calibrateOrReadTable(module)))
    return std::move(result);
  result.timings.calibration = secondsSince(phase);

  // The layer error runs on a thread of its own (the quantized model's JIT
  // costs about what the target's object does), while this one fuses and
  // emits; both only read the context's uniqued types and attributes.
  std::optional<std::thread> measuring;
  mlir::FailureOr<calibration::LayerError> layerError = mlir::failure();
  calibration::LayerErrorStats layerStats;
  double layerSeconds = 0;
  mlir::OwningOpRef<mlir::ModuleOp> unfused;
  if (request.quantization.w8a8) {
    phase = Clock::now();
    if (failed(quantize(module)))
      return std::move(result);
    result.timings.quantization = secondsSince(phase);
    const ReportRequest &report = request.report;
    if (paths.measure && extent) {
      if (report.requested || !report.layerErrorPath.empty() ||
          !report.htmlPath.empty())
        log << "warning: " << request.modelPath
            << ": the layer error is not measured for a model with a "
               "dynamic extent yet\n";
    } else if (paths.measure) {
      // Before fusion: the layer error compares each q8.qlinear with its
      // fp32 matmul, which fusion would fold the following ops into.
      unfused = module.clone();
      measuring.emplace([&, start = Clock::now()] {
        layerError = measureLayerError(*unfused, layerStats);
        layerSeconds = secondsSince(start);
      });
    }
  }
  // Joins the layer error's thread (on every path out of here) and reports
  // it, or fails.
  auto finishLayerError = [&]() -> mlir::LogicalResult {
    if (!measuring)
      return mlir::success();
    measuring->join();
    measuring.reset();
    result.timings.layerError = layerSeconds;
    return reportLayerError(std::move(layerError), layerStats);
  };
  llvm::scope_exit joinOnReturn([&] {
    if (measuring)
      measuring->join();
  });

  std::optional<FusionSummary> fusion;
  if (request.quantization.w8a8 && request.quantization.fuse) {
    mlir::FailureOr<FusionSummary> fused = fuseQuantized(module);
    if (failed(fused))
      return std::move(result);
    if (extent)
      for (mlir::OwningOpRef<mlir::ModuleOp> &other : extent->imports)
        if (failed(fuseQuantized(*other)))
          return std::move(result);
    fusion = *fused;
  }
  phase = Clock::now();
  size_t writtenBefore = result.written.size();
  mlir::LogicalResult emitted = emit(module);
  result.timings.codegen = secondsSince(phase);
  if (failed(finishLayerError())) {
    // No object without its layer error: what emit wrote goes again.
    for (size_t i = writtenBefore; i < result.written.size(); ++i)
      (void)sys::fs::remove(result.written[i]);
    result.written.resize(writtenBefore);
    return std::move(result);
  }
  if (fusion) {
    log << format("fuse: %lld int8 layers requantize, %lld fused "
                  "activations, %lld int32 biases\n",
                  (long long)fusion->requantizing,
                  (long long)fusion->activations, (long long)fusion->biases);
    result.fusion = *fusion;
  }
  if (failed(emitted))
    return std::move(result);
  out << summaryText;
  result.timings.total = secondsSince(start);
  result.succeeded = true;
  return std::move(result);
}

} // namespace

CompileResult q8::compile(const CompileRequest &request, raw_ostream &log,
                          raw_ostream &out) {
  return Compilation(request, log, out).run();
}
