//===- Compile.h - the whole q8 pipeline behind one call --------*- C++ -*-===//
//
// compile() is what `q8c` does, as a library call: import an ONNX model,
// calibrate it natively on sample inputs (or read a calibration table),
// quantize it (SmoothQuant first when asked, checked end to end for
// `auto`), measure each int8 layer's error against fp32, fuse the int8
// chains, generate code for the target and write the artifacts. A driver
// fills a CompileRequest and prints what it likes from the CompileResult;
// q8c is flag parsing plus this call.
//
// The request is plain data: every path, setting and target is a field;
// nothing reads a global flag. checkRequest() finds every problem with a
// request before any work is done (a missing -o, a report that would
// overwrite the model, an alpha out of range), so that a driver can report
// them all at once.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_COMPILE_H
#define Q8_COMPILER_COMPILE_H

#include "compiler/Compiler.h"
#include "compiler/Quantize.h"
#include "compiler/calibration/Calibrate.h"
#include "compiler/calibration/LayerError.h"
#include "compiler/calibration/SmoothQuantCheck.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace q8 {

/// What compile() produces.
enum class OutputKind {
  None,          ///< nothing: check the model (with OutputRequest::summary)
  Mlir,          ///< the imported q8 IR (quantized when asked), as text
  Linalg,        ///< linalg on tensors, after q8-convert-to-linalg
  LLVM,          ///< optimized LLVM IR text
  Object,        ///< <base>.o and its C header <base>.h
  StaticLibrary, ///< <base>.a holding the object, and <base>.h
  SharedLibrary, ///< <base>.so, and <base>.h
};

/// The artifact an OutputKind writes to files, if it is one.
std::optional<ArtifactKind> artifactOf(OutputKind kind);

/// `--smoothquant[=ALPHA|auto]`.
struct SmoothQuantOption {
  bool enabled = false;
  /// Choose alpha per activation on the calibration reservoir, and check
  /// the result end to end against plain W8A8 (falling back to it).
  bool automatic = false;
  /// The fixed alpha, or `auto`'s fallback.
  float alpha = 0.5f;

  /// Parses the option's value: "" (alpha 0.5), "auto", or an alpha in
  /// [0, 1]. On failure, `error` says what was expected.
  static std::optional<SmoothQuantOption> parse(llvm::StringRef value,
                                                std::string &error);
};

struct CalibrationRequest {
  /// A folder of samples (docs/calibration.md), "random", or empty for no
  /// calibration run.
  std::string samples;
  int64_t randomCount = 16; ///< with "random": how many samples
  uint64_t seed = 0;        ///< random samples' and the reservoir's seed
  calibration::Settings settings;
  /// The table: written when `samples` is given (default
  /// <output base>.calib.json), otherwise read and reused.
  std::string tablePath;
};

struct QuantizationRequest {
  bool w8a8 = false;
  std::string method = "minmax"; ///< activation ranges from the table
  SmoothQuantOption smoothQuant;
  int weightBits = 8; ///< 8, or 7 (what AVX2's vpmaddubsw cannot saturate)
  /// Leave fp32 the layers whose int8 form would be slower on every target
  /// (depthwise convolutions); false quantizes them too.
  bool keepFasterFp32 = true;
  bool fuse = true;   ///< q8-fuse-quant after the layer error
};

struct ReportRequest {
  /// The layer error as JSON. Empty: <output base>.layers.json when
  /// calibrating, quantizing and writing files; otherwise not measured.
  std::string layerErrorPath;
  /// The layer error as a self-contained HTML page.
  std::string htmlPath;
  /// The caller asked for a report explicitly (so it is an error when
  /// there is nothing to measure it on).
  bool requested = false;
};

struct OutputRequest {
  OutputKind kind = OutputKind::Mlir;
  /// For text stages a file or "-" (the `out` stream); for artifacts the
  /// path without extension (a trailing artifact extension is accepted).
  std::string path = "-";
  /// Print inputs, outputs, op counts and parameters after the IR.
  bool summary = false;
};

struct CompileRequest {
  std::string modelPath;
  ImportOptions import;
  CalibrationRequest calibration;
  QuantizationRequest quantization;
  ReportRequest report;
  /// The target, optimization level and external weights; the model name
  /// is derived from the output path when empty.
  CodegenOptions codegen;
  OutputRequest output;
  /// A progress line on the log while calibrating and measuring.
  bool progress = false;
  /// Runs on the imported module before anything else (q8c's hidden
  /// --debug-crash uses it to crash inside a pass).
  std::function<void(mlir::ModuleOp)> afterImport;
};

/// Seconds spent in each phase of one compile() call.
/// Wall seconds per phase. The layer error runs on its own thread beside
/// fusion and codegen, so the phases may add up to more than `total`.
struct CompileTimings {
  double import = 0, calibration = 0, quantization = 0, layerError = 0,
         codegen = 0, total = 0;
};

/// What compile() did, as data: a driver prints what it wants from it.
struct CompileResult {
  bool succeeded = false;
  /// Every file written (artifacts, table, reports).
  std::vector<std::string> written;
  std::optional<calibration::RunStats> calibration;
  /// The table used (made or read): samples and tensors.
  int64_t tableSamples = 0, tableTensors = 0;
  std::optional<QuantizeSummary> quantization;
  /// `--smoothquant auto` with samples: what the end-to-end check compared.
  std::optional<calibration::SmoothQuantCheck> smoothQuantCheck;
  std::optional<calibration::LayerError> layerError;
  std::optional<FusionSummary> fusion;
  CompileTimings timings;
};

/// Every problem with `request`, one message each (without "error: "),
/// found without reading the model.
std::vector<std::string> checkRequest(const CompileRequest &request);

/// Compiles as `request` says. Diagnostics and progress lines go to `log`
/// in q8c's format ("error: <model>: ...", "calibration: ...", "quantize:
/// ..."); text stages and the summary go to `out` when the output path is
/// "-". Checks the request first (checkRequest).
CompileResult compile(const CompileRequest &request, llvm::raw_ostream &log,
                      llvm::raw_ostream &out);

} // namespace q8

#endif // Q8_COMPILER_COMPILE_H
