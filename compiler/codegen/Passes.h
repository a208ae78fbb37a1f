//===- Passes.h - the q8 emitters as a pass ---------------------*- C++ -*-===//
//
// q8-emit-object, for lit tests. The code-generation passes proper are in
// passes/codegen/Passes.h.
//
//===----------------------------------------------------------------------===//
#ifndef Q8_COMPILER_CODEGEN_PASSES_H
#define Q8_COMPILER_CODEGEN_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace q8 {
#define GEN_PASS_DECL
#include "compiler/codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

#endif // Q8_COMPILER_CODEGEN_PASSES_H
