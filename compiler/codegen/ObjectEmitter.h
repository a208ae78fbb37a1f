//===- ObjectEmitter.h - LLVM-dialect module to object code -----*- C++ -*-===//
//
// In-process AOT: translateModuleToLLVMIR, a TargetMachine for the chosen
// target, LLVM's O<n> pipeline, then the object (or assembly) file. The same
// input gives byte-identical output.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_OBJECTEMITTER_H
#define Q8_COMPILER_CODEGEN_OBJECTEMITTER_H

#include "compiler/codegen/Pipeline.h"

#include "llvm/Support/raw_ostream.h"

namespace q8 {

enum class ObjectFormat { Object, Assembly };

/// Writes `module` (LLVM dialect) as an ELF object, or as assembly text, to
/// `path` ("-" for stdout).
mlir::LogicalResult emitObject(mlir::ModuleOp module,
                               const CodegenOptions &options,
                               llvm::StringRef path,
                               ObjectFormat format = ObjectFormat::Object);

/// Writes `module` as optimized LLVM IR text, with the target's triple, data
/// layout, CPU and features.
mlir::LogicalResult emitLLVMIR(mlir::ModuleOp module,
                               const CodegenOptions &options,
                               llvm::raw_ostream &os);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_OBJECTEMITTER_H
