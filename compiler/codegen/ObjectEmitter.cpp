//===- ObjectEmitter.cpp - LLVM-dialect module to object code -------------===//

#include "compiler/codegen/ObjectEmitter.h"

#include "compiler/codegen/HeaderEmitter.h"
#include "compiler/codegen/SharedLibrary.h"
#include "compiler/codegen/Target.h"
#include "passes/codegen/ExternalizeWeights.h"
#include "runtime/q8_abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

/// Turns off the SelectionDAG's merging of consecutive stores, once per
/// process. Its search is quadratic in the stores of one basic block, and
/// LLVM's full unrolling makes such blocks out of small static loops: a
/// grouped conv's bias broadcast of 1008 <3 x float> stores (AVX2, found by
/// the graph fuzzer, seed 30055) spent 130 s in instruction selection,
/// 5 s without it. q8's kernels store whole vectors already, so there is
/// little left to merge.
static void disableStoreMerging() {
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("combiner-store-merging");
  if (it != options.end())
    (void)it->second->addOccurrence(0, "combiner-store-merging", "false");
}

/// The x86 target's registration and LLVM's options, once per process: the
/// layer error JITs on a thread of its own while codegen builds the object,
/// and both come here (a function-local static's initializer runs once,
/// the other thread waiting).
static void initializeCodegenOnce() {
  static bool done = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    disableStoreMerging();
    return true;
  }();
  (void)done;
}

FailureOr<std::unique_ptr<llvm::TargetMachine>>
q8::createTargetMachine(ModuleOp module, const q8::CodegenOptions &options) {
  initializeCodegenOnce();
  const q8::TargetInfo *info = &options.target;

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

namespace {

/// Adds `int32_t <name>(void *const *args)`: loads each of `run`'s
/// arguments from `args`, calls it and returns Q8_OK. The call is never
/// inlined, so the wrapper costs one call and the model's code exists once.
FailureOr<llvm::Function *> addPackedEntry(ModuleOp module,
                                           llvm::Module &llvmModule,
                                           llvm::Function *run,
                                           const std::string &name,
                                           llvm::GlobalValue::LinkageTypes linkage) {
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *i32 = llvm::Type::getInt32Ty(context);
  if (llvmModule.getNamedValue(name))
    return module.emitError() << "the packed entry point " << name
                              << " is already defined";
  for (llvm::Type *param : run->getFunctionType()->params())
    if (param != ptr)
      return module.emitError()
             << "cannot pack @" << run->getName().str()
             << ": its arguments are not all pointers";
  auto *type = llvm::FunctionType::get(i32, {ptr}, /*isVarArg=*/false);
  auto *packed = llvm::Function::Create(type, linkage, name, llvmModule);
  packed->getArg(0)->setName("args");
  packed->addParamAttr(0, llvm::Attribute::NoUndef);
  packed->addParamAttr(0, llvm::Attribute::ReadOnly);
  packed->setDoesNotThrow();
  packed->setUWTableKind(run->getUWTableKind());
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", packed));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0, e = run->arg_size(); i < e; ++i) {
    llvm::Value *slot = builder.CreateConstInBoundsGEP1_64(
        ptr, packed->getArg(0), i, "arg" + Twine(i) + ".slot");
    args.push_back(builder.CreateAlignedLoad(ptr, slot, llvm::Align(8),
                                             "arg" + Twine(i)));
  }
  llvm::CallInst *call = builder.CreateCall(run, args);
  call->setIsNoInline();
  builder.CreateRet(llvm::ConstantInt::get(i32, Q8_OK));
  return packed;
}

/// The exported entry points of a dynamic model, both handing the call to
/// a runtime driver: `int32_t <symbol>_packed(void *const *args)` returns
/// `driver(driverArgs..., args)`, and `q8_status <symbol>(const int64_t
/// *dims, ...)`, with numArgs pointer arguments, packs them and calls it.
/// Returns the two.
std::pair<llvm::Function *, llvm::Function *>
addDynamicEntries(llvm::Module &llvmModule, StringRef symbol,
                  unsigned numArgs, llvm::FunctionCallee driver,
                  ArrayRef<llvm::Value *> driverArgs,
                  llvm::UWTableKind uwTable) {
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *i32 = llvm::Type::getInt32Ty(context);
  auto *packedType = llvm::FunctionType::get(i32, {ptr}, false);
  auto *packed = llvm::Function::Create(
      packedType, llvm::GlobalValue::ExternalLinkage, symbol + "_packed",
      llvmModule);
  packed->getArg(0)->setName("args");
  packed->setUWTableKind(uwTable);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", packed));
    SmallVector<llvm::Value *> callArgs(driverArgs);
    callArgs.push_back(packed->getArg(0));
    b.CreateRet(b.CreateCall(driver, callArgs));
  }

  auto *runType = llvm::FunctionType::get(
      i32, SmallVector<llvm::Type *>(numArgs, ptr), false);
  auto *typed = llvm::Function::Create(
      runType, llvm::GlobalValue::ExternalLinkage, symbol, llvmModule);
  typed->setUWTableKind(uwTable);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", typed));
    auto *arrayType = llvm::ArrayType::get(ptr, numArgs);
    llvm::AllocaInst *args = b.CreateAlloca(arrayType, nullptr, "args");
    args->setAlignment(llvm::Align(8));
    for (unsigned i = 0; i < numArgs; ++i)
      b.CreateAlignedStore(typed->getArg(i),
                           b.CreateConstInBoundsGEP2_64(arrayType, args, 0, i),
                           llvm::Align(8));
    b.CreateRet(b.CreateCall(packed, {args}));
  }
  return std::pair(typed, packed);
}

