//===- Jit.cpp - a model JIT-compiled with its observers calling back -----===//

#include "compiler/calibration/Jit.h"

#include "compiler/Compiler.h"
#include "compiler/codegen/ObjectEmitter.h"
#include "compiler/codegen/Target.h"
#include "passes/Passes.h"
#include "q8_runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cstdlib>

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

namespace {

/// The q8 dtype of a graph element type, or -1.
int32_t dtypeOf(Type type) {
  if (type.isF32()) return Q8_DTYPE_F32;
  if (type.isF64()) return Q8_DTYPE_F64;
  if (type.isF16()) return Q8_DTYPE_F16;
  if (type.isBF16()) return Q8_DTYPE_BF16;
  if (type.isInteger(1)) return Q8_DTYPE_BOOL;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return -1;
  bool u = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 8: return u ? Q8_DTYPE_U8 : Q8_DTYPE_I8;
  case 16: return u ? Q8_DTYPE_U16 : Q8_DTYPE_I16;
  case 32: return u ? Q8_DTYPE_U32 : Q8_DTYPE_I32;
  case 64: return u ? Q8_DTYPE_U64 : Q8_DTYPE_I64;
  default: return -1;
  }
}

/// The compiled code calls this for every observer; it forwards to the
/// callback of the run in progress on this thread.
thread_local const JitModel::Observer *currentObserver = nullptr;

extern "C" void q8JitObserveDense(int64_t id, intptr_t address) {
  if (currentObserver)
    (*currentObserver)(id, reinterpret_cast<const float *>(address));
}

} // namespace

func::FuncOp q8::calibration::entryFunction(ModuleOp module) {
  func::FuncOp entry;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entry = entry ? func::FuncOp() : func;
  return entry;
}

FailureOr<std::vector<InputSpec>> q8::calibration::entryInputs(ModuleOp module) {
  Location loc = module.getLoc();
  func::FuncOp main = entryFunction(module);
  if (!main)
    return emitError(loc) << "calibration needs one public function";
  std::vector<InputSpec> inputs;
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    int32_t dtype = tensor ? dtypeOf(tensor.getElementType()) : -1;
    if (dtype < 0 || !tensor.hasStaticShape())
      return emitError(loc) << "input " << i << " has type " << type
                            << ", which calibration cannot feed";
    auto name = main.getArgAttrOfType<StringAttr>(i, "q8.name");
    inputs.push_back({name ? name.str() : "input" + std::to_string(i), dtype,
                      std::vector<int64_t>(tensor.getShape().begin(),
                                           tensor.getShape().end())});
  }
  return inputs;
}

FailureOr<SampleSource>
q8::calibration::openSamples(ModuleOp module, StringRef samples,
                             const std::vector<InputSpec> &inputs,
                             int64_t randomCount, uint64_t randomSeed,
                             const ExtentBounds *extent) {
  if (samples == "random")
    return randomSamples(inputs, randomCount, randomSeed, extent);
  SampleSource source;
  std::string error;
  if (!findSamples(samples, inputs, source, error, extent))
    return emitError(module.getLoc()) << error;
  return source;
}

Progress::Progress(StringRef label, bool enabled, size_t total)
    : label(label.str()), enabled(enabled), total(total),
      start(std::chrono::steady_clock::now()) {}

void Progress::update(size_t done) {
  if (!enabled)
    return;
  auto now = std::chrono::steady_clock::now();
  if (done < total && now - last < std::chrono::milliseconds(100))
    return;
  last = now;
  double seconds = std::chrono::duration<double>(now - start).count();
  double rate = seconds > 0 ? done / seconds : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  llvm::errs() << "\r" << label
               << llvm::format(": %zu/%zu samples, %.1f/s, ETA %.0fs   ", done,
                               total, rate, eta);
}

void Progress::finish() {
  if (enabled)
    llvm::errs() << "\n";
}

JitModel::~JitModel() = default;

