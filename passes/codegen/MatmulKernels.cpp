//===- MatmulKernels.cpp - register-blocked f32 matmul micro-kernels -------===//
//
// The generic path (q8-tile-and-vectorize) turns a matmul tile into a
// vector.contract, which LLVM's outer-product lowering then feeds by
// transposing A tiles with strided lane inserts: correct, but an order of
// magnitude from the machine's peak. This pass writes the matmul the way a
// BLAS does instead, directly in the vector dialect:
//
//   for each batch, each K block (KC deep), each panel of NR = nv x lanes
//   columns, each block of mr rows:
//     acc[mr][nv] = C[m0 .. m0+mr, n0 .. n0+NR]     (or zeros, see below)
//     for k in the K block:
//       b[j]      = B[k, n0 + j*lanes ..]            (nv vector loads)
//       acc[i][j] = fma(broadcast(A[m0+i, k]), b[j], acc[i][j])
//     C[...] = acc
//
// The accumulators stay in registers for the whole K block (mr x nv of
// them: 8 x 3 zmm on AVX-512, 6 x 2 ymm on AVX2), A is read as scalars
// that LLVM folds into broadcasting FMAs, and B is streamed as vectors.
// Constant B operands (weights) are packed at compile time into strips of
// `lanes` columns, [N/lanes][K][lanes], so each of the nv B streams is one
// contiguous run; activations are read in place, which needs their N dim
// to be contiguous. Rows and vector columns that do not fill a block get
// narrower kernels of the same shape; columns short of one vector are left
// as a linalg op on a subview for the generic path. No masks anywhere.
//
// Int8 contractions (u8 activations x constant s8 weights -> i32, the form
// q8's qlinear lowering writes: acc + extui(a) * extsi(b)) get the same
// loops with a dot instruction in place of the FMA. Each i32 accumulator
// lane sums `group` consecutive k per step, so B is packed as
// [N/lanes][K/group][lanes x group] and A's group bytes of a row are
// broadcast as one 32-bit lane:
//
//   VNNI      vpdpbusd(acc, a4, b4)                  group 4, exact
//   AVX2/512  vpmaddwd(vpmaddubsw(a4, b4), 1) + acc  group 4, exact only
//             when every k pair's |b0| + |b1| <= 128: vpmaddubsw saturates
//             its i16 pair sums, so this is chosen from the weights
//             themselves (7-bit weights always qualify), never assumed
//   AVX2/512  vpmaddwd(zext16(a2), sext16(b2)) + acc group 2, exact for any
//             weights (B packed as i16)
//
// K must be a multiple of the group (A is read a group at a time);
// otherwise the op stays on the generic path, as do int8 contractions with
// non-constant B or other bodies (zero points subtracted inside).
//
// When the accumulator was zero-filled just before (every q8 matmul starts
// that way, by a fill or by a copy of a zero-filled buffer), that op is
// dropped and the first K block starts from zero registers instead of
// loading C.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/MatmulKernels.h"

#include "passes/codegen/Passes.h"
#include "passes/codegen/TargetInfo.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_MATMULKERNELS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace q8::matmul {

bool hasUnitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return !strides.empty() && strides.back() == 1;
}

