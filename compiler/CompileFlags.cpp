//===- CompileFlags.cpp - q8c's command line as a CompileRequest ----------===//

#include "compiler/CompileFlags.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <tuple>

using namespace llvm;
using namespace q8;

namespace {

/// What registerCompileFlags was given, read when the options are made.
cl::OptionCategory *generalCategory = nullptr;
std::string modelDescription;

struct Categories {
  cl::OptionCategory calibration{"Calibration options"};
  cl::OptionCategory quantization{"Quantization options"};
};
ManagedStatic<Categories> categories;

/// One --smoothquant: its value, and whether it had none (not even an
/// empty one after '='), so that it may take the next word.
struct SmoothQuantArg {
  std::string value;
  bool bare = false;
};

/// cl hands a bare option a null value, `--smoothquant=` an empty one.
class SmoothQuantParser : public cl::basic_parser<SmoothQuantArg> {
public:
  using basic_parser::basic_parser;
  bool parse(cl::Option &, StringRef, StringRef arg, SmoothQuantArg &out) {
    out = {arg.str(), arg.data() == nullptr};
    return false;
  }
  StringRef getValueName() const override { return "alpha"; }
};

/// -o, --emit, --summary: q8c's; a tool that picks its output leaves them.
struct OutputFlags {
  cl::OptionCategory &general = *generalCategory;

  cl::opt<std::string> path{
      "o",
      cl::desc("Output file (default: stdout); with --emit=obj, lib or "
               "shared, the path of the files without extension"),
      cl::value_desc("file"), cl::init("-"), cl::cat(general)};
  cl::opt<OutputKind> emit{
      "emit",
      cl::desc("What to emit (default: obj when -o is given, else mlir)"),
      cl::init(OutputKind::Mlir),
      cl::values(
          clEnumValN(OutputKind::Mlir, "mlir", "the imported q8 IR"),
          clEnumValN(OutputKind::Linalg, "linalg",
                     "linalg on tensors, after q8-convert-to-linalg"),
          clEnumValN(OutputKind::LLVM, "llvm", "optimized LLVM IR text"),
          clEnumValN(OutputKind::Object, "obj",
                     "<o>.o and its C header <o>.h (needs -o)"),
          clEnumValN(OutputKind::StaticLibrary, "lib",
                     "<o>.a, a static library holding the object, and "
                     "<o>.h (needs -o)"),
          clEnumValN(OutputKind::SharedLibrary, "shared",
                     "<o>.so, a shared object exporting the entry point and "
                     "<model>_q8_desc, and <o>.h (needs -o)"),
          clEnumValN(OutputKind::None, "none",
                     "nothing (check the model; use with --summary)")),
      cl::cat(general)};
  cl::opt<bool> summary{
      "summary",
      cl::desc("Print inputs, outputs, op counts and parameters to stdout, "
               "after the IR (with --emit=none, instead of it)"),
      cl::cat(general)};
};
ManagedStatic<OutputFlags> outputFlags;

/// Everything else a compile takes.
struct Flags {
  cl::OptionCategory &general = *generalCategory;
  cl::OptionCategory &calibration = categories->calibration;
  cl::OptionCategory &quantization = categories->quantization;

  // A list, not one required value: cl hands it `--smoothquant auto`'s
  // word too, which parseCompileFlags takes back.
  cl::list<std::string> positionals{cl::Positional, cl::OneOrMore,
                                    cl::desc(modelDescription),
                                    cl::cat(general)};

  // Import.
  cl::list<std::string> inputShapes{
      "input-shape",
      cl::desc("Fix the shape of a graph input: NAME=D0,D1,...; a dim '?' "
               "stays dynamic, 'LO..HI' dynamic within bounds (q8 keeps "
               "batch dims dynamic)"),
      cl::value_desc("name=dims"), cl::cat(general)};
  cl::list<std::string> bindings{
      "bind",
      cl::desc("Make a graph input a constant read from a TensorProto .pb "
               "file: NAME=FILE.pb"),
      cl::value_desc("name=file"), cl::cat(general)};
  cl::opt<int64_t> resourceThreshold{
      "resource-threshold",
      cl::desc("Initializers with more elements become dense_resource blobs"),
      cl::init(64), cl::cat(general)};

