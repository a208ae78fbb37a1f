//===- CrashHandler.cpp - one line, not a stack dump, when q8 crashes -----===//

#include "compiler/CrashHandler.h"

#include "mlir/IR/Action.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Signals.h"

#include <csignal>
#include <unistd.h>

using namespace mlir;

namespace {

/// What this thread is doing, innermost first.
struct CrashState {
  const Pass *pass = nullptr;
  /// The op a pattern rewrites, or the op a pass runs on.
  Operation *op = nullptr;
  q8::CrashPhase *phase = nullptr;
};
thread_local CrashState state;

/// The tool's name, fixed before any crash can happen.
std::string &toolName() {
  static std::string name = "q8";
  return name;
}

void writeStderr(llvm::StringRef text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0)
      return;
    text = text.drop_front(n);
  }
}

/// A second fault while describing the first (the state may point at freed
/// IR): say less, still exit with the internal-error status.
extern "C" void onFaultWhileReporting(int) {
  static const char message[] =
      "q8: internal error (a second fault while reporting it)\n";
  (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
  _exit(q8::kInternalErrorExit);
}

std::string nodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::string name = nodeName(part); !name.empty())
        return name;
  if (auto site = dyn_cast<CallSiteLoc>(loc))
    return nodeName(site.getCallee());
  return "";
}

/// The crash line: what happened, then where, innermost first.
std::string describe(llvm::StringRef what) {
  std::string line = toolName() + ": internal error: " + what.str();
  if (state.pass) {
    llvm::StringRef name = state.pass->getArgument();
    if (name.empty())
      name = state.pass->getName();
    line += " in pass '" + name.str() + "'";
  }
  if (Operation *op = state.op;
      op && !isa<ModuleOp, FunctionOpInterface>(op)) {
    std::string node = nodeName(op->getLoc());
    line += " at ";
    line += node.empty() ? "an op" : "node '" + node + "'";
    line += " (" + op->getName().getStringRef().str() + ")";
  }
  if (state.phase)
    line += " during " + state.phase->describe();
  return line + "; this is a bug in q8: please report it with the model\n";
}

[[noreturn]] void report(llvm::StringRef what) {
  struct sigaction fallback = {};
  fallback.sa_handler = onFaultWhileReporting;
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
    sigaction(sig, &fallback, nullptr);
  writeStderr(describe(what));
  _exit(q8::kInternalErrorExit);
}

/// LLVM's signal handler runs this for every crash signal (its callbacks
/// run in the order they were added: this one first, so no stack dump).
void onCrashSignal(void *) { report("crashed"); }

void onFatalError(void *, const char *reason, bool) {
  report(std::string("LLVM fatal error: ") + reason);
}

} // namespace

void q8::installCrashHandler(llvm::StringRef tool) {
  toolName() = tool.str();
  llvm::sys::AddSignalHandler(onCrashSignal, nullptr);
  llvm::install_fatal_error_handler(onFatalError, nullptr);
}

void q8::trackCrashContext(MLIRContext &context) {
  context.registerActionHandler(
      [](llvm::function_ref<void()> run, const tracing::Action &action) {
        CrashState saved = state;
        if (auto *pass = dyn_cast<PassExecutionAction>(&action)) {
          state.pass = &pass->getPass();
          state.op = pass->getOp();
        } else {
          // A pattern application, or q8's own per-node action
          // (passes/NodeAction.h): the op it works on.
          ArrayRef<IRUnit> units = action.getContextIRUnits();
          if (!units.empty())
            if (auto *op = dyn_cast<Operation *>(units.front()))
              state.op = op;
        }
        run();
        state.pass = saved.pass;
        state.op = saved.op;
      });
}

q8::CrashPhase::CrashPhase(std::string what)
    : what(std::move(what)), outer(state.phase) {
  state.phase = this;
}

q8::CrashPhase::~CrashPhase() { state.phase = outer; }
