//===- q8-conformance.cpp - imports ONNX's backend tests, tabulates by op -===//
//
// Runs q8's importer over ONNX's backend test models (Debian
// libonnx-testdata) and reports, per op type, how many tests import, how many
// are rejected as unsupported, and how many fail. A failure is an importer
// error other than Unsupported/UnsupportedFeature (or a crash) on a model
// from ONNX's own suite, which is by definition valid: it makes the exit code
// 1, so the whole-suite lit test is a regression guard. With --run, so does
// a test that compiles to wrong results, fails to compile for another
// reason than an op code generation does not support, or crashes.
//
//===----------------------------------------------------------------------===//

#include "Runner.h"
#include "compiler/codegen/Target.h"
#include "compiler/Compiler.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace llvm;

/// The tool's own options: --help shows only these, not every option the
/// linked LLVM libraries register.
static cl::OptionCategory conformanceCategory("q8-conformance options");

static cl::list<std::string>
    inputDirs(cl::Positional,
              cl::desc("<suite or test directories (default: node and "
                       "pytorch-converted)>"),
              cl::cat(conformanceCategory));
static cl::opt<std::string>
    markdownFile("markdown", cl::desc("Also write the table as Markdown"),
                 cl::value_desc("FILE"), cl::cat(conformanceCategory));
static cl::opt<bool> verbose("verbose",
                             cl::desc("Print one classification line per test"),
                             cl::cat(conformanceCategory));

static cl::opt<bool> runTests(
    "run", cl::desc("Also compile every imported test, run it on its data "
                    "sets and compare with the expected outputs"),
    cl::cat(conformanceCategory));
static cl::opt<std::string>
    workDir("work-dir", cl::desc("Where --run compiles (default: $TMPDIR)"),
            cl::value_desc("DIR"), cl::cat(conformanceCategory));
static cl::opt<unsigned> jobs("jobs", cl::desc("Tests --run compiles at once"),
                              cl::init(1), cl::cat(conformanceCategory));
static cl::opt<unsigned>
    runTimeout("timeout", cl::desc("Seconds a compiled test may run"),
               cl::init(10), cl::cat(conformanceCategory));

static cl::opt<std::string>
    target("target", cl::desc("Code-generation target for --run (host, avx2, "
                              "avx-vnni, avx512, avx512-vnni, generic)"),
           cl::init("host"), cl::cat(conformanceCategory));
static cl::opt<bool> compileOnly(
    "compile-only",
    cl::desc("With --run: compile each test without running it (for "
             "targets this machine cannot execute)"),
    cl::cat(conformanceCategory));
static cl::opt<std::string> objectsDir(
    "objects-dir",
    cl::desc("With --run: also write each test's object file here"),
    cl::value_desc("DIR"), cl::cat(conformanceCategory));

static const char *const defaultDirs[] = {
    "/usr/share/libonnx-testdata/data/node",
    "/usr/share/libonnx-testdata/data/pytorch-converted",
};