  // Code generation.
  cl::opt<std::string> target{
      "target",
      cl::desc("Code-generation target: host, avx2, avx-vnni, avx512, "
               "avx512-vnni, generic, or all (every variant in one object, "
               "chosen by CPUID at the first call)"),
      cl::init("host"), cl::cat(general)};
  cl::opt<int> optLevel{"O", cl::desc("LLVM optimization level (0-3)"),
                        cl::init(3), cl::Prefix, cl::cat(general)};
  cl::opt<std::string> externalWeights{
      "external-weights",
      cl::desc("Write constants of at least BYTES bytes (default 1024) to "
               "<o>.weights instead of the object's read-only data; the "
               "entry point takes them as a trailing `weights` argument"),
      cl::value_desc("bytes"), cl::ValueOptional, cl::cat(general)};

  // Calibration.
  cl::opt<std::string> calibrate{
      "calibrate",
      cl::desc("Run the model natively on the samples in DIR (.npy, .npz or "
               ".pb; see docs/calibration.md) and record activation "
               "statistics; 'random' for a quick, unrepresentative try"),
      cl::value_desc("dir|random"), cl::cat(calibration)};
  cl::opt<std::string> calibrationTable{
      "calibration-table",
      cl::desc("The calibration table: written by --calibrate (default "
               "<o>.calib.json), otherwise read and reused without running "
               "anything"),
      cl::value_desc("file"), cl::cat(calibration)};
  cl::opt<int64_t> randomSamples{
      "calibration-samples",
      cl::desc("With --calibrate=random: how many samples (default 16)"),
      cl::init(16), cl::cat(calibration)};
  cl::opt<uint64_t> calibrationSeed{
      "calibration-seed",
      cl::desc("Seed of random samples and of the reservoir (default 0)"),
      cl::init(0), cl::cat(calibration)};
  cl::opt<double> percentile{
      "percentile",
      cl::desc("Percentile of the percentile calibration method (default "
               "99.99)"),
      cl::init(99.99), cl::cat(calibration)};
  cl::opt<int> histogramBins{
      "histogram-bins",
      cl::desc("Histogram bins per tensor (default 2048; 0: none, so only "
               "the minmax and ema ranges)"),
      cl::init(2048), cl::cat(calibration)};
  cl::opt<int> reservoirRows{
      "reservoir-rows",
      cl::desc("Activation rows kept per quantizable input (default 64)"),
      cl::init(64), cl::cat(calibration)};

  // Quantization and its reports.
  cl::opt<std::string> quantize{
      "quantize",
      cl::desc("Quantize: none (default) or w8a8 (int8 weights per output "
               "channel, uint8 activations per tensor from the calibration "
               "table; needs --calibrate or --calibration-table)"),
      cl::init("none"), cl::cat(quantization)};
  cl::opt<std::string> calibrationMethod{
      "calibration-method",
      cl::desc("Activation ranges: minmax (default), ema, percentile, "
               "entropy or mse"),
      cl::init("minmax"), cl::cat(quantization)};
  // Every occurrence, with its position: a bare one may take the next word
  // (parseCompileFlags).
  cl::list<SmoothQuantArg, bool, SmoothQuantParser> smoothQuant{
      "smoothquant",
      cl::desc("Migrate activation outliers into the weights first, with "
               "alpha ALPHA in [0, 1] (0.5 when given without a value), or "
               "auto: the alpha in {0, 0.05, ..., 1} per activation whose "
               "int8 outputs on the calibration reservoir are closest to "
               "fp32 (`--smoothquant auto` and `--smoothquant 0.3` work "
               "too)"),
      cl::value_desc("alpha"), cl::ValueOptional, cl::cat(quantization)};
  cl::opt<int> weightBits{
      "weight-bits",
      cl::desc("8 (default), or 7: weights AVX2's vpmaddubsw cannot "
               "saturate"),
      cl::init(8), cl::cat(quantization)};
  cl::opt<bool> keepFasterFp32{
      "keep-faster-fp32",
      cl::desc("Leave fp32 the layers whose int8 form is slower on every "
               "target (depthwise convolutions; default true, =false "
               "quantizes them too)"),
      cl::init(true), cl::cat(quantization)};
  cl::opt<bool> noInt8Fusion{
      "no-int8-fusion",
      cl::desc("Keep every int8 layer dequantizing to f32 (no "
               "q8-fuse-quant: bias adds, activations and the next layer's "
               "quantize stay separate float ops)"),
      cl::init(false), cl::cat(quantization)};
  cl::opt<std::string> layerErrorPath{
      "layer-error",
      cl::desc("Write each quantized layer's error against fp32 on the "
               "calibration samples (SQNR, cosine; end to end) as JSON to "
               "FILE; default <o>.layers.json when --calibrate and "
               "--quantize=w8a8 write to -o"),
      cl::value_desc("file"), cl::cat(quantization)};
  cl::opt<std::string> reportPath{
      "report",
      cl::desc("Render the layer error as a self-contained HTML page with "
               "per-layer SQNR and 1-cosine bar charts (inline SVG)"),
      cl::value_desc("file.html"), cl::cat(quantization)};

