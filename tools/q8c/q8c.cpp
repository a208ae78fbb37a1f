//===- q8c.cpp - the q8 compiler driver: ONNX model in, native code out ---===//
//
// `q8c model.onnx -o out/model` writes out/model.o and out/model.h
// (--emit=lib: out/model.a, --emit=shared: out/model.so, instead of the
// object; --external-weights: out/model.weights too); --emit=mlir|linalg|llvm
// stops at an earlier stage and prints it instead.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "compiler/CrashHandler.h"
#include "compiler/Quantize.h"
#include "compiler/calibration/Calibrate.h"
#include "compiler/calibration/LayerError.h"
#include "compiler/calibration/Report.h"
#include "compiler/calibration/SmoothQuantCheck.h"
#include "compiler/codegen/ObjectEmitter.h"

#include <csignal>
#include <cstdlib>
#include <optional>

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "passes/NodeAction.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {
enum class Emit { None, Mlir, Linalg, LLVM, Obj, Lib, Shared };
} // namespace

static cl::OptionCategory q8cCategory("q8c options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx | model.onnxtxt>"),
                                      cl::cat(q8cCategory));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("Output file (default: "
                                                "stdout); with --emit=obj, "
                                                "lib or shared, the path of "
                                                "the files without "
                                                "extension"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(q8cCategory));
static cl::opt<Emit> emit(
    "emit",
    cl::desc("What to emit (default: obj when -o is given, else mlir)"),
    cl::init(Emit::Mlir),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "the imported q8 IR"),
               clEnumValN(Emit::Linalg, "linalg",
                          "linalg on tensors, after q8-convert-to-linalg"),
               clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR text"),
               clEnumValN(Emit::Obj, "obj",
                          "<o>.o and its C header <o>.h (needs -o)"),
               clEnumValN(Emit::Lib, "lib",
                          "<o>.a, a static library holding the object, and "
                          "<o>.h (needs -o)"),
               clEnumValN(Emit::Shared, "shared",
                          "<o>.so, a shared object exporting the entry "
                          "point and <model>_q8_desc, and <o>.h (needs -o)"),
               clEnumValN(Emit::None, "none",
                          "nothing (check the model; use with --summary)")),
    cl::cat(q8cCategory));
static cl::opt<std::string>
    target("target",
           cl::desc("Code-generation target: host, avx2, avx-vnni, avx512, "
                    "avx512-vnni or generic"),
           cl::init("host"), cl::cat(q8cCategory));
static cl::opt<int> optLevel("O", cl::desc("LLVM optimization level (0-3)"),
                             cl::init(3), cl::Prefix, cl::cat(q8cCategory));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Fix the shape of a graph input: NAME=D0,D1,..."),
                cl::value_desc("name=dims"), cl::cat(q8cCategory));
static cl::list<std::string>
    bindings("bind",
             cl::desc("Make a graph input a constant read from a TensorProto "
                      ".pb file: NAME=FILE.pb"),
             cl::value_desc("name=file"), cl::cat(q8cCategory));
static cl::opt<bool> summary(
    "summary",
    cl::desc("Print inputs, outputs, op counts and parameters to stdout, "
             "after the IR (with --emit=none, instead of it)"),
    cl::cat(q8cCategory));
static cl::opt<int64_t> resourceThreshold(
    "resource-threshold",
    cl::desc("Initializers with more elements become dense_resource blobs"),
    cl::init(64), cl::cat(q8cCategory));

static cl::opt<std::string> externalWeights(
    "external-weights",
    cl::desc("Write constants of at least BYTES bytes (default 1024) to "
             "<o>.weights instead of the object's read-only data; the entry "
             "point takes them as a trailing `weights` argument"),
    cl::value_desc("bytes"), cl::ValueOptional, cl::cat(q8cCategory));

static cl::OptionCategory calibrationCategory("q8c calibration options");
static cl::opt<std::string> calibrate(
    "calibrate",
    cl::desc("Run the model natively on the samples in DIR (.npy, .npz or "
             ".pb; see docs/calibration.md) and record activation "
             "statistics; 'random' for a quick, unrepresentative try"),
    cl::value_desc("dir|random"), cl::cat(calibrationCategory));
