//===- Target.h - the x86-64 code-generation targets q8 knows ---*- C++ -*-===//
//
// One table maps a `--target` name to the LLVM CPU, features and vector
// width, so the tiling pipeline and the object emitter never disagree. The
// description itself (TargetInfo) is plain data below the passes that read
// it, in passes/codegen/TargetInfo.h; the names and the host's CPUID stay
// here, above them.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_CODEGEN_TARGET_H
#define Q8_COMPILER_CODEGEN_TARGET_H

#include "passes/codegen/TargetInfo.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace q8 {

/// Resolves "host", "avx2", "avx512", "avx512-vnni", "avx-vnni" or
/// "generic"; nullopt for any other name. "host" reads the running CPU
/// once per process.
std::optional<TargetInfo> resolveTarget(llvm::StringRef name);

/// resolveTarget for a pass's `target` option: an error on `op` for an
/// unknown name. The codegen passes get it as their TargetResolver
/// (passes/codegen/Passes.h) when q8-opt runs them one by one;
/// q8-emit-object calls it itself.
mlir::FailureOr<TargetInfo> resolveTargetOption(llvm::StringRef name,
                                                mlir::Operation *op);

/// The target of the code q8 runs while it compiles (calibration, the layer
/// error, searches): never `--target`, which may name an ISA the build host
/// lacks (JIT-compiled AVX-512-VNNI code dies with SIGILL on an AVX2 host).
/// "avx2" (x86-64-v3) wherever the host has it, which every machine q8 is
/// built on does, rather than "host": the ranges calibration measures then
/// come from the same instructions on every build host, so the emitted
/// object is byte-identical whichever one compiled it. "generic" on older
/// hosts.
std::string buildHostTarget();

/// The names resolveTarget accepts, for diagnostics.
llvm::StringRef knownTargetNames();

} // namespace q8

#endif // Q8_COMPILER_CODEGEN_TARGET_H
