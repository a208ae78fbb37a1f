//===- HeaderEmitter.h - the C header of a compiled model -------*- C++ -*-===//
//
// `model.h`: the entry point's typed prototype with named inputs and
// outputs, its packed form `<model>_run_packed(void *const *args)`, shape
// and workspace constants, and a q8_model_desc (runtime/
// q8_abi.h) for generic drivers. Reads the `q8.inputs`, `q8.outputs` and
// `q8.workspace_size` attributes that the lowering leaves on the entry
// function, so it works on the module at any stage after the arena pass.
// The object carries the same descriptor as the data symbol
// `<model>_q8_desc` (ObjectEmitter.cpp), which is how a driver finds it in
// a shared object.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_HEADEREMITTER_H
#define Q8_COMPILER_CODEGEN_HEADEREMITTER_H

#include "compiler/codegen/BatchDim.h"
#include "passes/codegen/ExtentDim.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace q8 {

/// One input or output of the entry point, as the ABI describes it.
struct TensorInterface {
  std::string name;  ///< as in the model
  int32_t dtype;     ///< a q8_dtype value
  /// As the descriptor has them: a dynamic dim is Q8_DIM_OF_SYMBOL(i).
  llvm::SmallVector<int64_t> dims;
};

/// What the header and the object's descriptor say about a compiled model.
struct ModelInterface {
  std::string symbol; ///< the entry point, `<model>_run`
  std::string model;  ///< the model name (the symbol without `_run`)
  /// The lower-case C prefix of the header's names: `<prefix>_descriptor()`
  /// and the exported descriptor `<prefix>_q8_desc`.
  std::string prefix;
  int64_t workspaceSize = 0;
  /// Set iff the entry point takes a trailing weights argument
  /// (q8-externalize-weights ran): the size of the weights file in bytes.
  std::optional<int64_t> weightsSize;
  llvm::SmallVector<TensorInterface> inputs, outputs;
  /// The --target it was compiled for (`q8.target`; empty if unrecorded)
  /// and the Q8_CPU_* bits its code needs (`q8.cpu_features`).
  std::string target;
  uint64_t cpuFeatures = 0;
  /// The variants a `--target all` module holds (`q8.variants`).
  llvm::SmallVector<std::string> variants;
  /// A model compiled for one item of its batch dim (BatchDim.h): the
  /// entry point takes the dims and runs the item code once per item
  /// (q8_run_batched), in a workspace of workspaceSize bytes of which the
  /// item code uses the first itemWorkspaceSize.
  std::optional<BatchDim> batch;
  int64_t itemWorkspaceSize = 0;
  /// A model whose code takes its dynamic dim as a run-time extent
  /// (ExtentDim.h): the entry function takes the dims first, and the
  /// exported entry points check the call (q8_run_extents) before it runs.
  /// At most one of batch and extent is set.
  std::optional<ExtentDim> extent;

  /// The name of the `const q8_model_desc` the object exports.
  std::string descriptorSymbol() const { return prefix + "_q8_desc"; }
};

/// Whether `module` has an entry function (an op carrying `q8.inputs`).
bool hasModelEntry(mlir::ModuleOp module);

/// Reads the one entry function of `module` (the op carrying `q8.inputs`,
/// `q8.outputs` and `q8.workspace_size`, and `q8.weights_size` when its
/// weights are external); fails with a diagnostic like emitHeader.
mlir::FailureOr<ModelInterface> readModelInterface(mlir::ModuleOp module);

/// Writes the header for the one function of `module` that carries
/// `q8.inputs`; fails with a diagnostic if there is not exactly one, if a
/// tensor has a dynamic dim that the module's q8.extent does not name (a
/// `?` elsewhere, or any without q8.extent), or an element type the ABI
/// lacks.
mlir::LogicalResult emitHeader(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_HEADEREMITTER_H
