//===- BatchLockstep.h - modules at two batch sizes, op by op ---*- C++ -*-===//
//
// compiler/DynamicBatch.h imports a model at two batch sizes and compares
// the graphs (q8 and lowered to linalg) op by op: the same ops, operands
// and attributes, every shape equal or proportional to the batch size.
// Lockstep records which dims grow, and rewrites a graph to one item.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_BATCHLOCKSTEP_H
#define Q8_COMPILER_BATCHLOCKSTEP_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <string>

namespace q8::batch {

/// The module's one function with a body, or null.
mlir::func::FuncOp entryOf(mlir::ModuleOp module);

/// The node an op came from, for messages: "node 'x' (q8.softmax)".
std::string describe(mlir::Operation *op);

/// The ops of `func` in walk order (pre-order, `func` itself left out).
llvm::SmallVector<mlir::Operation *> opsInOrder(mlir::func::FuncOp func);

/// A value's place in a walk, the same in every module walked in
/// lockstep: (op position, result) for results, (-1, n) for the function's
/// arguments, a negative op id for region arguments.
using ValueIds = llvm::DenseMap<mlir::Value, std::pair<int64_t, int64_t>>;

/// Records the ids of the results and region arguments of `op`, the op at
/// position `n` of its module's walk.
void recordValueIds(mlir::Operation *op, int64_t n, ValueIds &ids);

/// Walks the entry functions of modules imported at `extents` items in
/// lockstep, op by op in the same pre-order; reports where they differ.
class Lockstep {
public:
  Lockstep(llvm::ArrayRef<mlir::func::FuncOp> funcs,
           llvm::ArrayRef<int64_t> extents)
      : funcs(funcs.begin(), funcs.end()), extents(extents) {}

  /// Fails (reported) unless the modules are one graph.
  mlir::LogicalResult sameGraph();

  /// After sameGraph: rewrites the first module in place into the graph at
  /// one item, each grown dim and attribute entry divided by its extent.
  mlir::LogicalResult rescaleToOneItem();

  /// With deferConstants, constants whose values differ are recorded in
  /// `dependent` rather than failing sameGraph (Separability reports the
  /// op that uses one, which says more).
  bool deferConstants = false;
  llvm::SmallPtrSet<mlir::Operation *, 4> dependent;

  /// For each value of the first module with a dim that grows with the
  /// batch: that dim's per-item extent map (from scaledDims).
  llvm::DenseMap<mlir::Value, llvm::SmallVector<int64_t>> scale;
  llvm::SmallVector<llvm::SmallVector<mlir::Operation *>> ops;
  /// The op of the second module at `op`'s place in the first's walk.
  mlir::Operation *partner(mlir::Operation *op) const {
    auto it = position.find(op);
    return it == position.end() ? nullptr : ops[1][it->second];
  }
  /// The batch size module `i` was imported at.
  int64_t extent(size_t i) const { return extents[i]; }

private:
  mlir::LogicalResult sameOp(llvm::ArrayRef<mlir::Operation *> op);
  llvm::SmallVector<mlir::func::FuncOp> funcs;
  llvm::ArrayRef<int64_t> extents;
  llvm::DenseMap<mlir::Operation *, size_t> position;
  /// Each value's position in the walk (the same in every module).
  llvm::SmallVector<ValueIds> ids;
};


} // namespace q8::batch

#endif // Q8_COMPILER_BATCHLOCKSTEP_H
