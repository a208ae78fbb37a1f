//===- DynamicExtent.h - a dynamic dim kept inside the kernels --*- C++ -*-===//
//
// A dynamic dim that mixes items (a sequence length under attention)
// cannot be run item by item like a batch dim (DynamicBatch.h): the
// generated code itself must take the extent at run time. q8 gets that
// code without teaching the importer and the q8 dialect dynamic shapes:
//
//  1. The model is imported at several sizes of the dim, three small ones
//     and its upper bound, and each import goes through the same q8
//     passes and lowering to linalg on tensors.
//  2. The linalg graphs must be one graph op for op (the same ops,
//     operands and attributes) whose every shape, slice size, index
//     constant and reshape target is an affine function p * n + q of the
//     size n, fitted on two small imports and checked on the others.
//     A constant whose data changes with n (a position table sliced to
//     the sequence, a causal mask) must be the top-left block of the
//     upper bound's: it becomes a slice of that one.
//  3. The graph at the upper bound is rewritten with those dims dynamic:
//     each such value's type gets `?`, and each size is computed from the
//     dim of the input that carries it (`tensor.dim`).
//
// What this cannot express is refused, naming the node: a graph that
// changes with n (an If on it), a size that is not affine in n (a strided
// convolution's output width, floor((n - k) / s) + 1), a constant that is
// not a prefix of the bound's. The upper bound is required: the arena is
// planned for it, so a call never allocates.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_DYNAMICEXTENT_H
#define Q8_COMPILER_DYNAMICEXTENT_H

#include "compiler/Compiler.h"
#include "passes/codegen/ExtentDim.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace q8 {

/// A model imported at several sizes of its dynamic extent.
struct ExtentModel {
  ExtentDim extent;
  /// The sizes the imports were made at, ascending; the last is the bound.
  llvm::SmallVector<int64_t> sizes;
  /// One module per size; the last (the bound) becomes the dynamic one.
  llvm::SmallVector<mlir::OwningOpRef<mlir::ModuleOp>> imports;
};

/// Whether an input of `module` (imported with dynamicExtent 1) has a
/// dynamic dim with an upper bound.
bool hasBoundedDynamicDim(mlir::ModuleOp module);

/// Imports the model at `path` (already imported into `module` with
/// dynamicExtent 1) at the sizes generalizeExtent needs. Fails, with
/// errors on `module`'s context, when the model's dynamic dims are not
/// one bounded dim.
mlir::FailureOr<ExtentModel> importAtExtents(mlir::ModuleOp module,
                                             const std::string &path,
                                             const ImportOptions &options);

/// Rewrites one of `lowered` (the imports at `sizes`, lowered to linalg on
/// tensors; the last at the bound) into the graph with the extent dynamic
/// and returns its index: the bound's, or, when an op folds away at the
/// bound only (a slice that takes a whole position table), the largest
/// smaller size's. `extent.outputs` is filled in. Fails, reported on the
/// op, when the graphs do not agree (see the file comment).
mlir::FailureOr<size_t> generalizeExtent(llvm::ArrayRef<mlir::ModuleOp> lowered,
                                         llvm::ArrayRef<int64_t> sizes,
                                         ExtentDim &extent);

} // namespace q8

#endif // Q8_COMPILER_DYNAMICEXTENT_H
