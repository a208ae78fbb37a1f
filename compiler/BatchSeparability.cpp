//===- BatchSeparability.cpp - is a lowered model item by item? -----------===//

#include "compiler/BatchSeparability.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using q8::batch::Lockstep;
using q8::batch::describe;

namespace {

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
  /// Whether a slice or insert `op` spans dim `d` (of extent `extent`) in
  /// whole blocks of items of layout `inner`, with stride 1 and a static
  /// size: all of it from 0 (`whole`), or from a block's start.
  bool coversBlocks(OffsetSizeAndStrideOpInterface op, int64_t d,
                    int64_t extent, int64_t inner, bool &whole);
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

bool Separability::coversBlocks(OffsetSizeAndStrideOpInterface op, int64_t d,
                                int64_t extent, int64_t inner, bool &whole) {
  if (op.isDynamicStride(d) || op.getStaticStride(d) != 1 ||
      op.isDynamicSize(d))
    return false;
  whole = op.getStaticSize(d) == extent;
  if (whole)
    return !op.isDynamicOffset(d) && op.getStaticOffset(d) == 0;
  return startsAtBlock(op, op.getMixedOffsets()[d], d, inner);
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
    Layout &loop = batchLoops[index.getDim()];
    Layout read = layoutOf(extract.getTensor());
    int64_t extent = op.getStaticLoopRanges()[index.getDim()];
    if (!read.agrees(loop) ||
        extent != cast<ShapedType>(extract.getTensor().getType())
                      .getDimSize(d))
      return false;
    // What the body reads is what the results hold (a loop over an empty
    // init takes the layout of the value it gathers from).
    if (loop.any && !read.any) {
      loop.inner = read.inner;
      loop.any = false;
    }
    return true;
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
    auto constant = dyn_cast<arith::ConstantOp>(op);
    auto dense = constant ? dyn_cast<DenseElementsAttr>(constant.getValue())
                          : DenseElementsAttr();
    for (Value r : op->getResults())
      if (layouts[r].hasBatch() && !(dense && dense.isSplat()))
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
      bool whole = false;
      if (*grown < 0 ||
          !coversBlocks(slice, d, slice.getSourceType().getDimSize(d),
                        layout.inner, whole) ||
          (!whole && (layout.any || perItem(slice.getResult(), *grown) %
                                            layout.inner != 0)))
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
      int64_t inner = dest.any ? source.inner : dest.inner;
      bool whole = false;
      if (*sourceDim < 0 || (!source.any && source.inner != inner) ||
          !coversBlocks(insert, d, insert.getDestType().getDimSize(d), inner,
                        whole))
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
  for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
    Layout layout = layoutOf(v);
    // The ABI's outputs have their batch dim of extent n, item by item.
    if (layout.hasBatch() &&
        ((!layout.any && layout.inner != 1) || perItem(v, layout.dim) != 1)) {
      auto name = func.getResultAttrOfType<StringAttr>(i, "q8.name");
      return ret->emitError()
             << "output '" << (name ? name.getValue() : StringRef("?"))
             << "' holds the batch merged with other elements in its dim "
             << layout.dim
             << ", which the ABI cannot describe (a dim is the batch or a "
                "constant), so q8 cannot keep the batch dim dynamic; fix it "
                "with --input-shape";
    }
    outputDims.push_back(layout.dim);
  }
  return success();
}

} // namespace

LogicalResult q8::batch::checkSeparable(Lockstep &lockstep, func::FuncOp func,
                                        ArrayRef<int64_t> inputDims,
                                        SmallVectorImpl<int64_t> &outputDims) {
  return Separability(lockstep).run(func, inputDims, outputDims);
}
