//===- q8c.cpp - the q8 compiler driver: ONNX model in, native code out ---===//
//
// `q8c model.onnx -o out/model` writes out/model.o and out/model.h
// (--emit=lib: out/model.a, --emit=shared: out/model.so, instead of the
// object; --external-weights: out/model.weights too); --emit=mlir|linalg|llvm
// stops at an earlier stage and prints it instead. The flags are the
// compiler library's (compiler/CompileFlags.h) and the work is one
// compile() call; q8c adds the exit code, the crash line and the hidden
// --debug-crash.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compile.h"
#include "compiler/CompileFlags.h"
#include "compiler/CrashHandler.h"
#include "passes/NodeAction.h"

#include "mlir/IR/AsmState.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"

#include <csignal>
#include <cstdlib>

using namespace llvm;

static cl::OptionCategory q8cCategory("q8c options");

// Hidden: crashes inside a pass at the first q8 op, to test the one-line
// crash report (compiler/CrashHandler.h).
static cl::opt<std::string>
    debugCrash("debug-crash", cl::Hidden,
               cl::desc("Crash in a pass: segv, abort or fatal"));

static cl::opt<bool> printTimes(
    "time", cl::cat(q8cCategory),
    cl::desc("Print the wall seconds of each phase to stderr at the end"));

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
  q8::registerCompileFlags(q8cCategory, "<model.onnx | model.onnxtxt>",
                           /*outputFlags=*/true);
  std::vector<const cl::OptionCategory *> categories =
      q8::compileFlagCategories();
  categories.push_back(&q8cCategory);
  cl::HideUnrelatedOptions(categories);
  if (!q8::parseCompileFlags(argc, argv, "q8c: the q8 ONNX compiler\n"))
    return 1;

  // Every problem at once: the flags' own, then the request's.
  std::vector<std::string> problems;
  q8::CompileRequest request = q8::compileRequestFromFlags(problems);
  if (!debugCrash.empty() && debugCrash != "segv" && debugCrash != "abort" &&
      debugCrash != "fatal")
    problems.push_back("--debug-crash=" + debugCrash +
                       ": expected segv, abort or fatal");
  if (!debugCrash.empty())
    request.afterImport = [](mlir::ModuleOp module) {
      mlir::PassManager pm(module.getContext());
      pm.addPass(std::make_unique<DebugCrashPass>());
      (void)pm.run(module);
    };
  request.progress = sys::Process::StandardErrIsDisplayed();
  for (std::string &problem : q8::checkRequest(request))
    problems.push_back(std::move(problem));
  for (const std::string &problem : problems)
    errs() << "error: " << problem << "\n";
  if (!problems.empty())
    return 1;
  q8::CompileResult result = q8::compile(request, errs(), outs());
  if (printTimes) {
    const q8::CompileTimings &t = result.timings;
    errs() << format("time: import %.2f s, calibration %.2f s, quantization "
                     "%.2f s, layer error %.2f s (beside codegen), codegen "
                     "%.2f s, total %.2f s\n",
                     t.import, t.calibration, t.quantization, t.layerError,
                     t.codegen, t.total);
  }
  return result.succeeded ? 0 : 1;
}