static cl::opt<std::string> calibrationTable(
    "calibration-table",
    cl::desc("The calibration table: written by --calibrate (default "
             "<o>.calib.json), otherwise read and reused without running "
             "anything"),
    cl::value_desc("file"), cl::cat(calibrationCategory));
static cl::opt<int64_t> randomSamples(
    "calibration-samples",
    cl::desc("With --calibrate=random: how many samples (default 16)"),
    cl::init(16), cl::cat(calibrationCategory));
static cl::opt<uint64_t> calibrationSeed(
    "calibration-seed",
    cl::desc("Seed of random samples and of the reservoir (default 0)"),
    cl::init(0), cl::cat(calibrationCategory));
static cl::opt<double> percentile(
    "percentile",
    cl::desc("Percentile of the percentile calibration method (default "
             "99.99)"),
    cl::init(99.99), cl::cat(calibrationCategory));
static cl::opt<int> histogramBins(
    "histogram-bins",
    cl::desc("Histogram bins per tensor (default 2048; 0: none, so only the "
             "minmax and ema ranges)"),
    cl::init(2048), cl::cat(calibrationCategory));
static cl::opt<int> reservoirRows(
    "reservoir-rows",
    cl::desc("Activation rows kept per quantizable input (default 64)"),
    cl::init(64), cl::cat(calibrationCategory));

static cl::OptionCategory quantizeCategory("q8c quantization options");
static cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize: none (default) or w8a8 (int8 weights per output "
             "channel, uint8 activations per tensor from the calibration "
             "table; needs --calibrate or --calibration-table)"),
    cl::init("none"), cl::cat(quantizeCategory));
static cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("Activation ranges: minmax (default), ema, percentile, entropy "
             "or mse"),
    cl::init("minmax"), cl::cat(quantizeCategory));
static cl::opt<std::string> smoothQuant(
    "smoothquant",
    cl::desc("Migrate activation outliers into the weights first, with "
             "alpha ALPHA in [0, 1] (0.5 when given without a value), or "
             "auto: the alpha in {0, 0.05, ..., 1} per activation whose "
             "int8 outputs on the calibration reservoir are closest to fp32"),
    cl::value_desc("alpha"), cl::ValueOptional, cl::cat(quantizeCategory));
static cl::opt<int> weightBits(
    "weight-bits",
    cl::desc("8 (default), or 7: weights AVX2's vpmaddubsw cannot saturate"),
    cl::init(8), cl::cat(quantizeCategory));

static cl::opt<bool> noInt8Fusion(
    "no-int8-fusion",
    cl::desc("Keep every int8 layer dequantizing to f32 (no q8-fuse-quant: "
             "bias adds, activations and the next layer's quantize stay "
             "separate float ops)"),
    cl::init(false), cl::cat(quantizeCategory));

static cl::opt<std::string> layerErrorPath(
    "layer-error",
    cl::desc("Write each quantized layer's error against fp32 on the "
             "calibration samples (SQNR, cosine; end to end) as JSON to FILE; "
             "default <o>.layers.json when --calibrate and --quantize=w8a8 "
             "write to -o"),
    cl::value_desc("file"), cl::cat(quantizeCategory));
static cl::opt<std::string> reportPath(
    "report",
    cl::desc("Render the layer error as a self-contained HTML page with "
             "per-layer SQNR and 1-cosine bar charts (inline SVG)"),
    cl::value_desc("file.html"), cl::cat(quantizeCategory));

// Hidden: crashes inside a pass at the first q8 op, to test the one-line
// crash report (compiler/CrashHandler.h).
static cl::opt<std::string>
    debugCrash("debug-crash", cl::Hidden,
               cl::desc("Crash in a pass: segv, abort or fatal"));

/// Whether `a` and `b` name the same file (spelled alike, or one existing
/// file under two names).
static bool sameFile(StringRef a, StringRef b) {
  if (a == b)
    return true;
  bool same = false;
  if (sys::fs::exists(a) && sys::fs::exists(b))
    sys::fs::equivalent(a, b, same);
  return same;
}

