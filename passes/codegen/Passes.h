//===- Passes.h - q8 code-generation passes ---------------------*- C++ -*-===//
//
// Linalg on tensors to vector code on buffers: the lowering steps the
// pipeline (compiler/codegen/Pipeline.h) runs between q8-convert-to-linalg
// and the LLVM dialect. Four of them depend on the target; they read a
// TargetInfo (TargetInfo.h), never a target name.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CODEGEN_PASSES_H
#define Q8_PASSES_CODEGEN_PASSES_H

#include "passes/codegen/TargetInfo.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <functional>
#include <optional>

namespace q8 {

#define GEN_PASS_DECL
#include "passes/codegen/Passes.h.inc"

/// On an scf.for: its iterations write disjoint memory (scratch included)
/// and compute the same bytes in any order, so q8-outline-parallel may run
/// them on several threads. Set by the passes that create such loops.
inline constexpr llvm::StringLiteral kParallelLoopAttr = "q8.parallel";

/// On a function q8-outline-parallel made from a loop; its calls become
/// q8_pool_parallel_for in q8-lower-parallel-calls.
inline constexpr llvm::StringLiteral kParallelTaskAttr = "q8.parallel_task";

/// Resolves a target-dependent pass's `target` option (a name such as
/// "avx2" or "host") into a TargetInfo, or emits an error at `op`. Target
/// names and the host's CPUID are resolved above the passes
/// (compiler/codegen/Target.h, resolveTargetOption): whoever registers the
/// passes hands them the resolver.
using TargetResolver = std::function<mlir::FailureOr<TargetInfo>(
    llvm::StringRef name, mlir::Operation *op)>;

/// The target-dependent passes for a target the pipeline resolved once.
std::unique_ptr<mlir::Pass> createMatmulKernels(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createTileAndVectorize(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createExpandNarrowFloats(const TargetInfo &target);
std::unique_ptr<mlir::Pass> createApproximateMath(const TargetInfo &target);

/// The same passes resolving their `target` option with `resolve` when they
/// run (q8-opt runs passes one by one).
std::unique_ptr<mlir::Pass> createMatmulKernels(TargetResolver resolve);
std::unique_ptr<mlir::Pass> createTileAndVectorize(TargetResolver resolve);
std::unique_ptr<mlir::Pass> createExpandNarrowFloats(TargetResolver resolve);
std::unique_ptr<mlir::Pass> createApproximateMath(TargetResolver resolve);

/// The target a codegen pass runs for: `resolved` when the pipeline gave
/// it one, else its `target` option through `resolve`; an error on `op`
/// when it has neither.
mlir::FailureOr<TargetInfo>
passTarget(const std::optional<TargetInfo> &resolved,
           const TargetResolver &resolve, llvm::StringRef option,
           mlir::Operation *op);

/// The thread pool's loop in the runtime (runtime/q8_pool.h).
inline constexpr llvm::StringLiteral kPoolParallelFor = "q8_pool_parallel_for";

/// Registers the passes of this folder for q8-opt; the target-dependent
/// ones resolve their `target` option with `resolve`.
void registerQ8CodegenPasses(TargetResolver resolve);

} // namespace q8

#endif // Q8_PASSES_CODEGEN_PASSES_H
