//===- Compiler.cpp - import, lowering to native code, emission -----------===//

#include "compiler/Compiler.h"

#include "compiler/Registration.h"
#include "compiler/codegen/HeaderEmitter.h"
#include "compiler/codegen/ObjectEmitter.h"
#include "compiler/codegen/Target.h"
#include "compiler/onnx/Importer.h"
#include "compiler/onnx/ModelLoader.h"
#include "dialects/Q8/Q8Dialect.h"
#include "passes/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace q8;
using mlir::LogicalResult;

void q8::loadDialects(mlir::MLIRContext &context) {
  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
}

ImportResult q8::importModel(mlir::MLIRContext &context,
                             const std::string &path,
                             const ImportOptions &options) {
  ImportResult result;
  loadDialects(context);
  onnx::ModelProto model;
  if (!importer::loadModel(path, model, result.errors))
    return result;
  importer::Importer importer(context, path, model, options, result.errors);
  mlir::OwningOpRef<mlir::ModuleOp> module = importer.run();
  if (result.errors.empty()) {
    if (module)
      result.module = std::move(module);
    else
      result.errors.push_back(
          {ImportErrorKind::Invalid, "", "", "import failed"});
  }
  return result;
}

void q8::printImportErrors(llvm::raw_ostream &os, const std::string &path,
                           const std::vector<ImportError> &errors) {
  for (const ImportError &error : errors) {
    os << "error: " << path << ": ";
    if (!error.node.empty() || !error.opType.empty())
      os << "node '" << error.node << "' (" << error.opType << "): ";
    os << error.message << "\n";
  }
}

LogicalResult q8::lowerToLinalg(mlir::ModuleOp module, bool cse) {
  mlir::MLIRContext *context = module.getContext();
  mlir::PassManager pm(context, mlir::ModuleOp::getOperationName());
  pm.addPass(mlir::createCanonicalizerPass());
  mlir::OpPassManager &funcPm = pm.nest<mlir::func::FuncOp>();
  funcPm.addPass(createFoldBatchNorm());
  funcPm.addPass(createFuseLayerNorm());
  funcPm.addPass(createConvertQ8ToLinalg());
  pm.addPass(mlir::createCanonicalizerPass());
  if (cse)
    pm.addPass(mlir::createCSEPass());
  if (failed(pm.run(module)))
    return mlir::failure();

  // q8-convert-to-linalg lowers quantize, dequantize and qlinear, and
  // leaves other q8 ops on quantized values in place (a quantized reshape,
  // say, behind a marked quant.scast). Nothing past this point understands
  // q8 ops, so reject them here, all at once.
  auto *q8Dialect = context->getLoadedDialect<Q8Dialect>();
  bool leftOver = false;
  module.walk([&](mlir::Operation *op) {
    if (op->getDialect() != q8Dialect)
      return;
    leftOver = true;
    mlir::InFlightDiagnostic diag = op->emitError();
    if (auto name = mlir::dyn_cast<mlir::NameLoc>(op->getLoc()))
      diag << "node '" << name.getName().getValue() << "' ";
    diag << "(" << op->getName().getStringRef()
         << "): op is not supported by code generation yet";
  });
  return mlir::failure(leftOver);
}

LogicalResult q8::cleanUpLinalg(mlir::ModuleOp module) {
  mlir::PassManager pm(module.getContext(), mlir::ModuleOp::getOperationName());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  return pm.run(module);
}

LogicalResult q8::compileModule(mlir::ModuleOp module,
                                const CodegenOptions &options) {
  if (failed(lowerToLinalg(module)))
    return mlir::failure();
  return lowerToLLVMDialect(module, options);
}

std::vector<std::string> q8::modelOutputPaths(llvm::StringRef basePath,
                                               ArtifactKind kind,
                                               bool externalWeights) {
  std::vector<std::string> paths = {(basePath + artifactExtension(kind)).str(),
                                    (basePath + ".h").str()};
  if (externalWeights)
    paths.push_back((basePath + ".weights").str());
  return paths;
}

LogicalResult q8::emitModel(mlir::ModuleOp module,
                            const CodegenOptions &options,
                            llvm::StringRef basePath, ArtifactKind kind,
                            llvm::StringRef protectedPath) {
  bool external = options.externalWeightsThreshold >= 0;
  std::vector<std::string> paths = modelOutputPaths(basePath, kind, external);
  // Never overwrite the input: compare by name, and by identity when the
  // file exists (another spelling, a link).
  if (!protectedPath.empty())
    for (const std::string &path : paths) {
      bool same = path == protectedPath;
      if (!same && llvm::sys::fs::exists(path))
        llvm::sys::fs::equivalent(path, protectedPath, same);
      if (same)
        return mlir::emitError(module.getLoc())
               << path << " is the model itself; refusing to overwrite it";
    }
  llvm::StringRef dir = llvm::sys::path::parent_path(basePath);
  if (!dir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      return mlir::emitError(module.getLoc())
             << "cannot create " << dir << ": " << ec.message();
  if (failed(emitArtifact(module, options, paths[0], kind)))
    return mlir::failure();
  std::error_code ec;
  llvm::ToolOutputFile header(paths[1], ec, llvm::sys::fs::OF_Text);
  if (ec)
    return mlir::emitError(module.getLoc())
           << "cannot write " << paths[1] << ": " << ec.message();
  if (failed(emitHeader(module, header.os())))
    return mlir::failure();
  if (external && failed(emitWeights(module, paths[2])))
    return mlir::failure();
  header.keep();
  return mlir::success();
}

std::string q8::modelNameFromPath(llvm::StringRef path) {
  llvm::StringRef stem = llvm::sys::path::filename(path);
  // Only the first dot starts the extension: "net.v2.o" names "net".
  stem = stem.take_until([](char c) { return c == '.'; });
  std::string name;
  for (char c : stem)
    name.push_back(llvm::isAlnum(c) ? c : '_');
  if (name.empty() || llvm::isDigit(name.front()))
    name.insert(name.begin(), '_');
  return name;
}
