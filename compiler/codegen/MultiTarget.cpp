//===- MultiTarget.cpp - every target variant in one module ---------------===//
//
// Why the variants are merged here, in the LLVM dialect, rather than as
// LLVM IR modules joined by llvm::Linker: the merged module stays the one
// module every later step already reads (the header and the descriptor
// from the entry's q8.* attributes, --emit=llvm, the object, the shared
// object), so `all` needs no second path through the emitters. The price
// is doing the Linker's one job here: private symbols of different variants
// share names (each variant's constants and helpers are named alike), so
// every symbol a variant defines gets the variant's suffix.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/MultiTarget.h"

#include "compiler/codegen/Target.h"
#include "runtime/q8_dispatch.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

std::string q8::variantSuffix(llvm::StringRef variant) {
  std::string suffix = "__";
  for (char c : variant)
    suffix += c == '-' ? '_' : c;
  return suffix;
}

namespace {

/// The entry function: the op carrying q8.inputs.
LLVM::LLVMFuncOp findEntry(ModuleOp module) {
  for (Operation &op : *module.getBody())
    if (op.hasAttr("q8.inputs"))
      return dyn_cast<LLVM::LLVMFuncOp>(op);
  return {};
}

/// A symbol the merged module holds once, whichever variant declared it:
/// an external function (memcpy, q8_math_exp, the runtime's) or global.
bool isDeclaration(Operation &op) {
  if (auto func = dyn_cast<LLVM::LLVMFuncOp>(op))
    return func.isExternal();
  if (auto global = dyn_cast<LLVM::GlobalOp>(op))
    return global.getLinkage() == LLVM::Linkage::External &&
           !global.getValueOrNull() && global.getInitializerRegion().empty();
  return false;
}

/// Gives every symbol `variant` defines `suffix`, and every function it
/// defines `target`'s CPU and features; what was exported becomes internal.
/// The entry is never inlined (only the dispatcher calls it) and loses its
/// q8.* attributes, which the dispatcher takes over.
void prepareVariant(ModuleOp variant, const q8::TargetInfo &target,
                    StringRef suffix) {
  MLIRContext *context = variant.getContext();
  DenseMap<StringAttr, StringAttr> renamed;
  for (Operation &op : *variant.getBody()) {
    auto name =
        op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (name && !isDeclaration(op))
      renamed[name] = StringAttr::get(context, name.getValue() + suffix);
  }
  // One walk over every attribute for all the renames (rather than one
  // SymbolTable::replaceAllSymbolUses walk per symbol).
  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [&](SymbolRefAttr ref) -> std::optional<Attribute> {
        auto it = renamed.find(ref.getRootReference());
        if (it == renamed.end())
          return std::nullopt;
        return SymbolRefAttr::get(it->second, ref.getNestedReferences());
      });
  replacer.recursivelyReplaceElementsIn(variant, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/false);
  // Renamed, and local to the object: nothing outside it calls a variant's
  // functions (thread-pool tasks included) but through the dispatcher.
  for (Operation &op : *variant.getBody()) {
    auto name =
        op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
    if (!name || !renamed.count(name))
      continue;
    SymbolTable::setSymbolName(&op, renamed[name]);
    if (auto func = dyn_cast<LLVM::LLVMFuncOp>(op);
        func && func.getLinkage() == LLVM::Linkage::External)
      func.setLinkage(LLVM::Linkage::Internal);
    if (auto global = dyn_cast<LLVM::GlobalOp>(op);
        global && global.getLinkage() == LLVM::Linkage::External)
      global.setLinkage(LLVM::Linkage::Internal);
  }

  LLVM::TargetFeaturesAttr features;
  if (!target.features.empty())
    features = LLVM::TargetFeaturesAttr::get(context, target.features);
  for (auto func : variant.getOps<LLVM::LLVMFuncOp>()) {
    if (func.isExternal())
      continue;
    func.setTargetCpuAttr(StringAttr::get(context, target.cpu));
    if (features)
      func.setTargetFeaturesAttr(features);
  }
  // Identical private constants of different variants (weights the
  // variants keep unpacked, biases, scales) may be merged by LLVM.
  for (auto global : variant.getOps<LLVM::GlobalOp>())
    if (global.getConstant() && global.getLinkage() == LLVM::Linkage::Private)
      global.setUnnamedAddr(LLVM::UnnamedAddr::Global);
  if (LLVM::LLVMFuncOp entry = findEntry(variant)) {
    for (NamedAttribute attr : llvm::to_vector(entry->getDiscardableAttrs()))
      if (attr.getName().strref().starts_with("q8."))
        entry->removeDiscardableAttr(attr.getName());
    entry.setNoInline(true);
  }
}

