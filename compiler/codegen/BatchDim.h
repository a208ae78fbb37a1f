//===- BatchDim.h - the batch dim a compiled model keeps dynamic -*- C++ -*-===//
//
// A model whose dynamic dim is a batch dim (compiler/DynamicBatch.h) is
// compiled for one item; the module records which dim of each input and
// output is the batch, under kBatchAttrName, from import to the emitted
// header and object, whose entry point runs the item code once per item.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_BATCHDIM_H
#define Q8_COMPILER_CODEGEN_BATCHDIM_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace q8 {

/// The one dynamic dim of a batch-separable model.
struct BatchDim {
  std::string name = "batch"; ///< the inputs' dim_param, or "batch"
  int64_t min = 1, max = INT64_MAX; ///< INT64_MAX: unbounded
  /// Per entry argument / result: the position of its batch dim, or -1.
  llvm::SmallVector<int64_t> inputs, outputs;
};

/// The module attribute that carries a BatchDim.
inline constexpr llvm::StringLiteral kBatchAttrName = "q8.batch";

/// Records `batch` on `module` (kBatchAttrName).
void setBatchDim(mlir::ModuleOp module, const BatchDim &batch);

/// The BatchDim setBatchDim recorded on `module`, if any.
std::optional<BatchDim> readBatchDim(mlir::ModuleOp module);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_BATCHDIM_H
