//===- Runner.h - compile, run and compare one imported backend test -*- C++ -*-===//
#ifndef Q8_CONFORMANCE_RUNNER_H
#define Q8_CONFORMANCE_RUNNER_H

#include "compiler/Compiler.h"

#include <string>
#include <utility>
#include <vector>

namespace q8conf {

/// How a test that imported fared once compiled and run.
enum class RunOutcome {
  Passed,       ///< every data set matched
  Wrong,        ///< an output differs beyond tolerance
  Codegen,      ///< code generation rejected an op ("not supported by codegen")
  CompileError, ///< any other compile, emit or link failure
  Crash,        ///< the child died (signal) or ran past the timeout
  Skipped,      ///< cannot be driven (argument count, element type, data)
};

const char *runOutcomeName(RunOutcome outcome);

struct RunRequest {
  std::string name;     ///< `<suite>/<test>`
  std::string dir;      ///< the test folder
  q8::ImportOptions options;
  /// Graph inputs that are not initializers, in order (input_K.pb feeds K).
  std::vector<std::string> inputNames;
};

struct RunResult {
  RunOutcome outcome = RunOutcome::Crash;
  bool compiled = false;
  std::string detail; ///< first line of what went wrong
  std::string codegenOp; ///< for Codegen: the q8 op named
  unsigned dataSets = 0;
};

struct RunConfig {
  std::string workDir;
  unsigned runTimeout = 10;     ///< seconds for all data sets of a test
  unsigned compileTimeout = 300; ///< seconds for compile + link
  unsigned jobs = 1;
  bool keep = false;
  /// The code-generation target, resolved once (Target.h).
  q8::TargetInfo target = *q8::resolveTarget("host");
  /// Compile (and keep the objects) without running: for targets the
  /// machine cannot execute. Each test ends "not run".
  bool compileOnly = false;
  /// When set, each test's object is also written here as
  /// `<suite>_<test>.o`, for checks of what it links against.
  std::string objectsDir;
};

/// Compiles and runs every request, each in its own forked child (`jobs` at a
/// time), so that a crash or hang in generated code cannot take the tool
/// down. Results come back in request order.
std::vector<RunResult> runAll(const std::vector<RunRequest> &requests,
                              const RunConfig &config);

} // namespace q8conf

#endif
