//===- Calibrate.h - calibrate a model by running it natively ----*- C++ -*-===//
//
// The calibration driver: q8-insert-observers marks the activations int8
// ops will consume, q8-lower-observers turns the marks into calls to the
// runtime's collectors (runtime/q8_calib.h), the usual pipeline lowers the
// model, mlir::ExecutionEngine JITs it for the build host, and each sample
// runs at native speed while the collectors stream statistics with bounded
// memory. The result is a CalibrationTable (Table.h).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_CALIBRATE_H
#define Q8_COMPILER_CALIBRATION_CALIBRATE_H

#include "passes/calibration/Table.h"
#include "compiler/codegen/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace q8::calibration {

struct CalibrateOptions {
  /// A folder of samples (Samples.h), or "random".
  std::string samples;
  /// With "random": how many samples, from which seed.
  int64_t randomCount = 16;
  uint64_t randomSeed = 0;
  Settings settings;
  /// A progress line on stderr (samples done, rate, ETA); the tool turns it
  /// on when stderr is a terminal.
  bool progress = false;
};

/// What one calibration run measured besides the table.
struct RunStats {
  int64_t samples = 0;
  double jitSeconds = 0;    ///< lowering + JIT compilation
  double runSeconds = 0;    ///< all samples, observers included
  std::vector<double> sampleSeconds; ///< each sample's call
  /// What the user should know about the data: NaN/Inf activations,
  /// tensors without a finite value.
  std::vector<std::string> warnings;
};

class Reference;

/// Calibrates `imported` (q8 IR as the importer made it; left unchanged).
/// With `reference`, hands over the compiled fp32 model (Reference.h: its
/// build carries the layer taps) for the layer error to run again instead
/// of compiling it a second time. Errors (samples that do not fit the
/// model, lowering failures) are emitted as diagnostics on the module's
/// context.
mlir::FailureOr<Table> calibrate(mlir::ModuleOp imported,
                                 const CalibrateOptions &options,
                                 RunStats *stats = nullptr,
                                 std::unique_ptr<Reference> *reference = nullptr);

/// The observers q8-insert-observers would place in `imported`: what a
/// table must describe to fit the model.
mlir::FailureOr<std::vector<TensorSpec>> expectedTensors(mlir::ModuleOp imported);

/// Checks that `table` was made for `imported`: every expected tensor has
/// an entry of the same shape. The error names the first mismatch.
mlir::LogicalResult checkTable(const Table &table, mlir::ModuleOp imported,
                               std::string &error);

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_CALIBRATE_H
