//===- Compiler.h - the one C++ API every q8 tool is a thin main over -*- C++ -*-===//
//
// Import an ONNX model into q8 IR, lower it to native code and emit an
// object file with its C header (and, in later stages, calibrate and
// quantize it). Tools parse flags into these option structs and call these
// functions; no pipeline reads a global flag.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_COMPILER_H
#define Q8_COMPILER_COMPILER_H

#include "compiler/codegen/ObjectEmitter.h"
#include "compiler/codegen/Pipeline.h"

#include "passes/codegen/ExtentDim.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace q8 {

/// One dim of `--input-shape`: a size (`224`), open (`?`) or open within
/// bounds (`1..64`).
struct InputDim {
  static constexpr int64_t kUnbounded = INT64_MAX;
  int64_t size = 0; ///< > 0: fixed; 0: dynamic
  int64_t min = 1, max = kUnbounded; ///< a dynamic dim's bounds
  bool isDynamic() const { return size == 0; }
};

/// `--input-shape NAME=?,3,224,224`: fixes the dynamic dims of an input,
/// or keeps some open (with bounds).
struct InputShape {
  std::string name;
  std::vector<InputDim> dims;
};

/// `--bind NAME=FILE.pb`: a graph input whose value is known at compile
/// time. It becomes an initializer, so shape operands fed from it fold.
struct InputBinding {
  std::string name;
  std::string path;
};

struct ImportOptions {
  std::vector<InputShape> inputShapes;
  std::vector<InputBinding> bindings;
  /// Initializers with more elements than this become dense_resource blobs;
  /// smaller ones stay dense<> so that shape arithmetic folds.
  int64_t resourceThreshold = 64;
  /// The size given to dynamic dims (declared dynamic and not fixed by
  /// --input-shape, or `?` there), or 0: they are an error. Each input
  /// argument records its dynamic dims (`q8.dynamic_dims`, positions;
  /// `q8.dim_names`, their dim_param or "?"; `q8.dim_min` / `q8.dim_max`),
  /// which compiler/DynamicBatch.h turns into the model's batch dim.
  int64_t dynamicExtent = 0;
};

/// Why a model (or one of its nodes) could not be imported.
enum class ImportErrorKind {
  /// The file is unreadable, truncated, not ONNX, or fails ONNX's checker.
  BadModel,
  /// Opset newer than q8 supports, or an op (type, domain, version) with no
  /// handler.
  Unsupported,
  /// A supported op used in a way q8 does not support (a non-constant shape
  /// operand, a non-default activation, a data-dependent output shape).
  UnsupportedFeature,
  /// The model contradicts itself: inconsistent shapes, dimensions that
  /// overflow, attributes out of range, external data escaping its folder.
  Invalid,
};

struct ImportError {
  ImportErrorKind kind;
  std::string node;   ///< node name, or empty for model-level errors
  std::string opType; ///< node op type, or empty
  std::string message;
};

struct ImportResult {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// Every problem found; empty iff `module` is set.
  std::vector<ImportError> errors;
};

/// Imports a binary `.onnx` file, or an ONNX text-syntax file (any other
/// extension, or content that is not a protobuf). The module holds one
/// `func.func @main` whose arguments and results carry `q8.name`.
ImportResult importModel(mlir::MLIRContext &context, const std::string &path,
                         const ImportOptions &options);

/// Prints errors as `error: <path>: node '<name>' (<op>): <message>`, one
/// per line.
void printImportErrors(llvm::raw_ostream &os, const std::string &path,
                       const std::vector<ImportError> &errors);

/// Prints a human summary of an imported module: inputs and outputs with
/// shapes, op counts by type, parameter count and bytes. A dynamic dim is
/// the module's batch dim (BatchDim.h) or `extent`, which a module carries
/// only once it is rewritten for it (DynamicExtent.h).
void printSummary(llvm::raw_ostream &os, mlir::ModuleOp module,
                  const ExtentDim *extent = nullptr);

/// Everything `q8c model.onnx -o out/model` needs: how to import, and how to
/// generate code.
struct CompileOptions {
  ImportOptions import;
  CodegenOptions codegen;
};

/// Lowers imported q8 IR to linalg on tensors in place: canonicalize ->
/// q8-fold-batch-norm -> q8-convert-to-linalg -> canonicalize, cse. Fails
/// with one diagnostic per op that code generation cannot handle yet (lstm,
/// gru, resize, quantized ops), each naming the op and its ONNX node, rather
/// than letting the LLVM lowering trip over them later.
/// `cse` false leaves out the final CSE (compiler/DynamicBatch.cpp compares
/// modules at two batch sizes op by op, which CSE would make differ where
/// two values' shapes happen to coincide at one size).
mlir::LogicalResult lowerToLinalg(mlir::ModuleOp module, bool cse = true);

/// Canonicalizes and CSEs a module on linalg (after a rewrite of it).
mlir::LogicalResult cleanUpLinalg(mlir::ModuleOp module);

/// lowerToLinalg, then lowerToLLVMDialect (Pipeline.h): the module ends in
/// the LLVM dialect, ready for emitObject/emitLLVMIR/emitHeader.
mlir::LogicalResult compileModule(mlir::ModuleOp module,
                                  const CodegenOptions &options);

/// Writes `<basePath>.h` and, by `kind`, `<basePath>.o`, `<basePath>.a`
/// (an archive holding the object) or `<basePath>.so`, for a module that
/// compileModule lowered, creating missing parent directories. With
/// external weights (CodegenOptions::externalWeightsThreshold) it also
/// writes `<basePath>.weights`. Fails before writing anything if one of
/// these paths is `protectedPath` (the model being compiled).
mlir::LogicalResult emitModel(mlir::ModuleOp module,
                              const CodegenOptions &options,
                              llvm::StringRef basePath,
                              ArtifactKind kind = ArtifactKind::Object,
                              llvm::StringRef protectedPath = {});

/// The files emitModel writes for `basePath` and `kind` (the weights file
/// only when `externalWeights`).
std::vector<std::string> modelOutputPaths(llvm::StringRef basePath,
                                          ArtifactKind kind,
                                          bool externalWeights);

/// The C-identifier-safe model name for an output path: the basename
/// without extension, other characters replaced by '_', and a leading '_'
/// when it would start with a digit ("out/my-net.v2" -> "my_net").
std::string modelNameFromPath(llvm::StringRef path);

/// Loads q8 and the upstream dialects its IR uses into `context`.
void loadDialects(mlir::MLIRContext &context);

} // namespace q8

#endif // Q8_COMPILER_COMPILER_H