/// The entry points of a batch-dim model (BatchDim.h): `run`, compiled for
/// one item, becomes the private `<model>_run_item` (and its packed form),
/// and the exported `<model>_run(dims, ...)` and `<model>_run_packed` hand
/// the call to q8_run_batched (runtime/q8_runtime.h), which checks the
/// dims and runs the item once per item. Returns the two exported ones.
FailureOr<std::pair<llvm::Function *, llvm::Function *>>
addBatchedEntries(ModuleOp module, llvm::Module &llvmModule,
                  llvm::Function *run, llvm::GlobalVariable *desc,
                  int64_t itemWorkspaceSize) {
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *i32 = llvm::Type::getInt32Ty(context);
  auto *i64 = llvm::Type::getInt64Ty(context);
  std::string symbol = run->getName().str();
  run->setName(symbol + "_item");
  run->setLinkage(llvm::GlobalValue::InternalLinkage);
  FailureOr<llvm::Function *> item =
      addPackedEntry(module, llvmModule, run, symbol + "_item_packed",
                     llvm::GlobalValue::InternalLinkage);
  if (failed(item))
    return failure();
  llvm::FunctionCallee batched = llvmModule.getOrInsertFunction(
      "q8_run_batched", llvm::FunctionType::get(i32, {ptr, ptr, i64, ptr},
                                                /*isVarArg=*/false));
  // The item takes the model's arguments without the dims.
  return addDynamicEntries(
      llvmModule, symbol, run->arg_size() + 1, batched,
      {desc, *item, llvm::ConstantInt::get(i64, itemWorkspaceSize)},
      run->getUWTableKind());
}

/// The entry points of an extent-dim model (ExtentDim.h): `run`, which
/// takes the dims first and must only see dims within their bounds,
/// becomes the private `<model>_run_extents` (and its packed form, whose
/// args[0] is its dims argument), and the exported `<model>_run(dims, ...)`
/// and `<model>_run_packed` hand the call to q8_run_extents (runtime/
/// q8_runtime.h), which checks it and calls the code once. Returns the two
/// exported ones.
FailureOr<std::pair<llvm::Function *, llvm::Function *>>
addExtentEntries(ModuleOp module, llvm::Module &llvmModule,
                 llvm::Function *run, llvm::GlobalVariable *desc,
                 const q8::ModelInterface &model) {
  // dims, inputs, outputs, workspace, [weights,] pool.
  size_t expected = 1 + model.inputs.size() + model.outputs.size() + 2 +
                    (model.weightsSize ? 1 : 0);
  if (run->arg_size() != expected)
    return module.emitError()
           << "the entry point @" << run->getName().str() << " of a "
           << q8::kExtentAttrName << " model takes " << run->arg_size()
           << " arguments, expected " << expected
           << " (the dims first, then the inputs, outputs, workspace"
           << (model.weightsSize ? ", weights" : "") << " and pool)";
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *i32 = llvm::Type::getInt32Ty(context);
  std::string symbol = run->getName().str();
  run->setName(symbol + "_extents");
  run->setLinkage(llvm::GlobalValue::InternalLinkage);
  FailureOr<llvm::Function *> inner =
      addPackedEntry(module, llvmModule, run, symbol + "_extents_packed",
                     llvm::GlobalValue::InternalLinkage);
  if (failed(inner))
    return failure();
  llvm::FunctionCallee extents = llvmModule.getOrInsertFunction(
      "q8_run_extents",
      llvm::FunctionType::get(i32, {ptr, ptr, ptr}, /*isVarArg=*/false));
  return addDynamicEntries(llvmModule, symbol, run->arg_size(), extents,
                           {desc, *inner}, run->getUWTableKind());
}