namespace {

/// One ONNX backend test: a folder with `model.onnx` and test data sets.
struct TestCase {
  std::string name; ///< `<suite>/<test>`, for reports
  std::string dir;
};

/// What the tool needs from the model before importing it.
struct GraphInfo {
  /// Op types of the top-level nodes, domain-qualified outside ai.onnx.
  std::set<std::string> opTypes;
  /// Graph inputs that are not initializers, in order: test data file
  /// `input_K.pb` feeds the K-th of them.
  std::vector<std::pair<std::string, int32_t>> inputs;
};

/// Ordered by precedence: a test (or op) with errors of several kinds is
/// reported under the last one.
enum class Outcome { Imported, Blocked, Feature, Unsupported, Failed };

struct TestResult {
  Outcome outcome = Outcome::Imported;
  bool bound = false;
  std::vector<q8::ImportError> errors;
  /// Per op type of the model; `Blocked` when another op stopped the import.
  std::map<std::string, Outcome> perOp;
  /// What --run needs to compile it again.
  q8::ImportOptions options;
  std::vector<std::string> inputNames;
};

struct OpRow {
  unsigned tests = 0, imported = 0, unsupported = 0, feature = 0, blocked = 0,
           failed = 0;
  unsigned compiled = 0, passed = 0, wrong = 0, compileError = 0, crash = 0,
           codegen = 0;
  void addRun(const q8conf::RunResult &r) {
    compiled += r.compiled;
    passed += r.outcome == q8conf::RunOutcome::Passed;
    wrong += r.outcome == q8conf::RunOutcome::Wrong;
    compileError += r.outcome == q8conf::RunOutcome::CompileError;
    crash += r.outcome == q8conf::RunOutcome::Crash;
    codegen += r.outcome == q8conf::RunOutcome::Codegen;
  }
  void add(Outcome outcome) {
    ++tests;
    switch (outcome) {
    case Outcome::Imported:
      ++imported;
      break;
    case Outcome::Blocked:
      ++blocked;
      break;
    case Outcome::Feature:
      ++feature;
      break;
    case Outcome::Unsupported:
      ++unsupported;
      break;
    case Outcome::Failed:
      ++failed;
      break;
    }
  }
};

} // namespace

static Outcome outcomeOf(q8::ImportErrorKind kind) {
  switch (kind) {
  case q8::ImportErrorKind::Unsupported:
    return Outcome::Unsupported;
  case q8::ImportErrorKind::UnsupportedFeature:
    return Outcome::Feature;
  case q8::ImportErrorKind::BadModel:
  case q8::ImportErrorKind::Invalid:
    return Outcome::Failed;
  }
  return Outcome::Failed;
}

static const char *outcomeName(Outcome outcome) {
  switch (outcome) {
  case Outcome::Imported:
    return "imported";
  case Outcome::Blocked:
    return "blocked";
  case Outcome::Feature:
    return "unsupported-feature";
  case Outcome::Unsupported:
    return "unsupported-op";
  case Outcome::Failed:
    return "FAILED";
  }
  return "?";
}

/// Lists the tests under each directory, sorted so that output is stable. A
/// directory holding `model.onnx` is itself one test.
static std::vector<TestCase> collectTests(ArrayRef<std::string> dirs) {
  std::vector<TestCase> tests;
  for (const std::string &dir : dirs) {
    std::string trimmed = sys::path::remove_leading_dotslash(dir).str();
    while (trimmed.size() > 1 && sys::path::is_separator(trimmed.back()))
      trimmed.pop_back();
    if (sys::fs::exists(trimmed + "/model.onnx")) {
      StringRef parent = sys::path::filename(sys::path::parent_path(trimmed));
      tests.push_back(
          {(parent + "/" + sys::path::filename(trimmed)).str(), trimmed});
      continue;
    }
    std::string suite = sys::path::filename(trimmed).str();
    std::vector<TestCase> found;
    std::error_code ec;
    for (sys::fs::directory_iterator it(trimmed, ec), end; it != end && !ec;
         it.increment(ec)) {
      if (sys::fs::exists(it->path() + "/model.onnx"))
        found.push_back({suite + "/" + sys::path::filename(it->path()).str(),
                         it->path()});
    }
    if (ec || found.empty())
      errs() << "warning: no ONNX tests under '" << dir << "'\n";
    llvm::sort(found, [](const TestCase &a, const TestCase &b) {
      return a.name < b.name;
    });
    llvm::append_range(tests, found);
  }
  return tests;
}

