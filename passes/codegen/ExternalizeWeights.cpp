//===- ExternalizeWeights.cpp - constants in a weights file ---------------===//

#include "passes/codegen/ExternalizeWeights.h"

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/MathExtras.h"

namespace q8 {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

/// Offsets of constants in the weights file (Q8_WEIGHTS_ALIGNMENT).
static constexpr int64_t kWeightsAlignment = 64;

std::optional<int64_t> q8::constantByteSize(ElementsAttr value) {
  auto type = dyn_cast<ShapedType>(value.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  if (!element.isIntOrFloat())
    return std::nullopt;
  unsigned bits = element.getIntOrFloatBitWidth();
  if (bits == 0 || bits % 8 != 0)
    return std::nullopt;
  return type.getNumElements() * (bits / 8);
}

bool q8::copyConstantBytes(ElementsAttr value, llvm::MutableArrayRef<char> out) {
  std::optional<int64_t> size = constantByteSize(value);
  if (!size || *size != (int64_t)out.size())
    return false;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != *size)
      return false;
    llvm::copy(blob->getData(), out.begin());
    return true;
  }
  auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value);
  if (!dense)
    return false;
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat()) {
    int64_t bytes = *size / std::max<int64_t>(1, dense.getNumElements());
    if ((int64_t)raw.size() != bytes)
      return false;
    for (int64_t at = 0; at < *size; at += bytes)
      llvm::copy(raw, out.begin() + at);
    return true;
  }
  if ((int64_t)raw.size() != *size)
    return false;
  llvm::copy(raw, out.begin());
  return true;
}

FailureOr<q8::WeightsLayout> q8::readWeightsLayout(ModuleOp module) {
  Operation *entry = nullptr;
  for (Operation &op : module.getBody()->getOperations())
    if (op.hasAttr("q8.weights_size"))
      entry = &op;
  if (!entry)
    return module.emitError("the model has no external weights (run "
                            "q8-externalize-weights)");
  WeightsLayout layout;
  layout.size = entry->getAttrOfType<IntegerAttr>("q8.weights_size").getInt();
  auto entries = entry->getAttrOfType<ArrayAttr>("q8.weights");
  if (!entries)
    return entry->emitError("q8.weights_size without q8.weights");
  for (Attribute attr : entries) {
    auto dict = dyn_cast<DictionaryAttr>(attr);
    auto offset = dict ? dict.getAs<IntegerAttr>("offset") : IntegerAttr();
    auto value = dict ? dict.getAs<ElementsAttr>("value") : ElementsAttr();
    std::optional<int64_t> size =
        value ? constantByteSize(value) : std::nullopt;
    if (!offset || !size || offset.getInt() < 0 ||
        offset.getInt() + *size > layout.size)
      return entry->emitError() << "malformed q8.weights entry";
    layout.entries.push_back({offset.getInt(), value});
  }
  return layout;
}

namespace {

struct ExternalizeWeights
    : q8::impl::ExternalizeWeightsBase<ExternalizeWeights> {
  using ExternalizeWeightsBase::ExternalizeWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr("q8.inputs") && !func.isExternal())
        entries.push_back(func);
    if (entries.empty())
      return;
    if (entries.size() > 1) {
      module.emitError("q8-externalize-weights expects one entry function "
                       "with q8.inputs");
      return signalPassFailure();
    }
    func::FuncOp entry = entries.front();
    if (entry->hasAttr("q8.weights_size")) {
      entry.emitError("the weights are already external");
      return signalPassFailure();
    }

    // Reads of each global, all of which must be in the entry function for
    // the global to move (another function has no weights argument).
    llvm::MapVector<Operation *, SmallVector<memref::GetGlobalOp>> reads;
    DenseSet<Operation *> elsewhere;
    SymbolTable symbols(module);
    module.walk([&](memref::GetGlobalOp read) {
      Operation *global = symbols.lookup(read.getName());
      if (!global)
        return;
      if (read->getParentOfType<func::FuncOp>() == entry)
        reads[global].push_back(read);
      else
        elsewhere.insert(global);
    });

    // Offsets in the module's order of globals: deterministic.
    SmallVector<std::pair<memref::GlobalOp, int64_t>> moved;
    SmallVector<Attribute> recorded;
    int64_t size = 0;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      if (!reads.count(global) || elsewhere.contains(global) ||
          !global.getConstant() || !global.getInitialValue())
        continue;
      auto value = dyn_cast<ElementsAttr>(*global.getInitialValue());
      MemRefType type = global.getType();
      std::optional<int64_t> bytes =
          value ? q8::constantByteSize(value) : std::nullopt;
      if (!bytes || *bytes < threshold || !type.hasStaticShape() ||
          !type.getLayout().isIdentity() || type.getMemorySpace())
        continue;
      int64_t offset = llvm::alignTo(size, kWeightsAlignment);
      moved.push_back({global, offset});
      size = offset + *bytes;
      Builder b(context);
      recorded.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("name", global.getSymNameAttr()),
           b.getNamedAttr("offset", b.getI64IntegerAttr(offset)),
           b.getNamedAttr("value", value)}));
    }
    size = llvm::alignTo(size, kWeightsAlignment);

    // The ABI does not depend on the model: with the pass, the entry point
    // always takes `weights`, even when nothing was large enough to move.
    auto weightsType = MemRefType::get({size}, IntegerType::get(context, 8));
    unsigned argIndex = entry.getNumArguments();
    auto name = NamedAttribute(StringAttr::get(context, "q8.name"),
                               StringAttr::get(context, "weights"));
    if (failed(entry.insertArgument(argIndex, weightsType,
                                    DictionaryAttr::get(context, {name}),
                                    entry.getLoc()))) {
      entry.emitOpError("cannot append the weights argument");
      return signalPassFailure();
    }
    Value weights = entry.getArgument(argIndex);

    OpBuilder builder(context);
    for (auto [global, offset] : moved) {
      for (memref::GetGlobalOp read : reads[global]) {
        builder.setInsertionPoint(read);
        Value at = arith::ConstantIndexOp::create(builder, read.getLoc(),
                                                  offset);
        Value view = memref::ViewOp::create(builder, read.getLoc(),
                                            read.getType(), weights, at,
                                            ValueRange());
        read.replaceAllUsesWith(view);
        read.erase();
      }
      symbols.erase(global);
    }
    Builder b(context);
    entry->setAttr("q8.weights_size", b.getI64IntegerAttr(size));
    entry->setAttr("q8.weights", b.getArrayAttr(recorded));
  }
};

} // namespace
