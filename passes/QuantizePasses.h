//===- QuantizePasses.h - q8-smoothquant/q8-quantize on an in-memory table -*- C++ -*-===//
//
// The option-based passes (`table=PATH`) read the table themselves; a
// driver that already holds one (q8c right after calibrating) hands it over
// here instead. With a table given, the `table` option is ignored.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_QUANTIZEPASSES_H
#define Q8_PASSES_QUANTIZEPASSES_H

#include "passes/calibration/Table.h"
#include "passes/Passes.h"

#include <memory>

namespace q8 {

std::unique_ptr<mlir::Pass>
createQuantizePass(const QuantizeOptions &options,
                   std::shared_ptr<const calibration::Table> table);

std::unique_ptr<mlir::Pass>
createSmoothQuantPass(const SmoothQuantOptions &options,
                      std::shared_ptr<const calibration::Table> table);

/// What both passes do in initialize() without a handed-over table: read
/// `path` into `table`, or emit "<pass>: needs a calibration table" /
/// "<pass>: cannot read calibration table '<path>': <why>".
mlir::LogicalResult
loadCalibrationTable(mlir::MLIRContext *context, llvm::StringRef pass,
                     llvm::StringRef path,
                     std::shared_ptr<const calibration::Table> &table);

} // namespace q8

#endif // Q8_PASSES_QUANTIZEPASSES_H