/// Reads op types and graph inputs straight from the protobuf, so the tool
/// knows what a test exercises even when the importer rejects it.
static bool readGraphInfo(const std::string &path, GraphInfo &info) {
  std::ifstream file(path, std::ios::binary);
  onnx::ModelProto model;
  if (!file || !model.ParseFromIstream(&file))
    return false;
  const onnx::GraphProto &graph = model.graph();
  for (const onnx::NodeProto &node : graph.node()) {
    const std::string &domain = node.domain();
    bool isDefault = domain.empty() || domain == "ai.onnx";
    info.opTypes.insert(isDefault ? node.op_type()
                                  : domain + "." + node.op_type());
  }
  // Models before IR version 4 list initializers among the graph inputs;
  // test data covers only the others.
  std::set<std::string> initializers;
  for (const onnx::TensorProto &init : graph.initializer())
    initializers.insert(init.name());
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.count(input.name()))
      continue;
    int32_t elemType = input.type().has_tensor_type()
                           ? input.type().tensor_type().elem_type()
                           : onnx::TensorProto::UNDEFINED;
    info.inputs.emplace_back(input.name(), elemType);
  }
  return true;
}

/// Imports one model in a fresh context. Crashes are caught and reported as
/// an error, so one importer bug does not hide the rest of the suite.
static std::vector<q8::ImportError>
importOnce(const std::string &path, const q8::ImportOptions &options) {
  std::vector<q8::ImportError> errors;
  CrashRecoveryContext crc;
  bool survived = crc.RunSafely([&] {
    // One context per test, as a user would have; threading off because the
    // tests are tiny and a thread pool per context would dominate.
    mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
    q8::loadDialects(context);
    std::vector<std::string> diagnostics;
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      diagnostics.push_back(d.str());
      return mlir::success();
    });
    q8::ImportResult result = q8::importModel(context, path, options);
    errors = std::move(result.errors);
    if (!result.module && errors.empty())
      errors.push_back({q8::ImportErrorKind::Invalid, "", "",
                        "no module and no error" +
                            (diagnostics.empty()
                                 ? std::string()
                                 : "; diagnostic: " + diagnostics.front())});
  });
  if (!survived)
    errors = {{q8::ImportErrorKind::Invalid, "", "", "importer crashed"}};
  return errors;
}

/// The graph inputs to bind to their test data: every integer input, since
/// ONNX's tests feed shape operands (Reshape's shape, Slice's starts, ...)
/// as inputs and a static-shape compiler needs them at compile time, and any
/// other input an error asks for with `--bind NAME=` (Resize's scales, Clip's
/// min, ...), or that an earlier attempt bound.
static std::vector<q8::InputBinding>
bindingsFor(const TestCase &test, const GraphInfo &info,
            ArrayRef<q8::ImportError> errors,
            ArrayRef<q8::InputBinding> previous) {
  std::set<std::string> requested;
  for (const q8::InputBinding &binding : previous)
    requested.insert(binding.name);
  for (const q8::ImportError &error : errors) {
    StringRef rest = error.message;
    while (rest.contains("--bind ")) {
      rest = rest.split("--bind ").second;
      requested.insert(rest.split('=').first.str());
    }
  }
  std::vector<q8::InputBinding> bindings;
  for (auto [index, input] : llvm::enumerate(info.inputs)) {
    bool isInteger = input.second == onnx::TensorProto::INT64 ||
                     input.second == onnx::TensorProto::INT32;
    if (!isInteger && !requested.count(input.first))
      continue;
    std::string pb = test.dir + "/test_data_set_0/input_" +
                     std::to_string(index) + ".pb";
    if (sys::fs::exists(pb))
      bindings.push_back({input.first, pb});
  }
  return bindings;
}