namespace {

/// What an int8 contraction body computes: acc + (extui(a) - zp) * extsi(b)
/// in i32, `zp` a constant (0 when the body has no subtraction).
struct U8S8Body {
  int64_t aZeroPoint = 0;
};

/// Matches exactly that body, a and b the first two block arguments, the
/// product's operands in either order; nothing else in the block but
/// constants.
std::optional<U8S8Body> matchU8S8Body(Block &body) {
  if (body.getNumArguments() != 3)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  Value acc = body.getArgument(2);
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulIOp>() : nullptr;
  if (!mul)
    return std::nullopt;
  SmallPtrSet<Operation *, 8> matched = {yield, add, mul};
  auto isExt = [&](Value v, unsigned arg, bool isSigned) {
    Operation *ext = v.getDefiningOp();
    bool kind = isSigned ? isa_and_nonnull<arith::ExtSIOp>(ext)
                         : isa_and_nonnull<arith::ExtUIOp>(ext);
    if (!kind || ext->getOperand(0) != body.getArgument(arg))
      return false;
    matched.insert(ext);
    return true;
  };
  // extui(a), or extui(a) - constant.
  U8S8Body result;
  auto isA = [&](Value v) {
    if (isExt(v, 0, false))
      return true;
    auto sub = v.getDefiningOp<arith::SubIOp>();
    APInt zeroPoint;
    if (!sub || !isExt(sub.getLhs(), 0, false) ||
        !matchPattern(sub.getRhs(), m_ConstantInt(&zeroPoint)))
      return false;
    matched.insert(sub);
    result.aZeroPoint = zeroPoint.getSExtValue();
    return true;
  };
  if (!((isA(mul.getLhs()) && isExt(mul.getRhs(), 1, true)) ||
        (isA(mul.getRhs()) && isExt(mul.getLhs(), 1, true))))
    return std::nullopt;
  for (Operation &op : body)
    if (!matched.contains(&op) && !isa<arith::ConstantOp>(op))
      return std::nullopt;
  return result;
}

Type elementTypeOf(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type ? type.getElementType() : Type();
}

/// Matches contractions C(b.., m, n) += A(.., m, k) * B(.., k, n) on static
/// buffers with projected-permutation maps and C's innermost dim n, in f32
/// or u8 x s8 -> i32 (A's zero point possibly subtracted in the body).
std::optional<MatmulInfo> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  Type ta = elementTypeOf(op.getDpsInputOperand(0)->get()),
       tb = elementTypeOf(op.getDpsInputOperand(1)->get()),
       tc = elementTypeOf(op.getDpsInitOperand(0)->get());
  if (!ta || !tb || !tc)
    return std::nullopt;
  MatmulInfo info;
  if (ta.isF32() && tb.isF32() && tc.isF32() &&
      linalg::isaContractionOpInterface(op)) {
    info.element = Element::F32;
  } else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
             generic && ta.isInteger(8) && tb.isInteger(8) &&
             tc.isInteger(32)) {
    // (With A's zero point subtracted it is no contraction body to
    // upstream's isaContractionOpInterface; the maps decide below.)
    std::optional<U8S8Body> body = matchU8S8Body(*generic.getBlock());
    if (!body)
      return std::nullopt;
    info.element = Element::U8S8;
    info.aZeroPoint = body->aZeroPoint;
  } else {
    return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() ||
      dims->k.size() != 1)
    return std::nullopt;
  info.op = op;
  info.a = op.getDpsInputOperand(0)->get();
  info.b = op.getDpsInputOperand(1)->get();
  info.c = op.getDpsInitOperand(0)->get();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  info.aMap = maps[0];
  info.bMap = maps[1];
  info.cMap = maps[2];
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return std::nullopt;
  // The kernel's n is C's innermost dim and its m the innermost other M
  // dim; further M and N dims (an im2col convolution's batch, which B and C
  // share but A does not) are looped over outside, like batch dims.
  if (info.cMap.getNumResults() == 0)
    return std::nullopt;
  info.nDim = info.cMap.getDimPosition(info.cMap.getNumResults() - 1);
  if (!llvm::is_contained(dims->n, info.nDim))
    return std::nullopt;
  info.mDim = dims->m.back();
  info.kDim = dims->k.front();
  info.batchDims.assign(dims->batch.begin(), dims->batch.end());
  for (unsigned dim : llvm::concat<unsigned>(dims->m, dims->n))
    if (dim != info.mDim && dim != info.nDim)
      info.batchDims.push_back(dim);
  llvm::sort(info.batchDims);
  info.extents = op.getStaticLoopRanges();
  // Dynamic extents: in m, n and k only (rows, keys, attention's depth).
  for (auto [dim, extent] : llvm::enumerate(info.extents))
    if (ShapedType::isDynamic(extent) && dim != info.mDim &&
        dim != info.nDim && dim != info.kDim)
      return std::nullopt;
  // C is stored by vectors along n.
  if (!hasUnitInnerStride(cast<MemRefType>(info.c.getType())))
    return std::nullopt;
  // A must not vary with n, B not with m (true of contractions, checked so
  // the index builders below may rely on it).
  if (info.aMap.isFunctionOfDim(info.nDim) ||
      info.bMap.isFunctionOfDim(info.mDim))
    return std::nullopt;
  return info;
}