  /// Resolved by parseCompileFlags: the one positional left, and
  /// --smoothquant's value (its last occurrence, with the word it took).
  std::string modelPath;
  std::optional<std::string> smoothQuantValue;
};
ManagedStatic<Flags> flags;

/// NAME=VALUE, both non-empty; otherwise a problem naming the flag.
bool splitAssignment(StringRef arg, StringRef flag, StringRef &name,
                     StringRef &value, std::vector<std::string> &problems) {
  std::tie(name, value) = arg.split('=');
  if (!name.empty() && !value.empty() && arg.contains('='))
    return true;
  problems.push_back(
      ("--" + flag + " expects NAME=VALUE, got '" + arg + "'").str());
  return false;
}

/// Whether `word` is a value `--smoothquant` takes from the next word.
bool isSmoothQuantWord(StringRef word) {
  double number;
  return word == "auto" || !word.getAsDouble(number);
}

/// One dim of --input-shape: `224`, `?` or `1..64`.
std::optional<InputDim> parseInputDim(StringRef text) {
  InputDim dim;
  if (text == "?")
    return dim;
  auto [lo, hi] = text.split("..");
  if (text.contains("..")) {
    if (lo.getAsInteger(10, dim.min) || hi.getAsInteger(10, dim.max) ||
        dim.min < 1 || dim.max < dim.min)
      return std::nullopt;
    return dim;
  }
  if (text.getAsInteger(10, dim.size) || dim.size <= 0)
    return std::nullopt;
  return dim;
}

void readImportFlags(const Flags &f, ImportOptions &options,
                     std::vector<std::string> &problems) {
  options.resourceThreshold = f.resourceThreshold;
  for (StringRef arg : f.inputShapes) {
    StringRef name, dims;
    if (!splitAssignment(arg, "input-shape", name, dims, problems))
      continue;
    InputShape shape{name.str(), {}};
    SmallVector<StringRef> parts;
    dims.split(parts, ',');
    for (StringRef part : parts) {
      std::optional<InputDim> dim = parseInputDim(part.trim());
      if (!dim) {
        problems.push_back(("--input-shape " + arg +
                            ": dims must be positive integers, '?' or "
                            "bounds 'LO..HI' (1 <= LO <= HI)")
                               .str());
        break;
      }
      shape.dims.push_back(*dim);
    }
    options.inputShapes.push_back(std::move(shape));
  }
  for (StringRef arg : f.bindings) {
    StringRef name, file;
    if (splitAssignment(arg, "bind", name, file, problems))
      options.bindings.push_back({name.str(), file.str()});
  }
}

void readOutputFlags(OutputRequest &output) {
  const OutputFlags &o = *outputFlags;
  // -o alone means "compile": the common case needs no --emit. An output
  // named like a text stage (.mlir, .ll) or a package (.a, .so) asks for
  // it.
  output.kind = o.emit;
  StringRef ext = sys::path::extension(o.path);
  if (o.emit.getNumOccurrences() == 0 && o.path != "-")
    output.kind = ext == ".mlir" ? OutputKind::Mlir
                  : ext == ".ll" ? OutputKind::LLVM
                  : ext == ".a"  ? OutputKind::StaticLibrary
                  : ext == ".so" ? OutputKind::SharedLibrary
                                 : OutputKind::Object;
  output.path = o.path;
  output.summary = o.summary;
}

void readCodegenFlags(const Flags &f, CodegenOptions &codegen,
                      std::vector<std::string> &problems) {
  if (std::optional<TargetInfo> resolved = resolveTarget(f.target))
    codegen.target = *resolved;
  else
    problems.push_back(("--target=" + f.target + ": expected one of " +
                        knownTargetNames() + ", all")
                           .str());
  codegen.optLevel = f.optLevel;
  if (!f.externalWeights.getNumOccurrences())
    return;
  codegen.externalWeightsThreshold = 1024;
  if (!f.externalWeights.empty() &&
      (StringRef(f.externalWeights)
           .getAsInteger(10, codegen.externalWeightsThreshold) ||
       codegen.externalWeightsThreshold < 0))
    problems.push_back("--external-weights=" + f.externalWeights +
                       ": expected a byte count");
}

void readQuantizationFlags(const Flags &f, QuantizationRequest &quant,
                           std::vector<std::string> &problems) {
  if (f.quantize != "none" && f.quantize != "w8a8")
    problems.push_back("--quantize=" + f.quantize +
                       ": expected none or w8a8");
  quant.w8a8 = f.quantize == "w8a8";
  quant.method = f.calibrationMethod;
  quant.weightBits = f.weightBits;
  quant.keepFasterFp32 = f.keepFasterFp32;
  quant.fuse = !f.noInt8Fusion;
  if (!f.smoothQuantValue)
    return;
  std::string error;
  if (std::optional<SmoothQuantOption> option =
          SmoothQuantOption::parse(*f.smoothQuantValue, error))
    quant.smoothQuant = *option;
  else
    problems.push_back("--smoothquant=" + *f.smoothQuantValue + ": " + error);
}

void readReportFlags(const Flags &f, ReportRequest &report,
                     std::vector<std::string> &problems) {
  report.layerErrorPath = f.layerErrorPath;
  report.htmlPath = f.reportPath;
  report.requested = f.layerErrorPath.getNumOccurrences() ||
                     f.reportPath.getNumOccurrences();
  for (const cl::opt<std::string> *flag : {&f.layerErrorPath, &f.reportPath})
    if (flag->getNumOccurrences() && flag->empty())
      problems.push_back("--" + flag->ArgStr.str() + " expects a file name");
}

} // namespace