static TestResult runTest(const TestCase &test) {
  TestResult result;
  std::string path = test.dir + "/model.onnx";
  GraphInfo info;
  if (!readGraphInfo(path, info)) {
    result.outcome = Outcome::Failed;
    result.errors = {{q8::ImportErrorKind::BadModel, "", "",
                      "protobuf does not parse"}};
    return result;
  }

  q8::ImportOptions options;
  result.errors = importOnce(path, options);
  auto has = [&](q8::ImportErrorKind kind) {
    return llvm::any_of(result.errors, [&](const q8::ImportError &e) {
      return e.kind == kind;
    });
  };
  // Binding helps only a model stopped by an operand that must be constant,
  // not one with an op q8 lacks. The importer may name one such operand per
  // node, so retry while each attempt asks for more.
  for (size_t attempt = 0; attempt < info.inputs.size(); ++attempt) {
    if (!has(q8::ImportErrorKind::UnsupportedFeature) ||
        has(q8::ImportErrorKind::Unsupported))
      break;
    std::vector<q8::InputBinding> bindings =
        bindingsFor(test, info, result.errors, options.bindings);
    if (bindings.size() == options.bindings.size())
      break;
    options.bindings = std::move(bindings);
    result.errors = importOnce(path, options);
    result.bound = true;
  }

  result.options = options;
  for (const auto &input : info.inputs)
    result.inputNames.push_back(input.first);
  for (const q8::ImportError &error : result.errors)
    result.outcome = std::max(result.outcome, outcomeOf(error.kind));
  for (const std::string &op : info.opTypes) {
    Outcome outcome =
        result.errors.empty() ? Outcome::Imported : Outcome::Blocked;
    for (const q8::ImportError &error : result.errors) {
      // Model-level errors belong to every op; node errors to their op (the
      // importer names ops without their domain).
      StringRef bare = StringRef(op).rsplit('.').second;
      if (bare.empty())
        bare = op;
      if (error.opType.empty() || error.opType == bare)
        outcome = std::max(outcome, outcomeOf(error.kind));
    }
    result.perOp[op] = outcome;
  }
  return result;
}

/// The first line of the first error of the test's worst kind.
static std::string firstErrorLine(const TestResult &result) {
  for (const q8::ImportError &error : result.errors) {
    if (outcomeOf(error.kind) != result.outcome)
      continue;
    std::string line;
    if (!error.opType.empty())
      line = error.opType + ": ";
    if (!error.node.empty())
      line += "node '" + error.node + "': ";
    line += StringRef(error.message).split('\n').first.str();
    return line;
  }
  return "";
}

/// Names of the ops that made the test unsupported, for the verbose line.
static std::string unsupportedOps(const TestResult &result) {
  std::set<std::string> ops;
  for (const q8::ImportError &error : result.errors)
    if (error.kind == q8::ImportErrorKind::Unsupported && !error.opType.empty())
      ops.insert(error.opType);
  return llvm::join(ops, ",");
}

static void printTable(raw_ostream &os, const std::map<std::string, OpRow> &rows,
                       const OpRow &totals, bool markdown) {
  auto printRow = [&](StringRef op, const OpRow &r) {
    if (markdown) {
      os << "| " << op << " | " << r.tests << " | " << r.imported << " | "
         << r.unsupported << " | " << r.feature << " | " << r.blocked << " | "
         << r.failed << " |";
      if (runTests)
        os << " " << r.compiled << " | " << r.passed << " | " << r.wrong
           << " | " << r.compileError << " | " << r.crash << " | "
           << r.codegen << " |";
      os << "\n";
      return;
    }
    os << left_justify(op, 36) << format("%6u %9u %12u %8u %8u %7u", r.tests,
                                         r.imported, r.unsupported, r.feature,
                                         r.blocked, r.failed);
    if (runTests)
      os << format(" %9u %7u %6u %14u %6u %8u", r.compiled, r.passed,
                   r.wrong, r.compileError, r.crash, r.codegen);
    os << "\n";
  };
  if (markdown) {
    os << "| op | tests | imported | unsupported op | unsupported feature | "
          "blocked | failed |"
       << (runTests ? " compiled | passed | wrong | compile error | crash | "
                      "codegen-unsupported |"
                    : "")
       << "\n";
    os << "|---|--:|--:|--:|--:|--:|--:|"
       << (runTests ? "--:|--:|--:|--:|--:|--:|" : "") << "\n";
  } else {
    os << left_justify("op", 36)
       << " tests  imported  unsupported  feature  blocked  failed"
       << (runTests ? "  compiled  passed  wrong  compile-error  crash  codegen"
                    : "")
       << "\n";
  }
  for (const auto &[op, row] : rows)
    printRow(op, row);
  printRow(markdown ? "**all tests**" : "all tests", totals);
}

