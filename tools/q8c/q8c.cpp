//===- q8c.cpp - the q8 compiler driver: ONNX model in, q8 IR out ---------===//

#include "compiler/Compiler.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {
enum class Emit { None, Mlir };
} // namespace

static cl::OptionCategory q8cCategory("q8c options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx | model.onnxtxt>"),
                                      cl::cat(q8cCategory));
static cl::opt<std::string> outputPath("o", cl::desc("Output file (default: stdout)"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(q8cCategory));
static cl::opt<Emit> emit(
    "emit", cl::desc("What to emit"), cl::init(Emit::Mlir),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "the imported q8 IR (default)"),
               clEnumValN(Emit::None, "none",
                          "nothing (check the model; use with --summary)")),
    cl::cat(q8cCategory));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("Fix the shape of a graph input: NAME=D0,D1,..."),
                cl::value_desc("name=dims"), cl::cat(q8cCategory));
static cl::list<std::string>
    bindings("bind",
             cl::desc("Make a graph input a constant read from a TensorProto "
                      ".pb file: NAME=FILE.pb"),
             cl::value_desc("name=file"), cl::cat(q8cCategory));
static cl::opt<bool> summary(
    "summary",
    cl::desc("Print inputs, outputs, op counts and parameters to stdout, "
             "after the IR (with --emit=none, instead of it)"),
    cl::cat(q8cCategory));
static cl::opt<int64_t> resourceThreshold(
    "resource-threshold",
    cl::desc("Initializers with more elements become dense_resource blobs"),
    cl::init(64), cl::cat(q8cCategory));

static bool splitAssignment(StringRef arg, StringRef flag, StringRef &name,
                            StringRef &value) {
  std::tie(name, value) = arg.split('=');
  if (name.empty() || value.empty() || !arg.contains('=')) {
    errs() << "error: --" << flag << " expects NAME=VALUE, got '" << arg
           << "'\n";
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(q8cCategory);
  cl::ParseCommandLineOptions(argc, argv, "q8c: the q8 ONNX compiler\n");

  q8::ImportOptions options;
  options.resourceThreshold = resourceThreshold;
  bool ok = true;
  for (StringRef arg : inputShapes) {
    StringRef name, dims;
    if (!splitAssignment(arg, "input-shape", name, dims)) {
      ok = false;
      continue;
    }
    q8::InputShape shape{name.str(), {}};
    SmallVector<StringRef> parts;
    dims.split(parts, ',');
    for (StringRef part : parts) {
      int64_t d;
      if (part.trim().getAsInteger(10, d) || d <= 0) {
        errs() << "error: --input-shape " << arg
               << ": dims must be positive integers\n";
        ok = false;
        break;
      }
      shape.dims.push_back(d);
    }
    options.inputShapes.push_back(std::move(shape));
  }
  for (StringRef arg : bindings) {
    StringRef name, file;
    if (!splitAssignment(arg, "bind", name, file)) {
      ok = false;
      continue;
    }
    options.bindings.push_back({name.str(), file.str()});
  }
  if (outputPath != "-") {
    bool same = outputPath == inputPath;
    if (!same && sys::fs::exists(outputPath))
      sys::fs::equivalent(outputPath, inputPath, same);
    if (same) {
      errs() << "error: -o " << outputPath
             << " names the model itself; refusing to overwrite it\n";
      ok = false;
    }
  }
  if (!ok)
    return 1;

  mlir::MLIRContext context;
  q8::loadDialects(context);
  q8::ImportResult result = q8::importModel(context, inputPath, options);
  if (!result.module) {
    q8::printImportErrors(errs(), inputPath, result.errors);
    return 1;
  }

  if (emit == Emit::Mlir) {
    std::error_code ec;
    ToolOutputFile out(outputPath, ec, sys::fs::OF_None);
    if (ec) {
      errs() << "error: cannot write " << outputPath << ": " << ec.message()
             << "\n";
      return 1;
    }
    result.module->print(out.os());
    out.keep();
  }
  if (summary)
    q8::printSummary(outs(), *result.module);
  return 0;
}
