//===- BatchDim.cpp - the batch dim a compiled model keeps dynamic --------===//

#include "compiler/codegen/BatchDim.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

void q8::setBatchDim(ModuleOp module, const BatchDim &batch) {
  Builder b(module.getContext());
  NamedAttribute fields[] = {
      b.getNamedAttr("name", b.getStringAttr(batch.name)),
      b.getNamedAttr("min", b.getI64IntegerAttr(batch.min)),
      b.getNamedAttr("max", b.getI64IntegerAttr(batch.max)),
      b.getNamedAttr("inputs", b.getDenseI64ArrayAttr(batch.inputs)),
      b.getNamedAttr("outputs", b.getDenseI64ArrayAttr(batch.outputs))};
  module->setAttr(kBatchAttrName, b.getDictionaryAttr(fields));
}

std::optional<q8::BatchDim> q8::readBatchDim(ModuleOp module) {
  auto dict = module->getAttrOfType<DictionaryAttr>(kBatchAttrName);
  if (!dict)
    return std::nullopt;
  auto name = dict.getAs<StringAttr>("name");
  auto min = dict.getAs<IntegerAttr>("min");
  auto max = dict.getAs<IntegerAttr>("max");
  auto inputs = dict.getAs<DenseI64ArrayAttr>("inputs");
  auto outputs = dict.getAs<DenseI64ArrayAttr>("outputs");
  if (!name || !min || !max || !inputs || !outputs)
    return std::nullopt;
  BatchDim batch;
  batch.name = name.str();
  batch.min = min.getInt();
  batch.max = max.getInt();
  batch.inputs.assign(inputs.asArrayRef().begin(), inputs.asArrayRef().end());
  batch.outputs.assign(outputs.asArrayRef().begin(),
                       outputs.asArrayRef().end());
  return batch;
}
