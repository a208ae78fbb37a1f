//===- DynamicBatch.h - a model's dynamic dim, kept as a batch dim -*- C++ -*-===//
//
// q8 keeps a dynamic dim open when it is a *batch* dim: every output item
// depends on the same input item only, through the same computation
// whatever the number of items. Such a model is compiled for one item
// (the dim set to 1), and its entry point runs that code once per item
// (q8_run_batched, runtime/q8_runtime.h): one object serves every batch
// size, each item runs the static code at static speed, and the workspace
// does not grow with the batch.
//
// Why not dynamic extents in the generated code: every q8 kernel (the
// register-blocked int8 and fp32 matmuls, the packed weights, the arena)
// is planned for static shapes; batch dims, the most common dynamic dim
// of the models users bring, need none of that to change. Dims that mix
// items (a sequence length under attention, an image width under a
// convolution) still have to be fixed with --input-shape; findBatchDim
// says which node mixes them.
//
// How separability is proven, not assumed: the model is imported twice,
// with the dim at 37 and at 41. Lowered to linalg, the two are walked in
// lockstep: every loop whose extent grows with the dim must be parallel,
// index its operands' batch dims directly and never read its own index;
// reshapes, slices, pads and concatenations must keep each item's data
// whole and in place. The q8 modules must be the same graph (same ops,
// operands and attributes) with every shape and shape attribute equal or
// proportional to the dim, and no constant computed from it (a model that
// computes with its batch size differs). What is left is an item-by-item
// computation; the module at 37, every grown dim divided by 37, computes
// one item. (Not the import at 1: there, unit-dim folding in the importer
// makes another graph, e.g. without the Expand of a class token.)
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_DYNAMICBATCH_H
#define Q8_COMPILER_DYNAMICBATCH_H

#include "compiler/Compiler.h"
#include "compiler/codegen/BatchDim.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace q8 {

/// A batch-separable model: its batch dim, and the model at one item.
struct BatchModel {
  BatchDim batch;
  mlir::OwningOpRef<mlir::ModuleOp> item;
};

/// For `module`, imported from `path` with ImportOptions::dynamicExtent 1:
/// nothing if no input has a dynamic dim; the BatchModel if the model is
/// separable along it (checked as the file's comment says, importing the
/// model again with `options`); failure, with errors on `module`'s context
/// naming the input, dim or node, otherwise.
mlir::FailureOr<std::optional<BatchModel>>
findBatchDim(mlir::ModuleOp module, const std::string &path,
             const ImportOptions &options);

} // namespace q8

#endif // Q8_COMPILER_DYNAMICBATCH_H
