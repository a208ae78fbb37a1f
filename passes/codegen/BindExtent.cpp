//===- BindExtent.cpp - a dynamic extent's C ABI and arena room -----------===//
//
// See Passes.td. Bufferization leaves a dynamic extent as memrefs with `?`
// dims: arguments (which the bare-pointer C ABI cannot take) and
// allocations (which q8-plan-arena cannot place). Both become static
// buffers at the extent's bound, viewed at the call's extent n.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/ExtentDim.h"
#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

namespace q8 {
#define GEN_PASS_DEF_BINDEXTENT
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

std::optional<int64_t> evaluate(Value v, Value n, int64_t at, int depth = 0);

/// Dim `index` of the buffer `memref` when the extent n is `at`, through
/// the ops that make and view buffers.
std::optional<int64_t> evaluateDim(Value memref, int64_t index, Value n,
                                   int64_t at, int depth) {
  auto type = cast<MemRefType>(memref.getType());
  if (index < 0 || index >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(index))
    return type.getDimSize(index);
  auto size = [&](OpFoldResult ofr) -> std::optional<int64_t> {
    if (auto value = dyn_cast<Value>(ofr))
      return evaluate(value, n, at, depth + 1);
    return getConstantIntValue(ofr);
  };
  Operation *op = memref.getDefiningOp();
  if (auto alloc = dyn_cast_or_null<memref::AllocOp>(op))
    return size(alloc.getMixedSizes()[index]);
  if (auto cast = dyn_cast_or_null<memref::ReinterpretCastOp>(op))
    return size(cast.getMixedSizes()[index]);
  if (auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(op))
    return size(expand.getMixedOutputShape()[index]);
  if (auto cast = dyn_cast_or_null<memref::CastOp>(op))
    return evaluateDim(cast.getSource(), index, n, at, depth + 1);
  if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(op)) {
    int64_t product = 1;
    // (A local: the groups are returned by value.)
    SmallVector<ReassociationIndices> groups =
        collapse.getReassociationIndices();
    for (int64_t d : groups[index]) {
      std::optional<int64_t> inner =
          evaluateDim(collapse.getSrc(), d, n, at, depth + 1);
      if (!inner)
        return std::nullopt;
      product *= *inner;
    }
    return product;
  }
  if (auto subview = dyn_cast_or_null<memref::SubViewOp>(op);
      subview && subview.getMixedSizes().size() == (size_t)type.getRank())
    return size(subview.getMixedSizes()[index]);
  return std::nullopt;
}

/// The value of the index expression `v` when the extent `n` is `at`:
/// integer arithmetic over n, constants and buffers' dims, or nullopt.
std::optional<int64_t> evaluate(Value v, Value n, int64_t at, int depth) {
  if (v == n)
    return at;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return c;
  Operation *op = v.getDefiningOp();
  if (!op || depth > 64)
    return std::nullopt;
  if (auto dim = dyn_cast<memref::DimOp>(op)) {
    std::optional<int64_t> index = dim.getConstantIndex();
    return index ? evaluateDim(dim.getSource(), *index, n, at, depth + 1)
                 : std::nullopt;
  }
  auto operand = [&](unsigned i) {
    return evaluate(op->getOperand(i), n, at, depth + 1);
  };
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(op))
    return operand(0);
  if (op->getNumOperands() != 2)
    return std::nullopt;
  std::optional<int64_t> a = operand(0), b = operand(1);
  if (!a || !b)
    return std::nullopt;
  if (isa<arith::AddIOp>(op))
    return *a + *b;
  if (isa<arith::SubIOp>(op))
    return *a - *b;
  if (isa<arith::MulIOp>(op))
    return *a * *b;
  if (isa<arith::MaxSIOp>(op))
    return std::max(*a, *b);
  if (isa<arith::MinSIOp>(op))
    return std::min(*a, *b);
  if (*b <= 0)
    return std::nullopt;
  if (isa<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp>(op) && *a >= 0)
    return *a / *b;
  if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(op) && *a >= 0)
    return (*a + *b - 1) / *b;
  if (isa<arith::RemSIOp, arith::RemUIOp>(op) && *a >= 0)
    return *a % *b;
  return std::nullopt;
}

/// Identity strides of a memref of `sizes`, folded where they are static.
SmallVector<OpFoldResult> identityStrides(OpBuilder &b, Location loc,
                                          ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  for (int64_t d = (int64_t)sizes.size() - 2; d >= 0; --d) {
    std::optional<int64_t> inner = getConstantIntValue(strides[d + 1]);
    std::optional<int64_t> size = getConstantIntValue(sizes[d + 1]);
    if (inner && size) {
      strides[d] = b.getIndexAttr(*inner * *size);
      continue;
    }
    strides[d] = arith::MulIOp::create(
                     b, loc, getValueOrCreateConstantIndexOp(b, loc, strides[d + 1]),
                     getValueOrCreateConstantIndexOp(b, loc, sizes[d + 1]))
                     .getResult();
  }
  return strides;
}

