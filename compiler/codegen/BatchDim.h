//===- BatchDim.h - the batch dim a compiled model keeps dynamic -*- C++ -*-===//
//
// A model whose dynamic dim is a batch dim (compiler/DynamicBatch.h) is
// compiled for one item; the module records which dim of each input and
// output is the batch, under kBatchAttrName, from import to the emitted
// header and object, whose entry point runs the item code once per item.
// The record is the one a dynamic extent uses (passes/codegen/ExtentDim.h).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_BATCHDIM_H
#define Q8_COMPILER_CODEGEN_BATCHDIM_H

#include "passes/codegen/ExtentDim.h"

namespace q8 {

/// The one dynamic dim of a batch-separable model (its name: the inputs'
/// dim_param, or "batch").
using BatchDim = DynamicDim;

/// The module attribute that carries a BatchDim.
inline constexpr llvm::StringLiteral kBatchAttrName = "q8.batch";

inline void setBatchDim(mlir::ModuleOp module, const BatchDim &batch) {
  setDynamicDim(module, kBatchAttrName, batch);
}

inline std::optional<BatchDim> readBatchDim(mlir::ModuleOp module) {
  return readDynamicDim(module, kBatchAttrName);
}

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_BATCHDIM_H
