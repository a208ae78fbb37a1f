//===- Pipeline.cpp - fp32 lowering from linalg on tensors to LLVM --------===//

#include "compiler/codegen/Pipeline.h"

#include "compiler/codegen/MultiTarget.h"
#include "compiler/codegen/Passes.h"
#include "passes/Passes.h"
#include "passes/codegen/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void q8::buildLowerToLLVMPipeline(OpPassManager &pm,
                                  const CodegenOptions &options) {
  PrepareEntryOptions entry;
  entry.modelName = options.modelName;
  pm.addPass(createPrepareEntry(entry));

  // Tensor level: convolutions as im2col + contraction, then elementwise
  // chains fused so each becomes one loop nest, and innermost reductions
  // split into 16 lanes so they vectorize.
  pm.addNestedPass<func::FuncOp>(createConvToMatmul());
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addNestedPass<func::FuncOp>(createSplitReductions());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Buffers: identity layouts everywhere so arguments are bare pointers and
  // every intermediate is a dense block the arena can place.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  bufferize.unknownTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  // Matmuls as register-blocked micro-kernels over packed weights (before
  // the arena, so that buffers are still distinct allocations).
  pm.addPass(createMatmulKernels(options.target));
  // A dynamic extent: the dims argument, and static buffers at its bound
  // (the kernels' run-time packing buffers included).
  pm.addPass(createBindExtent());
  pm.addPass(createCanonicalizerPass());
  // Buffers allocated inside the branches of a run-time If move to the
  // function's entry block, where the arena can place them.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferHoistingPass());
  pm.addNestedPass<func::FuncOp>(createPlanArena());
  // Large constants (packed weights included) out of .rodata, into the
  // entry point's weights argument.
  if (options.externalWeightsThreshold >= 0) {
    ExternalizeWeightsOptions weights;
    weights.threshold = options.externalWeightsThreshold;
    pm.addPass(createExternalizeWeights(weights));
  }

  // The other ops as register tiles, vectorized; the rest becomes loops.
  pm.addNestedPass<func::FuncOp>(createTileAndVectorize(options.target));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(createExpandNarrowFloats(options.target));
  pm.addNestedPass<func::FuncOp>(createApproximateMath(options.target));
  // Integer powers (math.ipowi) have no LLVM lowering: outlined
  // square-and-multiply functions (vector ones are scalarized first).
  pm.addPass(createConvertMathToFuncs());
  // Reductions run along the contiguous innermost dim: one horizontal
  // reduce per vector beats lane-wise partial sums for short rows.
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass(
      vector::VectorMultiReductionLowering::InnerReduction));
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll();
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(transfers));
  pm.addPass(createLowerAffinePass());
  // The outermost parallel loops as thread-pool tasks (the entry point
  // gains its `pool` argument here).
  pm.addPass(createOutlineParallel());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // LLVM dialect.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addNestedPass<func::FuncOp>(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // What the descriptor and the header report (q8.target, q8.cpu_features).
  pm.addPass(createRecordTarget(options.target));
  pm.addPass(createLowerParallelCalls());
  pm.addPass(createCanonicalizerPass());
}

LogicalResult q8::lowerToLLVMDialect(ModuleOp module,
                                     const CodegenOptions &options) {
  if (isAllTargets(options.target))
    return lowerToLLVMDialectAllTargets(module, options);
  MLIRContext *context = module.getContext();
  DialectRegistry registry;
  registerCodegenDialects(registry);
  context->appendDialectRegistry(registry);
  PassManager pm(context, ModuleOp::getOperationName());
  buildLowerToLLVMPipeline(pm, options);
  return pm.run(module);
}

void q8::registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, LLVM::LLVMDialect, linalg::LinalgDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect, ub::UBDialect,
                  vector::VectorDialect>();
  // Bufferization of everything linalg-on-tensors IR holds.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  // buffer-results-to-out-params only hoists allocations it recognizes.
  memref::registerAllocationOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

namespace {

struct LowerToLLVMPipelineOptions
    : PassPipelineOptions<LowerToLLVMPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("host | avx2 | avx-vnni | avx512 | avx512-vnni | generic"),
      llvm::cl::init("host")};
  Option<std::string> modelName{
      *this, "model-name",
      llvm::cl::desc("rename the one public function to <model-name>_run")};
  Option<int64_t> externalWeights{
      *this, "external-weights",
      llvm::cl::desc("move constants of at least this many bytes into a "
                     "weights argument (-1: keep them in the object)"),
      llvm::cl::init(-1)};
};

} // namespace

void q8::registerCodegenPasses() {
  // The passes of passes/codegen resolve a `target` option here, above
  // them.
  registerQ8CodegenPasses(resolveTargetOption);
  registerQ8EmitPasses();
  // registerPassPipeline rather than PassPipelineRegistration: the target
  // name is resolved here, once, and an unknown one is the option's error.
  registerPassPipeline(
      "q8-lower-to-llvm",
      "lower linalg on tensors to the LLVM dialect with the q8 C ABI",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        LowerToLLVMPipelineOptions pipeline;
        if (failed(pipeline.parseFromString(text)))
          return failure();
        std::optional<TargetInfo> target = resolveTarget(pipeline.target);
        if (!target)
          return errorHandler("unknown target '" + pipeline.target +
                              "' (expected one of " + knownTargetNames() +
                              ")");
        if (isAllTargets(*target))
          return errorHandler("target 'all' lowers the module once per "
                              "variant (q8c --target all), not as one "
                              "pipeline");
        CodegenOptions options;
        options.target = *target;
        options.modelName = pipeline.modelName;
        options.externalWeightsThreshold = pipeline.externalWeights;
        buildLowerToLLVMPipeline(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(LowerToLLVMPipelineOptions());
      });
}