/// Whether a report can be written at `path` (its folder made where
/// missing), so that a bad path fails before any work; false with `why`.
static bool canWrite(StringRef path, std::string &why) {
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

static bool splitAssignment(StringRef arg, StringRef flag, StringRef &name,
                            StringRef &value) {
  std::tie(name, value) = arg.split('=');
  if (name.empty() || value.empty() || !arg.contains('=')) {
    errs() << "error: --" << flag << " expects NAME=VALUE, got '" << arg
           << "'\n";
    return false;
  }
  return true;
}

/// Measures the quantized `module` against `reference` on the calibration
/// samples (or takes `known`, the SmoothQuant check's measurement of the
/// same model, instead of compiling and running both again), writes the
/// JSON (and the HTML report when asked) and prints a line of the numbers
/// that matter.
static mlir::LogicalResult
reportLayerError(mlir::ModuleOp reference, mlir::ModuleOp module,
                 StringRef jsonPath,
                 const q8::calibration::LayerError *known = nullptr) {
  q8::calibration::LayerErrorOptions options;
  options.samples = calibrate;
  options.randomCount = randomSamples;
  options.randomSeed = calibrationSeed;
  options.progress = sys::Process::StandardErrIsDisplayed();
  q8::calibration::LayerErrorStats stats;
  mlir::FailureOr<q8::calibration::LayerError> error =
      known ? mlir::FailureOr<q8::calibration::LayerError>(*known)
            : q8::calibration::measureLayerError(reference, module, options,
                                                 &stats);
  if (failed(error))
    return mlir::failure();
  std::string why;
  if (!jsonPath.empty() &&
      !q8::calibration::writeReportFile(
          jsonPath, q8::calibration::printLayerErrorJson(*error), why)) {
    errs() << "error: " << jsonPath << ": " << why << "\n";
    return mlir::failure();
  }
  if (!reportPath.empty() &&
      !q8::calibration::writeReportFile(
          reportPath,
          q8::calibration::printLayerErrorHtml(
              *error, sys::path::filename(inputPath)),
          why)) {
    errs() << "error: " << reportPath << ": " << why << "\n";
    return mlir::failure();
  }
  q8::calibration::SqnrSummary summary = q8::calibration::summarizeSqnr(*error);
  errs() << format("layer error: %zu layers on %lld samples (end to end)",
                   error->layers.size(), (long long)error->samples);
  if (!error->layers.empty())
    errs() << format(", SQNR min %.2f dB", summary.min) << " ('"
           << summary.worst << "')"
           << format(", median %.2f dB", summary.median);
  for (const q8::calibration::TensorError &out : error->outputs)
    errs() << "; output '" << out.name << "' "
           << format("%.2f dB, 1 - cosine %.2g", out.sqnrDb(),
                     1 - out.cosine());
  if (known)
    errs() << " (measured by the SmoothQuant check)";
  else
    errs() << format(" (JIT %.2f s, run %.2f s)", stats.jitSeconds,
                     stats.runSeconds);
  for (StringRef path : {jsonPath, StringRef(reportPath)})
    if (!path.empty())
      errs() << " -> " << path;
  errs() << "\n";
  return mlir::success();
}

/// `--smoothquant auto` and `--smoothquant 0.3` as `--smoothquant=VALUE`:
/// a cl::ValueOptional option only takes its value after '=' (a following
/// word is a positional argument to cl), and a bare `--smoothquant` must
/// keep meaning 0.5. So a following `auto` or number is joined to it here,
/// before cl parses; anything else (the model path, another flag) is not.
static std::vector<char *> joinSmoothQuantValue(int argc, char **argv,
                                                std::vector<std::string> &storage) {
  std::vector<char *> args(argv, argv + argc);
  storage.reserve(argc);
  std::vector<char *> joined;
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef arg = args[i];
    double number;
    if ((arg == "--smoothquant" || arg == "-smoothquant") &&
        i + 1 < args.size() &&
        (StringRef(args[i + 1]) == "auto" ||
         !StringRef(args[i + 1]).getAsDouble(number))) {
      storage.push_back(arg.str() + "=" + args[i + 1]);
      joined.push_back(storage.back().data());
      ++i;
      continue;
    }
    joined.push_back(args[i]);
  }
  return joined;
}