/// Adds `void <symbol>(args...)`: calls q8_dispatch_target() and forwards
/// every argument, unchanged, to the variant it names (the generic one for
/// any value it does not know). Built from the variants' function type, so
/// that it follows the entry point's arity whatever it is.
LLVM::LLVMFuncOp addDispatcher(ModuleOp module, StringRef symbol,
                               LLVM::LLVMFunctionType type,
                               ArrayRef<LLVM::LLVMFuncOp> variants) {
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  OpBuilder builder(context);
  builder.setInsertionPointToEnd(module.getBody());
  auto i32 = IntegerType::get(context, 32);
  auto select = module.lookupSymbol<LLVM::LLVMFuncOp>("q8_dispatch_target");
  if (!select)
    select = LLVM::LLVMFuncOp::create(
        builder, loc, "q8_dispatch_target",
        LLVM::LLVMFunctionType::get(i32, {}));
  auto dispatcher = LLVM::LLVMFuncOp::create(builder, loc, symbol, type);
  Block *entry = dispatcher.addEntryBlock(builder);
  SmallVector<Block *> blocks;
  for (LLVM::LLVMFuncOp variant : variants) {
    Block *block = builder.createBlock(&dispatcher.getBody(),
                                       dispatcher.getBody().end());
    auto call = LLVM::CallOp::create(builder, loc, variant,
                                     entry->getArguments());
    if (type.getReturnType() == LLVM::LLVMVoidType::get(context))
      LLVM::ReturnOp::create(builder, loc, ValueRange());
    else
      LLVM::ReturnOp::create(builder, loc, call.getResult());
    blocks.push_back(block);
  }
  builder.setInsertionPointToEnd(entry);
  Value chosen =
      LLVM::CallOp::create(builder, loc, select, ValueRange()).getResult();
  SmallVector<int32_t> cases;
  for (int32_t i = 1, e = variants.size(); i < e; ++i)
    cases.push_back(i);
  SmallVector<ValueRange> caseOperands(cases.size(), ValueRange());
  LLVM::SwitchOp::create(builder, loc, chosen, blocks.front(), ValueRange(),
                         cases, ArrayRef(blocks).drop_front(),
                         caseOperands);
  return dispatcher;
}

} // namespace

LogicalResult q8::lowerToLLVMDialectAllTargets(ModuleOp module,
                                               const CodegenOptions &options) {
  if (options.externalWeightsThreshold >= 0)
    return module.emitError()
           << "--target all cannot externalize weights yet (each variant "
              "packs its weights differently); drop --external-weights or "
              "name one target";
  MLIRContext *context = module.getContext();
  SmallVector<OwningOpRef<ModuleOp>> lowered;
  SmallVector<LLVM::LLVMFuncOp> entries;
  std::string symbol;
  int64_t workspace = 0;
  DictionaryAttr entryAttrs;
  for (StringRef name : targetVariants()) {
    CodegenOptions variantOptions = options;
    variantOptions.target = *resolveTarget(name);
    OwningOpRef<ModuleOp> variant = module.clone();
    if (failed(lowerToLLVMDialect(*variant, variantOptions)))
      return module.emitError()
             << "lowering the " << name << " variant of --target all failed";
    LLVM::LLVMFuncOp entry = findEntry(*variant);
    if (!entry)
      return module.emitError() << "the " << name
                                << " variant has no entry function";
    if (symbol.empty()) {
      symbol = entry.getSymName().str();
      entryAttrs = entry->getDiscardableAttrDictionary();
    } else if (entry.getFunctionType() != entries.front().getFunctionType()) {
      return module.emitError()
             << "the " << name << " variant's entry point has type "
             << entry.getFunctionType() << ", the generic one's "
             << entries.front().getFunctionType();
    }
    // Each variant tiles and packs in its own way; the caller's workspace
    // must fit the largest.
    if (auto size = entry->getAttrOfType<IntegerAttr>("q8.workspace_size"))
      workspace = std::max(workspace, size.getInt());
    prepareVariant(*variant, variantOptions.target, variantSuffix(name));
    entries.push_back(entry);
    lowered.push_back(std::move(variant));
  }

  // The merged module: every variant's definitions, one copy of each
  // declaration, in variant order (so the same input gives the same bytes).
  Block *body = module.getBody();
  body->dropAllReferences();
  body->getOperations().clear();
  module->setAttrs(lowered.front()->getOperation()->getAttrDictionary());
  llvm::StringSet<> declared;
  for (OwningOpRef<ModuleOp> &variant : lowered)
    for (Operation &op : llvm::make_early_inc_range(*variant->getBody())) {
      if (isDeclaration(op)) {
        auto name =
            op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
        if (!declared.insert(name.getValue()).second)
          continue;
      }
      op.moveBefore(body, body->end());
    }

  LLVM::LLVMFuncOp dispatcher = addDispatcher(
      module, symbol, entries.front().getFunctionType(), entries);
  if (ArrayAttr args = entries.front().getArgAttrsAttr())
    dispatcher.setArgAttrsAttr(args);
  Builder builder(context);
  for (NamedAttribute attr : entryAttrs)
    if (attr.getName().strref().starts_with("q8."))
      dispatcher->setAttr(attr.getName(), attr.getValue());
  dispatcher->setAttr("q8.workspace_size",
                      builder.getI64IntegerAttr(workspace));
  dispatcher->setAttr("q8.target", builder.getStringAttr("all"));
  dispatcher->setAttr("q8.cpu_features", builder.getI64IntegerAttr(0));
  dispatcher->setAttr("q8.variants",
                      builder.getStrArrayAttr(targetVariants()));
  // The dispatcher itself runs on any x86-64.
  dispatcher.setTargetCpuAttr(builder.getStringAttr("x86-64"));
  return success();
}
