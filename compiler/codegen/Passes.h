//===- Passes.h - q8 code-generation passes ---------------------*- C++ -*-===//
#ifndef Q8_COMPILER_CODEGEN_PASSES_H
#define Q8_COMPILER_CODEGEN_PASSES_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace q8 {
#define GEN_PASS_DECL
#include "compiler/codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

#endif // Q8_COMPILER_CODEGEN_PASSES_H