bool isZeroFill(Operation *op, Value target) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  return fill && fill.hasPureBufferSemantics() &&
         fill.getDpsInitOperand(0)->get() == target &&
         (matchPattern(fill.getDpsInputOperand(0)->get(), m_AnyZeroFloat()) ||
          matchPattern(fill.getDpsInputOperand(0)->get(), m_Zero()));
}

/// The zero fill that makes `buffer` hold zeros wherever `reader` reads
/// it, or null: `buffer` is written once, by that fill before `reader`, and
/// everything else before it only reads it. (Bufferization gives CSE'd zero
/// accumulators one filled buffer that each matmul copies from, and may
/// hand it to the last of them as its C.) Straight-line code only: in a
/// function's body, what comes after `reader` cannot change what it reads.
Operation *zeroFillFor(Value buffer, Operation *reader) {
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return nullptr;
  bool straightLine = isa<FunctionOpInterface>(reader->getParentOp());
  Operation *fill = nullptr;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (user == reader)
      continue;
    if (isZeroFill(user, buffer)) {
      if (fill)
        return nullptr;
      fill = user;
      continue;
    }
    if (isReadOnlyUse(use))
      continue;
    if (straightLine && user->getBlock() == reader->getBlock() &&
        reader->isBeforeInBlock(user))
      continue;
    return nullptr;
  }
  if (!fill || fill->getBlock() != reader->getBlock() ||
      !fill->isBeforeInBlock(reader))
    return nullptr;
  return fill;
}

struct ZeroInit {
  Operation *op = nullptr;
  /// Whether the kernels' zero accumulators replace it (it is erased).
  bool owned = false;
};

/// What sets C to zero before `info.op`: the op right before it, a zero
/// fill of C or a copy from a zero-filled buffer, which the kernels replace
/// (owned); or an earlier zero fill of C that other matmuls' copies also
/// read, which stays. Null when C does not start at zero.
ZeroInit zeroInitOfC(const MatmulInfo &info) {
  Operation *prev = info.op->getPrevNode();
  if (isZeroFill(prev, info.c))
    return {prev, /*owned=*/true};
  if (auto copy = dyn_cast_or_null<memref::CopyOp>(prev);
      copy && copy.getTarget() == info.c &&
      zeroFillFor(copy.getSource(), copy))
    return {copy, /*owned=*/true};
  return {zeroFillFor(info.c, info.op), /*owned=*/false};
}

/// A subview of `operand` restricted to loop dim `dim` in [offset, end).
Value sliceAlong(OpBuilder &b, Location loc, Value operand, AffineMap map,
                 unsigned dim, OpFoldResult offset, OpFoldResult size) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<OpFoldResult> whole =
      memref::getMixedSizes(b, loc, operand);
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    bool sliced = map.getDimPosition(i) == dim;
    offsets.push_back(sliced ? offset : b.getIndexAttr(0));
    sizes.push_back(sliced ? size : whole[i]);
    strides.push_back(b.getIndexAttr(1));
  }
  return memref::SubViewOp::create(b, loc, operand, offsets, sizes, strides);
}

