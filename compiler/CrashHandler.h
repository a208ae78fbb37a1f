//===- CrashHandler.h - one line, not a stack dump, when q8 crashes -*- C++ -*-===//
//
// A crash inside q8 is q8's bug, never the user's: the user gets one line
// that says what q8 was doing (the pass, the ONNX node it was rewriting, or
// the phase, e.g. "calibration, sample 3") and an exit status of 70
// (EX_SOFTWARE), below 128 so that scripts can tell it from a kill. LLVM's
// default handler prints a stack dump and dies by the signal (139 for
// SIGSEGV), which reads like the user's fault and says nothing they can act
// on.
//
// Passes are tracked through MLIR's action framework: every pass execution
// and every pattern application is dispatched through the context's action
// handler, which records the innermost one per thread; q8's own walks
// dispatch passes/NodeAction.h's action around each op. Code outside passes
// (the JIT'd model running samples, the layer error) names its phase with a
// CrashPhase scope.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CRASHHANDLER_H
#define Q8_COMPILER_CRASHHANDLER_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace q8 {

/// The exit status of a crash (sysexits' EX_SOFTWARE).
inline constexpr int kInternalErrorExit = 70;

/// Replaces LLVM's stack dump on SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT
/// and LLVM fatal errors with one line on stderr,
///   <tool>: internal error: <what> in pass '<arg>' at node '<name>' (<op>)
/// and exit status kInternalErrorExit. Call first thing in main (before any
/// llvm::InitLLVM, whose stack printer would otherwise run first).
void installCrashHandler(llvm::StringRef tool);

/// Records which pass, and which op a pattern rewrites, `context` is
/// running, for the crash line. Cheap: a thread-local pointer swap per
/// pass and per pattern application.
void trackCrashContext(mlir::MLIRContext &context);

/// Names what the thread does outside passes while it lives ("calibration:
/// sample 3 'x.npz'"). Nests; the innermost is reported.
class CrashPhase {
public:
  explicit CrashPhase(std::string what);
  ~CrashPhase();
  CrashPhase(const CrashPhase &) = delete;
  const std::string &describe() const { return what; }
  CrashPhase &operator=(const CrashPhase &) = delete;

private:
  std::string what;
  CrashPhase *outer;
};

} // namespace q8

#endif // Q8_COMPILER_CRASHHANDLER_H
