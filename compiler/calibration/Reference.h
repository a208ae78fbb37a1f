//===- Reference.h - the fp32 model run beside its quantized form -*- C++ -*-===//
//
// What each quantized layer is measured against: the fp32 model, JIT-compiled
// (Jit.h) with a tap on the result of every op q8 may quantize
// (QuantizableOpInterface, found again by its ONNX value name) and on every
// f32 output. Calibration places these taps in its own build, next to its
// observers, and hands the compiled model on: a W8A8 compile JITs the fp32
// model once, and the layer error and the SmoothQuant check only run it
// again on the same samples (a run costs milliseconds, a JIT seconds).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CALIBRATION_REFERENCE_H
#define Q8_COMPILER_CALIBRATION_REFERENCE_H

#include "compiler/calibration/Jit.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace q8::calibration {

/// One tapped fp32 tensor.
struct ReferenceTap {
  std::string name;           ///< the ONNX value name (an output's name)
  std::string op;             ///< what computes it ("q8.conv"; "output")
  std::vector<int64_t> shape; ///< per sample, f32
};

/// The taps placed in a module, in the order they are numbered.
struct ReferenceTaps {
  std::vector<ReferenceTap> layers;  ///< quantizable ops' results
  std::vector<ReferenceTap> outputs; ///< the f32 outputs, in return order
};

/// Places a q8.observe named `name` that reads `value` (and only reads):
/// right after its definition, or before `before` when given.
void placeTap(mlir::OpBuilder &builder, mlir::Value value,
              llvm::StringRef name, mlir::Operation *before = nullptr);

/// The operands of `func`'s return that are f32 tensors, in order: the
/// outputs the layer error compares (both models tap exactly these).
llvm::SmallVector<mlir::OpOperand *> f32Outputs(mlir::func::FuncOp func);

/// Taps every named result of a QuantizableOpInterface op and every f32
/// output of `module`'s entry function (q8 IR after the passes calibration
/// runs first). The taps are q8.observe ops whose names no ONNX value
/// carries (isReferenceTap tells them apart); they only read.
ReferenceTaps placeReferenceTaps(mlir::ModuleOp module);

/// Whether an observer's name is a reference tap's (not a calibration
/// observer's).
bool isReferenceTap(llvm::StringRef observerName);

class Reference {
public:
  /// Takes over `jit`, compiled from a module placeReferenceTaps returned
  /// `taps` for (it may have other observers too; runs skip them).
  static mlir::FailureOr<std::unique_ptr<Reference>>
  adopt(std::unique_ptr<JitModel> jit, ReferenceTaps taps, mlir::Location loc);

  const std::vector<ReferenceTap> &layers() const { return taps.layers; }
  const std::vector<ReferenceTap> &outputs() const { return taps.outputs; }
  /// The index in layers() of the tensor named `name`, or -1.
  int64_t findLayer(llvm::StringRef name) const;

  /// Tap `index` numbers layers() first, then outputs().
  using TapObserver = llvm::function_ref<void(size_t index, const float *)>;
  /// Runs one sample (one buffer per input, as SampleReader fills them);
  /// returns the call's wall time in seconds. Threads may call it at once:
  /// the runs take turns (they share the model's workspace).
  double run(std::vector<std::vector<char>> &inputs, TapObserver observe);

private:
  Reference() = default;

  std::unique_ptr<JitModel> jit;
  ReferenceTaps taps;
  /// Per observer of the JIT: its tap index, or -1 for other observers.
  std::vector<int64_t> tapOfObserver;
  llvm::StringMap<int64_t> layerByName;
  std::mutex running;
};

} // namespace q8::calibration

#endif // Q8_COMPILER_CALIBRATION_REFERENCE_H