LogicalResult rewriteMatmul(OpBuilder &builder, const MatmulInfo &info,
                            const q8::TargetInfo &target, SymbolTable &symbols,
                            llvm::StringMap<memref::GlobalOp> &packed,
                            ConstantValues &constants) {
  std::optional<ConstantB> constantB =
      readConstantB(info, symbols, constants);
  std::optional<DotScheme> scheme =
      chooseScheme(builder.getContext(), info, target, constantB);
  if (!scheme)
    return failure();
  int64_t lanes = scheme->lanes;
  int64_t n = info.extents[info.nDim];
  // Dynamic extents: their sizes read from the operands, before anything
  // is emitted. Columns only with B read in place (f32) or packed at run
  // time (int8); depth only in f32 (the int8 groups need K % 4 == 0).
  bool dynamicN = ShapedType::isDynamic(n),
       dynamicK = ShapedType::isDynamic(info.extents[info.kDim]);
  // An int8 run-time depth: the kernels take its whole groups, the same op
  // the last K % group (static columns only, so the two never overlap).
  bool int8DynamicK = dynamicK && info.element == Element::U8S8;
  if ((dynamicN && constantB) || (dynamicK && constantB) ||
      (int8DynamicK && (dynamicN || n % lanes != 0)))
    return failure();
  // Before the sizes' memref.dim ops, which the zero fill's search would
  // take for a use of C, and before packing, which inserts a get_global in
  // front of the op.
  ZeroInit init = zeroInitOfC(info);
  MatmulInfo &dynamicInfo = const_cast<MatmulInfo &>(info);
  Location loc = info.op->getLoc();
  auto sizeOf = [&](Value operand, AffineMap map, unsigned dim) -> Value {
    unsigned position = *map.getResultPosition(
        getAffineDimExpr(dim, builder.getContext()));
    return memref::DimOp::create(builder, loc, operand, position);
  };
  builder.setInsertionPoint(info.op);
  if (ShapedType::isDynamic(info.extents[info.mDim])) {
    dynamicInfo.mExtent = sizeOf(info.c, info.cMap, info.mDim);
    dynamicInfo.extents[info.mDim] = kNominalRows;
  }
  Value fullK;
  if (dynamicK) {
    fullK = sizeOf(info.a, info.aMap, info.kDim);
    dynamicInfo.kExtent = fullK;
    if (int8DynamicK) {
      Value group =
          arith::ConstantIndexOp::create(builder, loc, scheme->group);
      dynamicInfo.kExtent = arith::SubIOp::create(
          builder, loc, fullK, arith::RemUIOp::create(builder, loc, fullK, group));
    }
    dynamicInfo.extents[info.kDim] = kNominalRows;
  }
  if (dynamicN) {
    dynamicInfo.nExtent = sizeOf(info.c, info.cMap, info.nDim);
    Value lanesValue = arith::ConstantIndexOp::create(builder, loc, lanes);
    dynamicInfo.vectorColumns = arith::SubIOp::create(
        builder, loc, info.nExtent,
        arith::RemUIOp::create(builder, loc, info.nExtent, lanesValue));
    // The blocking is chosen as for full panels.
    n = dynamicInfo.extents[info.nDim] = kNominalRows;
  }
  int64_t vectorColumns = n - n % lanes;
  if (vectorColumns == 0 || info.extents[info.mDim] == 0 ||
      info.extents[info.kDim] == 0)
    return failure();
  builder.setInsertionPoint(info.op);
  Value packedB, offsets;
  // B's other dims (none for a constant 2-D B) index the packed B and the
  // column offsets first.
  SmallVector<unsigned> prefix = prefixDimsOf(info);
  if (constantB)
    packedB = packConstantB(builder, info, *constantB, *scheme, vectorColumns,
                            symbols, packed);
  if (info.element == Element::U8S8) {
    // The int8 dots read B only packed: at run time when it is not a
    // constant; A's zero point becomes per-column offsets. (With a
    // run-time depth, of B's whole groups only: the tail op below
    // subtracts the zero point itself.)
    MatmulInfo groups = info;
    if (int8DynamicK)
      groups.b = sliceAlong(builder, loc, info.b, info.bMap, info.kDim,
                            builder.getIndexAttr(0), info.kExtent);
    if (!packedB)
      packedB = packRuntimeB(builder, groups, *scheme, vectorColumns, prefix);
    if (info.aZeroPoint != 0)
      offsets = columnOffsets(builder, groups, prefix);
  }
  if (!packedB) {
    // B read in place: its n dim must be the contiguous one.
    auto bType = cast<MemRefType>(info.b.getType());
    if (info.bMap.getDimPosition(info.bMap.getNumResults() - 1) !=
            info.nDim ||
        !hasUnitInnerStride(bType))
      return failure();
  }
  // With a scalar column tail the fill stays: the generic path accumulates
  // the tail into it.
  bool zeroInit = init.op && vectorColumns == n && !dynamicN;
  // C's elementwise consumer on registers, when the kernels write all of C.
  std::optional<Epilogue> epilogue;
  if (vectorColumns == n && !dynamicN && !int8DynamicK) {
    collapseExpandedConsumer(info);
    epilogue = findEpilogue(info, init.op);
  }

  // vpmaddwd multiplies i16 pairs: A is zero-extended once, into a buffer
  // of its own, rather than per row in every panel's k loop.
  MatmulInfo kernelInfo = info;
  if (scheme->kind == DotScheme::MaddWd)
    kernelInfo.a = widenToI16(builder, info.op->getLoc(), info.a);
  Blocking blocking =
      chooseBlocking(vectorColumns / lanes, target.vectorRegisters, *scheme);
  emitKernels(builder, kernelInfo, *scheme, target.vectorRegisters,
              blocking, packedB, prefix, offsets, vectorColumns, zeroInit,
              epilogue ? &*epilogue : nullptr, target);

  if (vectorColumns != n || dynamicN) {
    // The last n % lanes columns: the same op on subviews of B and C.
    OpFoldResult start = builder.getIndexAttr(vectorColumns),
                 size = builder.getIndexAttr(n - vectorColumns);
    if (dynamicN) {
      start = info.vectorColumns;
      size = arith::SubIOp::create(builder, loc, info.nExtent,
                                   info.vectorColumns)
                 .getResult();
    }
    Value bTail = sliceAlong(builder, loc, info.b, info.bMap, info.nDim,
                             start, size);
    Value cTail = sliceAlong(builder, loc, info.c, info.cMap, info.nDim,
                             start, size);
    IRMapping mapping;
    mapping.map(info.b, bTail);
    mapping.map(info.c, cTail);
    Operation *tail = builder.clone(*info.op, mapping);
    // B and C may be the same value only in ill-formed IR; A is untouched.
    (void)tail;
  }
  if (int8DynamicK) {
    // The last K % group of the depth, accumulated into what the kernels
    // wrote: the same op on subviews of A and B.
    Value rest = arith::SubIOp::create(builder, loc, fullK, info.kExtent);
    IRMapping mapping;
    mapping.map(info.a, sliceAlong(builder, loc, info.a, info.aMap,
                                   info.kDim, info.kExtent, rest));
    mapping.map(info.b, sliceAlong(builder, loc, info.b, info.bMap,
                                   info.kDim, info.kExtent, rest));
    builder.clone(*info.op, mapping);
  }
  if (zeroInit && init.owned)
    init.op->erase();
  info.op->erase();
  if (epilogue) {
    epilogue->op->erase();
    // C is dead when K was one block.
    if (info.c.use_empty())
      info.c.getDefiningOp()->erase();
  }
  return success();
}

} // namespace
} // namespace q8::matmul

