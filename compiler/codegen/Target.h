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
#include "mlir/Pass/Pass.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace q8 {

/// Resolves "host", "avx2", "avx512", "avx512-vnni", "avx-vnni",
/// "generic" or "all"; nullopt for any other name. "host" reads the running
/// CPU once per process. "all" describes the baseline x86-64 (what its
/// dispatcher is compiled for); lowerToLLVMDialect lowers a module once per
/// variant (targetVariants) for it (MultiTarget.h).
std::optional<TargetInfo> resolveTarget(llvm::StringRef name);

/// Whether `target` is "all": every variant in one object.
bool isAllTargets(const TargetInfo &target);

/// The variants of a `--target all` object, indexed by their q8_target
/// value (runtime/q8_dispatch.h): generic, avx2, avx512, avx-vnni,
/// avx512-vnni.
llvm::ArrayRef<llvm::StringRef> targetVariants();

/// The Q8_CPU_* bits (runtime/q8_abi.h) that code compiled for `target`
/// may need: every group one of whose features `target` has. 0 for
/// generic and all.
uint64_t requiredCpuFeatures(const TargetInfo &target);

/// Records `target` on `module`'s entry function (the op carrying
/// q8.inputs), as `q8.target` (its name) and `q8.cpu_features`
/// (requiredCpuFeatures), unless already there: what the object's
/// descriptor and the header report. No-op without an entry function.
void recordTarget(mlir::Operation *module, const TargetInfo &target);

/// A pass that runs recordTarget on its module (the last step of the
/// q8-lower-to-llvm pipeline).
std::unique_ptr<mlir::Pass> createRecordTarget(const TargetInfo &target);

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
