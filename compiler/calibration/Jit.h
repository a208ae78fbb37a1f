//===- Jit.h - a model JIT-compiled with its observers calling back -*- C++ -*-===//
//
// What calibration and the layer-error measurement share: q8 IR whose
// q8.observe points are placed is lowered with q8-lower-observers, the
// usual pipeline and mlir::ExecutionEngine for the target; each call runs
// the model natively on one sample and hands every observed tensor (dense,
// row-major f32) to a callback. The weights stay out of the JIT's code, in
// one external buffer.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_JIT_H
#define Q8_COMPILER_CALIBRATION_JIT_H

#include "compiler/calibration/Samples.h"
#include "passes/calibration/Table.h"
#include "compiler/codegen/Pipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace q8::calibration {

/// The model's entry point: its one public function with a body; null if
/// there is none or more than one.
mlir::func::FuncOp entryFunction(mlir::ModuleOp module);

/// The inputs a sample must provide: the one public function's arguments.
/// Errors are diagnostics on the module.
mlir::FailureOr<std::vector<InputSpec>> entryInputs(mlir::ModuleOp module);

/// The samples of `samples` (a folder, or "random": `randomCount` samples
/// from `randomSeed`) for `inputs`, of any size of `extent` where the
/// inputs carry it. Errors are diagnostics on the module.
mlir::FailureOr<SampleSource>
openSamples(mlir::ModuleOp module, llvm::StringRef samples,
            const std::vector<InputSpec> &inputs, int64_t randomCount,
            uint64_t randomSeed, const ExtentBounds *extent = nullptr);

/// "<label>: 12/100 samples, 35.2/s, ETA 3s" on stderr, redrawn at most
/// ten times a second, from wall time (sample reading included).
class Progress {
public:
  Progress(llvm::StringRef label, bool enabled, size_t total);
  void update(size_t done);
  void finish();

private:
  std::string label;
  bool enabled;
  size_t total;
  std::chrono::steady_clock::time_point start, last;
};

class JitModel {
public:
  /// Lowers and JIT-compiles `module` (q8 IR with q8.observe ops; it is
  /// consumed and freed before this returns, only the code stays) for the
  /// build host (buildHostTarget(), Target.h), whatever the deployment
  /// target is. Errors are diagnostics on its context.
  static mlir::FailureOr<std::unique_ptr<JitModel>>
  compile(mlir::OwningOpRef<mlir::ModuleOp> module);
  ~JitModel();

  /// The observers, in id order, with their shapes and axes.
  const std::vector<TensorSpec> &observers() const { return specs; }

  /// Receives observer `id`'s tensor, valid during the call only.
  using Observer = llvm::function_ref<void(int64_t id, const float *data)>;

  /// Runs the model once on `inputs` (one buffer per model input, as
  /// SampleReader fills them), reporting to `observe`. Returns the call's
  /// wall time in seconds.
  double run(std::vector<std::vector<char>> &inputs, Observer observe);

private:
  JitModel() = default;

  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*entry)(void **) = nullptr;
  std::vector<TensorSpec> specs;
  std::unique_ptr<void, void (*)(void *)> weights{nullptr, nullptr};
  std::unique_ptr<void, void (*)(void *)> workspace{nullptr, nullptr};
  std::vector<std::vector<char>> outputs;
};

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_JIT_H
