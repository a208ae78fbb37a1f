//===- MatmulEpilogue.cpp - a matmul's elementwise consumer on registers --===//
//
// After an int8 matmul, q8's lowering writes the int32 product to a buffer
// C and then an elementwise linalg.generic reads it back: add the zero-point
// offsets, convert, scale (dequantize), or requantize to u8, add a bias,
// apply an activation. That second pass over C costs a store and a load of
// every int32 and, for a 128 x 3072 product, about as much time as 5 % of
// the GEMM. q8-matmul-kernels folds such a consumer into the kernels
// instead: in the last K block each accumulator vector runs through the
// consumer's body, vectorized op by op (every body op is elementwise, so the
// vector form computes each lane exactly as the scalar form would, and the
// results are the bytes the unfused op gives), and is stored straight into
// the consumer's output. C then holds only partial sums of earlier K blocks,
// or nothing at all when K is one block.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/MatmulKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace q8::matmul {
namespace {

/// The buffer a view (subview, reshape, cast) is ultimately a view of.
Value rootOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether `a` and `b` view the same elements the same way: one value, or
/// the same reshape of one buffer.
bool sameView(Value a, Value b) {
  if (a == b)
    return true;
  auto ca = a.getDefiningOp<memref::CollapseShapeOp>();
  auto cb = b.getDefiningOp<memref::CollapseShapeOp>();
  if (ca && cb)
    return ca.getSrc() == cb.getSrc() &&
           ca.getReassociationIndices() == cb.getReassociationIndices();
  auto ea = a.getDefiningOp<memref::ExpandShapeOp>();
  auto eb = b.getDefiningOp<memref::ExpandShapeOp>();
  return ea && eb && ea.getSrc() == eb.getSrc() &&
         ea.getReassociationIndices() == eb.getReassociationIndices() &&
         ea.getType() == eb.getType();
}

bool isScalar(Type type) {
  return isa<IntegerType, FloatType, IndexType>(type);
}

/// Whether `v` is available at `point`: a value of an enclosing region, or
/// of point's block defined before it.
bool dominates(Value v, Operation *point) {
  Region *region = v.getParentRegion();
  if (region != point->getParentRegion())
    return region->isProperAncestor(point->getParentRegion());
  Operation *def = v.getDefiningOp();
  return !def || (def->getBlock() == point->getBlock() &&
                  def->isBeforeInBlock(point));
}

/// Makes `v` available at `point`: it is, or it is a static allocation, a
/// global's address or a reshape of one of those defined later in point's
/// block, which moves up (a reshape after what it views).
bool hoistTo(Value v, Operation *point) {
  if (dominates(v, point))
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != point->getBlock())
    return false;
  if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def)) {
    if (!hoistTo(def->getOperand(0), point))
      return false;
  } else if (def->getNumOperands() ||
             !isa<memref::AllocOp, memref::GetGlobalOp>(def)) {
    return false;
  }
  def->moveBefore(point);
  return true;
}

/// True if the body computes one value elementwise from its arguments and
/// values of enclosing regions, with arith/math ops only.
bool isElementwiseBody(Block &body, Operation *point) {
  for (Operation &op : body.without_terminator()) {
    if (op.getNumRegions() || !llvm::all_of(op.getResultTypes(), isScalar))
      return false;
    if (isa<arith::ConstantOp>(op))
      continue;
    if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) ||
        !op.hasTrait<OpTrait::Elementwise>())
      return false;
    for (Value operand : op.getOperands())
      if (operand.getParentBlock() != &body &&
          (!isScalar(operand.getType()) || !dominates(operand, point)))
        return false;
  }
  Operation *yield = body.getTerminator();
  return yield->getNumOperands() == 1;
}

/// True if no op strictly between `from` and `to` (same block) reads or
/// writes `written`'s buffer or writes one of `read`'s: moving `to`'s
/// writes up to `from` changes nothing those ops see.
bool nothingInBetween(Operation *from, Operation *to, Value written,
                      ArrayRef<Value> read) {
  Value writtenRoot = rootOf(written);
  SmallVector<Value> readRoots;
  for (Value v : read)
    readRoots.push_back(rootOf(v));
  for (Operation *op = from->getNextNode(); op != to; op = op->getNextNode()) {
    if (isMemoryEffectFree(op))
      continue;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return false;
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      // (An allocation, of the output say, touches no contents.)
      if (isa<MemoryEffects::Allocate>(effect.getEffect()))
        continue;
      Value value = effect.getValue();
      if (!value)
        return false;
      Value root = rootOf(value);
      if (root == writtenRoot)
        return false;
      if (isa<MemoryEffects::Write>(effect.getEffect()) &&
          llvm::is_contained(readRoots, root))
        return false;
    }
  }
  return true;
}

} // namespace