namespace {
/// Everything the tool prints, accumulated over the tests.
struct Report {
  std::map<std::string, OpRow> rows;
  OpRow totals;
  unsigned bound = 0;
  std::set<std::string> suites;
  /// (test name, first error line) of failures and of feature rejections.
  std::vector<std::pair<std::string, std::string>> failures, features;
  /// --run: (test, detail) per run outcome other than passed; codegen
  /// rejections keyed by the q8 op named.
  std::vector<std::pair<std::string, std::string>> wrong, compileErrors,
      crashes, notRun;
  std::map<std::string, std::vector<std::string>> codegen;
  unsigned compiled = 0, passed = 0;

  std::string summaryLine() const {
    return formatv("{0} of {1} models imported ({2} with inputs bound to "
                   "test data); {3} rejected for an unsupported op, {4} for an "
                   "unsupported feature",
                   totals.imported, totals.tests, bound, totals.unsupported,
                   totals.feature)
        .str();
  }
};
} // namespace

static void writeRunMarkdown(raw_ostream &os, const Report &report);

static void writeMarkdown(raw_ostream &os, const Report &report) {
  if (runTests)
    return writeRunMarkdown(os, report);
  os << "# Import conformance\n\n"
     << "<!-- Generated by q8-conformance; do not edit. Regenerate with\n"
     << "     build/bin/q8-conformance --markdown "
        "docs/conformance-import.md -->\n\n"
     << "q8's ONNX importer over ONNX's backend test models (Debian "
        "`libonnx-testdata`; suites: "
     << llvm::join(report.suites, ", ")
     << "). A test counts under every op type of its top-level graph. "
        "*unsupported op*: q8 has no handler for that op (or version); "
        "*unsupported feature*: the op is handled but not the way the test "
        "uses it; *blocked*: another op of the test was rejected; *failed*: "
        "any other import error, a q8 bug since these models are valid. "
        "When an operand must be known at compile time (a shape, Resize's "
        "scales), the test's integer inputs and the inputs the importer "
        "names are bound to their test data, as `q8c --bind` would.\n\n";
  printTable(os, report.rows, report.totals, /*markdown=*/true);
  os << "\n"
     << report.summaryLine() << "; " << report.failures.size()
     << " failures.\n";
  auto printList = [&](StringRef title, const auto &list) {
    if (list.empty())
      return;
    os << "\n## " << title << "\n\n";
    for (const auto &[name, line] : list)
      os << "- `" << name << "`: " << line << "\n";
  };
  printList("Failures", report.failures);
  printList("Unsupported features", report.features);
}