void q8::registerCompileFlags(cl::OptionCategory &category,
                              StringRef description, bool output) {
  generalCategory = &category;
  modelDescription = description.str();
  (void)*flags;
  if (output)
    (void)*outputFlags;
}

std::vector<const cl::OptionCategory *> q8::compileFlagCategories() {
  return {&categories->calibration, &categories->quantization};
}

bool q8::parseCompileFlags(int argc, const char *const *argv,
                           StringRef overview) {
  cl::ParseCommandLineOptions(argc, argv, overview);
  Flags &f = *flags;
  // cl takes an optional value only after '='; `--smoothquant auto` left
  // `auto` among the positionals, at the position after the flag's.
  SmallVector<std::pair<unsigned, std::string>> words;
  for (unsigned i = 0; i < f.positionals.size(); ++i)
    words.push_back({f.positionals.getPosition(i), f.positionals[i]});
  for (unsigned i = 0; i < f.smoothQuant.size(); ++i) {
    std::string value = f.smoothQuant[i].value;
    unsigned next = f.smoothQuant.getPosition(i) + 1;
    auto *word = llvm::find_if(words, [&](const auto &w) {
      return w.first == next && isSmoothQuantWord(w.second);
    });
    if (f.smoothQuant[i].bare && word != words.end()) {
      value = word->second;
      words.erase(word);
    }
    f.smoothQuantValue = value;
  }
  if (words.size() == 1) {
    f.modelPath = words.front().second;
    return true;
  }
  // What cl itself says of a wrong count.
  StringRef program = sys::path::filename(argv[0]);
  if (words.empty())
    errs() << program
           << ": Not enough positional command line arguments specified!\n"
           << "Must specify at least 1 positional argument: See: " << argv[0]
           << " --help\n";
  else
    errs() << program << ": Too many positional arguments specified!\n"
           << "Can specify at most 1 positional arguments: See: " << argv[0]
           << " --help\n";
  return false;
}

CompileRequest q8::compileRequestFromFlags(std::vector<std::string> &problems) {
  const Flags &f = *flags;
  CompileRequest request;
  request.modelPath = f.modelPath;
  readImportFlags(f, request.import, problems);
  if (outputFlags.isConstructed())
    readOutputFlags(request.output);
  readCodegenFlags(f, request.codegen, problems);

  CalibrationRequest &calib = request.calibration;
  calib.samples = f.calibrate;
  calib.randomCount = f.randomSamples;
  calib.seed = f.calibrationSeed;
  calib.settings.percentile = f.percentile;
  calib.settings.histogramBins = f.histogramBins;
  calib.settings.reservoirRows = f.reservoirRows;
  calib.tablePath = f.calibrationTable;

  readQuantizationFlags(f, request.quantization, problems);
  readReportFlags(f, request.report, problems);
  return request;
}