bool isReadOnlyUse(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto copy = dyn_cast<memref::CopyOp>(user))
    return copy.getSource() == use.get() && copy.getTarget() != use.get();
  auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
  return linalgOp && linalgOp.isDpsInput(&use);
}

void collapseExpandedConsumer(const MatmulInfo &info) {
  Value c = info.c;
  memref::ExpandShapeOp expand;
  for (Operation *user : c.getUsers()) {
    if (auto view = dyn_cast<memref::ExpandShapeOp>(user)) {
      if (expand)
        return;
      expand = view;
    }
  }
  if (!expand || !expand->hasOneUse())
    return;
  auto consumer = dyn_cast<linalg::GenericOp>(*expand->user_begin());
  if (!consumer || !consumer.hasPureBufferSemantics() ||
      consumer.hasDynamicShape() ||
      consumer.getNumParallelLoops() != consumer.getNumLoops())
    return;
  // The expanded C read once, at the identity map, so each group of the
  // reshape is a run of consecutive loop dims.
  OpOperand *read = nullptr;
  for (OpOperand &operand : consumer->getOpOperands()) {
    if (operand.get() != expand.getResult())
      continue;
    if (read || consumer.isDpsInit(&operand))
      return;
    read = &operand;
  }
  if (!read || !consumer.getMatchingIndexingMap(read).isIdentity())
    return;
  // Every operand indexed by loop dims only: upstream's collapsing gets a
  // broadcast written with constant 0 results ((d0, 0, 0, d3), an attention
  // mask) wrong.
  if (!llvm::all_of(consumer.getIndexingMapsArray(), [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return;
  SmallVector<ReassociationIndices> groups;
  for (const ReassociationIndices &group : expand.getReassociationIndices())
    if (group.size() > 1)
      groups.push_back(group);
  if (groups.empty() ||
      !linalg::areDimSequencesPreserved(consumer.getIndexingMapsArray(),
                                        groups))
    return;
  IRRewriter rewriter(consumer);
  rewriter.setInsertionPoint(consumer);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(consumer, groups, rewriter);
  if (failed(collapsed))
    return;
  rewriter.eraseOp(consumer);
  // It reads collapse_shape(expand_shape(C)) with the same groups: C.
  for (OpOperand &operand : collapsed->collapsedOp->getOpOperands()) {
    auto view = operand.get().getDefiningOp<memref::CollapseShapeOp>();
    if (!view || view.getSrc() != expand.getResult() ||
        view.getReassociationIndices() != expand.getReassociationIndices())
      continue;
    operand.set(c);
    if (view->use_empty())
      rewriter.eraseOp(view);
  }
  if (expand->use_empty())
    rewriter.eraseOp(expand);
}

std::optional<Epilogue> findEpilogue(const MatmulInfo &info,
                                     Operation *init) {
  Value c = info.c;
  // C is the matmul's own allocation, seen by nothing but the matmul, its
  // zero init and one consumer.
  if (!c.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  linalg::LinalgOp matmulOp = info.op;
  Operation *matmul = matmulOp.getOperation();
  linalg::GenericOp consumer;
  for (OpOperand &use : c.getUses()) {
    Operation *user = use.getOwner();
    if (user == matmul || user == init)
      continue;
    // Earlier readers of C's zeros (copies into other matmuls' C, when C is
    // their shared zero-filled buffer) see nothing the kernels write.
    if (isa<FunctionOpInterface>(matmul->getParentOp()) &&
        user->getBlock() == matmul->getBlock() &&
        user->isBeforeInBlock(matmul) && isReadOnlyUse(use))
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || (consumer && consumer != generic))
      return std::nullopt;
    consumer = generic;
  }
  if (!consumer || consumer->getBlock() != info.op->getBlock() ||
      !info.op->isBeforeInBlock(consumer) ||
      !consumer.hasPureBufferSemantics() || consumer.hasDynamicShape() ||
      consumer.getNumDpsInits() != 1 ||
      consumer.getNumParallelLoops() != consumer.getNumLoops())
    return std::nullopt;

  Epilogue epilogue;
  epilogue.op = consumer;
  OpOperand *output = consumer.getDpsInitOperand(0);
  epilogue.output = output->get();
  auto cType = cast<MemRefType>(c.getType());
  auto outputType = dyn_cast<MemRefType>(epilogue.output.getType());
  AffineMap cConsumerMap;
  int cReads = 0;
  for (OpOperand *input : consumer.getDpsInputOperands())
    if (input->get() == c) {
      ++cReads;
      cConsumerMap = consumer.getMatchingIndexingMap(input);
      epilogue.cArgument = input->getOperandNumber();
    }
  // The output element is the C element the body reads: the same map, the
  // same shape, n contiguous in both.
  if (cReads != 1 || !outputType ||
      outputType.getShape() != cType.getShape() ||
      !cConsumerMap.isPermutation() ||
      consumer.getMatchingIndexingMap(output) != cConsumerMap ||
      !hasUnitInnerStride(outputType) ||
      rootOf(epilogue.output) == c)
    return std::nullopt;
  Block &body = *consumer.getBlock();
  if (!body.getArgument(output->getOperandNumber()).use_empty() ||
      !isElementwiseBody(body, info.op))
    return std::nullopt;

  // The consumer's loop dims as the matmul's: both index C.
  SmallVector<AffineExpr> toMatmul(consumer.getNumLoops());
  MLIRContext *context = c.getContext();
  for (unsigned i = 0; i < cConsumerMap.getNumResults(); ++i)
    toMatmul[cConsumerMap.getDimPosition(i)] =
        getAffineDimExpr(info.cMap.getDimPosition(i), context);
  unsigned matmulDims = info.cMap.getNumDims();
  auto translate = [&](AffineMap map) {
    return map.replaceDimsAndSymbols(toMatmul, {}, matmulDims, 0);
  };
  epilogue.outputMap = translate(cConsumerMap);

  SmallVector<Value> read;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (input->get() == c)
      continue;
    auto type = dyn_cast<MemRefType>(input->get().getType());
    AffineMap consumerMap = consumer.getMatchingIndexingMap(input);
    // An input that is the output itself (a residual add done in place)
    // is read at the element the same lane then writes; any other overlap
    // could read what an earlier vector wrote.
    bool inPlace = sameView(input->get(), epilogue.output) &&
                   consumerMap == cConsumerMap;
    if (!type ||
        !consumerMap.isProjectedPermutation(/*allowZeroInResults=*/false) ||
        (!inPlace && rootOf(input->get()) == rootOf(epilogue.output)))
      return std::nullopt;
    Epilogue::Input in{input->get(), translate(consumerMap),
                       static_cast<unsigned>(input->getOperandNumber()),
                       false};
    if (in.map.isFunctionOfDim(info.nDim)) {
      // Loaded as vectors along n.
      if (in.map.getDimPosition(in.map.getNumResults() - 1) != info.nDim ||
          !hasUnitInnerStride(type))
        return std::nullopt;
      in.perColumn = true;
    }
    epilogue.inputs.push_back(in);
    read.push_back(input->get());
  }
  if (!nothingInBetween(info.op, consumer, epilogue.output, read))
    return std::nullopt;
  for (Value v : read)
    if (!dominates(v, info.op) && !hoistTo(v, info.op))
      return std::nullopt;
  if (!hoistTo(epilogue.output, info.op))
    return std::nullopt;
  return epilogue;
}

void emitEpilogue(OpBuilder &b, Location loc, const Epilogue &epilogue,
                  Value acc, ArrayRef<Value> loopValues, unsigned nDim) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  auto vectorOf = [&](Type scalar) {
    return VectorType::get({lanes}, scalar);
  };
  auto indices = [&](AffineMap map) {
    SmallVector<Value> result;
    for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
      result.push_back(loopValues[map.getDimPosition(i)]);
    return result;
  };
  linalg::GenericOp op = epilogue.op;
  Block &body = *op.getBlock();
  IRMapping mapping;
  mapping.map(body.getArgument(epilogue.cArgument), acc);
  for (const Epilogue::Input &in : epilogue.inputs) {
    Type element = cast<MemRefType>(in.value.getType()).getElementType();
    Value v;
    if (in.perColumn) {
      v = vector::LoadOp::create(b, loc, vectorOf(element), in.value,
                                 indices(in.map));
    } else {
      Value scalar = memref::LoadOp::create(b, loc, in.value, indices(in.map));
      v = vector::BroadcastOp::create(b, loc, vectorOf(element), scalar);
    }
    mapping.map(body.getArgument(in.argument), v);
  }
  // A value of the body's, or one from outside broadcast to a vector.
  auto lookup = [&](Value v) -> Value {
    if (Value mapped = mapping.lookupOrNull(v))
      return mapped;
    Value splat = vector::BroadcastOp::create(b, loc, vectorOf(v.getType()), v);
    mapping.map(v, splat);
    return splat;
  };
  for (Operation &op : body.without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      auto splat = DenseElementsAttr::get(vectorOf(constant.getType()),
                                          constant.getValue());
      mapping.map(constant.getResult(),
                  arith::ConstantOp::create(b, loc, splat));
      continue;
    }
    OperationState state(loc, op.getName());
    for (Value operand : op.getOperands())
      state.addOperands(lookup(operand));
    for (Type type : op.getResultTypes())
      state.addTypes(vectorOf(type));
    state.addAttributes(op.getAttrs());
    Operation *vectorOp = b.create(state);
    for (auto [scalar, vector] :
         llvm::zip(op.getResults(), vectorOp->getResults()))
      mapping.map(scalar, vector);
  }
  Value result = lookup(body.getTerminator()->getOperand(0));
  vector::StoreOp::create(b, loc, result, epilogue.output,
                          indices(epilogue.outputMap));
}

} // namespace q8::matmul
