//===- Quantize.cpp - W8A8 quantization of an imported model --------------===//

#include "compiler/Quantize.h"

#include "dialects/Q8/Q8Ops.h"
#include "passes/Passes.h"
#include "passes/QuantizePasses.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// Bytes of `value` when a constant defines it, else 0.
int64_t constantBytes(Value value) {
  ElementsAttr attr;
  // Through the storage casts q8-quantize puts between a constant and its
  // quantized type.
  while (value && !matchPattern(value, m_Constant(&attr))) {
    Operation *op = value.getDefiningOp();
    if (!op || op->getNumOperands() != 1)
      return 0;
    value = op->getOperand(0);
  }
  if (!attr)
    return 0;
  auto type = cast<ShapedType>(attr.getType());
  return type.getNumElements() *
         ((type.getElementTypeBitWidth() + 7) / 8);
}

/// The weight operand of a quantizable fp32 op.
Value weightOf(Operation *op) {
  if (auto quantizable = dyn_cast<q8::QuantizableOpInterface>(op))
    return quantizable.getWeightOperand().get();
  return {};
}

} // namespace

FailureOr<q8::QuantizeSummary>
q8::quantizeModel(ModuleOp module, const QuantizeModelOptions &options) {
  PassManager pm(module.getContext());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(q8::createFoldBatchNorm());
  if (failed(pm.run(module)))
    return failure();

  QuantizeSummary summary;
  module.walk([&](Operation *op) {
    if (Value w = weightOf(op))
      summary.fp32WeightBytes += constantBytes(w);
  });

  // SmoothQuant on its own, so that its markers (and their alphas) can be
  // counted before q8-quantize folds them away.
  if (options.smoothQuantAlpha) {
    PassManager smoothing(module.getContext());
    q8::SmoothQuantOptions smooth;
    smooth.tablePath = options.tablePath;
    smooth.alpha = *options.smoothQuantAlpha;
    smooth.autoAlpha = options.smoothQuantAuto;
    smooth.method = options.method;
    smooth.weightBits = options.weightBits;
    smooth.keepFasterFp32 = options.keepFasterFp32;
    smoothing.addNestedPass<func::FuncOp>(
        options.table ? q8::createSmoothQuantPass(smooth, options.table)
                      : q8::createSmoothQuant(smooth));
    if (failed(smoothing.run(module)))
      return failure();
    module.walk([&](q8::MulOp mul) {
      if (auto marker = mul->getAttrOfType<DictionaryAttr>("q8.smoothquant"))
        if (auto alpha = marker.getAs<FloatAttr>("alpha"))
          summary.smoothQuantAlphas.push_back(alpha.getValueAsDouble());
    });
  }

  PassManager quantize(module.getContext());
  q8::QuantizeOptions pass;
  pass.tablePath = options.tablePath;
  pass.method = options.method;
  pass.weightBits = options.weightBits;
  pass.keepFasterFp32 = options.keepFasterFp32;
  quantize.addNestedPass<func::FuncOp>(
      options.table ? q8::createQuantizePass(pass, options.table)
                    : q8::createQuantize(pass));
  if (failed(quantize.run(module)))
    return failure();

  module.walk([&](Operation *op) {
    if (auto int8 = dyn_cast<q8::Int8EpilogueOpInterface>(op)) {
      ++summary.quantized;
      summary.int8WeightBytes += constantBytes(int8.getWeight());
    } else if (weightOf(op)) {
      ++summary.keptFp32;
      std::string why;
      if (cast<q8::QuantizableOpInterface>(op).isFasterInFp32(&why)) {
        auto it = llvm::find_if(summary.fasterInFp32, [&](auto &entry) {
          return entry.first == why;
        });
        if (it == summary.fasterInFp32.end())
          summary.fasterInFp32.push_back({why, 1});
        else
          ++it->second;
      }
    }
  });
  return summary;
}

FailureOr<q8::FusionSummary> q8::fuseQuantized(ModuleOp module) {
  PassManager pm(module.getContext());
  pm.addNestedPass<func::FuncOp>(q8::createFuseQuant());
  if (failed(pm.run(module)))
    return failure();
  FusionSummary summary;
  module.walk([&](q8::Int8EpilogueOpInterface op) {
    summary.requantizing += !isa<FloatType>(op.getResultType());
    summary.activations += op.getActivation() != q8::Activation::None;
    summary.biases += op.getBias() != nullptr;
  });
  return summary;
}
