//===- InsertObservers.cpp - calibration points on quantizable inputs -----===//
//
// Calibration needs the range of every activation an int8 op will consume,
// and the per-channel absmax along the dimension it contracts (SmoothQuant
// balances exactly those channels against the weights'). This pass marks
// those values with q8.observe: the non-constant activation operands of
// every QuantizableOpInterface op (q8.matmul's both, q8.gemm's both,
// q8.conv's input), plus every function result (for the report). Nothing
// upstream knows which q8 operands quantize, so this is ours.
//
// One observer per value, named by its ONNX value name and rewired into the
// quantizable consumers only, so the rest of the graph is untouched.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8ValueNames.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace q8 {
#define GEN_PASS_DEF_INSERTOBSERVERS
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;

namespace {

/// A quantizable operand and the dimension its op contracts.
struct QuantizableUse {
  OpOperand *operand;
  int64_t axis;
};

bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

bool isF32(Value value) {
  return cast<RankedTensorType>(value.getType()).getElementType().isF32();
}

/// The operands of `op` that an int8 kernel would quantize, with the
/// contracted dimension of each: the activation, and the weight where it
/// may itself be an activation (attention's x * y), each when it is a
/// non-constant f32 value. Whether the op is then quantized is decided
/// later (QuantizableOpInterface::getQuantizableForm); what is observed
/// here is what it may need.
SmallVector<QuantizableUse> quantizableUses(Operation *op) {
  SmallVector<QuantizableUse> uses;
  auto quantizable = dyn_cast<QuantizableOpInterface>(op);
  if (!quantizable)
    return uses;
  auto add = [&](OpOperand &operand, int64_t axis) {
    if (!isConstant(operand.get()) && isF32(operand.get()))
      uses.push_back({&operand, axis});
  };
  add(quantizable.getActivationOperand(),
      quantizable.getActivationContractedDim());
  if (quantizable.mayWeightBeActivation())
    add(quantizable.getWeightOperand(), quantizable.getWeightContractedDim());
  return uses;
}

struct InsertObservers : q8::impl::InsertObserversBase<InsertObservers> {
  using InsertObserversBase::InsertObserversBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;

    // Values in program order (MapVector), each with its uses; arguments
    // first, in signature order.
    llvm::MapVector<Value, SmallVector<QuantizableUse>> observed;
    for (BlockArgument arg : func.getArguments())
      for (OpOperand &use : arg.getUses())
        for (QuantizableUse q : quantizableUses(use.getOwner()))
          if (q.operand == &use)
            observed[arg].push_back(q);
    func.walk([&](Operation *op) {
      for (QuantizableUse use : quantizableUses(op))
        if (!isa<BlockArgument>(use.operand->get()))
          observed[use.operand->get()].push_back(use);
    });

    llvm::StringSet<> taken;
    // A value the graph does not name (an intermediate of a decomposed
    // node) is named after its producer, made unique.
    auto nameFor = [&](Value value) {
      std::string name = getValueName(value);
      if (name.empty()) {
        if (auto result = dyn_cast<OpResult>(value))
          if (auto node = dyn_cast<NameLoc>(result.getOwner()->getLoc()))
            name = node.getName().str() + ":" +
                   std::to_string(result.getResultNumber());
      }
      if (name.empty())
        name = "value";
      std::string unique = name;
      for (int i = 1; !taken.insert(unique).second; ++i)
        unique = name + "#" + std::to_string(i);
      return unique;
    };

    OpBuilder builder(func.getContext());
    // Observers of arguments go at the entry in argument order, after the
    // previous one, so ids follow the signature.
    Operation *lastArgObserver = nullptr;
    auto observe = [&](Value value, std::optional<int64_t> axis,
                       StringRef name) {
      bool isArg = isa<BlockArgument>(value);
      if (isArg && lastArgObserver)
        builder.setInsertionPointAfter(lastArgObserver);
      else
        builder.setInsertionPointAfterValue(value);
      auto op = ObserveOp::create(builder, value.getLoc(), value.getType(),
                                  value, builder.getStringAttr(name),
                                  axis ? builder.getI64IntegerAttr(*axis)
                                       : IntegerAttr());
      if (isArg)
        lastArgObserver = op;
      return op.getResult();
    };

    for (auto &[value, uses] : observed) {
      // The first consumer decides the axis; a value two int8 ops contract
      // along different dims (rare) gets the first one's channels.
      Value marked = observe(value, uses.front().axis, nameFor(value));
      for (QuantizableUse use : uses)
        use.operand->set(marked);
    }

    if (!outputs)
      return;
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    for (OpOperand &operand : ret->getOpOperands()) {
      Value value = operand.get();
      if (!isa<RankedTensorType>(value.getType()) || !isF32(value))
        continue;
      std::string name;
      if (auto attr = func.getResultAttrOfType<StringAttr>(
              operand.getOperandNumber(), "q8.name"))
        name = attr.str();
      // An output that is already observed as an input of an int8 op keeps
      // that observer; the report reads it under the value's name.
      if (auto existing = value.getDefiningOp<ObserveOp>())
        continue;
      if (observed.count(value))
        continue;
      if (name.empty())
        name = "output" + std::to_string(operand.getOperandNumber());
      if (!taken.insert(name).second)
        name = nameFor(value);
      builder.setInsertionPoint(ret);
      operand.set(ObserveOp::create(builder, value.getLoc(), value.getType(),
                                    value, builder.getStringAttr(name),
                                    IntegerAttr())
                      .getResult());
    }
  }
};

} // namespace
