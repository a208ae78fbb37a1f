//===- Pipeline.h - fp32 lowering from linalg on tensors to LLVM -*- C++ -*-===//
//
// The code-generation half of q8: a module of func.func on tensors in
// linalg/tensor/arith/math (what q8-convert-to-linalg produces) becomes an
// LLVM-dialect module whose public functions have the C ABI of
// runtime/q8_abi.h. Typed options; no global flags.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_PIPELINE_H
#define Q8_COMPILER_CODEGEN_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "compiler/codegen/Target.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace q8 {

struct CodegenOptions {
  /// The target, resolved once from its name (resolveTarget, Target.h):
  /// every pass and the object emitter read this description.
  TargetInfo target = *resolveTarget("host");
  /// LLVM optimization level, 0-3, for emitObject/emitLLVMIR.
  int optLevel = 3;
  /// When set, the module's one public function becomes `<modelName>_run`.
  std::string modelName;
  /// When >= 0, q8-externalize-weights moves constants of at least this
  /// many bytes into the entry point's trailing `weights` argument (and
  /// emitModel writes them to `<base>.weights`); -1 keeps every constant
  /// in the object's read-only data.
  int64_t externalWeightsThreshold = -1;
};

/// Appends the lowering to `pm` (anchored on builtin.module):
///   q8-prepare-entry -> linalg elementwise fusion -> one-shot bufferization
///   (function boundaries, identity layouts) -> buffer results to out-params
///   -> q8-plan-arena [-> q8-externalize-weights] -> q8-tile-and-vectorize -> loops, math approximations,
///   vector lowering -> LLVM dialect with bare-pointer memref arguments.
/// The entry point is `void f(ins..., outs..., i8 *workspace)`, with a
/// trailing `const i8 *weights` when the weights are external.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                              const CodegenOptions &options);

/// Runs buildLowerToLLVMPipeline on `module` in place. Diagnostics go to the
/// context's handler.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const CodegenOptions &options);

/// Dialects, interface models and LLVM IR translations the lowering and the
/// emitters need.
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Registers the codegen passes (passes/codegen/, their `target` option
/// resolved by resolveTargetOption), q8-emit-object and the
/// `q8-lower-to-llvm` pipeline.
void registerCodegenPasses();

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_PIPELINE_H
