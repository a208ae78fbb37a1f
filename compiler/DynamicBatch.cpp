//===- DynamicBatch.cpp - prove a dynamic dim is a batch dim --------------===//
//
// See DynamicBatch.h for what is checked and why. Both walks compare the
// modules op by op in the same pre-order; an op, operand or attribute that
// differs in kind is reported as "the model changes with the batch size",
// a shape that grows with it other than in proportion likewise.
//
//===----------------------------------------------------------------------===//

#include "compiler/DynamicBatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

/// The three imports' entry functions, and one's ops in walk order.
SmallVector<Operation *> opsInOrder(func::FuncOp func) {
  SmallVector<Operation *> ops;
  func.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op != func.getOperation())
      ops.push_back(op);
  });
  return ops;
}

func::FuncOp entryOf(ModuleOp module) {
  func::FuncOp entry;
  module.walk([&](func::FuncOp f) {
    if (!entry && !f.isDeclaration())
      entry = f;
  });
  return entry;
}

/// The node an op came from, for messages: "node 'x' (q8.softmax)".
std::string describe(Operation *op) {
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

/// Walks modules imported at `extents` in lockstep; reports on `report`'s
/// first op where they differ.
class Lockstep {
public:
  Lockstep(ArrayRef<func::FuncOp> funcs, ArrayRef<int64_t> extents)
      : funcs(funcs.begin(), funcs.end()), extents(extents) {}

  /// Fails (reported) unless the modules are one graph.
  LogicalResult sameGraph();

  /// After sameGraph: rewrites the first module in place into the graph at
  /// one item, each grown dim and attribute entry divided by its extent.
  LogicalResult rescaleToOneItem();

  /// With deferConstants, constants whose values differ are recorded in
  /// `dependent` rather than failing sameGraph (Separability reports the
  /// op that uses one, which says more).
  bool deferConstants = false;
  llvm::SmallPtrSet<Operation *, 4> dependent;

  /// For each value of the first module with a dim that grows with the
  /// batch: that dim's per-item extent map (from scaledDims).
  DenseMap<Value, SmallVector<int64_t>> scale;
  SmallVector<SmallVector<Operation *>> ops;
  /// The op of the second module at `op`'s place in the first's walk.
  Operation *partner(Operation *op) const {
    auto it = position.find(op);
    return it == position.end() ? nullptr : ops[1][it->second];
  }
  /// The batch size module `i` was imported at.
  int64_t extent(size_t i) const { return extents[i]; }

private:
  LogicalResult sameOp(ArrayRef<Operation *> op);
  SmallVector<func::FuncOp> funcs;
  ArrayRef<int64_t> extents;
  DenseMap<Operation *, size_t> position;
  /// Each value's position in the walk (the same in every module).
  SmallVector<DenseMap<Value, std::pair<int64_t, int64_t>>> ids;
};

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
    for (auto [i, o] : llvm::enumerate(op)) {
      for (auto [r, result] : llvm::enumerate(o->getResults()))
        ids[i][result] = {(int64_t)n, (int64_t)r};
      int64_t block = 0;
      for (Region &region : o->getRegions())
        for (Block &b : region) {
          for (auto [a, arg] : llvm::enumerate(b.getArguments()))
            ids[i][arg] = {-2 - (int64_t)n * 64 - block, (int64_t)a};
          ++block;
        }
    }
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

/// Where a value of the lowered module at the smaller extent keeps the
/// batch: along `dim`, whose extent is n x k (k per item), element
/// (o * n + b) * inner + i belongs to item b. Inputs have inner 1 and
/// k 1; a matrix of all time steps of an LSTM, [seq * n, 4h], has inner 1
/// and outer seq; a value of `any` layout (an empty tensor, a splat) holds
/// nothing that depends on the item yet.
struct Layout {
  int64_t dim = -1; ///< -1: no batch dim
  int64_t inner = 1;
  bool any = false;
  bool hasBatch() const { return dim >= 0; }
  bool agrees(const Layout &other) const {
    return dim == other.dim && (any || other.any || inner == other.inner);
  }
};

class Separability {
public:
  Separability(Lockstep &lockstep) : step(lockstep) {}
  LogicalResult run(func::FuncOp func, ArrayRef<int64_t> inputDims,
                    SmallVectorImpl<int64_t> &outputDims);

private:
  Layout layoutOf(Value v) const { return layouts.lookup(v); }
  int64_t batchOf(Value v) const { return layouts.lookup(v).dim; }
  /// The per-item extent of `v`'s dim `d` (k), or -1 if it does not grow.
  int64_t perItem(Value v, int64_t d) const {
    auto it = step.scale.find(v);
    return it == step.scale.end() || d < 0 ? -1 : it->second[d];
  }
  /// The dim of `v` that grows with the batch, -1 if none (fails if more
  /// than one).
  FailureOr<int64_t> grownDim(Operation *op, Value v);
  LogicalResult visitBlock(Block &block);
  LogicalResult visit(Operation *op);
  LogicalResult visitLinalg(linalg::LinalgOp op);
  LogicalResult visitLoop(scf::ForOp loop);
  /// For a slice's offset along a batch dim of layout `inner`: whether it
  /// starts at a whole block of items (a multiple of n x inner).
  bool startsAtBlock(Operation *op, OpFoldResult offset, unsigned index,
                     int64_t inner);
  LogicalResult mixes(Operation *op, const Twine &why) {
    return op->emitError()
           << describe(op) << " " << why
           << ", so q8 cannot keep the batch dim dynamic; fix it with "
              "--input-shape";
  }

  Lockstep &step;
  DenseMap<Value, Layout> layouts;
  /// Index values known to be n x a x (an integer): value -> a.
  DenseMap<Value, int64_t> multipleOf;
};

FailureOr<int64_t> Separability::grownDim(Operation *op, Value v) {
  auto it = step.scale.find(v);
  if (it == step.scale.end())
    return -1;
  int64_t found = -1;
  for (auto [d, k] : llvm::enumerate(it->second)) {
    if (k < 0)
      continue;
    if (found >= 0)
      return mixes(op, "makes a value with two dims that grow with the "
                       "batch");
    found = d;
  }
  return found;
}

bool Separability::startsAtBlock(Operation *op, OpFoldResult offset,
                                 unsigned index, int64_t inner) {
  if (auto value = dyn_cast<Value>(offset)) {
    auto it = multipleOf.find(value);
    return it != multipleOf.end() && it->second % inner == 0;
  }
  // Static: 0, or proportional to the batch (n x k, with inner | k; the
  // partner op's offset is the same k at the other extent).
  Operation *other = step.partner(op);
  auto mine = op->getAttrOfType<DenseI64ArrayAttr>("static_offsets");
  auto theirs =
      other ? other->getAttrOfType<DenseI64ArrayAttr>("static_offsets")
            : DenseI64ArrayAttr();
  if (!mine || !theirs || (int64_t)index >= mine.size() ||
      mine.size() != theirs.size())
    return false;
  int64_t a = mine[index], b = theirs[index];
  if (a == 0 && b == 0)
    return true;
  int64_t n0 = step.extent(0), n1 = step.extent(1);
  return a % n0 == 0 && a / n0 * n1 == b && (a / n0) % inner == 0;
}

LogicalResult Separability::visitLinalg(linalg::LinalgOp op) {
  // The loops that run over items: those over an operand's batch dim, each
  // with the layout its operands agree on.
  llvm::SmallDenseMap<unsigned, Layout> batchLoops;
  for (OpOperand &operand : op->getOpOperands()) {
    Layout layout = layoutOf(operand.get());
    if (!layout.hasBatch())
      continue;
    AffineExpr expr = op.getMatchingIndexingMap(&operand).getResult(layout.dim);
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim)
      return mixes(op, "reads its batch dim through an index expression");
    auto [it, inserted] = batchLoops.try_emplace(dim.getPosition(), layout);
    if (!inserted) {
      Layout &seen = it->second;
      if (seen.any)
        seen = layout;
      else if (!layout.any && layout.inner != seen.inner)
        return mixes(op, "combines values that hold their items in "
                         "different orders");
    }
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto &[loop, layout] : batchLoops)
    if (iterators[loop] != utils::IteratorType::parallel)
      return mixes(op, "reduces over the batch dim");
  // Every operand reads the batch loops exactly where its batch dim is.
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    int64_t d = batchOf(operand.get());
    for (auto [r, expr] : llvm::enumerate(map.getResults()))
      for (auto &[loop, layout] : batchLoops)
        if (expr.isFunctionOfDim(loop) &&
            ((int64_t)r != d || !isa<AffineDimExpr>(expr)))
          return mixes(op, "indexes a batch loop in a dim that is not a "
                           "batch dim");
  }
  // The body must not depend on which item it computes: it may read a
  // value with a batch dim it does not take as an operand (a lowered
  // Gather) only at its own item, indexing the batch dim with the batch
  // loop's index (over the same extent and layout) and nothing else with it.
  auto readsOwnItem = [&](tensor::ExtractOp extract, int64_t d) {
    auto index = extract.getIndices()[d].getDefiningOp<linalg::IndexOp>();
    if (!index || !batchLoops.count(index.getDim()))
      return false;
    Layout loop = batchLoops.lookup(index.getDim());
    Layout read = layoutOf(extract.getTensor());
    int64_t extent = op.getStaticLoopRanges()[index.getDim()];
    return read.agrees(loop) &&
           extent == cast<ShapedType>(extract.getTensor().getType())
                         .getDimSize(d);
  };
  WalkResult walk = op->walk([&](Operation *inner) {
    if (inner == op.getOperation())
      return WalkResult::advance();
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      if (!batchLoops.count(index.getDim()))
        return WalkResult::advance();
      for (OpOperand &use : index->getUses()) {
        auto extract = dyn_cast<tensor::ExtractOp>(use.getOwner());
        if (!extract || use.getOperandNumber() == 0 ||
            batchOf(extract.getTensor()) !=
                (int64_t)use.getOperandNumber() - 1)
          return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    for (Value v : inner->getOperands()) {
      if (!layoutOf(v).hasBatch() && !multipleOf.count(v))
        continue;
      if (op->isAncestor(v.getParentBlock()->getParentOp()))
        continue;
      auto extract = dyn_cast<tensor::ExtractOp>(inner);
      if (!extract || v != extract.getTensor() ||
          !readsOwnItem(extract, batchOf(v)))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return mixes(op, "computes with the item's index or reads other items");
  for (OpResult result : op->getResults()) {
    AffineMap map = op.getIndexingMapMatchingResult(result);
    Layout layout;
    for (auto [r, expr] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(expr))
        if (batchLoops.count(dim.getPosition())) {
          layout = batchLoops.lookup(dim.getPosition());
          layout.dim = r;
        }
    layouts[result] = layout;
  }
  return success();
}

LogicalResult Separability::visitLoop(scf::ForOp loop) {
  // A loop over time or layers carrying tensors: each carried value keeps
  // its initial value's layout, or, starting empty, takes the one the body
  // gives it (visited again with it), and must yield what it took.
  for (auto [init, arg] : llvm::zip(loop.getInitArgs(),
                                    loop.getRegionIterArgs()))
    layouts[arg] = layoutOf(init);
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (int pass = 0; pass < 2; ++pass) {
    if (failed(visitBlock(*loop.getBody())))
      return failure();
    bool changed = false;
    for (auto [value, arg] :
         llvm::zip(yield.getOperands(), loop.getRegionIterArgs())) {
      Layout carried = layoutOf(arg), yielded = layoutOf(value);
      if (!carried.agrees(yielded))
        return mixes(loop, "moves the batch dim between iterations");
      if (carried.any && !yielded.any) {
        layouts[arg] = yielded;
        changed = true;
      }
    }
    if (!changed)
      break;
  }
  for (auto [arg, result] :
       llvm::zip(loop.getRegionIterArgs(), loop.getResults())) {
    layouts[result] = layoutOf(arg);
  }
  return success();
}

LogicalResult Separability::visit(Operation *op) {
  // Index constants proportional to the batch are slice offsets and sizes
  // (an LSTM's step t starts at row t x n); anything else computed from
  // the batch size is not an item's computation.
  if (auto constant = dyn_cast<arith::ConstantIndexOp>(op)) {
    if (step.dependent.contains(op)) {
      auto other = dyn_cast_or_null<arith::ConstantIndexOp>(step.partner(op));
      int64_t a = constant.value(), b = other ? other.value() : 0;
      if (a % step.extent(0) != 0 ||
          a / step.extent(0) * step.extent(1) != b)
        return mixes(op, "is an index computed from the batch size");
      multipleOf[constant] = a / step.extent(0);
    }
    return success();
  }
  if (auto mul = dyn_cast<arith::MulIOp>(op)) {
    auto scaled = [&](Value v) { return multipleOf.lookup(v); };
    int64_t a = scaled(mul.getLhs()), b = scaled(mul.getRhs());
    if (a && b)
      return mixes(op, "multiplies indices computed from the batch size");
    if (a || b)
      multipleOf[mul] = a ? a : b;
    return success();
  }
  for (Value v : op->getOperands()) {
    if (Operation *def = v.getDefiningOp())
      if (step.dependent.contains(def) && !multipleOf.count(v))
        return mixes(op, "computes with the batch size");
    if (multipleOf.count(v) &&
        !isa<tensor::ExtractSliceOp, tensor::InsertSliceOp>(op))
      return mixes(op, "computes with an index computed from the batch size");
  }
  bool readsBatch = llvm::any_of(
      op->getOperands(), [&](Value v) { return batchOf(v) >= 0; });
  bool grows = llvm::any_of(op->getResults(), [&](Value v) {
    return step.scale.count(v) != 0;
  });
  // Results whose layout is any: the grown dim, nothing in it yet.
  auto setAny = [&]() -> LogicalResult {
    for (Value r : op->getResults()) {
      FailureOr<int64_t> d = grownDim(op, r);
      if (failed(d))
        return failure();
      layouts[r] = Layout{*d, 1, true};
    }
    return success();
  };

  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (failed(visitLinalg(linalgOp)))
      return failure();
  } else if (isa<tensor::EmptyOp, bufferization::AllocTensorOp>(op) &&
             op->getNumOperands() == 0) {
    if (failed(setAny()))
      return failure();
  } else if (op->hasTrait<OpTrait::ConstantLike>()) {
    // Compared by value: a splat, or one item's data repeated (batch dim
    // outermost, sameItems).
    if (failed(setAny()))
      return failure();
    for (Value r : op->getResults())
      if (layouts[r].hasBatch() &&
          !cast<DenseElementsAttr>(
               cast<arith::ConstantOp>(op).getValue()).isSplat())
        layouts[r].any = false;
  } else if (!readsBatch && !grows) {
    return success();
  } else if (auto alloc = dyn_cast<bufferization::AllocTensorOp>(op)) {
    // A copy of a value: its layout.
    if (!alloc.getCopy())
      return mixes(op, "allocates from values that depend on the batch");
    layouts[alloc.getResult()] = layoutOf(alloc.getCopy());
  } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    Layout layout = layoutOf(collapse.getSrc());
    auto shape = collapse.getSrcType().getShape();
    for (auto [g, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      if (!llvm::is_contained(group, layout.dim))
        continue;
      // The dims after the batch dim in the group become inner.
      for (int64_t after : group)
        if (after > layout.dim)
          layout.inner *= shape[after];
      layout.dim = g;
      break;
    }
    layouts[collapse.getResult()] = layout;
  } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    Layout layout = layoutOf(expand.getSrc());
    FailureOr<int64_t> grown = grownDim(op, expand.getResult());
    if (failed(grown))
      return failure();
    auto shape = expand.getResultType().getShape();
    for (auto [g, group] :
         llvm::enumerate(expand.getReassociationIndices())) {
      if ((int64_t)g != layout.dim)
        continue;
      if (!llvm::is_contained(group, *grown))
        return mixes(op, "splits the batch dim");
      // The dims after the grown one take the inner elements; the item
      // index must not be split between dims.
      int64_t after = 1;
      for (int64_t r : group)
        if (r > *grown)
          after *= shape[r];
      if (!layout.any && layout.inner % after != 0)
        return mixes(op, "splits the batch dim inside items");
      layout.inner = layout.any ? 1 : layout.inner / after;
      int64_t k = perItem(expand.getResult(), *grown);
      if (!layout.any && k % layout.inner != 0)
        return mixes(op, "splits the batch dim inside items");
      layout.dim = *grown;
      break;
    }
    layouts[expand.getResult()] = layout;
  } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    Layout layout = layoutOf(slice.getSource());
    FailureOr<int64_t> grown = grownDim(op, slice.getResult());
    if (failed(grown))
      return failure();
    if (layout.hasBatch()) {
      int64_t d = layout.dim;
      bool whole = !slice.isDynamicSize(d) &&
                   slice.getStaticSize(d) ==
                       slice.getSourceType().getDimSize(d);
      if (slice.isDynamicStride(d) || slice.getStaticStride(d) != 1 ||
          slice.isDynamicSize(d) || *grown < 0 ||
          !(whole ? (!slice.isDynamicOffset(d) &&
                     slice.getStaticOffset(d) == 0)
                  : (!layout.any && startsAtBlock(op, slice.getMixedOffsets()[d],
                                                  d, layout.inner) &&
                     perItem(slice.getResult(), *grown) % layout.inner == 0)))
        return mixes(op, "takes part of the batch dim");
      layout.dim = *grown;
    }
    layouts[slice.getResult()] = layout;
  } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    Layout dest = layoutOf(insert.getDest());
    Layout source = layoutOf(insert.getSource());
    FailureOr<int64_t> sourceDim = grownDim(op, insert.getSource());
    if (failed(sourceDim))
      return failure();
    if (!dest.hasBatch() && source.hasBatch())
      return mixes(op, "writes items into a value without a batch dim");
    if (dest.hasBatch()) {
      int64_t d = dest.dim;
      bool whole = !insert.isDynamicSize(d) &&
                   insert.getStaticSize(d) ==
                       insert.getDestType().getDimSize(d);
      int64_t inner = dest.any ? source.inner : dest.inner;
      if (insert.isDynamicStride(d) || insert.getStaticStride(d) != 1 ||
          insert.isDynamicSize(d) || *sourceDim < 0 ||
          (!source.any && source.inner != inner) ||
          !(whole ? (!insert.isDynamicOffset(d) &&
                     insert.getStaticOffset(d) == 0)
                  : startsAtBlock(op, insert.getMixedOffsets()[d], d, inner)))
        return mixes(op, "writes part of the batch dim");
      if (dest.any && (whole || !source.any))
        dest = Layout{d, inner, source.any};
    }
    layouts[insert.getResult()] = dest;
  } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    Layout layout = layoutOf(pad.getSource());
    int64_t d = layout.dim;
    if (d >= 0 && (pad.getStaticLow()[d] != 0 || pad.getStaticHigh()[d] != 0))
      return mixes(op, "pads the batch dim");
    layouts[pad.getResult()] = layout;
  } else if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    Layout layout;
    for (Value input : concat.getInputs()) {
      Layout l = layoutOf(input);
      if (l.dim == (int64_t)concat.getDim())
        return mixes(op, "concatenates along the batch dim");
      if (!l.hasBatch())
        continue;
      if (layout.hasBatch() && !layout.agrees(l))
        return mixes(op, "concatenates values that hold their items in "
                         "different orders");
      if (!layout.hasBatch() || layout.any)
        layout = l;
    }
    layouts[concat.getResult()] = layout;
  } else if (isa<tensor::CastOp>(op)) {
    layouts[op->getResult(0)] = layoutOf(op->getOperand(0));
  } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
    if (failed(visitLoop(loop)))
      return failure();
  } else if (isa<scf::YieldOp, func::ReturnOp>(op)) {
    return success(); // checked by the loop and by run
  } else {
    return mixes(op, "is not known to keep batch items apart");
  }
  // What the rules above derived must be where the shapes grow.
  for (Value r : op->getResults()) {
    FailureOr<int64_t> grown = grownDim(op, r);
    if (failed(grown))
      return failure();
    if (*grown != batchOf(r))
      return mixes(op, "moves the batch dim");
  }
  return success();
}

