//===- PlanArena.cpp - place static allocations in one planned workspace --===//
//
// Compiled models must not call malloc: the caller owns all memory and the
// entry point is reentrant. After bufferization every intermediate is a
// static memref.alloc; this pass gives each a byte offset in one workspace
// argument, letting buffers whose live ranges are disjoint share bytes.
// Upstream MLIR has no such planner (its buffer hoisting and promotion
// passes move allocations but never overlap them).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace q8 {
#define GEN_PASS_DEF_PLANARENA
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// One allocation to place: its size and the range of top-level ops (by
/// position in the function's entry block) during which it holds data.
struct Buffer {
  memref::AllocOp alloc;
  int64_t size = 0;
  int64_t first = 0;
  int64_t last = 0;
  int64_t offset = -1;
};

int64_t alignTo(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// The byte size of a static, identity-layout memref; nullopt otherwise.
std::optional<int64_t> staticByteSize(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace())
    return std::nullopt;
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8)
    return std::nullopt;
  return type.getNumElements() * (bits / 8);
}

/// Extends `buffer`'s range to every op that uses `value` or a view of it.
/// Fails if the memory escapes through the function's terminator.
LogicalResult collectUses(Value value, Block &entry,
                          DenseMap<Operation *, int64_t> &position,
                          Buffer &buffer) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = entry.findAncestorOpInBlock(*use.getOwner());
    if (!user)
      return failure();
    if (user->hasTrait<OpTrait::IsTerminator>())
      return failure();
    // Yielded from a region (a branch of an imported If): the parent op's
    // result aliases the buffer, so its uses keep the bytes alive too.
    Operation *owner = use.getOwner();
    if (owner != user && owner->hasTrait<OpTrait::IsTerminator>() &&
        owner->getParentOp()->getNumResults() == owner->getNumOperands() &&
        failed(collectUses(
            owner->getParentOp()->getResult(use.getOperandNumber()), entry,
            position, buffer)))
      return failure();
    int64_t at = position.lookup(user);
    buffer.first = std::min(buffer.first, at);
    buffer.last = std::max(buffer.last, at);
    // A view aliases the buffer: its uses keep the bytes alive.
    if (auto view = dyn_cast<ViewLikeOpInterface>(use.getOwner()))
      if (view.getViewSource() == value)
        for (Value result : use.getOwner()->getResults())
          if (failed(collectUses(result, entry, position, buffer)))
            return failure();
  }
  return success();
}

struct PlanArena : q8::impl::PlanArenaBase<PlanArena> {
  using PlanArenaBase::PlanArenaBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : entry)
      position[&op] = index++;

    SmallVector<Buffer> buffers;
    for (Operation &op : entry) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      std::optional<int64_t> size = staticByteSize(alloc.getType());
      if (!size)
        continue;
      Buffer buffer;
      buffer.alloc = alloc;
      buffer.size = alignTo(std::max<int64_t>(*size, 1), alignment);
      buffer.first = buffer.last = position[alloc];
      if (failed(collectUses(alloc.getResult(), entry, position, buffer)))
        continue;
      buffers.push_back(buffer);
    }

    // Greedy by size (largest first, then program order): the classic
    // offline arena heuristic, deterministic because the sort is stable.
    SmallVector<Buffer *> order;
    for (Buffer &buffer : buffers)
      order.push_back(&buffer);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) {
      return a->size > b->size;
    });
    int64_t total = 0;
    SmallVector<Buffer *> placed;
    for (Buffer *buffer : order) {
      // Lowest offset that clears every placed buffer live at the same time.
      SmallVector<Buffer *> live;
      for (Buffer *other : placed)
        if (other->first <= buffer->last && buffer->first <= other->last)
          live.push_back(other);
      llvm::sort(live, [](Buffer *a, Buffer *b) {
        return a->offset < b->offset;
      });
      int64_t offset = 0;
      for (Buffer *other : live) {
        if (offset + buffer->size <= other->offset)
          break;
        offset = std::max(offset, other->offset + other->size);
      }
      buffer->offset = offset;
      total = std::max(total, offset + buffer->size);
      placed.push_back(buffer);
    }

    MLIRContext *context = &getContext();
    auto workspaceType =
        MemRefType::get({total}, IntegerType::get(context, 8));
    unsigned argIndex = func.getNumArguments();
    auto name = NamedAttribute(StringAttr::get(context, "q8.name"),
                               StringAttr::get(context, "workspace"));
    if (failed(func.insertArgument(argIndex, workspaceType,
                                   DictionaryAttr::get(context, {name}),
                                   func.getLoc()))) {
      func.emitOpError("cannot append the workspace argument");
      return signalPassFailure();
    }
    Value workspace = func.getArgument(argIndex);

    // One constant per distinct offset, at the top of the function, all
    // made before any alloc (perhaps the insertion point) is erased.
    OpBuilder builder = OpBuilder::atBlockBegin(&entry);
    DenseMap<int64_t, Value> offsets;
    for (Buffer &buffer : buffers)
      if (!offsets.count(buffer.offset))
        offsets[buffer.offset] = arith::ConstantIndexOp::create(
            builder, func.getLoc(), buffer.offset);
    for (Buffer &buffer : buffers) {
      memref::AllocOp alloc = buffer.alloc;
      Value offset = offsets.lookup(buffer.offset);
      builder.setInsertionPoint(alloc);
      Value view =
          memref::ViewOp::create(builder, alloc.getLoc(), alloc.getType(),
                                 workspace, offset, ValueRange());
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      alloc.replaceAllUsesWith(view);
      alloc.erase();
    }
    func->setAttr("q8.workspace_size",
                  IntegerAttr::get(IntegerType::get(context, 64), total));
  }
};

} // namespace
