//===- Passes.h - q8 graph-level passes -------------------------*- C++ -*-===//
#ifndef Q8_PASSES_PASSES_H
#define Q8_PASSES_PASSES_H

#include "dialects/Q8/Q8Dialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace q8 {
#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace q8

#endif // Q8_PASSES_PASSES_H
