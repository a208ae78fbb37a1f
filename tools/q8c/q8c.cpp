//===- q8c.cpp - the q8 compiler driver: ONNX model in, native code out ---===//
//
// `q8c model.onnx -o out/model` writes out/model.o and out/model.h
// (--emit=lib: out/model.a, --emit=shared: out/model.so, instead of the
// object; --external-weights: out/model.weights too); --emit=mlir|linalg|llvm
// stops at an earlier stage and prints it instead.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compile.h"
#include "compiler/CrashHandler.h"
#include "passes/NodeAction.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <csignal>
#include <cstdlib>

using namespace llvm;

namespace {
enum class Emit { None, Mlir, Linalg, LLVM, Obj, Lib, Shared };
} // namespace

static q8::OutputKind outputKind(Emit emit) {
  switch (emit) {
  case Emit::None:
    return q8::OutputKind::None;
  case Emit::Mlir:
    return q8::OutputKind::Mlir;
  case Emit::Linalg:
    return q8::OutputKind::Linalg;
  case Emit::LLVM:
    return q8::OutputKind::LLVM;
  case Emit::Obj:
    return q8::OutputKind::Object;
  case Emit::Lib:
    return q8::OutputKind::StaticLibrary;
  case Emit::Shared:
    return q8::OutputKind::SharedLibrary;
  }
  llvm_unreachable("unknown Emit");
}

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

  q8::CompileRequest request;
  request.modelPath = inputPath;
  q8::ImportOptions &options = request.import;
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
  request.output.kind = outputKind(stage);
  request.output.path = outputPath;
  request.output.summary = summary;

  if (std::optional<q8::TargetInfo> resolved = q8::resolveTarget(target)) {
    request.codegen.target = *resolved;
  } else {
    errs() << "error: --target=" << target << ": expected one of "
           << q8::knownTargetNames() << "\n";
    ok = false;
  }
  request.codegen.optLevel = optLevel;
  if (externalWeights.getNumOccurrences()) {
    request.codegen.externalWeightsThreshold = 1024;
    if (!externalWeights.empty() &&
        (StringRef(externalWeights)
             .getAsInteger(10, request.codegen.externalWeightsThreshold) ||
         request.codegen.externalWeightsThreshold < 0)) {
      errs() << "error: --external-weights=" << externalWeights
             << ": expected a byte count\n";
      ok = false;
    }
  }

  q8::CalibrationRequest &calib = request.calibration;
  calib.samples = calibrate;
  calib.randomCount = randomSamples;
  calib.seed = calibrationSeed;
  calib.settings.percentile = percentile;
  calib.settings.histogramBins = histogramBins;
  calib.settings.reservoirRows = reservoirRows;
  calib.tablePath = calibrationTable;

  q8::QuantizationRequest &quant = request.quantization;
  if (quantize != "none" && quantize != "w8a8") {
    errs() << "error: --quantize=" << quantize << ": expected none or w8a8\n";
    ok = false;
  }
  quant.w8a8 = quantize == "w8a8";
  quant.method = calibrationMethod;
  quant.weightBits = weightBits;
  quant.fuse = !noInt8Fusion;
  if (smoothQuant.getNumOccurrences()) {
    std::string error;
    std::optional<q8::SmoothQuantOption> option =
        q8::SmoothQuantOption::parse(smoothQuant, error);
    if (option) {
      quant.smoothQuant = *option;
    } else {
      errs() << "error: --smoothquant=" << smoothQuant << ": " << error
             << "\n";
      ok = false;
    }
  }

  q8::ReportRequest &report = request.report;
  report.layerErrorPath = layerErrorPath;
  report.htmlPath = reportPath;
  report.requested =
      layerErrorPath.getNumOccurrences() || reportPath.getNumOccurrences();
  for (auto [flag, occurrences, value] :
       {std::tuple{"--layer-error", layerErrorPath.getNumOccurrences(),
                   StringRef(layerErrorPath)},
        std::tuple{"--report", reportPath.getNumOccurrences(),
                   StringRef(reportPath)}})
    if (occurrences && value.empty()) {
      errs() << "error: " << flag << " expects a file name\n";
      ok = false;
    }
  if (!debugCrash.empty() && debugCrash != "segv" && debugCrash != "abort" &&
      debugCrash != "fatal") {
    errs() << "error: --debug-crash=" << debugCrash
           << ": expected segv, abort or fatal\n";
    ok = false;
  }
  if (!debugCrash.empty())
    request.afterImport = [](mlir::ModuleOp module) {
      mlir::PassManager pm(module.getContext());
      pm.addPass(std::make_unique<DebugCrashPass>());
      (void)pm.run(module);
    };
  request.progress = sys::Process::StandardErrIsDisplayed();
  // Every problem at once: the flags' own, then the request's.
  for (const std::string &problem : q8::checkRequest(request)) {
    errs() << "error: " << problem << "\n";
    ok = false;
  }
  if (!ok)
    return 1;
  return q8::compile(request, errs(), outs()).succeeded ? 0 : 1;
}
