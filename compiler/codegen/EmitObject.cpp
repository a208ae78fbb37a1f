//===- EmitObject.cpp - the emitters as a pass, for lit tests -------------===//

#include "compiler/codegen/HeaderEmitter.h"
#include "compiler/codegen/ObjectEmitter.h"
#include "compiler/codegen/Passes.h"
#include "compiler/codegen/Target.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"

namespace q8 {
#define GEN_PASS_DEF_EMITOBJECT
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

struct EmitObject : q8::impl::EmitObjectBase<EmitObject> {
  using EmitObjectBase::EmitObjectBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    q8::CodegenOptions options;
    FailureOr<q8::TargetInfo> resolved =
        q8::resolveTargetOption(target, module);
    if (failed(resolved))
      return signalPassFailure();
    options.target = *resolved;
    // A module lowered by q8-opt's pipeline has not recorded its target;
    // the descriptor and the header say this one.
    q8::recordTarget(module, options.target);
    options.optLevel = optLevel;
    if (format == "obj" || format == "asm") {
      auto kind = format == "obj" ? q8::ObjectFormat::Object
                                  : q8::ObjectFormat::Assembly;
      if (failed(q8::emitObject(module, options, path, kind)))
        signalPassFailure();
      markAllAnalysesPreserved();
      return;
    }
    if (format != "ll" && format != "header") {
      module.emitError() << "unknown format '" << format
                         << "' (expected obj, asm, ll or header)";
      return signalPassFailure();
    }
    std::error_code ec;
    llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      module.emitError() << "cannot open '" << path << "': " << ec.message();
      return signalPassFailure();
    }
    LogicalResult result = format == "ll"
                               ? q8::emitLLVMIR(module, options, out.os())
                               : q8::emitHeader(module, out.os());
    if (failed(result))
      return signalPassFailure();
    out.keep();
    markAllAnalysesPreserved();
  }
};

} // namespace