FailureOr<std::unique_ptr<JitModel>>
JitModel::compile(OwningOpRef<ModuleOp> module) {
  MLIRContext *context = module->getContext();
  Location loc = module->getLoc();
  {
    PassManager pm(context);
    q8::LowerObserversOptions lower;
    lower.calleeName = "q8_calib_observe_dense";
    pm.addPass(q8::createLowerObservers(lower));
    if (failed(pm.run(*module)))
      return failure();
  }
  std::unique_ptr<JitModel> model(new JitModel());
  if (auto list = (*module)->getAttrOfType<ArrayAttr>("q8.observers")) {
    for (Attribute attr : list) {
      auto dict = cast<DictionaryAttr>(attr);
      auto type = cast<RankedTensorType>(
          cast<TypeAttr>(dict.get("type")).getValue());
      TensorSpec spec;
      spec.name = cast<StringAttr>(dict.get("name")).str();
      spec.shape.assign(type.getShape().begin(), type.getShape().end());
      if (auto axis = dict.getAs<IntegerAttr>("axis"))
        spec.axis = axis.getInt();
      model->specs.push_back(spec);
    }
  }

  CodegenOptions codegen;
  codegen.target = *resolveTarget(buildHostTarget());
  codegen.modelName = "q8_calib";
  // Weights stay out of the JIT's code: passed as one buffer, they are not
  // copied into LLVM IR constants, an object and its loaded image (which
  // for a 12-layer BERT-base is a gigabyte).
  codegen.externalWeightsThreshold = 1024;
  if (failed(lowerToLinalg(*module)) ||
      failed(lowerToLLVMDialect(*module, codegen)))
    return failure();
  LLVM::LLVMFuncOp entry;
  for (auto func : module->getOps<LLVM::LLVMFuncOp>())
    if (func->hasAttr("q8.inputs"))
      entry = func;
  if (!entry)
    return emitError(loc) << "the calibration build has no entry function";
  if (entry->hasAttr("q8.weights_size")) {
    FailureOr<uint64_t> size = externalWeightsSize(*module);
    if (failed(size))
      return failure();
    size_t bytes = std::max<size_t>((*size + 63) / 64 * 64, 64);
    model->weights = {std::aligned_alloc(64, bytes), std::free};
    if (!model->weights)
      return emitError(loc) << "cannot allocate " << bytes
                            << " bytes of weights";
    if (failed(fillWeights(*module, MutableArrayRef<char>(
                                        static_cast<char *>(model->weights.get()),
                                        *size))))
      return failure();
  }
  int64_t workspaceSize = 0;
  if (auto ws = entry->getAttrOfType<IntegerAttr>("q8.workspace_size"))
    workspaceSize = ws.getInt();
  size_t wsBytes = (workspaceSize + 63) / 64 * 64;
  model->workspace = {wsBytes ? std::aligned_alloc(64, wsBytes) : nullptr,
                      std::free};
  if (wsBytes && !model->workspace)
    return emitError(loc) << "cannot allocate " << wsBytes
                          << " bytes of workspace";
  for (Attribute attr : entry->getAttrOfType<ArrayAttr>("q8.outputs")) {
    auto type = cast<ShapedType>(
        cast<TypeAttr>(cast<DictionaryAttr>(attr).get("type")).getValue());
    int32_t dtype = dtypeOf(type.getElementType());
    size_t bytes = std::max<size_t>(
        q8_dtype_size(static_cast<q8_dtype>(dtype < 0 ? Q8_DTYPE_F32 : dtype)),
        1);
    for (int64_t d : type.getShape())
      bytes *= d;
    model->outputs.emplace_back(bytes);
  }

  // Registers the x86 target once per process (also for the JIT).
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createTargetMachine(*module, codegen);
  if (failed(machine))
    return failure();
  // The JIT places code, its constants and the stubs of external symbols
  // (the observer callback, memcpy) in separate mappings that may lie more
  // than 2 GiB apart, out of reach of the small code model's rip-relative
  // references (seen under qemu-user, whose mappings are far apart).
  (*machine)->setCodeModel(llvm::CodeModel::Large);
  // No LLVM optimization: this code runs a few samples, and MLIR has tiled
  // and vectorized it already. LLVM's -O3 and aggressive instruction
  // selection cost most of the compile (the zoo's resnet18: the W8A8 model
  // 9.5 s at O3, 1.6 s at O0) for code that runs no faster on them (0.42 s
  // vs 0.37 s for 16 samples) and changes no result: the zoo's tables and
  // layer errors are byte-identical either way (no fast-math flags reach
  // LLVM, so it may not reassociate or contract).
  auto transformer =
      makeOptimizingTransformer(/*optLevel=*/0, /*sizeLevel=*/0, machine->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::None;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine =
      ExecutionEngine::create(*module, engineOptions, std::move(*machine));
  if (!engine)
    return emitError(loc) << "JIT compilation failed: "
                          << llvm::toString(engine.takeError());
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("q8_calib_observe_dense")] = {
        llvm::orc::ExecutorAddr::fromPtr(&q8JitObserveDense),
        llvm::JITSymbolFlags::Exported};
    // Build-host runs pass no pool: the loops run on the calling thread.
    symbols[interner("q8_pool_parallel_for")] = {
        llvm::orc::ExecutorAddr::fromPtr(&q8_pool_parallel_for),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  auto run = (*engine)->lookupPacked("q8_calib_run");
  if (!run)
    return emitError(loc) << "JIT lookup failed: "
                          << llvm::toString(run.takeError());
  model->entry = *run;
  model->engine = std::move(*engine);
  // The engine holds the code; the IR (and its copies of the constants) can
  // go before the samples run.
  module = nullptr;
  return model;
}

double JitModel::run(std::vector<std::vector<char>> &inputs,
                     Observer observe) {
  std::vector<void *> pointers;
  for (auto &buffer : inputs)
    pointers.push_back(buffer.data());
  for (auto &buffer : outputs)
    pointers.push_back(buffer.data());
  pointers.push_back(workspace.get());
  if (weights)
    pointers.push_back(weights.get());
  pointers.push_back(nullptr); // the pool: this thread alone
  std::vector<void *> packed;
  for (void *&p : pointers)
    packed.push_back(&p);
  auto t0 = std::chrono::steady_clock::now();
  const Observer *previous = currentObserver;
  currentObserver = &observe;
  entry(packed.data());
  currentObserver = previous;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}