/// Adds the exported `const q8_model_desc <model>_q8_desc` (and the private
/// tensor tables and strings it points to) and the packed entry point it
/// refers to to `llvmModule`: the same descriptor the header's
/// `<model>_descriptor()` returns, so that a driver finds it in a shared
/// object by name.
LogicalResult addDescriptor(ModuleOp module, llvm::Module &llvmModule,
                            const q8::ModelInterface &model) {
  // The struct types below mirror q8_abi.h; the C layouts are pinned here
  // so that a change there fails to compile rather than miscompiles.
  static_assert(sizeof(q8_tensor_desc) == 16 + 8 * Q8_MAX_RANK &&
                offsetof(q8_tensor_desc, dims) == 16);
  static_assert(sizeof(q8_dim_desc) == 24 && offsetof(q8_dim_desc, min) == 8);
  static_assert(sizeof(q8_model_desc) == 104 &&
                offsetof(q8_model_desc, name) == 16 &&
                offsetof(q8_model_desc, workspace_size) == 40 &&
                offsetof(q8_model_desc, weights_size) == 48 &&
                offsetof(q8_model_desc, run) == 56 &&
                offsetof(q8_model_desc, run_packed) == 64 &&
                offsetof(q8_model_desc, target) == 72 &&
                offsetof(q8_model_desc, cpu_features) == 80 &&
                offsetof(q8_model_desc, num_dims) == 88 &&
                offsetof(q8_model_desc, dims) == 96);
  llvm::LLVMContext &context = llvmModule.getContext();
  auto *i32 = llvm::Type::getInt32Ty(context);
  auto *i64 = llvm::Type::getInt64Ty(context);
  auto *ptr = llvm::PointerType::get(context, 0);
  auto *dimsType = llvm::ArrayType::get(i64, Q8_MAX_RANK);
  auto *tensorType = llvm::StructType::get(context, {ptr, i32, i32, dimsType});
  auto *dimDescType = llvm::StructType::get(context, {ptr, i64, i64});
  auto *descType = llvm::StructType::get(
      context, {i32, i32, i32, i32, ptr, ptr, ptr, i64, i64, ptr, ptr, ptr,
                i64, i32, i32, ptr});
  std::string symbol = model.descriptorSymbol();

  auto string = [&](StringRef text, const llvm::Twine &name) {
    llvm::Constant *init = llvm::ConstantDataArray::getString(context, text);
    auto *global = new llvm::GlobalVariable(
        llvmModule, init->getType(), /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage, init, name);
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    global->setAlignment(llvm::Align(1));
    return global;
  };
  auto table = [&](ArrayRef<q8::TensorInterface> tensors,
                   StringRef kind) -> llvm::Constant * {
    if (tensors.empty())
      return llvm::ConstantPointerNull::get(ptr);
    SmallVector<llvm::Constant *> entries;
    for (auto [i, tensor] : llvm::enumerate(tensors)) {
      SmallVector<llvm::Constant *> dims(Q8_MAX_RANK,
                                         llvm::ConstantInt::get(i64, 0));
      for (auto [d, dim] : llvm::enumerate(tensor.dims))
        dims[d] = llvm::ConstantInt::get(i64, dim);
      entries.push_back(llvm::ConstantStruct::get(
          tensorType,
          {string(tensor.name, symbol + "." + kind + ".name." + Twine(i)),
           llvm::ConstantInt::get(i32, tensor.dtype),
           llvm::ConstantInt::get(i32, tensor.dims.size()),
           llvm::ConstantArray::get(dimsType, dims)}));
    }
    auto *type = llvm::ArrayType::get(tensorType, entries.size());
    auto *global = new llvm::GlobalVariable(
        llvmModule, type, /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(type, entries), symbol + "." + kind);
    global->setAlignment(llvm::Align(8));
    return global;
  };

  llvm::Function *run = llvmModule.getFunction(model.symbol);
  if (!run)
    return module.emitError() << "no entry point @" << model.symbol
                              << " to describe";
  if (llvmModule.getNamedValue(symbol))
    return module.emitError() << "the descriptor symbol " << symbol
                              << " is already defined";
  auto *desc = new llvm::GlobalVariable(llvmModule, descType,
                                        /*isConstant=*/true,
                                        llvm::GlobalValue::ExternalLinkage,
                                        nullptr, symbol);
  desc->setAlignment(llvm::Align(8));
  llvm::Function *entry = run, *packed = nullptr;
  llvm::Constant *dimTable = llvm::ConstantPointerNull::get(ptr);
  uint32_t flags = model.weightsSize ? Q8_MODEL_EXTERNAL_WEIGHTS : 0;
  bool dynamic = model.batch || model.extent;
  if (dynamic) {
    FailureOr<std::pair<llvm::Function *, llvm::Function *>> entries =
        model.batch ? addBatchedEntries(module, llvmModule, run, desc,
                                        model.itemWorkspaceSize)
                    : addExtentEntries(module, llvmModule, run, desc, model);
    if (failed(entries))
      return failure();
    std::tie(entry, packed) = *entries;
    flags |= Q8_MODEL_DYNAMIC;
    // The one dynamic dim, either kind.
    StringRef name = model.batch ? model.batch->name : model.extent->name;
    int64_t min = model.batch ? model.batch->min : model.extent->min;
    int64_t max = model.batch ? model.batch->max : model.extent->max;
    auto *type = llvm::ArrayType::get(dimDescType, 1);
    auto *global = new llvm::GlobalVariable(
        llvmModule, type, /*isConstant=*/true,
        llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(
            type, {llvm::ConstantStruct::get(
                      dimDescType, {string(name, symbol + ".dim.0"),
                                    llvm::ConstantInt::get(i64, min),
                                    llvm::ConstantInt::get(i64, max)})}),
        symbol + ".dims");
    global->setAlignment(llvm::Align(8));
    dimTable = global;
  } else {
    FailureOr<llvm::Function *> p =
        addPackedEntry(module, llvmModule, run, model.symbol + "_packed",
                       llvm::GlobalValue::ExternalLinkage);
    if (failed(p))
      return failure();
    packed = *p;
  }
  desc->setInitializer(llvm::ConstantStruct::get(
      descType,
      {llvm::ConstantInt::get(i32, Q8_ABI_VERSION),
       llvm::ConstantInt::get(i32, model.inputs.size()),
       llvm::ConstantInt::get(i32, model.outputs.size()),
       llvm::ConstantInt::get(i32, flags),
       string(model.model, symbol + ".name"), table(model.inputs, "inputs"),
       table(model.outputs, "outputs"),
       llvm::ConstantInt::get(i64, model.workspaceSize),
       llvm::ConstantInt::get(i64, model.weightsSize.value_or(0)), entry,
       packed,
       model.target.empty()
           ? static_cast<llvm::Constant *>(llvm::ConstantPointerNull::get(ptr))
           : string(model.target, symbol + ".target"),
       llvm::ConstantInt::get(i64, model.cpuFeatures),
       llvm::ConstantInt::get(i32, dynamic ? 1 : 0),
       llvm::ConstantInt::get(i32, 0), dimTable}));
  return success();
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
    // The recorded external weights (q8.weights) are for emitWeights.
    for (NamedAttribute attr : llvm::to_vector(func->getDiscardableAttrs()))
      if (attr.getName().strref().starts_with("q8."))
        func->removeDiscardableAttr(attr.getName());
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
  if (q8::hasModelEntry(module)) {
    FailureOr<q8::ModelInterface> model = q8::readModelInterface(module);
    if (failed(model) ||
        failed(addDescriptor(module, *llvmModule, *model)))
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

namespace {

/// Code generation for `module` into `os`.
LogicalResult generate(ModuleOp module, const q8::CodegenOptions &options,
                       llvm::raw_pwrite_stream &os, q8::ObjectFormat format) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      q8::createTargetMachine(module, options);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(module, options, **machine, llvmContext);
  if (!llvmModule)
    return failure();
  llvm::legacy::PassManager codegen;
  auto fileType = format == q8::ObjectFormat::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if ((*machine)->addPassesToEmitFile(codegen, os, nullptr, fileType))
    return module.emitError("the target cannot emit this file type");
  codegen.run(*llvmModule);
  return success();
}

} // namespace

StringRef q8::artifactExtension(ArtifactKind kind) {
  switch (kind) {
  case ArtifactKind::Object:
    return ".o";
  case ArtifactKind::StaticLibrary:
    return ".a";
  case ArtifactKind::SharedLibrary:
    return ".so";
  }
  llvm_unreachable("unknown artifact kind");
}

LogicalResult q8::emitObject(ModuleOp module, const CodegenOptions &options,
                             StringRef path, ObjectFormat format) {
  // Generated before the file is opened, so that a failure leaves no file.
  SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  if (failed(generate(module, options, os, format)))
    return failure();
  std::error_code ec;
  auto out = std::make_unique<llvm::ToolOutputFile>(
      path, ec,
      format == ObjectFormat::Object ? llvm::sys::fs::OF_None
                                     : llvm::sys::fs::OF_Text);
  if (ec)
    return module.emitError() << "cannot open '" << path
                              << "': " << ec.message();
  out->os() << StringRef(buffer.data(), buffer.size());
  out->keep();
  return success();
}

LogicalResult q8::emitObjectToBuffer(ModuleOp module,
                                     const CodegenOptions &options,
                                     SmallVectorImpl<char> &buffer) {
  buffer.clear();
  llvm::raw_svector_ostream os(buffer);
  return generate(module, options, os, ObjectFormat::Object);
}

LogicalResult q8::emitArtifact(ModuleOp module, const CodegenOptions &options,
                               StringRef path, ArtifactKind kind) {
  if (kind == ArtifactKind::Object)
    return emitObject(module, options, path);
  SmallVector<char, 0> object;
  if (failed(emitObjectToBuffer(module, options, object)))
    return failure();
  StringRef stem = llvm::sys::path::stem(path);
  std::string member = (stem + ".o").str();

  if (kind == ArtifactKind::StaticLibrary) {
    // Deterministic: zero timestamps, ids and modes that vary by user.
    llvm::NewArchiveMember entry(llvm::MemoryBufferRef(
        StringRef(object.data(), object.size()), member));
    entry.MemberName = member;
    if (llvm::Error error = llvm::writeArchive(
            path, {std::move(entry)}, llvm::SymtabWritingMode::NormalSymtab,
            llvm::object::Archive::K_GNU, /*Deterministic=*/true,
            /*Thin=*/false))
      return module.emitError() << "cannot write the archive " << path
                                << ": " << llvm::toString(std::move(error));
    return success();
  }

  // A shared object: the object goes to a temporary file for the linker.
  SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("q8-" + stem, "o", objectPath))
    return module.emitError() << "cannot create a temporary object: "
                              << ec.message();
  llvm::FileRemover remover(objectPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec, llvm::sys::fs::OF_None);
    if (ec)
      return module.emitError() << "cannot write " << objectPath << ": "
                                << ec.message();
    os << StringRef(object.data(), object.size());
  }
  std::string error;
  if (!linkSharedLibrary(path, {objectPath.str().str()}, error))
    return module.emitError() << error;
  return success();
}

