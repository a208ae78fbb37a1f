//===- Compiler.cpp - importModel, error printing, dialect loading --------===//

#include "compiler/Compiler.h"

#include "compiler/Registration.h"
#include "compiler/onnx/Importer.h"
#include "compiler/onnx/ModelLoader.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

using namespace q8;

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
