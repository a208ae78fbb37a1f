//===- HeaderEmitter.h - the C header of a compiled model -------*- C++ -*-===//
//
// `model.h`: the entry point's typed prototype with named inputs and
// outputs, shape and workspace constants, and a q8_model_desc (runtime/
// q8_abi.h) for generic drivers. Reads the `q8.inputs`, `q8.outputs` and
// `q8.workspace_size` attributes that the lowering leaves on the entry
// function, so it works on the module at any stage after the arena pass.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_HEADEREMITTER_H
#define Q8_COMPILER_CODEGEN_HEADEREMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace q8 {

/// Writes the header for the one function of `module` that carries
/// `q8.inputs`; fails with a diagnostic if there is not exactly one, or if
/// a tensor has a dynamic shape or an element type the ABI lacks.
mlir::LogicalResult emitHeader(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_HEADEREMITTER_H
