//===- DynamicBatch.cpp - prove a dynamic dim is a batch dim --------------===//
//
// See DynamicBatch.h for what is checked and why; BatchLockstep.h compares
// the imports, BatchSeparability.h the lowered graph.
//
//===----------------------------------------------------------------------===//

#include "compiler/DynamicBatch.h"

#include "compiler/BatchLockstep.h"
#include "compiler/BatchSeparability.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using q8::batch::Lockstep;
using q8::batch::entryOf;

namespace {

/// The dynamic dims the importer recorded on the entry's arguments, as one
/// batch dim: its name, bounds and position in each input.
FailureOr<std::optional<q8::BatchDim>> recordedBatch(func::FuncOp entry) {
  q8::BatchDim batch;
  std::string name;
  std::string firstInput;
  bool any = false;
  for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
    auto positions =
        entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dynamic_dims");
    auto input = entry.getArgAttrOfType<StringAttr>(i, "q8.name");
    std::string inputName = input ? input.str() : "#" + std::to_string(i);
    if (!positions) {
      batch.inputs.push_back(-1);
      continue;
    }
    auto names = entry.getArgAttrOfType<ArrayAttr>(i, "q8.dim_names");
    auto mins = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dim_min");
    auto maxes = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dim_max");
    if (positions.size() != 1) {
      std::string list, flag, sized;
      for (auto [n, p] : llvm::enumerate(positions.asArrayRef()))
        list += (n ? ", " : "") + std::to_string(p) + " ('" +
                cast<StringAttr>(names[n]).str() + "')";
      // The flag that keeps the first dynamic dim and asks for the others.
      auto type = cast<ShapedType>(entry.getArgument(i).getType());
      for (int64_t d = 0; d < type.getRank(); ++d) {
        flag += d ? "," : "";
        auto *at = llvm::find(positions.asArrayRef(), d);
        if (at == positions.asArrayRef().end()) {
          flag += std::to_string(type.getDimSize(d));
        } else if (at == positions.asArrayRef().begin()) {
          flag += "?";
        } else {
          std::string param = cast<StringAttr>(
              names[at - positions.asArrayRef().begin()]).str();
          flag += param;
          sized += (sized.empty() ? "" : ", ") + param;
        }
      }
      return entry.emitError()
             << "graph input '" << inputName << "' has dynamic dims " << list
             << "; q8 keeps one dynamic dim, a batch dim, so far: fix the "
                "others, e.g. --input-shape "
             << inputName << "=" << flag << " (giving " << sized
             << " a size)";
    }
    std::string dimName = cast<StringAttr>(names[0]).str();
    if (any && dimName != "?" && name != "?" && dimName != name)
      return entry.emitError()
             << "graph inputs '" << firstInput << "' and '" << inputName
             << "' have different dynamic dims ('" << name << "', '"
             << dimName
             << "'); q8 keeps one dynamic dim, a batch dim, so far: fix "
                "one of them with --input-shape";
    if (!any || name == "?") {
      name = dimName;
      if (!any)
        firstInput = inputName;
    }
    any = true;
    batch.min = std::max(batch.min, mins[0]);
    batch.max = std::min(batch.max, maxes[0]);
    batch.inputs.push_back(positions[0]);
  }
  if (!any)
    return std::optional<q8::BatchDim>();
  if (batch.min > batch.max)
    return entry.emitError() << "the bounds given for dynamic dim '" << name
                             << "' leave no size";
  batch.name = name == "?" ? "batch" : name;
  return std::optional<q8::BatchDim>(batch);
}

} // namespace

FailureOr<std::optional<q8::BatchModel>>
q8::findBatchDim(ModuleOp module, const std::string &path,
                 const ImportOptions &options) {
  func::FuncOp entry = entryOf(module);
  if (!entry)
    return std::optional<BatchModel>();
  FailureOr<std::optional<BatchDim>> recorded = recordedBatch(entry);
  if (failed(recorded))
    return failure();
  if (!*recorded)
    return std::optional<BatchModel>();
  BatchDim batch = **recorded;

  // The model at 37 and 41 items: primes above the sizes models use, so
  // that a batch-sized value rarely equals one of the model's own. At 2 and
  // 3 the canonicalizer merged Silero's index constant 2 with the batch
  // size at 2 only, and CSE a GRU's [3 * 16, 144] buffer with a weight's at
  // 3 only; at 7, Silero's 7 frames. A coincidence makes the graphs differ
  // and refuses the model; it cannot make a wrong one pass.
  MLIRContext *context = module.getContext();
  SmallVector<OwningOpRef<ModuleOp>> imports;
  const int64_t extents[] = {37, 41};
  for (int64_t extent : extents) {
    ImportOptions at = options;
    at.dynamicExtent = extent;
    ImportResult imported = importModel(*context, path, at);
    if (!imported.module) {
      std::string message;
      for (const ImportError &e : imported.errors)
        message += (message.empty() ? "" : "; ") +
                   (e.node.empty() ? "" : "node '" + e.node + "': ") +
                   e.message;
      return entry.emitError() << "the model does not import with "
                               << extent << " items in its dynamic dim '"
                               << batch.name << "': " << message;
    }
    imports.push_back(std::move(imported.module));
  }
  // Items apart, on linalg: the lowered graphs in lockstep.
  SmallVector<OwningOpRef<ModuleOp>> lowered;
  for (OwningOpRef<ModuleOp> &m : imports) {
    lowered.push_back(m->clone());
    if (failed(lowerToLinalg(*lowered.back(), /*cse=*/false)))
      return failure();
  }
  SmallVector<func::FuncOp> loweredFuncs = {entryOf(*lowered[0]),
                                            entryOf(*lowered[1])};
  Lockstep loops(loweredFuncs, extents);
  loops.deferConstants = true;
  if (failed(loops.sameGraph()))
    return failure();
  SmallVector<int64_t> outputs;
  if (failed(q8::batch::checkSeparable(loops, loweredFuncs[0], batch.inputs,
                                       outputs)))
    return failure();
  batch.outputs = outputs;

  // The same q8 graph at both sizes (no constant computed from the
  // batch size), which, scaled down to one item, is the code to compile.
  SmallVector<func::FuncOp> funcs = {entryOf(*imports[0]),
                                     entryOf(*imports[1])};
  Lockstep graph(funcs, extents);
  if (failed(graph.sameGraph()) || failed(graph.rescaleToOneItem()))
    return failure();
  if (failed(mlir::verify(*imports[0])))
    return entry.emitError("the model at one item does not verify");
  return std::optional<BatchModel>(
      BatchModel{std::move(batch), std::move(imports[0])});
}
