//===- ObjectEmitter.cpp - LLVM-dialect module to object code -------------===//

#include "compiler/codegen/ObjectEmitter.h"

#include "compiler/codegen/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {

/// A TargetMachine for `options.target` on x86-64 Linux.
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(ModuleOp module, const q8::CodegenOptions &options) {
  std::optional<q8::TargetInfo> info = q8::resolveTarget(options.target);
  if (!info)
    return module.emitError() << "unknown target '" << options.target
                              << "' (expected one of "
                              << q8::knownTargetNames() << ")";
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();

  llvm::Triple triple("x86_64-unknown-linux-gnu");
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError() << "no LLVM x86-64 target: " << error;
  llvm::CodeGenOptLevel level = llvm::CodeGenOptLevel::Aggressive;
  if (options.optLevel <= 0)
    level = llvm::CodeGenOptLevel::None;
  else if (options.optLevel == 1)
    level = llvm::CodeGenOptLevel::Less;
  else if (options.optLevel == 2)
    level = llvm::CodeGenOptLevel::Default;
  llvm::TargetOptions targetOptions;
  // Objects are linked into position-independent executables by default.
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, info->cpu, info->features, targetOptions, llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return module.emitError() << "cannot create a target machine for "
                              << info->cpu;
  return machine;
}

/// Translates and optimizes `module` for `machine`.
std::unique_ptr<llvm::Module> translateAndOptimize(
    ModuleOp module, const q8::CodegenOptions &options,
    llvm::TargetMachine &machine, llvm::LLVMContext &llvmContext) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);
  // q8's argument attributes (names for the header) mean nothing to LLVM,
  // which warns about each; translate a copy without them. Cloning shares
  // the (possibly large) constant attributes instead of copying them.
  OwningOpRef<ModuleOp> copy = module.clone();
  copy->walk([](LLVM::LLVMFuncOp func) {
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      DictionaryAttr attrs = func.getArgAttrDict(i);
      if (!attrs)
        continue;
      for (NamedAttribute attr : llvm::to_vector(attrs.getValue()))
        if (attr.getName().strref().starts_with("q8."))
          func.removeArgAttr(i, attr.getName());
    }
  });
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*copy, llvmContext, "q8_model");
  if (!llvmModule) {
    module.emitError("cannot translate the module to LLVM IR");
    return nullptr;
  }
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  int level = std::clamp(options.optLevel, 0, 3);
  if (llvm::Error error = makeOptimizingTransformer(
          level, /*sizeLevel=*/0, &machine)(llvmModule.get())) {
    module.emitError() << "LLVM optimization failed: "
                       << llvm::toString(std::move(error));
    return nullptr;
  }
  return llvmModule;
}

} // namespace

LogicalResult q8::emitObject(ModuleOp module, const CodegenOptions &options,
                             StringRef path, ObjectFormat format) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(module, options);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, options, **machine, llvmContext);
  if (!llvmModule)
    return failure();

  std::error_code ec;
  auto out = std::make_unique<llvm::ToolOutputFile>(
      path, ec,
      format == ObjectFormat::Object ? llvm::sys::fs::OF_None
                                     : llvm::sys::fs::OF_Text);
  if (ec)
    return module.emitError() << "cannot open '" << path
                              << "': " << ec.message();
  llvm::legacy::PassManager codegen;
  auto fileType = format == ObjectFormat::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if ((*machine)->addPassesToEmitFile(codegen, out->os(), nullptr, fileType))
    return module.emitError("the target cannot emit this file type");
  codegen.run(*llvmModule);
  out->keep();
  return success();
}

LogicalResult q8::emitLLVMIR(ModuleOp module, const CodegenOptions &options,
                             llvm::raw_ostream &os) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(module, options);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, options, **machine, llvmContext);
  if (!llvmModule)
    return failure();
  llvmModule->print(os, nullptr);
  return success();
}
