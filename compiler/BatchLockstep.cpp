//===- BatchLockstep.cpp - modules at two batch sizes, op by op -----------===//

#include "compiler/BatchLockstep.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using q8::batch::Lockstep;
using q8::batch::describe;
using q8::batch::opsInOrder;
using q8::batch::recordValueIds;

SmallVector<Operation *> q8::batch::opsInOrder(func::FuncOp func) {
  SmallVector<Operation *> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != func.getOperation())
      ops.push_back(op);
  });
  return ops;
}

void q8::batch::recordValueIds(Operation *op, int64_t n, ValueIds &ids) {
  for (auto [r, result] : llvm::enumerate(op->getResults()))
    ids[result] = {n, (int64_t)r};
  int64_t block = 0;
  for (Region &region : op->getRegions())
    for (Block &b : region) {
      for (auto [a, arg] : llvm::enumerate(b.getArguments()))
        ids[arg] = {-2 - n * 64 - block, (int64_t)a};
      ++block;
    }
}

func::FuncOp q8::batch::entryOf(ModuleOp module) {
  func::FuncOp entry;
  module.walk([&](func::FuncOp f) {
    if (!entry && !f.isDeclaration())
      entry = f;
  });
  return entry;
}

std::string q8::batch::describe(Operation *op) {
  std::string name;
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    name = "node '" + loc.getName().str() + "' ";
  else if (auto fused = dyn_cast<FusedLoc>(op->getLoc()))
    for (Location inner : fused.getLocations())
      if (auto loc = dyn_cast<NameLoc>(inner)) {
        name = "node '" + loc.getName().str() + "' ";
        break;
      }
  return name + "(" + op->getName().getStringRef().str() + ")";
}

namespace {

/// How the dims of one shape compare across the imports: -1 where they are
/// equal, else the per-item extent k (the dim is k, 2k, 3k, ...). Fails
/// unless every dim is one or the other.
FailureOr<SmallVector<int64_t>> scaledDims(ArrayRef<Type> types,
                                           ArrayRef<int64_t> extents) {
  auto first = dyn_cast<ShapedType>(types[0]);
  if (!first || !first.hasRank())
    return SmallVector<int64_t>();
  SmallVector<int64_t> scale(first.getRank(), -1);
  for (Type t : types) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || !shaped.hasRank() || shaped.getRank() != first.getRank() ||
        shaped.getElementType() != first.getElementType())
      return failure();
  }
  for (int64_t d = 0; d < first.getRank(); ++d) {
    int64_t base = first.getDimSize(d);
    bool equal = llvm::all_of(types, [&](Type t) {
      return cast<ShapedType>(t).getDimSize(d) == base;
    });
    if (equal)
      continue;
    // Proportional: dims[i] / extents[i] is one k for all imports.
    if (base % extents[0] != 0)
      return failure();
    int64_t k = base / extents[0];
    for (auto [t, e] : llvm::zip(types, extents))
      if (cast<ShapedType>(t).getDimSize(d) != k * e)
        return failure();
    scale[d] = k;
  }
  return scale;
}

/// Whether dense constants whose shapes grow along one dim hold the same
/// data for every item: one item's block, repeated (what folding an Expand
/// of a class token over the batch makes).
bool sameItems(ArrayRef<Attribute> attrs, ArrayRef<int64_t> extents) {
  SmallVector<Type> types;
  for (Attribute a : attrs) {
    auto dense = dyn_cast<DenseElementsAttr>(a);
    if (!dense || dense.isSplat() ||
        dense.getElementType().getIntOrFloatBitWidth() % 8 != 0)
      return false;
    types.push_back(dense.getType());
  }
  FailureOr<SmallVector<int64_t>> perItem = scaledDims(types, extents);
  if (failed(perItem) || llvm::count_if(*perItem, [](int64_t k) {
                           return k >= 0;
                         }) != 1)
    return false;
  ArrayRef<char> itemBlock;
  for (auto [a, extent] : llvm::zip(attrs, extents)) {
    auto dense = cast<DenseElementsAttr>(a);
    ArrayRef<int64_t> shape = dense.getType().getShape();
    int64_t d = llvm::find_if(*perItem, [](int64_t k) { return k >= 0; }) -
                perItem->begin();
    int64_t outer = 1, inner = dense.getElementType().getIntOrFloatBitWidth() / 8;
    for (int64_t i = 0; i < (int64_t)shape.size(); ++i)
      if (i < d)
        outer *= shape[i];
      else if (i > d)
        inner *= shape[i];
    inner *= (*perItem)[d];
    ArrayRef<char> data = dense.getRawData();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t b = 0; b < extent; ++b) {
        ArrayRef<char> block =
            data.slice((o * extent + b) * inner, inner);
        if (itemBlock.empty())
          itemBlock = block;
        else if (block != itemBlock && !(outer > 1 && b == 0))
          return false;
      }
    if (outer > 1)
      return false; // kept simple: the batch dim outermost
  }
  return true;
}

