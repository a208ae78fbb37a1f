//===- Passes.cpp - registering the code-generation passes ----------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

FailureOr<q8::TargetInfo>
q8::passTarget(const std::optional<TargetInfo> &resolved,
               const TargetResolver &resolve, StringRef option,
               Operation *op) {
  if (resolved)
    return *resolved;
  if (resolve)
    return resolve(option, op);
  return op->emitError() << "no resolver for target '" << option
                         << "': create the pass with a TargetInfo or a "
                            "TargetResolver";
}

void q8::registerQ8CodegenPasses(TargetResolver resolve) {
  // By hand rather than GEN_PASS_REGISTRATION: the target-dependent passes
  // are built with the resolver.
  registerPass([] { return createPrepareEntry(); });
  registerPass([] { return createBindExtent(); });
  registerPass([] { return createConvToMatmul(); });
  registerPass([] { return createFuseElementwise(); });
  registerPass([] { return createSplitReductions(); });
  registerPass([] { return createExternalizeWeights(); });
  registerPass([] { return createOutlineParallel(); });
  registerPass([] { return createLowerParallelCalls(); });
  registerPass([resolve] { return createMatmulKernels(resolve); });
  registerPass([resolve] { return createTileAndVectorize(resolve); });
  registerPass([resolve] { return createExpandNarrowFloats(resolve); });
  registerPass([resolve] { return createApproximateMath(resolve); });
}
