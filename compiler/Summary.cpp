//===- Summary.cpp - a human summary of an imported module ----------------===//

#include "compiler/Compiler.h"
#include "compiler/codegen/BatchDim.h"

#include "dialects/Q8/Q8Ops.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"

using namespace mlir;

/// `name: type`; the dynamic dim (at `batchDim`) shows as its name.
static void printValue(llvm::raw_ostream &os, Attribute name, Type type,
                       int64_t batchDim = -1, StringRef batchName = "") {
  os << "  ";
  if (auto str = dyn_cast_if_present<StringAttr>(name))
    os << str.getValue();
  else
    os << "?";
  auto shaped = dyn_cast<RankedTensorType>(type);
  if (batchDim < 0 || !shaped) {
    os << ": " << type << "\n";
    return;
  }
  os << ": tensor<";
  for (auto [i, dim] : llvm::enumerate(shaped.getShape())) {
    if ((int64_t)i == batchDim)
      os << batchName;
    else
      os << dim;
    os << "x";
  }
  os << shaped.getElementType() << ">\n";
}

/// Bytes of one element as stored (i1 as a byte).
static int64_t getElementBytes(Type type) {
  if (type.isIntOrFloat())
    return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
  return 0;
}

void q8::printSummary(llvm::raw_ostream &os, ModuleOp module,
                      const ExtentDim *extent) {
  for (auto func : module.getOps<func::FuncOp>()) {
    os << "function @" << func.getName() << "\n";
    // The dynamic dim, kept as a batch dim or as a dynamic extent: its
    // name, and its position in each input and output.
    std::string dimName;
    ArrayRef<int64_t> inputDims, outputDims;
    std::optional<BatchDim> batch = readBatchDim(module);
    if (batch) {
      os << "batch dim: " << batch->name << " in [" << batch->min << ", ";
      if (batch->max == INT64_MAX)
        os << "unbounded)";
      else
        os << batch->max << "]";
      os << ", compiled for one item\n";
      dimName = batch->name;
      inputDims = batch->inputs;
      outputDims = batch->outputs;
    } else if (extent) {
      os << "dynamic extent: " << extent->name << " in [" << extent->min
         << ", " << extent->max
         << "], run-time extents in the kernels, workspace planned for "
         << extent->max << "\n";
      dimName = extent->name;
      inputDims = extent->inputs;
      outputDims = extent->outputs;
    }
    auto dimOf = [](ArrayRef<int64_t> dims, unsigned i) -> int64_t {
      return i < dims.size() ? dims[i] : -1;
    };
    os << "inputs:\n";
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      printValue(os, func.getArgAttr(i, "q8.name"), func.getArgumentTypes()[i],
                 dimOf(inputDims, i), dimName);
    os << "outputs:\n";
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      printValue(os, func.getResultAttr(i, "q8.name"),
                 func.getResultTypes()[i], dimOf(outputDims, i), dimName);

    SmallVector<std::pair<StringRef, int64_t>> sorted;
    int64_t parameters = 0, bytes = 0, constants = 0;
    func.walk([&](Operation *op) {
      if (isa<func::FuncOp, func::ReturnOp>(op))
        return;
      if (auto constant = dyn_cast<q8::ConstantOp>(op)) {
        auto type = cast<ShapedType>(constant.getType());
        ++constants;
        parameters += type.getNumElements();
        bytes += type.getNumElements() * getElementBytes(type.getElementType());
        return;
      }
      StringRef name = op->getName().getStringRef();
      auto it = llvm::find_if(sorted, [&](auto &p) { return p.first == name; });
      if (it == sorted.end())
        sorted.push_back({name, 1});
      else
        ++it->second;
    });
    llvm::sort(sorted, [](auto &a, auto &b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    os << "ops:\n";
    for (auto &[name, count] : sorted)
      os << "  " << name << ": " << count << "\n";
    os << "constants: " << constants << "\n";
    os << "parameters: " << parameters << " (" << bytes << " bytes)\n";
  }
}