FailureOr<uint64_t> q8::externalWeightsSize(ModuleOp module) {
  FailureOr<WeightsLayout> layout = readWeightsLayout(module);
  if (failed(layout))
    return failure();
  return static_cast<uint64_t>(layout->size);
}

LogicalResult q8::fillWeights(ModuleOp module, MutableArrayRef<char> blob) {
  FailureOr<WeightsLayout> layout = readWeightsLayout(module);
  if (failed(layout))
    return failure();
  if (blob.size() != static_cast<size_t>(layout->size))
    return module.emitError() << "the weights buffer holds " << blob.size()
                              << " bytes, the model's weights "
                              << layout->size;
  std::fill(blob.begin(), blob.end(), 0);
  for (const WeightsLayout::Entry &entry : layout->entries)
    if (!copyConstantBytes(
            entry.value,
            blob.slice(entry.offset, *constantByteSize(entry.value))))
      return module.emitError() << "cannot serialize external weight at "
                                << entry.offset;
  return success();
}

LogicalResult q8::emitWeights(ModuleOp module, StringRef path) {
  FailureOr<uint64_t> size = externalWeightsSize(module);
  if (failed(size))
    return failure();
  std::vector<char> blob(*size, 0);
  if (failed(fillWeights(module, blob)))
    return failure();
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return module.emitError() << "cannot write " << path << ": "
                              << ec.message();
  out.os().write(blob.data(), blob.size());
  out.keep();
  return success();
}

LogicalResult q8::emitLLVMIR(ModuleOp module, const CodegenOptions &options,
                             llvm::raw_ostream &os) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      q8::createTargetMachine(module, options);
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