static void writeRunMarkdown(raw_ostream &os, const Report &report) {
  os << "# Op conformance: import, compile, run\n\n"
     << "<!-- Generated by q8-conformance; do not edit. Regenerate with\n"
     << "     build/bin/q8-conformance --run --markdown docs/ops.md -->\n\n"
     << "ONNX's backend tests (Debian `libonnx-testdata`; suites: "
     << llvm::join(report.suites, ", ")
     << ") imported, compiled for the host, run on every `test_data_set_N` "
        "and compared with the expected outputs at ONNX's backend-test "
        "tolerance (|got - expected| <= 1e-7 + 1e-3 * |expected|, NaN equals "
        "NaN, integers and bools exact; bfloat16 outputs within one unit in "
        "the last place, rtol 2^-7, since ONNX 1.12's references truncate "
        "to bfloat16 where q8 rounds to nearest even). A test counts under "
        "every op type of its top-level graph. Import columns as in "
        "[conformance-import.md](conformance-import.md); *compiled*: "
        "compiled, linked and loaded; *passed*: every data set matched; "
        "*wrong*: an output differs; *compile error*: compiling, emitting, "
        "linking or loading failed for another reason than an unsupported "
        "op; *crash*: the test died on a signal or timed out, compiling or "
        "running; *codegen-unsupported*: code generation rejected an op "
        "(listed below).\n\n";
  printTable(os, report.rows, report.totals, /*markdown=*/true);
  os << "\n" << report.summaryLine() << "; " << report.compiled
     << " compiled, " << report.passed << " passed, " << report.wrong.size()
     << " wrong, " << report.compileErrors.size() << " compile errors, "
     << report.crashes.size() << " crashed.\n";
  auto printList = [&](StringRef title, const auto &list) {
    if (list.empty())
      return;
    os << "\n## " << title << "\n\n";
    for (const auto &[name, line] : list)
      os << "- `" << name << "`: " << line << "\n";
  };
  printList("Wrong results", report.wrong);
  printList("Compile errors", report.compileErrors);
  printList("Crashes", report.crashes);
  if (!report.codegen.empty()) {
    os << "\n## Unsupported at code generation\n\n";
    for (const auto &[op, names] : report.codegen)
      os << "- `" << op << "` (" << names.size() << "): "
         << llvm::join(names, ", ") << "\n";
  }
  printList("Imported but not run", report.notRun);
  printList("Import failures", report.failures);
  printList("Unsupported features", report.features);
}

