//===- Q8ValueNames.cpp - ONNX value names carried on q8 IR ---------------===//

#include "dialects/Q8/Q8ValueNames.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"

using namespace mlir;

/// The per-result name locations under `loc`'s node name: one entry per
/// result, UnknownLoc where a result has no name.
static SmallVector<Location> resultNames(Operation *op) {
  SmallVector<Location> names(op->getNumResults(),
                              UnknownLoc::get(op->getContext()));
  auto node = dyn_cast<NameLoc>(op->getLoc());
  if (!node)
    return names;
  Location child = node.getChildLoc();
  if (isa<NameLoc>(child)) {
    names[0] = child;
  } else if (auto fused = dyn_cast<FusedLoc>(child)) {
    for (auto [i, loc] : llvm::enumerate(fused.getLocations()))
      if (i < names.size())
        names[i] = loc;
  }
  return names;
}

std::string q8::getValueName(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (!func || arg.getOwner() != &func.getBody().front())
      return "";
    if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      "q8.name"))
      return name.str();
    return "";
  }
  auto result = cast<OpResult>(value);
  Location loc = resultNames(result.getOwner())[result.getResultNumber()];
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "";
}

void q8::setValueName(Value value, StringRef name) {
  auto result = dyn_cast<OpResult>(value);
  if (!result)
    return;
  Operation *op = result.getOwner();
  MLIRContext *context = op->getContext();
  SmallVector<Location> names = resultNames(op);
  names[result.getResultNumber()] =
      NameLoc::get(StringAttr::get(context, name));
  // The storage-level FusedLoc::get keeps unknown entries (the folding one
  // drops them), so positions stay result numbers.
  Location child =
      names.size() == 1
          ? names[0]
          : Location(FusedLoc::get(context, names, /*metadata=*/Attribute()));
  StringAttr node;
  if (auto outer = dyn_cast<NameLoc>(op->getLoc()))
    node = outer.getName();
  else
    node = StringAttr::get(context, name);
  op->setLoc(NameLoc::get(node, child));
}
