//===- Passes.h - q8 code-generation passes ---------------------*- C++ -*-===//
#ifndef Q8_COMPILER_CODEGEN_PASSES_H
#define Q8_COMPILER_CODEGEN_PASSES_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace q8 {
struct TargetInfo;

#define GEN_PASS_DECL
#include "compiler/codegen/Passes.h.inc"

/// The target-dependent passes for a target the pipeline resolved once
/// (their `target` option, a name, is what q8-opt resolves instead).
std::unique_ptr<mlir::Pass> createMatmulKernels(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createTileAndVectorize(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createExpandNarrowFloats(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createApproximateMath(const TargetInfo &target);

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

#endif // Q8_COMPILER_CODEGEN_PASSES_H
