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
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <memory>
#include <optional>
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

  /// A model compiled with a dynamic extent (compiler/DynamicExtent.h): its
  /// samples may have any size of that dim within [min, max].
  struct ExtentSamples {
    /// Per graph input (in order): the position of the extent, or -1.
    std::vector<int64_t> positions;
    int64_t min = 1, max = 1;
    /// The model as imported (q8 IR, like `imported`) with the extent at
    /// `size`; null, with errors emitted, on failure.
    std::function<mlir::OwningOpRef<mlir::ModuleOp>(int64_t size)> importAt;
  };
  std::optional<ExtentSamples> extent;
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
///
/// With `options.extent`, `imported` is the model at the extent's upper
/// bound, and the samples may have any size of the extent within its
/// bounds: each size that samples have is imported (`importAt`; the
/// bound's is `imported`), JIT-compiled and runs its samples (the sizes in
/// ascending order, which only the EMA sees), all into one set of
/// collectors. Each observed tensor's shape in the table has -1 at
/// the dims whose size differs between sizes, so the table fits the model
/// at every size, whatever sizes the samples had. No `reference` then (the
/// layer error is not measured for dynamic-extent models yet).
mlir::FailureOr<Table> calibrate(mlir::ModuleOp imported,
                                 const CalibrateOptions &options,
                                 RunStats *stats = nullptr,
                                 std::unique_ptr<Reference> *reference = nullptr);

/// The observers q8-insert-observers would place in `imported`: what a
/// table must describe to fit the model.
mlir::FailureOr<std::vector<TensorSpec>> expectedTensors(mlir::ModuleOp imported);

/// Checks that `table` was made for `imported`: every expected tensor has
/// an entry of the same shape (-1 in the table's fitting any size). The
/// error names the first mismatch.
mlir::LogicalResult checkTable(const Table &table, mlir::ModuleOp imported,
                               std::string &error);

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_CALIBRATE_H
