//===- PrepareEntry.cpp - fix the C ABI of a model's entry functions ------===//
//
// The C prototype (`const float *` inputs, caller-owned outputs) and the
// header's shapes come from the tensor-level signature, which bufferization
// and LLVM lowering erase; this pass pins both down while they still exist.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_PREPAREENTRY
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// `[{name = ..., type = ...}, ...]` for `types`, names from `q8.name`.
ArrayAttr describe(MLIRContext *context, TypeRange types,
                   ArrayRef<DictionaryAttr> attrs, StringRef prefix) {
  SmallVector<Attribute> entries;
  for (auto [index, type] : llvm::enumerate(types)) {
    StringAttr name;
    if (index < attrs.size() && attrs[index])
      name = attrs[index].getAs<StringAttr>("q8.name");
    if (!name)
      name = StringAttr::get(context, prefix + Twine(index));
    NamedAttribute fields[] = {
        NamedAttribute(StringAttr::get(context, "name"), name),
        NamedAttribute(StringAttr::get(context, "type"), TypeAttr::get(type))};
    entries.push_back(DictionaryAttr::get(context, fields));
  }
  return ArrayAttr::get(context, entries);
}

struct PrepareEntry : q8::impl::PrepareEntryBase<PrepareEntry> {
  using PrepareEntryBase::PrepareEntryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);

    for (func::FuncOp func : entries) {
      SmallVector<DictionaryAttr> argAttrs, resultAttrs;
      func.getAllArgAttrs(argAttrs);
      func.getAllResultAttrs(resultAttrs);
      func->setAttr("q8.inputs", describe(context, func.getArgumentTypes(),
                                          argAttrs, "input"));
      func->setAttr("q8.outputs", describe(context, func.getResultTypes(),
                                           resultAttrs, "output"));
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<TensorType>(func.getArgumentTypes()[i]))
          func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                          BoolAttr::get(context, false));
    }

    if (modelName.empty())
      return;
    if (entries.size() != 1) {
      module.emitError() << "model-name needs exactly one public function, "
                         << "found " << entries.size();
      return signalPassFailure();
    }
    std::string symbol = modelName + "_run";
    if (failed(SymbolTable::replaceAllSymbolUses(
            entries.front(), StringAttr::get(context, symbol), module)))
      return signalPassFailure();
    SymbolTable::setSymbolName(entries.front(), symbol);
  }
};

} // namespace
