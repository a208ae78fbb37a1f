//===- BatchSeparability.h - is a lowered model item by item? ---*- C++ -*-===//
//
// The linalg half of compiler/DynamicBatch.h's proof: walks the lowered
// model at one batch size (with its Lockstep partner at another) and checks
// that every op computes each item from that item alone.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_BATCHSEPARABILITY_H
#define Q8_COMPILER_BATCHSEPARABILITY_H

#include "compiler/BatchLockstep.h"

namespace q8::batch {

/// Checks `func` (the first function of `lockstep`, after sameGraph) given
/// the batch dim of each argument (-1: none); fills the batch dim of each
/// result. Fails with an error naming the op that mixes items.
mlir::LogicalResult checkSeparable(Lockstep &lockstep, mlir::func::FuncOp func,
                                   llvm::ArrayRef<int64_t> inputDims,
                                   llvm::SmallVectorImpl<int64_t> &outputDims);

} // namespace q8::batch

#endif // Q8_COMPILER_BATCHSEPARABILITY_H
