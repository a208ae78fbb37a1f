//===- ExtentCalibTest.cpp - calibrating a model with a dynamic extent ----===//
//
// `q8-calib-test --extent MODEL TABLE SAMPLES [NAME=DIMS ...]
//  [--check-sizes N,N,...]` does what q8c does for a model whose bounded
// dynamic dim is compiled as a dynamic extent (compiler/DynamicExtent.h),
// up to the table: imports it at one item, then at the sizes
// importAtExtents chooses, and calibrates the import at the bound over
// SAMPLES (a folder or "random") with CalibrateOptions::extent, importing
// other sizes on demand. It writes TABLE and prints, one line each:
//
//   calibrated: <samples> samples, <tensors> tensors, <builds> sizes
//   roundtrip: same|differs    (readTable then printTable gives the bytes)
//   check <N>: ok|<error>      (checkTable against the import at N)
//   check altered: <error>     (a static dim of the table changed)
//   reference: <error>         (a layer-error reference is refused)
//
// Errors go to stderr as "error: <message>", and the exit status is 1.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "compiler/DynamicExtent.h"
#include "compiler/calibration/Calibrate.h"
#include "compiler/calibration/Reference.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <string>
#include <vector>

using namespace q8;
using namespace q8::calibration;

namespace {

/// "x=1,1..16,16" as --input-shape reads it.
bool parseShape(llvm::StringRef arg, InputShape &shape) {
  auto [name, dims] = arg.split('=');
  shape.name = name.str();
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, ',');
  for (llvm::StringRef part : parts) {
    InputDim dim;
    auto [lo, hi] = part.split("..");
    if (!hi.empty()) {
      if (lo.getAsInteger(10, dim.min) || hi.getAsInteger(10, dim.max))
        return false;
    } else if (part != "?" && part.getAsInteger(10, dim.size)) {
      return false;
    }
    shape.dims.push_back(dim);
  }
  return true;
}

} // namespace

int extentMain(int argc, char **argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: q8-calib-test --extent MODEL TABLE SAMPLES "
                         "[NAME=DIMS ...] [--check-sizes N,N,...]\n");
    return 2;
  }
  std::string model = argv[2], tablePath = argv[3], samples = argv[4];
  ImportOptions import;
  std::vector<int64_t> checkSizes;
  for (int i = 5; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--check-sizes" && i + 1 < argc) {
      llvm::SmallVector<llvm::StringRef> parts;
      llvm::StringRef(argv[++i]).split(parts, ',');
      for (llvm::StringRef part : parts)
        checkSizes.push_back(std::stoll(part.str()));
      continue;
    }
    InputShape shape;
    if (!parseShape(arg, shape)) {
      std::fprintf(stderr, "error: bad shape '%s'\n", argv[i]);
      return 2;
    }
    import.inputShapes.push_back(shape);
  }

  mlir::MLIRContext context;
  loadDialects(context);
  mlir::ScopedDiagnosticHandler diagnostics(&context, [](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
      llvm::errs() << "error: " << d.str() << "\n";
    return mlir::success();
  });
  import.dynamicExtent = 1;
  ImportResult first = importModel(context, model, import);
  if (!first.module) {
    printImportErrors(llvm::errs(), model, first.errors);
    return 1;
  }
  if (!hasBoundedDynamicDim(*first.module)) {
    std::fprintf(stderr, "error: the model has no bounded dynamic dim\n");
    return 1;
  }
  mlir::FailureOr<ExtentModel> extent =
      importAtExtents(*first.module, model, import);
  if (failed(extent))
    return 1;
  mlir::ModuleOp bound = *extent->imports.back();
  auto importAt = [&](int64_t size) {
    ImportOptions at = import;
    at.dynamicExtent = size;
    ImportResult imported = importModel(context, model, at);
    if (!imported.module)
      printImportErrors(llvm::errs(), model, imported.errors);
    return std::move(imported.module);
  };

  CalibrateOptions options;
  options.samples = samples;
  options.randomCount = 6;
  CalibrateOptions::ExtentSamples sizes;
  sizes.positions.assign(extent->extent.inputs.begin(),
                         extent->extent.inputs.end());
  sizes.min = extent->extent.min;
  sizes.max = extent->extent.max;
  sizes.importAt = importAt;
  options.extent = sizes;
  RunStats stats;
  mlir::FailureOr<Table> table = calibrate(bound, options, &stats);
  if (failed(table))
    return 1;
  std::string error;
  if (!writeTable(*table, tablePath, error)) {
    std::fprintf(stderr, "error: %s: %s\n", tablePath.c_str(), error.c_str());
    return 1;
  }
  std::printf("calibrated: %lld samples, %zu tensors, %zu sample times\n",
              (long long)stats.samples, table->tensors.size(),
              stats.sampleSeconds.size());

  Table read;
  if (!readTable(tablePath, read, error)) {
    std::fprintf(stderr, "error: %s: %s\n", tablePath.c_str(), error.c_str());
    return 1;
  }
  auto file = llvm::MemoryBuffer::getFile(tablePath);
  std::printf("roundtrip: %s\n",
              file && (*file)->getBuffer() == printTable(read) ? "same"
                                                               : "differs");

  for (int64_t size : checkSizes) {
    mlir::OwningOpRef<mlir::ModuleOp> at = importAt(size);
    if (!at)
      return 1;
    error.clear();
    bool ok = succeeded(checkTable(read, *at, error));
    std::printf("check %lld: %s\n", (long long)size,
                ok ? "ok" : error.c_str());
  }
  // A static dim changed: the check still sees it.
  for (TensorEntry &entry : read.tensors) {
    auto dim = llvm::find_if(entry.spec.shape, [](int64_t d) { return d > 1; });
    if (dim == entry.spec.shape.end())
      continue;
    ++*dim;
    error.clear();
    bool ok = succeeded(checkTable(read, bound, error));
    std::printf("check altered: %s\n", ok ? "ok" : error.c_str());
    break;
  }

  std::unique_ptr<Reference> reference;
  std::string refused;
  {
    mlir::ScopedDiagnosticHandler capture(&context, [&](mlir::Diagnostic &d) {
      refused = d.str();
      return mlir::success();
    });
    bool ok = succeeded(calibrate(bound, options, nullptr, &reference));
    std::printf("reference: %s\n", ok ? "accepted" : refused.c_str());
  }
  return 0;
}
