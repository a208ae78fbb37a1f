//===- CompileFlags.h - q8c's command line as a CompileRequest --*- C++ -*-===//
//
// The compile flags (--target, --calibrate, --quantize, --smoothquant, ...)
// once, for every driver that compiles a model: q8c registers all of them,
// q8-run all but the output flags (it picks its own output). The options
// are llvm::cl options in their own categories, created when a tool
// registers them (never by linking the library), and read into a
// CompileRequest, plain data, in one place; nothing past
// compileRequestFromFlags reads them.
//
//   q8::registerCompileFlags(toolCategory, "<model.onnx>", /*output=*/true);
//   if (!q8::parseCompileFlags(argc, argv, "q8c: ...\n"))
//     return 1;
//   std::vector<std::string> problems;
//   q8::CompileRequest request = q8::compileRequestFromFlags(problems);
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_COMPILEFLAGS_H
#define Q8_COMPILER_COMPILEFLAGS_H

#include "compiler/Compile.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

#include <string>
#include <vector>

namespace q8 {

/// Creates the compile flags (once per process): the positional model
/// (described as `modelDescription` in --help), import (--input-shape,
/// --bind, --resource-threshold), code generation (--target, -O,
/// --external-weights), calibration, quantization and reports, and with
/// `outputFlags` also -o, --emit and --summary. The general ones join the
/// tool's `category`; calibration and quantization have their own
/// (compileFlagCategories).
void registerCompileFlags(llvm::cl::OptionCategory &category,
                          llvm::StringRef modelDescription, bool outputFlags);

/// The categories of the calibration and quantization flags, for
/// cl::HideUnrelatedOptions beside the tool's own.
std::vector<const llvm::cl::OptionCategory *> compileFlagCategories();

/// cl::ParseCommandLineOptions (which exits on a malformed command line),
/// then the one thing cl cannot do alone: an optional value given as the
/// next word. `--smoothquant` takes `=VALUE`, or a following `auto` or
/// number (`--smoothquant auto`, `--smoothquant 0.3`), which cl has seen as
/// a positional argument; any other word stays one. False, with cl's
/// message, when the positional arguments left are not exactly one model.
bool parseCompileFlags(int argc, const char *const *argv,
                       llvm::StringRef overview);

/// The request the parsed flags describe. The problems of the flags
/// themselves (a malformed --input-shape, an unknown --target, an alpha
/// out of range) go to `problems`, one message each without "error: ", in
/// the order of the flags; checkRequest's are left to the caller. The
/// output is left at its default where the output flags are not
/// registered, and `progress` and `afterImport` are the caller's.
CompileRequest compileRequestFromFlags(std::vector<std::string> &problems);

} // namespace q8

#endif // Q8_COMPILER_COMPILEFLAGS_H