using namespace q8::matmul;

namespace {

struct MatmulKernels : q8::impl::MatmulKernelsBase<MatmulKernels> {
  using MatmulKernelsBase::MatmulKernelsBase;
  /// Set by the pipeline; else the `target` option is resolved through
  /// `resolver` (q8-opt).
  std::optional<q8::TargetInfo> resolved;
  q8::TargetResolver resolver;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<q8::TargetInfo> target =
        q8::passTarget(resolved, resolver, this->target, module);
    if (failed(target))
      return signalPassFailure();
    SmallVector<MatmulInfo> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<MatmulInfo> info = matchMatmul(op))
        matmuls.push_back(*info);
    });
    SymbolTable symbols(module);
    llvm::StringMap<memref::GlobalOp> packed;
    ConstantValues constants;
    OpBuilder builder(&getContext());
    for (const MatmulInfo &info : matmuls)
      (void)rewriteMatmul(builder, info, *target, symbols, packed, constants);

    // Weights now read only packed: drop the originals, so the object does
    // not carry them twice.
    SmallVector<memref::GetGlobalOp> reads;
    module.walk([&](memref::GetGlobalOp read) { reads.push_back(read); });
    for (memref::GetGlobalOp read : reads)
      if (read->use_empty())
        read.erase();
    SmallVector<memref::GlobalOp> globals(module.getOps<memref::GlobalOp>());
    for (memref::GlobalOp global : globals)
      if (global.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(global, module))
        symbols.erase(global);
  }
};

} // namespace

std::unique_ptr<Pass> q8::createMatmulKernels(const TargetInfo &target) {
  auto pass = std::make_unique<MatmulKernels>();
  pass->resolved = target;
  return pass;
}

std::unique_ptr<Pass> q8::createMatmulKernels(TargetResolver resolve) {
  auto pass = std::make_unique<MatmulKernels>();
  pass->resolver = std::move(resolve);
  return pass;
}