int main(int argc, char **argv) {
  InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(conformanceCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "q8 import conformance over ONNX's backend tests\n\n"
      "Imports every DIR/*/model.onnx (default: libonnx-testdata's node and\n"
      "pytorch-converted suites) and tabulates the results by op type.\n");
  CrashRecoveryContext::Enable();

  std::vector<std::string> dirs(inputDirs.begin(), inputDirs.end());
  if (dirs.empty())
    dirs.assign(std::begin(defaultDirs), std::end(defaultDirs));
  std::vector<TestCase> tests = collectTests(dirs);
  if (tests.empty()) {
    errs() << "error: no tests found\n";
    return 1;
  }

  Report report;
  std::vector<TestResult> results;
  for (const TestCase &test : tests)
    results.push_back(runTest(test));
  std::vector<q8conf::RunResult> runResults(tests.size());
  if (runTests) {
    std::vector<q8conf::RunRequest> requests;
    std::vector<size_t> indices;
    for (size_t i = 0; i < tests.size(); ++i) {
      if (results[i].outcome != Outcome::Imported)
        continue;
      requests.push_back({tests[i].name, tests[i].dir, results[i].options,
                          results[i].inputNames});
      indices.push_back(i);
    }
    std::optional<q8::TargetInfo> resolved = q8::resolveTarget(target);
    if (!resolved) {
      errs() << "error: --target=" << target << ": expected one of "
             << q8::knownTargetNames() << "\n";
      return 1;
    }
    q8conf::RunConfig config;
    SmallString<128> tmp;
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, tmp);
    config.workDir = workDir.empty() ? tmp.str().str() : workDir.getValue();
    config.jobs = jobs;
    config.runTimeout = runTimeout;
    config.target = *resolved;
    config.compileOnly = compileOnly;
    config.objectsDir = objectsDir;
    if (!objectsDir.empty())
      (void)sys::fs::create_directories(objectsDir);
    std::vector<q8conf::RunResult> ran = q8conf::runAll(requests, config);
    for (size_t j = 0; j < indices.size(); ++j)
      runResults[indices[j]] = ran[j];
  }
  for (size_t i = 0; i < tests.size(); ++i) {
    const TestCase &test = tests[i];
    const TestResult &result = results[i];
    const q8conf::RunResult &run = runResults[i];
    bool ran = runTests && result.outcome == Outcome::Imported;
    if (ran) {
      report.compiled += run.compiled;
      report.totals.addRun(run);
      for (const auto &[op, outcome] : result.perOp)
        report.rows[op].addRun(run);
      switch (run.outcome) {
      case q8conf::RunOutcome::Passed:
        ++report.passed;
        break;
      case q8conf::RunOutcome::Wrong:
        report.wrong.emplace_back(test.name, run.detail);
        break;
      case q8conf::RunOutcome::CompileError:
        report.compileErrors.emplace_back(test.name, run.detail);
        break;
      case q8conf::RunOutcome::Crash:
        report.crashes.emplace_back(test.name, run.detail);
        break;
      case q8conf::RunOutcome::Codegen:
        report.codegen[run.codegenOp].push_back(test.name);
        break;
      case q8conf::RunOutcome::Skipped:
        report.notRun.emplace_back(test.name, run.detail);
        break;
      }
    }
    report.suites.insert(StringRef(test.name).split('/').first.str());
    report.totals.add(result.outcome);
    if (result.outcome == Outcome::Imported && result.bound)
      ++report.bound;
    for (const auto &[op, outcome] : result.perOp)
      report.rows[op].add(outcome);
    if (result.outcome == Outcome::Failed)
      report.failures.emplace_back(test.name, firstErrorLine(result));
    if (result.outcome == Outcome::Feature)
      report.features.emplace_back(test.name, firstErrorLine(result));
    if (!verbose)
      continue;
    outs() << outcomeName(result.outcome) << ": " << test.name;
    if (result.bound)
      outs() << " (bound)";
    if (ran) {
      outs() << ": " << q8conf::runOutcomeName(run.outcome);
      if (run.outcome == q8conf::RunOutcome::Codegen)
        outs() << ": " << run.codegenOp;
      else if (run.outcome != q8conf::RunOutcome::Passed)
        outs() << ": " << run.detail;
      outs() << "\n";
      continue;
    }
    if (result.outcome == Outcome::Unsupported)
      outs() << ": " << unsupportedOps(result);
    else if (result.outcome != Outcome::Imported)
      outs() << ": " << firstErrorLine(result);
    outs() << "\n";
  }

  printTable(outs(), report.rows, report.totals, /*markdown=*/false);
  outs() << report.summaryLine() << "\n";
  for (const auto &[name, line] : report.failures)
    outs() << "failure: " << name << ": " << line << "\n";

  if (!markdownFile.empty()) {
    std::error_code ec;
    ToolOutputFile out(markdownFile, ec, sys::fs::OF_Text);
    if (ec) {
      errs() << "error: cannot write '" << markdownFile << "': "
             << ec.message() << "\n";
      return 1;
    }
    writeMarkdown(out.os(), report);
    out.keep();
  }

  if (runTests) {
    for (const auto &[name, line] : report.wrong)
      outs() << "wrong: " << name << ": " << line << "\n";
    for (const auto &[name, line] : report.compileErrors)
      outs() << "compile-error: " << name << ": " << line << "\n";
    for (const auto &[name, line] : report.crashes)
      outs() << "crash: " << name << ": " << line << "\n";
    for (const auto &[op, names] : report.codegen)
      outs() << "codegen-unsupported: " << op << ": " << names.size()
             << " tests\n";
    unsigned codegenTests = 0;
    for (const auto &entry : report.codegen)
      codegenTests += entry.second.size();
    outs() << "run: " << report.totals.imported << " imported, "
           << report.compiled << " compiled, " << report.passed
           << " passed, " << report.wrong.size() << " wrong, "
           << report.compileErrors.size() << " compile errors, "
           << report.crashes.size() << " crashed, " << codegenTests
           << " unsupported at codegen, " << report.notRun.size()
           << " not run\n";
  }
  outs() << "imported " << report.totals.imported << " of "
         << report.totals.tests << " models; " << report.failures.size()
         << " failures\n";
  // Unsupported ops and tests that cannot be driven are known gaps, not
  // failures; anything else the run found is one.
  bool runFailed = !report.wrong.empty() || !report.compileErrors.empty() ||
                   !report.crashes.empty();
  return report.failures.empty() && !runFailed ? 0 : 1;
}