/// Whether attribute values agree across imports: equal, or integer lists
/// (shape attributes) whose entries are equal or proportional to the
/// extents. Constants' values must be equal: a value proportional to the
/// batch size is data computed from it.
bool attributesAgree(ArrayRef<Attribute> attrs, ArrayRef<int64_t> extents,
                     bool isConstantValue) {
  if (llvm::all_equal(attrs))
    return true;
  // An initializer imported again is the same bytes under another key.
  if (llvm::all_of(attrs, [](Attribute a) {
        return isa<DenseResourceElementsAttr>(a);
      })) {
    auto first = cast<DenseResourceElementsAttr>(attrs[0]);
    AsmResourceBlob *blob = first.getRawHandle().getBlob();
    return llvm::all_of(attrs, [&](Attribute a) {
      auto r = cast<DenseResourceElementsAttr>(a);
      AsmResourceBlob *other = r.getRawHandle().getBlob();
      return r.getType() == first.getType() && blob && other &&
             blob->getData() == other->getData();
    });
  }
  auto proportional = [&](ArrayRef<SmallVector<int64_t>> lists) {
    for (size_t i = 0; i < lists[0].size(); ++i) {
      int64_t v = lists[0][i];
      bool equal = llvm::all_of(lists, [&](auto &l) { return l[i] == v; });
      if (equal)
        continue;
      if (v % extents[0] != 0)
        return false;
      for (auto [l, e] : llvm::zip(lists, extents))
        if (l[i] != v / extents[0] * e)
          return false;
    }
    return true;
  };
  SmallVector<SmallVector<int64_t>> lists;
  for (Attribute a : attrs) {
    SmallVector<int64_t> values;
    if (auto array = dyn_cast<DenseI64ArrayAttr>(a)) {
      values.assign(array.asArrayRef().begin(), array.asArrayRef().end());
    } else if (auto array = dyn_cast<ArrayAttr>(a)) {
      for (Attribute e : array) {
        auto i = dyn_cast<IntegerAttr>(e);
        if (!i)
          return false;
        values.push_back(i.getInt());
      }
    } else if (auto dense = dyn_cast<DenseElementsAttr>(a)) {
      if (!dense.isSplat())
        return isConstantValue && sameItems(attrs, extents);
      // A splat of one value over a shape that grows with the batch
      // (ConstantOfShape of the input's shape) is the same constant.
      if (dense.isSplat()) {
        auto first = cast<DenseElementsAttr>(attrs[0]);
        if (!first.isSplat() || dense.getSplatValue<Attribute>() !=
                                    first.getSplatValue<Attribute>())
          return false;
        continue;
      }
      return false;
    } else {
      return false;
    }
    lists.push_back(std::move(values));
  }
  if (lists.empty())
    return true; // splats, compared above
  if (isConstantValue || lists.size() != attrs.size() ||
      !llvm::all_of(lists,
                    [&](auto &l) { return l.size() == lists[0].size(); }))
    return false;
  return proportional(lists);
}

} // namespace

LogicalResult Lockstep::sameGraph() {
  ids.resize(funcs.size());
  for (auto [i, f] : llvm::enumerate(funcs)) {
    ops.push_back(opsInOrder(f));
    for (auto [n, arg] : llvm::enumerate(f.getArguments()))
      ids[i][arg] = {-1, (int64_t)n};
  }
  for (unsigned a = 0; a < funcs[0].getNumArguments(); ++a) {
    SmallVector<Type> types;
    for (func::FuncOp f : funcs)
      types.push_back(f.getArgument(a).getType());
    if (llvm::all_equal(types))
      continue;
    FailureOr<SmallVector<int64_t>> dims = scaledDims(types, extents);
    if (failed(dims))
      return funcs[0].emitError()
             << "graph input #" << a << " does not grow with the batch dim";
    scale[funcs[0].getArgument(a)] = *dims;
  }
  size_t common = ops[0].size();
  for (auto &list : ops)
    common = std::min(common, list.size());
  for (size_t n = 0; n < common; ++n) {
    SmallVector<Operation *> op;
    for (auto &list : ops)
      op.push_back(list[n]);
    if (failed(sameOp(op)))
      return failure();
    position[op[0]] = n;
    for (auto [i, o] : llvm::enumerate(op))
      recordValueIds(o, n, ids[i]);
  }
  for (auto &list : ops)
    if (list.size() != common)
      return funcs[0].emitError()
             << "the model's graph changes with the batch size (it has "
             << ops[0].size() << " ops at " << extents[0] << " items, "
             << list.size() << " at another size), so q8 cannot keep the "
                "batch dim dynamic; fix it with --input-shape";
  return success();
}

