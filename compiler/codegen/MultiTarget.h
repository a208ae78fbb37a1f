//===- MultiTarget.h - every target variant in one module -------*- C++ -*-===//
//
// `--target all`: the module is lowered once per variant (targetVariants,
// Target.h) and the variants are merged into one LLVM-dialect module, each
// function carrying its variant's `target_cpu`/`target_features` so that
// one TargetMachine (baseline x86-64) emits every one with its own ISA.
// The exported `<model>_run` becomes a dispatcher that asks libq8rt's
// q8_dispatch_target() (runtime/q8_dispatch.h) which variant to run and
// forwards all its arguments, unchanged, to it.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_MULTITARGET_H
#define Q8_COMPILER_CODEGEN_MULTITARGET_H

#include "compiler/codegen/Pipeline.h"

namespace q8 {

/// The symbol suffix of `variant`'s entry point and private symbols in a
/// `--target all` module: "__avx512_vnni" for "avx512-vnni".
std::string variantSuffix(llvm::StringRef variant);

/// lowerToLLVMDialect for `options.target` "all": replaces `module` (linalg
/// on tensors, as lowerToLLVMDialect takes it) by the merged LLVM-dialect
/// module with its dispatcher. External weights are refused (each variant
/// packs its weights differently; not supported yet).
mlir::LogicalResult lowerToLLVMDialectAllTargets(mlir::ModuleOp module,
                                                 const CodegenOptions &options);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_MULTITARGET_H
