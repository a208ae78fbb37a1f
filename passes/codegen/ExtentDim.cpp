//===- ExtentDim.cpp - a dynamic extent inside the generated code ---------===//

#include "passes/codegen/ExtentDim.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

void q8::setExtentDim(ModuleOp module, const ExtentDim &extent) {
  Builder b(module.getContext());
  NamedAttribute fields[] = {
      b.getNamedAttr("name", b.getStringAttr(extent.name)),
      b.getNamedAttr("min", b.getI64IntegerAttr(extent.min)),
      b.getNamedAttr("max", b.getI64IntegerAttr(extent.max)),
      b.getNamedAttr("inputs", b.getDenseI64ArrayAttr(extent.inputs)),
      b.getNamedAttr("outputs", b.getDenseI64ArrayAttr(extent.outputs))};
  module->setAttr(kExtentAttrName, b.getDictionaryAttr(fields));
}

std::optional<q8::ExtentDim> q8::readExtentDim(ModuleOp module) {
  auto dict = module->getAttrOfType<DictionaryAttr>(kExtentAttrName);
  if (!dict)
    return std::nullopt;
  auto name = dict.getAs<StringAttr>("name");
  auto min = dict.getAs<IntegerAttr>("min");
  auto max = dict.getAs<IntegerAttr>("max");
  auto inputs = dict.getAs<DenseI64ArrayAttr>("inputs");
  auto outputs = dict.getAs<DenseI64ArrayAttr>("outputs");
  if (!name || !min || !max || !inputs || !outputs)
    return std::nullopt;
  ExtentDim extent;
  extent.name = name.str();
  extent.min = min.getInt();
  extent.max = max.getInt();
  extent.inputs.assign(inputs.asArrayRef().begin(), inputs.asArrayRef().end());
  extent.outputs.assign(outputs.asArrayRef().begin(),
                       outputs.asArrayRef().end());
  return extent;
}