LogicalResult Lockstep::rescaleToOneItem() {
  func::FuncOp func = funcs[0];
  MLIRContext *context = func.getContext();
  // One item's shape: each grown dim back to its per-item extent.
  auto itemType = [&](Type type, ArrayRef<int64_t> perItem) -> Type {
    auto shaped = cast<ShapedType>(type);
    SmallVector<int64_t> shape(shaped.getShape());
    for (auto [d, k] : llvm::enumerate(perItem))
      if (k >= 0)
        shape[d] = k;
    return shaped.clone(shape);
  };
  for (auto [value, perItem] : scale)
    value.setType(itemType(value.getType(), perItem));
  // Attributes that grow with the batch (shapes, slice ends): per item.
  for (size_t n = 0; n < ops[0].size(); ++n) {
    Operation *op = ops[0][n];
    for (NamedAttribute attr : llvm::to_vector(op->getAttrs())) {
      Attribute here = attr.getValue();
      Attribute there = ops[1][n]->getAttr(attr.getName());
      if (here == there)
        continue;
      auto perItem = [&](int64_t v, int64_t w) {
        return v == w ? v : v / extents[0];
      };
      Attribute item;
      if (auto a = dyn_cast<DenseI64ArrayAttr>(here)) {
        auto b = cast<DenseI64ArrayAttr>(there);
        SmallVector<int64_t> values;
        for (auto [v, w] : llvm::zip(a.asArrayRef(), b.asArrayRef()))
          values.push_back(perItem(v, w));
        item = DenseI64ArrayAttr::get(context, values);
      } else if (auto a = dyn_cast<ArrayAttr>(here)) {
        auto b = cast<ArrayAttr>(there);
        SmallVector<Attribute> values;
        for (auto [v, w] : llvm::zip(a, b)) {
          auto i = cast<IntegerAttr>(v);
          values.push_back(IntegerAttr::get(
              i.getType(), perItem(i.getInt(), cast<IntegerAttr>(w).getInt())));
        }
        item = ArrayAttr::get(context, values);
      } else if (auto a = dyn_cast<DenseElementsAttr>(here)) {
        auto b = cast<DenseElementsAttr>(there);
        SmallVector<int64_t> perItemDims;
        for (auto [v, w] : llvm::zip(a.getType().getShape(),
                                     b.getType().getShape()))
          perItemDims.push_back(v == w ? -1 : v / extents[0]);
        item = a.resizeSplat(
            cast<ShapedType>(itemType(a.getType(), perItemDims)));
      } else {
        continue; // the same initializer under another resource key
      }
      op->setAttr(attr.getName(), item);
    }
  }
  func.setType(FunctionType::get(
      context, func.front().getArgumentTypes(),
      func.front().getTerminator()->getOperandTypes()));
  return success();
}

LogicalResult Lockstep::sameOp(ArrayRef<Operation *> op) {
  Operation *first = op[0];
  auto differs = [&](const Twine &what) {
    return first->emitError()
           << describe(first) << " changes with the batch size (" << what
           << "), so q8 cannot keep the batch dim dynamic; fix it with "
              "--input-shape";
  };
  for (Operation *o : op.drop_front())
    if (o->getName() != first->getName() ||
        o->getNumOperands() != first->getNumOperands() ||
        o->getNumResults() != first->getNumResults() ||
        o->getNumRegions() != first->getNumRegions() ||
        o->getAttrs().size() != first->getAttrs().size())
      return differs("it is another op at another batch size");
  for (unsigned i = 0; i < first->getNumOperands(); ++i) {
    auto id = ids[0].lookup(first->getOperand(i));
    for (auto [m, o] : llvm::enumerate(op))
      if (ids[m].lookup(o->getOperand(i)) != id)
        return differs("its operands are others");
  }
  for (unsigned r = 0; r < first->getNumResults(); ++r) {
    SmallVector<Type> types;
    for (Operation *o : op)
      types.push_back(o->getResult(r).getType());
    if (llvm::all_equal(types))
      continue;
    FailureOr<SmallVector<int64_t>> dims = scaledDims(types, extents);
    if (failed(dims))
      return differs("result " + Twine(r) +
                     "'s shape does not grow in proportion");
    scale[first->getResult(r)] = *dims;
  }
  // Block arguments of regions (loops' carried values).
  for (unsigned g = 0; g < first->getNumRegions(); ++g) {
    Region &region = first->getRegion(g);
    if (region.getBlocks().size() != 1)
      continue;
    for (unsigned a = 0; a < region.front().getNumArguments(); ++a) {
      SmallVector<Type> types;
      for (Operation *o : op)
        types.push_back(o->getRegion(g).front().getArgument(a).getType());
      if (llvm::all_equal(types))
        continue;
      FailureOr<SmallVector<int64_t>> dims = scaledDims(types, extents);
      if (failed(dims))
        return differs("a loop's value does not grow in proportion");
      scale[region.front().getArgument(a)] = *dims;
    }
  }
  bool isConstant = first->hasTrait<OpTrait::ConstantLike>();
  for (NamedAttribute attr : first->getAttrs()) {
    SmallVector<Attribute> values;
    for (Operation *o : op) {
      Attribute value = o->getAttr(attr.getName());
      if (!value)
        return differs("attribute '" + attr.getName().str() + "'");
      values.push_back(value);
    }
    if (!attributesAgree(values, extents, isConstant) && isConstant &&
        deferConstants) {
      dependent.insert(first);
      continue;
    }
    if (!attributesAgree(values, extents, isConstant))
      return differs(isConstant ? std::string("a constant computed from it")
                                : "attribute '" + attr.getName().str() + "'");
  }
  return success();
}
