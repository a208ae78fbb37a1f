//===- ObjectEmitter.h - LLVM-dialect module to object code -----*- C++ -*-===//
//
// In-process AOT: translateModuleToLLVMIR, a TargetMachine for the chosen
// target, LLVM's O<n> pipeline, then the object (or assembly) file. The same
// input gives byte-identical output. A module with an entry function (one
// carrying q8.inputs) also gets its packed entry point `<model>_run_packed`
// and its descriptor as the exported data symbol `<model>_q8_desc`
// (runtime/q8_abi.h). The object can be packaged as a
// static archive (in-process, llvm::writeArchive) or a shared object
// (SharedLibrary.h), and external weights written to their file.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_OBJECTEMITTER_H
#define Q8_COMPILER_CODEGEN_OBJECTEMITTER_H

#include "compiler/codegen/Pipeline.h"

#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace q8 {

/// The TargetMachine for `options.target` (CPU, features, -O level) on
/// x86-64 Linux, position-independent: what objects and the calibration JIT
/// are compiled with.
mlir::FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(mlir::ModuleOp module, const CodegenOptions &options);

enum class ObjectFormat { Object, Assembly };

/// What `q8c -o out/model` writes besides the header: `out/model.o`,
/// `out/model.a` (an archive holding model.o) or `out/model.so`.
enum class ArtifactKind { Object, StaticLibrary, SharedLibrary };

/// The file extension of `kind`, with its dot (".o", ".a", ".so").
llvm::StringRef artifactExtension(ArtifactKind kind);

/// Writes `module` (LLVM dialect) as an ELF object, or as assembly text, to
/// `path` ("-" for stdout).
mlir::LogicalResult emitObject(mlir::ModuleOp module,
                               const CodegenOptions &options,
                               llvm::StringRef path,
                               ObjectFormat format = ObjectFormat::Object);

/// Writes `module`'s object into `buffer`.
mlir::LogicalResult emitObjectToBuffer(mlir::ModuleOp module,
                                       const CodegenOptions &options,
                                       llvm::SmallVectorImpl<char> &buffer);

/// Writes `module` as an object, a static archive holding that object
/// (member `<stem>.o`, deterministic: zero timestamps and ids) or a shared
/// object linked from it, to `path`.
mlir::LogicalResult emitArtifact(mlir::ModuleOp module,
                                 const CodegenOptions &options,
                                 llvm::StringRef path, ArtifactKind kind);

/// Writes the external weights that q8-externalize-weights recorded on the
/// entry function (`q8.weights`, `q8.weights_size`) as the raw blob the
/// entry point's `weights` argument points to: every constant at its
/// 64-byte aligned offset, zero padding between. Fails if the module has no
/// external weights.
mlir::LogicalResult emitWeights(mlir::ModuleOp module, llvm::StringRef path);

/// The size of that blob, and the blob itself written into `blob` (exactly
/// that many bytes), for callers that keep the weights in memory (the
/// calibration JIT).
mlir::FailureOr<uint64_t> externalWeightsSize(mlir::ModuleOp module);
mlir::LogicalResult fillWeights(mlir::ModuleOp module,
                                llvm::MutableArrayRef<char> blob);

/// Writes `module` as optimized LLVM IR text, with the target's triple, data
/// layout, CPU and features.
mlir::LogicalResult emitLLVMIR(mlir::ModuleOp module,
                               const CodegenOptions &options,
                               llvm::raw_ostream &os);

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_OBJECTEMITTER_H