/// A pass that crashes on the first q8 op, as q8's own walks would: what
/// --debug-crash tests the crash line with.
namespace {
struct DebugCrashPass
    : mlir::PassWrapper<DebugCrashPass, mlir::OperationPass<mlir::ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DebugCrashPass)
  StringRef getArgument() const override { return "q8-debug-crash"; }
  void runOnOperation() override {
    mlir::Operation *first = nullptr;
    getOperation().walk([&](mlir::Operation *op) {
      if (!first && op->getDialect() &&
          op->getDialect()->getNamespace() == "q8")
        first = op;
    });
    if (!first)
      return;
    q8::onNode(first, [&] {
      if (debugCrash == "abort")
        std::abort();
      if (debugCrash == "fatal")
        report_fatal_error("q8c --debug-crash=fatal");
      std::raise(SIGSEGV);
    });
  }
};
} // namespace

int main(int argc, char **argv) {
  q8::installCrashHandler("q8c");
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  cl::HideUnrelatedOptions(
      {&q8cCategory, &calibrationCategory, &quantizeCategory});
  std::vector<std::string> joinedStorage;
  std::vector<char *> args = joinSmoothQuantValue(argc, argv, joinedStorage);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "q8c: the q8 ONNX compiler\n");

  q8::ImportOptions options;
  options.resourceThreshold = resourceThreshold;
  bool ok = true;
  for (StringRef arg : inputShapes) {
    StringRef name, dims;
    if (!splitAssignment(arg, "input-shape", name, dims)) {
      ok = false;
      continue;
    }
    q8::InputShape shape{name.str(), {}};
    SmallVector<StringRef> parts;
    dims.split(parts, ',');
    for (StringRef part : parts) {
      int64_t d;
      if (part.trim().getAsInteger(10, d) || d <= 0) {
        errs() << "error: --input-shape " << arg
               << ": dims must be positive integers\n";
        ok = false;
        break;
      }
      shape.dims.push_back(d);
    }
    options.inputShapes.push_back(std::move(shape));
  }
  for (StringRef arg : bindings) {
    StringRef name, file;
    if (!splitAssignment(arg, "bind", name, file)) {
      ok = false;
      continue;
    }
    options.bindings.push_back({name.str(), file.str()});
  }
  // -o alone means "compile": the common case needs no --emit. An output
  // named like a text stage (.mlir, .ll) or a package (.a, .so) asks for
  // it.
  Emit stage = emit;
  StringRef ext = sys::path::extension(outputPath);
  if (emit.getNumOccurrences() == 0 && outputPath != "-")
    stage = ext == ".mlir"  ? Emit::Mlir
            : ext == ".ll"  ? Emit::LLVM
            : ext == ".a"   ? Emit::Lib
            : ext == ".so"  ? Emit::Shared
                            : Emit::Obj;
  std::optional<q8::ArtifactKind> artifact;
  if (stage == Emit::Obj)
    artifact = q8::ArtifactKind::Object;
  else if (stage == Emit::Lib)
    artifact = q8::ArtifactKind::StaticLibrary;
  else if (stage == Emit::Shared)
    artifact = q8::ArtifactKind::SharedLibrary;
  std::string basePath = outputPath;
  if (artifact) {
    if (outputPath == "-") {
      StringRef name = stage == Emit::Obj   ? "obj"
                       : stage == Emit::Lib ? "lib"
                                            : "shared";
      errs() << "error: --emit=" << name << " writes <o>"
             << q8::artifactExtension(*artifact)
             << " and <o>.h; give their path without extension with -o\n";
      ok = false;
    }
    // `-o out/model.o` (.a, .so) names the artifact itself; accept it.
    StringRef artifactExt = q8::artifactExtension(*artifact);
    if (StringRef(basePath).ends_with(artifactExt))
      basePath.resize(basePath.size() - artifactExt.size());
  }
  int64_t weightsThreshold = -1;
  if (externalWeights.getNumOccurrences()) {
    weightsThreshold = 1024;
    if (!externalWeights.empty() &&
        (StringRef(externalWeights).getAsInteger(10, weightsThreshold) ||
         weightsThreshold < 0)) {
      errs() << "error: --external-weights=" << externalWeights
             << ": expected a byte count\n";
      ok = false;
    }
    // The LLVM IR shows the weights argument; earlier stages do not have it.
    if (!artifact && stage != Emit::LLVM) {
      errs() << "error: --external-weights needs --emit=obj, lib, shared "
                "or llvm\n";
      ok = false;
    }
  }
  // Refuse to overwrite the model, whatever the spelling.
  std::vector<std::string> written;
  if (artifact)
    written = q8::modelOutputPaths(basePath, *artifact, weightsThreshold >= 0);
  if (outputPath != "-")
    written.push_back(outputPath);
  for (const std::string &path : written) {
    bool same = path == inputPath;
    if (!same && sys::fs::exists(path))
      sys::fs::equivalent(path, inputPath, same);
    if (same) {
      errs() << "error: -o " << outputPath
             << " names the model itself; refusing to overwrite it\n";
      ok = false;
    }
  }
  // Where the calibration table goes (--calibrate) or comes from.
  std::string tablePath = calibrationTable;
  if (!calibrate.empty() && tablePath.empty()) {
    if (outputPath == "-") {
      errs() << "error: --calibrate writes its table to --calibration-table "
                "FILE, or to <o>.calib.json with -o; give one\n";
      ok = false;
    } else {
      tablePath = basePath + ".calib.json";
    }
  }
  if (!calibrate.empty() && !tablePath.empty()) {
    bool same = tablePath == inputPath;
    if (!same && sys::fs::exists(tablePath))
      sys::fs::equivalent(tablePath, inputPath, same);
    if (same) {
      errs() << "error: the calibration table " << tablePath
             << " would overwrite the model\n";
      ok = false;
    }
  }
  if (calibrate == "random" && randomSamples <= 0) {
    errs() << "error: --calibration-samples must be positive\n";
    ok = false;
  }
  if (!(percentile > 50 && percentile <= 100)) {
    errs() << "error: --percentile " << percentile
           << ": expected a value in (50, 100]\n";
    ok = false;
  }
  if (histogramBins < 0 || histogramBins % 2 || reservoirRows < 0) {
    errs() << "error: --histogram-bins must be even (0 for none), "
              "--reservoir-rows non-negative\n";
    ok = false;
  }
  std::optional<float> alpha;
  bool smoothQuantAuto = false;
  if (quantize != "none" && quantize != "w8a8") {
    errs() << "error: --quantize=" << quantize << ": expected none or w8a8\n";
    ok = false;
  }
  if (quantize == "w8a8" && tablePath.empty()) {
    errs() << "error: --quantize=w8a8 needs ranges: --calibrate DIR, or "
              "--calibration-table FILE\n";
    ok = false;
  }
  if (smoothQuant.getNumOccurrences()) {
    double a = 0.5;
    smoothQuantAuto = smoothQuant == "auto";
    if (!smoothQuant.empty() && !smoothQuantAuto &&
        (StringRef(smoothQuant).getAsDouble(a) || !(a >= 0 && a <= 1))) {
      errs() << "error: --smoothquant=" << smoothQuant
             << ": expected an alpha in [0, 1] or auto\n";
      ok = false;
    }
    if (quantize != "w8a8") {
      errs() << "error: --smoothquant applies to --quantize=w8a8\n";
      ok = false;
    }
    alpha = static_cast<float>(a);
  }
  if (weightBits != 8 && weightBits != 7) {
    errs() << "error: --weight-bits=" << weightBits << ": expected 8 or 7\n";
    ok = false;
  }
  // The layer error: measured on the calibration samples, so only where
  // there are some.
  std::string errorJsonPath = layerErrorPath;
  bool measure = false;
  if (layerErrorPath.getNumOccurrences() || reportPath.getNumOccurrences()) {
    StringRef flag = layerErrorPath.getNumOccurrences() ? "--layer-error"
                                                        : "--report";
    if (quantize != "w8a8") {
      errs() << "error: " << flag
             << " measures a quantized model: give --quantize=w8a8\n";
      ok = false;
    } else if (calibrate.empty()) {
      errs() << "error: " << flag
             << " needs calibration samples to measure on: give --calibrate "
                "DIR (or random); a --calibration-table holds none\n";
      ok = false;
    }
    if ((layerErrorPath.getNumOccurrences() && layerErrorPath.empty()) ||
        (reportPath.getNumOccurrences() && reportPath.empty())) {
      errs() << "error: " << flag << " expects a file name\n";
      ok = false;
    }
    measure = true;
  }
  if (quantize == "w8a8" && !calibrate.empty() && outputPath != "-") {
    measure = true;
    if (errorJsonPath.empty())
      errorJsonPath = basePath + ".layers.json";
  }
  // Neither report may overwrite the model, the table or each other.
  std::vector<std::pair<std::string, std::string>> reports;
  if (!errorJsonPath.empty())
    reports.push_back({"the layer error " + errorJsonPath, errorJsonPath});
  if (!reportPath.empty())
    reports.push_back({"the report " + reportPath, reportPath});
  for (auto [i, report] : llvm::enumerate(reports)) {
    std::string why;
    if (!canWrite(report.second, why)) {
      errs() << "error: " << report.second << ": cannot write: " << why
             << "\n";
      ok = false;
      continue;
    }
    std::vector<std::pair<std::string, std::string>> others = {
        {"the model", inputPath}};
    if (!tablePath.empty())
      others.push_back({"the calibration table", tablePath});
    for (const std::string &path : written)
      others.push_back({"the output " + path, path});
    for (size_t j = 0; j < i; ++j)
      others.push_back(reports[j]);
    for (auto &[what, path] : others)
      if (sameFile(report.second, path)) {
        errs() << "error: " << report.first << " would overwrite " << what
               << "\n";
        ok = false;
        break;
      }
  }
  if (!debugCrash.empty() && debugCrash != "segv" && debugCrash != "abort" &&
      debugCrash != "fatal") {
    errs() << "error: --debug-crash=" << debugCrash
           << ": expected segv, abort or fatal\n";
    ok = false;
  }
  if (optLevel < 0 || optLevel > 3) {
    errs() << "error: -O" << optLevel << ": expected 0, 1, 2 or 3\n";
    ok = false;
  }
  if (!ok)
    return 1;

  mlir::MLIRContext context;
  q8::loadDialects(context);
  q8::trackCrashContext(context);
  q8::ImportResult result = q8::importModel(context, inputPath, options);
  if (!result.module) {
    q8::printImportErrors(errs(), inputPath, result.errors);
    return 1;
  }

  mlir::ModuleOp module = *result.module;
  if (!debugCrash.empty()) {
    mlir::PassManager pm(&context);
    pm.addPass(std::make_unique<DebugCrashPass>());
    (void)pm.run(module);
  }
  // Lowering diagnostics read like import errors: the model's path, then
  // the message (which names the ONNX node where there is one).
  mlir::ScopedDiagnosticHandler diagnostics(
      &context, [&](mlir::Diagnostic &diag) {
        if (diag.getSeverity() != mlir::DiagnosticSeverity::Error)
          return mlir::failure(); // the default handler prints the rest
        errs() << "error: " << inputPath << ": ";
        if (!isa<mlir::NameLoc, mlir::UnknownLoc>(diag.getLocation()))
          errs() << diag.getLocation() << ": ";
        errs() << diag.str() << "\n";
        // The op dump MLIR attaches says less than the node name does.
        for (const mlir::Diagnostic &note : diag.getNotes())
          if (!StringRef(note.str()).starts_with("see current operation"))
            errs() << "note: " << note.str() << "\n";
        return mlir::success();
      });
  // The summary describes the model, not its lowering: print it from the
  // imported IR, after whatever was emitted.
  std::string summaryText;
  if (summary) {
    raw_string_ostream os(summaryText);
    q8::printSummary(os, module);
  }

  // The table calibration just made, handed to quantization as it is.
  std::shared_ptr<const q8::calibration::Table> calibrated;
  if (!calibrate.empty()) {
    q8::calibration::CalibrateOptions calib;
    calib.samples = calibrate;
    calib.randomCount = randomSamples;
    calib.randomSeed = calibrationSeed;
    calib.settings.seed = calibrationSeed;
    calib.settings.percentile = percentile;
    calib.settings.histogramBins = histogramBins;
    calib.settings.reservoirRows = reservoirRows;
    calib.progress = sys::Process::StandardErrIsDisplayed();
    if (calibrate == "random")
      errs() << "warning: calibrating on " << randomSamples
             << " random samples: the ranges say nothing about real inputs\n";
    q8::calibration::RunStats stats;
    mlir::FailureOr<q8::calibration::Table> table =
        q8::calibration::calibrate(module, calib, &stats);
    if (failed(table))
      return 1;
    for (const std::string &warning : stats.warnings)
      errs() << "warning: " << inputPath << ": " << warning << "\n";
    std::string error;
    if (StringRef dir = sys::path::parent_path(tablePath); !dir.empty())
      (void)sys::fs::create_directories(dir);
    if (!q8::calibration::writeTable(*table, tablePath, error)) {
      errs() << "error: " << tablePath << ": " << error << "\n";
      return 1;
    }
    std::vector<double> ms;
    for (double seconds : stats.sampleSeconds)
      ms.push_back(1e3 * seconds);
    llvm::sort(ms);
    double median = ms.empty() ? 0
                    : ms.size() % 2 ? ms[ms.size() / 2]
                                    : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    errs() << format("calibration: %lld samples in %.3f s (%.2f ms/sample; "
                     "JIT %.2f s), %zu tensors -> ",
                     (long long)stats.samples, stats.runSeconds,
                     1e3 * stats.runSeconds / std::max<int64_t>(stats.samples, 1),
                     stats.jitSeconds, table->tensors.size())
           << tablePath << "\n";
    errs() << format("calibration: per sample min %.3f ms, median %.3f ms, "
                     "max %.3f ms\n",
                     ms.empty() ? 0 : ms.front(), median,
                     ms.empty() ? 0 : ms.back());
    calibrated =
        std::make_shared<const q8::calibration::Table>(std::move(*table));
  } else if (!tablePath.empty()) {
    q8::calibration::Table table;
    std::string error;
    if (!q8::calibration::readTable(tablePath, table, error)) {
      errs() << "error: " << tablePath << ": " << error << "\n";
      return 1;
    }
    if (failed(q8::calibration::checkTable(table, module, error))) {
      errs() << "error: " << tablePath << " does not fit " << inputPath
             << ": " << error << "\n";
      return 1;
    }
    errs() << "calibration: reusing " << tablePath << " (" << table.samples
           << " samples, " << table.tensors.size() << " tensors)\n";
  }

  if (quantize == "w8a8") {
    // The fp32 model the layer error compares against.
    mlir::OwningOpRef<mlir::ModuleOp> reference;
    if (measure)
      reference = module.clone();
    q8::QuantizeModelOptions qopts;
    qopts.tablePath = tablePath;
    qopts.table = calibrated;
    qopts.method = calibrationMethod;
    qopts.smoothQuantAlpha = alpha;
    qopts.smoothQuantAuto = smoothQuantAuto;
    qopts.weightBits = weightBits;
    // --smoothquant auto with samples: checked end to end against plain
    // W8A8, which replaces it where it is closer to fp32.
    std::optional<q8::calibration::SmoothQuantCheck> check;
    q8::calibration::LayerErrorOptions checkSamples;
    checkSamples.samples = calibrate;
    checkSamples.randomCount = randomSamples;
    checkSamples.randomSeed = calibrationSeed;
    checkSamples.progress = sys::Process::StandardErrIsDisplayed();
    mlir::FailureOr<q8::QuantizeSummary> quantized =
        smoothQuantAuto && !calibrate.empty()
            ? q8::calibration::quantizeModelChecked(module, qopts,
                                                    checkSamples, &check)
            : q8::quantizeModel(module, qopts);
    if (failed(quantized))
      return 1;
    errs() << format("quantize: %lld layers int8, %lld kept fp32; layer "
                     "weights %.2f MB fp32 before, %.2f MB int8 after\n",
                     (long long)quantized->quantized,
                     (long long)quantized->keptFp32,
                     quantized->fp32WeightBytes / 1e6,
                     quantized->int8WeightBytes / 1e6);
    if (alpha) {
      // min, median (the lower middle one) and max of the alphas used.
      std::vector<float> alphas = check ? check->smoothed.smoothQuantAlphas
                                        : quantized->smoothQuantAlphas;
      llvm::sort(alphas);
      errs() << "smoothquant: " << alphas.size() << " activations smoothed";
      if (!alphas.empty())
        errs() << format(", alpha min %g median %g max %g", alphas.front(),
                         alphas[(alphas.size() - 1) / 2], alphas.back());
      errs() << (smoothQuantAuto ? " (auto)" : "") << "\n";
      if (check && check->fellBack)
        errs() << format("smoothquant: auto is worse end to end than plain "
                         "W8A8 (output SQNR %.2f dB vs %.2f dB on %lld "
                         "samples); falling back to plain W8A8\n",
                         check->smoothedDb, check->plainDb,
                         (long long)check->samples);
      else if (check)
        errs() << format("smoothquant: auto kept: output SQNR %.2f dB vs "
                         "%.2f dB for plain W8A8 on %lld samples\n",
                         check->smoothedDb, check->plainDb,
                         (long long)check->samples);
      else if (smoothQuantAuto && calibrate.empty() && !alphas.empty())
        errs() << "smoothquant: auto not checked end to end against plain "
                  "W8A8: a --calibration-table holds no samples (give "
                  "--calibrate DIR)\n";
    }
    if (measure &&
        failed(reportLayerError(*reference, module, errorJsonPath,
                                check ? &check->kept : nullptr)))
      return 1;
    // After the layer error: it compares each q8.qlinear with its fp32
    // matmul, which fusion would fold the following ops into.
    if (!noInt8Fusion) {
      mlir::FailureOr<q8::FusionSummary> fused = q8::fuseQuantized(module);
      if (failed(fused))
        return 1;
      errs() << format("fuse: %lld int8 layers requantize, %lld fused "
                       "activations, %lld int32 biases\n",
                       (long long)fused->requantizing,
                       (long long)fused->activations,
                       (long long)fused->biases);
    }
  }

  q8::CodegenOptions codegen;
  codegen.target = target;
  codegen.optLevel = optLevel;
  codegen.externalWeightsThreshold = weightsThreshold;
  codegen.modelName = q8::modelNameFromPath(
      artifact || outputPath != "-" ? StringRef(basePath)
                                    : StringRef(inputPath));
  if (stage == Emit::Linalg && failed(q8::lowerToLinalg(module)))
    return 1;
  if ((stage == Emit::LLVM || artifact) &&
      failed(q8::compileModule(module, codegen)))
    return 1;

  if (artifact) {
    if (failed(q8::emitModel(module, codegen, basePath, *artifact, inputPath)))
      return 1;
  } else if (stage != Emit::None) {
    std::error_code ec;
    ToolOutputFile out(outputPath, ec, sys::fs::OF_None);
    if (ec) {
      errs() << "error: cannot write " << outputPath << ": " << ec.message()
             << "\n";
      return 1;
    }
    if (stage == Emit::LLVM) {
      if (failed(q8::emitLLVMIR(module, codegen, out.os())))
        return 1;
    } else {
      // --mlir-print-debuginfo shows the locations (node and value names).
      module.print(out.os(), mlir::OpPrintingFlags());
    }
    out.keep();
  }
  outs() << summaryText;
  return 0;
}
