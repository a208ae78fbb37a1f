//===- OutlineParallel.cpp - parallel loops as thread-pool tasks ----------===//
//
// q8-outline-parallel (Passes.td describes it). Upstream MLIR runs parallel
// loops through the OpenMP dialect (libomp, process-wide threads) or the
// async dialect (coroutines and a C++ runtime); compiled models link only
// libc and libq8rt and run on the caller's pool, so q8 outlines the loops
// itself. The outlining happens here, on memrefs, where the loop is still
// a loop; storing the captured values in memory waits for the LLVM dialect
// (q8-lower-parallel-calls), where every value is a plain LLVM value.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringExtras.h"

namespace q8 {
#define GEN_PASS_DEF_OUTLINEPARALLEL
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// Ops a task recomputes from its captures rather than capturing their
/// results: pure, without regions (constants, index arithmetic, views of
/// buffers). They run once per slice, not per iteration.
bool isRecomputable(Operation *op) {
  if (op->getNumRegions() != 0)
    return false;
  if (isa<memref::GetGlobalOp>(op))
    return true;
  return isMemoryEffectFree(op);
}

/// True if a task can receive `value` as an argument: q8's lowering passes
/// memrefs as bare pointers, which needs a static shape and an identity
/// layout (a view with another layout is recomputed inside instead).
bool isCapturable(Value value) {
  if (auto memref = dyn_cast<MemRefType>(value.getType()))
    return memref.hasStaticShape() && memref.getLayout().isIdentity();
  return !isa<UnrankedMemRefType, TensorType>(value.getType());
}

/// The trip count assumed for a loop over a dynamic extent (its size is
/// only known at run time): a short sequence's.
constexpr int64_t kNominalTrips = 16;

/// Roughly how many operations `op` executes: one per op, loops with a
/// static trip count multiplied out, dynamic ones by kNominalTrips.
int64_t estimateWork(Operation *op) {
  int64_t work = 1;
  for (Region &region : op->getRegions())
    for (Operation &nested : region.getOps())
      work += estimateWork(&nested);
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    std::optional<APInt> trips = loop.getStaticTripCount();
    work = (trips ? std::max<int64_t>(1, trips->getSExtValue())
                  : kNominalTrips) *
           work;
  }
  return work;
}

/// The marked loops to outline: in pre-order, the outermost marked loop
/// with a static trip count of at least 2 and at least `minWork`
/// operations, not looking inside it. (Waking the pool's threads costs
/// about as much as a few thousand vector operations.)
SmallVector<scf::ForOp> parallelLoops(func::FuncOp func, int64_t minWork) {
  SmallVector<scf::ForOp> loops;
  func.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
    if (!loop->hasAttr(q8::kParallelLoopAttr) || loop.getNumResults() != 0)
      return WalkResult::advance();
    // (A dynamic trip count may be large: a dynamic extent's rows.)
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (trips && trips->getSExtValue() < 2)
      return WalkResult::advance();
    if (estimateWork(loop) < minWork)
      return WalkResult::skip();
    loops.push_back(loop);
    return WalkResult::skip();
  });
  return loops;
}