LogicalResult Separability::visitBlock(Block &block) {
  for (Operation &op : block)
    if (failed(visit(&op)))
      return failure();
  return success();
}

LogicalResult Separability::run(func::FuncOp func, ArrayRef<int64_t> inputDims,
                                SmallVectorImpl<int64_t> &outputDims) {
  for (auto [arg, d] : llvm::zip(func.getArguments(), inputDims))
    layouts[arg] = Layout{d, 1, false};
  if (failed(visitBlock(func.front())))
    return failure();
  Operation *ret = func.front().getTerminator();
  for (Value v : ret->getOperands()) {
    Layout layout = layoutOf(v);
    // The ABI's outputs have their batch dim of extent n, item by item.
    if (layout.hasBatch() &&
        ((!layout.any && layout.inner != 1) || perItem(v, layout.dim) != 1))
      return mixes(ret, "returns a value whose batch dim holds more than "
                        "the items");
    outputDims.push_back(layout.dim);
  }
  return success();
}

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

  // The model at 2 and 3 items.
  MLIRContext *context = module.getContext();
  SmallVector<OwningOpRef<ModuleOp>> imports;
  const int64_t extents[] = {2, 3};
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
  Separability separate(loops);
  SmallVector<int64_t> outputs;
  if (failed(separate.run(loweredFuncs[0], batch.inputs, outputs)))
    return failure();
  batch.outputs = outputs;

  // The same q8 graph at 2 and 3 items (no constant computed from the
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