/// `buffer` (static) viewed as `type` (dynamic, identity layout) of `sizes`.
Value viewAs(OpBuilder &b, Location loc, Value buffer, MemRefType type,
             ArrayRef<OpFoldResult> sizes) {
  return memref::ReinterpretCastOp::create(b, loc, type, buffer,
                                           b.getIndexAttr(0), sizes,
                                           identityStrides(b, loc, sizes));
}

struct BindExtent : q8::impl::BindExtentBase<BindExtent> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<q8::ExtentDim> extent = q8::readExtentDim(module);
    if (!extent)
      return;
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);
    if (entries.size() != 1) {
      module.emitError("q8.extent needs exactly one entry function");
      return signalPassFailure();
    }
    if (failed(bind(entries.front(), *extent)))
      return signalPassFailure();
  }

  LogicalResult bind(func::FuncOp func, const q8::ExtentDim &extent) {
    MLIRContext *context = func.getContext();
    Location loc = func.getLoc();
    unsigned numInputs = extent.inputs.size();
    if (func.getNumArguments() != numInputs + extent.outputs.size())
      return func.emitError("q8.extent does not match the entry's arguments");

    // dims, then n = dims[0].
    auto dimsType = MemRefType::get({1}, IntegerType::get(context, 64));
    if (failed(func.insertArgument(0, dimsType,
                                   DictionaryAttr::get(context, {NamedAttribute(
                                       StringAttr::get(context, "q8.name"),
                                       StringAttr::get(context, "dims"))}),
                                   loc)))
      return failure();
    Block &entry = func.front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value loaded = memref::LoadOp::create(b, loc, func.getArgument(0),
                                          ValueRange{zero});
    Value n = arith::IndexCastOp::create(b, loc, b.getIndexType(), loaded);

    // Arguments: static at the bound, viewed at n.
    SmallVector<Type> argTypes(func.getArgumentTypes());
    for (unsigned i = 0; i + 1 < func.getNumArguments(); ++i) {
      BlockArgument arg = func.getArgument(i + 1);
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || type.hasStaticShape())
        continue;
      int64_t position = i < numInputs ? extent.inputs[i]
                                       : extent.outputs[i - numInputs];
      SmallVector<int64_t> bound(type.getShape());
      SmallVector<OpFoldResult> sizes;
      for (auto [d, size] : llvm::enumerate(type.getShape())) {
        if (!ShapedType::isDynamic(size)) {
          sizes.push_back(b.getIndexAttr(size));
          continue;
        }
        if ((int64_t)d != position)
          return func.emitError() << "argument #" << i << " has a dynamic dim "
                                  << d << " that is not '" << extent.name
                                  << "'";
        bound[d] = extent.max;
        sizes.push_back(n);
      }
      auto staticType = MemRefType::get(bound, type.getElementType());
      arg.setType(staticType);
      argTypes[i + 1] = staticType;
      Value view = viewAs(b, loc, arg, type, sizes);
      arg.replaceAllUsesExcept(view, view.getDefiningOp());
    }
    func.setType(FunctionType::get(context, argTypes, func.getResultTypes()));

    // The dims of those views are the sizes they were made with.
    func.walk([&](memref::DimOp dim) {
      auto cast = dim.getSource().getDefiningOp<memref::ReinterpretCastOp>();
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!cast || !index || *index >= (int64_t)cast.getMixedSizes().size())
        return;
      OpFoldResult size = cast.getMixedSizes()[*index];
      OpBuilder at(dim);
      dim.replaceAllUsesWith(
          getValueOrCreateConstantIndexOp(at, dim.getLoc(), size));
      dim.erase();
    });

    // Allocations: static at the bound, viewed at their sizes.
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) {
      if (!alloc.getDynamicSizes().empty())
        allocs.push_back(alloc);
    });
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      if (!type.getLayout().isIdentity())
        return alloc.emitError("a dynamic buffer with a non-identity layout");
      SmallVector<int64_t> bound(type.getShape());
      SmallVector<OpFoldResult> sizes;
      unsigned next = 0;
      for (auto [d, size] : llvm::enumerate(type.getShape())) {
        if (!ShapedType::isDynamic(size)) {
          sizes.push_back(b.getIndexAttr(size));
          continue;
        }
        Value value = alloc.getDynamicSizes()[next++];
        std::optional<int64_t> low = evaluate(value, n, extent.min);
        std::optional<int64_t> high = evaluate(value, n, extent.max);
        if (!low || !high || *low > *high || *low < 0)
          return alloc.emitError()
                 << "cannot bound the size of this buffer's dim " << d
                 << " by the bounds of '" << extent.name << "'";
        bound[d] = *high;
        sizes.push_back(value);
      }
      OpBuilder at(alloc);
      auto staticAlloc = memref::AllocOp::create(
          at, alloc.getLoc(), MemRefType::get(bound, type.getElementType()),
          alloc.getAlignmentAttr());
      Value view = viewAs(at, alloc.getLoc(), staticAlloc, type, sizes);
      alloc.replaceAllUsesWith(view);
      alloc.erase();
    }
    return success();
  }
};

} // namespace