/// `_<node>` for the first name in `loc` (the ONNX node the loop computes,
/// so a profile names it), as identifier characters, at most 48 of them;
/// empty when `loc` holds no name.
std::string nodeSuffix(Location loc) {
  std::string name;
  loc->walk([&](Location nested) {
    if (auto named = dyn_cast<NameLoc>(nested)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (name.empty())
    return name;
  for (char &c : name)
    if (!llvm::isAlnum(c))
      c = '_';
  return "_" + name.substr(0, 48);
}

class Outliner {
public:
  Outliner(func::FuncOp entry, Value pool, SymbolTable &symbols)
      : entry(entry), pool(pool), symbols(symbols), lastTask(entry) {}

  /// Replaces `loop` by a call of a new task function; leaves it alone
  /// (sequential, still correct) when a captured value cannot be passed.
  void outline(scf::ForOp loop) {
    Value lb = loop.getLowerBound(), step = loop.getStep();
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    used.insert(lb);
    used.insert(step);

    // Split what the body uses into ops to recompute and values to pass.
    SetVector<Operation *> recomputed;
    SetVector<Value> captures;
    // First come, first served: the captures follow the order of first use.
    SmallVector<Value> worklist(used.begin(), used.end());
    for (size_t next = 0; next < worklist.size(); ++next) {
      Value value = worklist[next];
      Operation *def = value.getDefiningOp();
      if (def && isRecomputable(def)) {
        if (recomputed.insert(def))
          llvm::append_range(worklist, def->getOperands());
        continue;
      }
      captures.insert(value);
    }
    if (!llvm::all_of(captures, isCapturable))
      return;

    func::FuncOp task = createTask(loop, captures.getArrayRef(),
                                   topologicalSort(recomputed));
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value begin = arith::ConstantIndexOp::create(b, loc, 0);
    // The trip count: static, or ceil(max(ub - lb, 0) / step) at run time.
    Value trips;
    if (std::optional<APInt> count = loop.getStaticTripCount()) {
      trips = arith::ConstantIndexOp::create(b, loc, count->getSExtValue());
    } else {
      Value span = arith::MaxSIOp::create(
          b, loc,
          arith::SubIOp::create(b, loc, loop.getUpperBound(),
                                loop.getLowerBound()),
          arith::ConstantIndexOp::create(b, loc, 0));
      trips = arith::CeilDivSIOp::create(b, loc, span, loop.getStep());
    }
    SmallVector<Value> operands{pool, begin, trips};
    llvm::append_range(operands, captures);
    func::CallOp::create(b, loc, task, operands);
    loop.erase();
  }

private:
  /// @<entry>_task(pool, begin, end, captures...): iterations [begin, end)
  /// of `loop`.
  func::FuncOp createTask(scf::ForOp loop, ArrayRef<Value> captures,
                          const SetVector<Operation *> &recomputed) {
    MLIRContext *context = entry.getContext();
    Location loc = loop.getLoc();
    Type index = IndexType::get(context);
    SmallVector<Type> types{LLVM::LLVMPointerType::get(context), index,
                            index};
    for (Value value : captures)
      types.push_back(value.getType());

    OpBuilder b(context);
    auto task = func::FuncOp::create(
        b, loc, (entry.getName() + "_task" + nodeSuffix(loc)).str(),
        FunctionType::get(context, types, {}));
    task.setPrivate();
    task->setAttr(q8::kParallelTaskAttr, UnitAttr::get(context));
    // After the entry and the tasks before it, in the order of the loops.
    symbols.insert(task, std::next(Block::iterator(lastTask)));
    lastTask = task;

    Block *body = task.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping map;
    for (auto [value, arg] :
         llvm::zip(captures, body->getArguments().drop_front(3)))
      map.map(value, arg);
    for (Operation *op : recomputed)
      b.clone(*op, map);
    Value lb = map.lookupOrDefault(loop.getLowerBound());
    Value step = map.lookupOrDefault(loop.getStep());
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto slice = scf::ForOp::create(b, loc, body->getArgument(1),
                                    body->getArgument(2), one);
    b.setInsertionPoint(slice.getBody()->getTerminator());
    Value offset =
        arith::MulIOp::create(b, loc, slice.getInductionVar(), step);
    map.map(loop.getInductionVar(), arith::AddIOp::create(b, loc, lb, offset));
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
    b.setInsertionPointToEnd(body);
    func::ReturnOp::create(b, loc);
    return task;
  }

  func::FuncOp entry;
  Value pool;
  SymbolTable &symbols;
  Operation *lastTask;
};

struct OutlineParallel : q8::impl::OutlineParallelBase<OutlineParallel> {
  using OutlineParallelBase::OutlineParallelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr("q8.inputs") && !func.isExternal())
        entries.push_back(func);
    for (func::FuncOp entry : entries) {
      // The pool argument, always last (after the workspace and weights).
      NamedAttribute name(StringAttr::get(context, "q8.name"),
                          StringAttr::get(context, "pool"));
      unsigned position = entry.getNumArguments();
      if (failed(entry.insertArgument(position,
                                      LLVM::LLVMPointerType::get(context),
                                      DictionaryAttr::get(context, name),
                                      entry.getLoc())))
        return signalPassFailure();
      Outliner outliner(entry, entry.getArgument(position), symbols);
      for (scf::ForOp loop : parallelLoops(entry, minWork))
        outliner.outline(loop);
    }
  }
};

} // namespace
