//===- Reference.cpp - the fp32 model run beside its quantized form -------===//

#include "compiler/calibration/Reference.h"

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8ValueNames.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace q8;
using namespace q8::calibration;

namespace {

/// Observer names start with a control character no exporter puts in a
/// value name, then the tap's index: "\x01" "12".
constexpr char kTapPrefix = '\x01';

std::string tapName(size_t index) {
  return std::string(1, kTapPrefix) + std::to_string(index);
}

ReferenceTap tapOf(std::string name, std::string op, RankedTensorType type) {
  ReferenceTap tap;
  tap.name = std::move(name);
  tap.op = std::move(op);
  tap.shape.assign(type.getShape().begin(), type.getShape().end());
  return tap;
}

} // namespace

void q8::calibration::placeTap(OpBuilder &builder, Value value,
                               StringRef name, Operation *before) {
  if (before)
    builder.setInsertionPoint(before);
  else if (isa<BlockArgument>(value))
    builder.setInsertionPointToStart(value.getParentBlock());
  else
    builder.setInsertionPointAfterValue(value);
  ObserveOp::create(builder, value.getLoc(), value.getType(), value,
                    builder.getStringAttr(name), IntegerAttr());
}

SmallVector<OpOperand *> q8::calibration::f32Outputs(func::FuncOp func) {
  SmallVector<OpOperand *> outputs;
  for (OpOperand &operand :
       func.getBody().back().getTerminator()->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (type && type.getElementType().isF32())
      outputs.push_back(&operand);
  }
  return outputs;
}

bool q8::calibration::isReferenceTap(StringRef observerName) {
  return !observerName.empty() && observerName.front() == kTapPrefix;
}

ReferenceTaps q8::calibration::placeReferenceTaps(ModuleOp module) {
  ReferenceTaps taps;
  func::FuncOp entry = entryFunction(module);
  if (!entry)
    return taps;
  OpBuilder builder(module.getContext());
  // A value tapped once, whatever else reads it.
  llvm::StringSet<> seen;
  SmallVector<Value> layers;
  entry.walk([&](Operation *op) {
    if (!isa<QuantizableOpInterface>(op) || op->getNumResults() != 1)
      return;
    Value result = op->getResult(0);
    auto type = dyn_cast<RankedTensorType>(result.getType());
    std::string name = getValueName(result);
    if (!type || !type.getElementType().isF32() || name.empty() ||
        !seen.insert(name).second)
      return;
    taps.layers.push_back(
        tapOf(name, op->getName().getStringRef().str(), type));
    layers.push_back(result);
  });
  for (auto [index, value] : llvm::enumerate(layers))
    placeTap(builder, value, tapName(index));
  for (OpOperand *operand : f32Outputs(entry)) {
    unsigned i = operand->getOperandNumber();
    auto name = entry.getResultAttrOfType<StringAttr>(i, "q8.name");
    placeTap(builder, operand->get(),
             tapName(layers.size() + taps.outputs.size()),
             operand->getOwner());
    taps.outputs.push_back(
        tapOf(name ? name.str() : "output" + std::to_string(i), "output",
              cast<RankedTensorType>(operand->get().getType())));
  }
  return taps;
}

FailureOr<std::unique_ptr<Reference>>
Reference::adopt(std::unique_ptr<JitModel> jit, ReferenceTaps taps,
                 Location loc) {
  std::unique_ptr<Reference> reference(new Reference());
  size_t count = taps.layers.size() + taps.outputs.size();
  std::vector<bool> found(count);
  for (const TensorSpec &spec : jit->observers()) {
    int64_t index = -1;
    if (isReferenceTap(spec.name) &&
        (StringRef(spec.name).drop_front().getAsInteger(10, index) ||
         index < 0 || index >= static_cast<int64_t>(count) || found[index]))
      return emitError(loc) << "the fp32 reference has an unexpected tap '"
                            << StringRef(spec.name).drop_front() << "'";
    if (index >= 0)
      found[index] = true;
    reference->tapOfObserver.push_back(index);
  }
  for (size_t i = 0; i < count; ++i)
    if (!found[i])
      return emitError(loc) << "the fp32 reference lost its tap " << i;
  for (auto [index, tap] : llvm::enumerate(taps.layers))
    reference->layerByName[tap.name] = index;
  reference->jit = std::move(jit);
  reference->taps = std::move(taps);
  return reference;
}

int64_t Reference::findLayer(StringRef name) const {
  auto it = layerByName.find(name);
  return it == layerByName.end() ? -1 : it->second;
}

double Reference::run(std::vector<std::vector<char>> &inputs,
                      TapObserver observe) {
  std::lock_guard<std::mutex> lock(running);
  return jit->run(inputs, [&](int64_t id, const float *data) {
    if (id >= 0 && id < static_cast<int64_t>(tapOfObserver.size()) &&
        tapOfObserver[id] >= 0)
      observe(tapOfObserver[id], data);
  });
}
