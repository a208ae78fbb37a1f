//===- ExtentDim.cpp - the dynamic dim a compiled model keeps -------------===//

#include "passes/codegen/ExtentDim.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

void q8::setDynamicDim(ModuleOp module, StringRef attrName,
                       const DynamicDim &dim) {
  Builder b(module.getContext());
  NamedAttribute fields[] = {
      b.getNamedAttr("name", b.getStringAttr(dim.name)),
      b.getNamedAttr("min", b.getI64IntegerAttr(dim.min)),
      b.getNamedAttr("max", b.getI64IntegerAttr(dim.max)),
      b.getNamedAttr("inputs", b.getDenseI64ArrayAttr(dim.inputs)),
      b.getNamedAttr("outputs", b.getDenseI64ArrayAttr(dim.outputs))};
  module->setAttr(attrName, b.getDictionaryAttr(fields));
}

std::optional<q8::DynamicDim> q8::readDynamicDim(ModuleOp module,
                                                 StringRef attrName) {
  auto dict = module->getAttrOfType<DictionaryAttr>(attrName);
  if (!dict)
    return std::nullopt;
  auto name = dict.getAs<StringAttr>("name");
  auto min = dict.getAs<IntegerAttr>("min");
  auto max = dict.getAs<IntegerAttr>("max");
  auto inputs = dict.getAs<DenseI64ArrayAttr>("inputs");
  auto outputs = dict.getAs<DenseI64ArrayAttr>("outputs");
  if (!name || !min || !max || !inputs || !outputs)
    return std::nullopt;
  DynamicDim dim;
  dim.name = name.str();
  dim.min = min.getInt();
  dim.max = max.getInt();
  dim.inputs.assign(inputs.asArrayRef().begin(), inputs.asArrayRef().end());
  dim.outputs.assign(outputs.asArrayRef().begin(), outputs.asArrayRef().end());
  return dim;
}
