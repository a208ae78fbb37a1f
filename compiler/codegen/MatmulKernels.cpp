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
// When the accumulator was zero-filled just before (every q8 matmul starts
// that way, by a fill or by a copy of a zero-filled buffer), that op is
// dropped and the first K block starts from zero registers instead of
// loading C.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Passes.h"
#include "compiler/codegen/Target.h"
#include "passes/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_MATMULKERNELS
#include "compiler/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The register blocking of one kernel: `rows` accumulator rows of
/// `vectors` vectors each.
struct Blocking {
  int64_t rows;
  int64_t vectors;
};

/// Accumulator rows for a panel of `vectors` vectors: rows x vectors
/// accumulators, the panel's B vectors and one broadcast fit the register
/// file (8 x 3 + 3 + 1 = 28 of 32 zmm; 6 x 2 + 2 + 1 = 15 of 16 ymm).
int64_t rowsFor(int64_t vectors, int64_t registers) {
  if (registers >= 32)
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : vectors == 2 ? 12 : 16;
  return vectors >= 2 ? 6 : 12;
}

/// Picks the panel width (in vectors) and the row count. A panel that
/// tiles the vector part of N exactly is preferred (3 on 32-register
/// targets, 8 x 3 accumulators; 2 on 16-register ones, 6 x 2); otherwise
/// the preferred width, with a narrower kernel for the leftover vectors.
Blocking chooseBlocking(int64_t nVectors, int64_t registers) {
  static constexpr int64_t wide[] = {3, 4, 2}, narrow[] = {2};
  ArrayRef<int64_t> preference =
      registers >= 32 ? ArrayRef<int64_t>(wide) : ArrayRef<int64_t>(narrow);
  int64_t vectors = preference.front();
  for (int64_t candidate : preference)
    if (nVectors % candidate == 0) {
      vectors = candidate;
      break;
    }
  vectors = std::min(vectors, nVectors);
  return {rowsFor(vectors, registers), vectors};
}

/// The K block: all of K when it is short, else the largest divisor of K in
/// [128, 512] so the B strips of one block stay in L2 next to A's rows.
int64_t chooseKBlock(int64_t k) {
  if (k <= 512)
    return k;
  for (int64_t block = 512; block >= 128; --block)
    if (k % block == 0)
      return block;
  return k;
}

/// What the pass needs of one matmul-like linalg op.
struct MatmulInfo {
  linalg::LinalgOp op;
  Value a, b, c;
  AffineMap aMap, bMap, cMap;
  SmallVector<unsigned> batchDims; ///< every other parallel dim, looped over
  unsigned mDim, nDim, kDim;  ///< the micro-kernel's dims
  SmallVector<int64_t> extents;
};

bool hasUnitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return !strides.empty() && strides.back() == 1;
}

/// Matches f32 contractions C(b.., m, n) += A(.., m, k) * B(.., k, n) on
/// static buffers with projected-permutation maps and C's innermost dim n.
std::optional<MatmulInfo> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.hasDynamicShape() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() ||
      dims->k.size() != 1)
    return std::nullopt;
  MatmulInfo info;
  info.op = op;
  info.a = op.getDpsInputOperand(0)->get();
  info.b = op.getDpsInputOperand(1)->get();
  info.c = op.getDpsInitOperand(0)->get();
  for (Value v : {info.a, info.b, info.c}) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
  }
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

/// Indices into an operand with `map`, given a value for every loop dim
/// the map uses.
SmallVector<Value> indicesFor(AffineMap map, ArrayRef<Value> loopValues) {
  SmallVector<Value> indices;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    indices.push_back(loopValues[map.getDimPosition(i)]);
  return indices;
}

/// Packs the constant 2-D B of `info` into [N/lanes][K][lanes] strips, as a
/// new private global next to the old one (once per global and layout:
/// `packed` remembers them); returns it read through memref.get_global, or
/// null if B is not a constant global.
Value packConstantB(OpBuilder &builder, const MatmulInfo &info,
                    int64_t lanes, int64_t packedColumns,
                    SymbolTable &symbols,
                    llvm::StringMap<memref::GlobalOp> &packed) {
  auto getGlobal = info.b.getDefiningOp<memref::GetGlobalOp>();
  // B must be the 2-D (k, n) or (n, k) weight itself.
  if (!getGlobal || info.bMap.getNumResults() != 2 ||
      !info.bMap.isFunctionOfDim(info.kDim) ||
      !info.bMap.isFunctionOfDim(info.nDim))
    return {};
  auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
  if (!global || !global.getConstant() || !global.getInitialValue())
    return {};
  // One layout per (global, k-major or not, packed width).
  bool kFirst = info.bMap.getDimPosition(0) == info.kDim;
  std::string key = (global.getSymName() + (kFirst ? "_kn" : "_nk") +
                     std::to_string(packedColumns))
                        .str();
  auto strippedType = [&](int64_t k) {
    return MemRefType::get({packedColumns / lanes, k, lanes},
                           builder.getF32Type());
  };
  if (memref::GlobalOp existing = packed.lookup(key))
    return memref::GetGlobalOp::create(builder, info.op->getLoc(),
                                       existing.getType(),
                                       existing.getSymName());
  auto initial = dyn_cast<ElementsAttr>(*global.getInitialValue());
  if (!initial)
    return {};
  std::optional<SmallVector<float>> values = q8::readF32Values(initial);
  if (!values)
    return {};
  int64_t k = info.extents[info.kDim];
  auto bType = cast<MemRefType>(info.b.getType());
  // Row-major position of B(k, n) through B's map.
  int64_t rowLength = bType.getShape()[1];
  auto at = [&](int64_t kk, int64_t nn) {
    return kFirst ? (*values)[kk * rowLength + nn]
                  : (*values)[nn * rowLength + kk];
  };
  int64_t strips = packedColumns / lanes;
  SmallVector<float> layout(strips * k * lanes);
  for (int64_t s = 0; s < strips; ++s)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t l = 0; l < lanes; ++l)
        layout[(s * k + kk) * lanes + l] = at(kk, s * lanes + l);

  MemRefType packedType = strippedType(k);
  std::string name = (global.getSymName() + "_packed").str();
  ElementsAttr data = q8::makeF32Constant(
      RankedTensorType::get(packedType.getShape(), builder.getF32Type()),
      layout, name);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(global);
  auto newGlobal = memref::GlobalOp::create(
      builder, global.getLoc(), name, builder.getStringAttr("private"),
      packedType, data, /*constant=*/true,
      /*alignment=*/builder.getI64IntegerAttr(64));
  symbols.insert(newGlobal); // renames on collision
  packed[key] = newGlobal;
  builder.setInsertionPoint(info.op);
  return memref::GetGlobalOp::create(builder, info.op->getLoc(), packedType,
                                     newGlobal.getSymName());
}

bool isZeroFill(Operation *op, Value target) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op);
  return fill && fill.hasPureBufferSemantics() &&
         fill.getDpsInitOperand(0)->get() == target &&
         matchPattern(fill.getDpsInputOperand(0)->get(), m_AnyZeroFloat());
}

/// True if `buffer` holds zeros wherever `reader` reads it: it is written
/// once, by a zero fill before `reader`, and everything else only reads it.
/// (Bufferization gives CSE'd zero accumulators one filled buffer that each
/// matmul copies from.)
bool holdsZeros(Value buffer, Operation *reader) {
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return false;
  Operation *fill = nullptr;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (isZeroFill(user, buffer)) {
      if (fill)
        return false;
      fill = user;
      continue;
    }
    if (auto copy = dyn_cast<memref::CopyOp>(user);
        copy && copy.getSource() == buffer)
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    if (linalgOp && linalgOp.isDpsInput(&use))
      continue;
    return false;
  }
  return fill && fill->getBlock() == reader->getBlock() &&
         fill->isBeforeInBlock(reader);
}

/// The op right before `info.op` when it sets C to zero, a zero fill or a
/// copy from a zero-filled buffer; null otherwise.
Operation *zeroInitOfC(const MatmulInfo &info) {
  Operation *prev = info.op->getPrevNode();
  if (isZeroFill(prev, info.c))
    return prev;
  if (auto copy = dyn_cast_or_null<memref::CopyOp>(prev);
      copy && copy.getTarget() == info.c &&
      holdsZeros(copy.getSource(), copy))
    return copy;
  return nullptr;
}

/// Emits the kernels of one matmul in place of `info.op`.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &builder, const MatmulInfo &info, int64_t lanes,
                int64_t registers, Blocking blocking, Value packedB)
      : b(builder), loc(info.op->getLoc()), info(info), lanes(lanes),
        registers(registers), blocking(blocking), packedB(packedB),
        vecType(VectorType::get({lanes}, builder.getF32Type())) {}

  /// Everything for columns [0, vectorColumns); `zeroInit` drops the
  /// initial load of C in the first K block.
  void emit(int64_t vectorColumns, bool zeroInit) {
    int64_t m = info.extents[info.mDim], k = info.extents[info.kDim];
    int64_t kBlock = chooseKBlock(k);
    SmallVector<Value> loopValues(info.extents.size());
    emitBatchLoops(0, loopValues, [&](SmallVector<Value> &values) {
      // The first K block, then the rest in a loop.
      for (bool first : {true, false}) {
        if (!first && kBlock == k)
          break;
        auto body = [&](Value k0) {
          emitPanels(values, k0, kBlock, vectorColumns, m,
                     /*zeroInit=*/first && zeroInit);
        };
        if (first) {
          body(constant(0));
          continue;
        }
        forLoop(kBlock, k, kBlock, body);
      }
    });
  }

private:
  Value constant(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// scf.for lb..ub step `step` with no carried values; `body` gets the
  /// induction variable with the insertion point inside the loop.
  void forLoop(int64_t lb, int64_t ub, int64_t step,
               function_ref<void(Value)> body) {
    forLoop(constant(lb), ub, step, body);
  }
  void forLoop(Value lb, int64_t ub, int64_t step,
               function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, lb, constant(ub), constant(step));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  Value add(Value base, int64_t offset) {
    if (offset == 0)
      return base;
    return arith::AddIOp::create(b, loc, base, constant(offset));
  }

  /// One scf.for per batch dim, outermost first.
  void emitBatchLoops(unsigned index, SmallVector<Value> &values,
                      function_ref<void(SmallVector<Value> &)> body) {
    if (index == info.batchDims.size())
      return body(values);
    unsigned dim = info.batchDims[index];
    forLoop(0, info.extents[dim], 1, [&](Value iv) {
      values[dim] = iv;
      emitBatchLoops(index + 1, values, body);
    });
  }

  /// Panels of blocking.vectors vectors over [0, vectorColumns), then one
  /// narrower panel for the vectors left over; each walks all row blocks.
  void emitPanels(SmallVector<Value> &values, Value k0, int64_t kBlock,
                  int64_t vectorColumns, int64_t m, bool zeroInit) {
    int64_t panel = blocking.vectors * lanes;
    int64_t fullPanels = vectorColumns / panel;
    int64_t leftoverVectors = (vectorColumns % panel) / lanes;
    auto rows = [&](Value n0, int64_t vectors) {
      emitRowBlocks(values, k0, kBlock, n0, vectors, m, zeroInit);
    };
    if (fullPanels == 1) {
      rows(constant(0), blocking.vectors);
    } else if (fullPanels > 1) {
      forLoop(0, fullPanels * panel, panel,
              [&](Value n0) { rows(n0, blocking.vectors); });
    }
    if (leftoverVectors)
      rows(constant(fullPanels * panel), leftoverVectors);
  }

  void emitRowBlocks(SmallVector<Value> &values, Value k0, int64_t kBlock,
                     Value n0, int64_t vectors, int64_t m, bool zeroInit) {
    // Narrow panels afford more rows.
    int64_t rows = vectors == blocking.vectors
                       ? blocking.rows
                       : rowsFor(vectors, registers);
    int64_t fullBlocks = m / rows, leftover = m % rows;
    auto kernel = [&](Value m0, int64_t count) {
      emitKernel(values, k0, kBlock, m0, count, n0, vectors, zeroInit);
    };
    if (fullBlocks == 1) {
      kernel(constant(0), rows);
    } else if (fullBlocks > 1) {
      forLoop(0, fullBlocks * rows, rows,
              [&](Value m0) { kernel(m0, rows); });
    }
    if (leftover)
      kernel(constant(fullBlocks * rows), leftover);
  }

  /// The micro-kernel: rows x vectors accumulators over one K block.
  void emitKernel(SmallVector<Value> &values, Value k0, int64_t kBlock,
                  Value m0, int64_t rows, Value n0, int64_t vectors,
                  bool zeroInit) {
    auto cIndices = [&](int64_t i, int64_t j) {
      values[info.mDim] = add(m0, i);
      values[info.nDim] = add(n0, j * lanes);
      return indicesFor(info.cMap, values);
    };
    SmallVector<Value> acc;
    Value zero;
    if (zeroInit)
      zero = arith::ConstantOp::create(
          b, loc, vecType, DenseElementsAttr::get(vecType, 0.0f));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        acc.push_back(zeroInit ? zero
                               : vector::LoadOp::create(b, loc, vecType,
                                                        info.c, cIndices(i, j))
                                     .getResult());

    Value stripBase;
    if (packedB)
      stripBase = arith::DivUIOp::create(b, loc, n0, constant(lanes));
    auto loop = scf::ForOp::create(
        b, loc, k0, add(k0, kBlock), constant(1), acc,
        [&](OpBuilder &nested, Location, Value k, ValueRange carried) {
          values[info.kDim] = k;
          SmallVector<Value> bVectors;
          for (int64_t j = 0; j < vectors; ++j)
            bVectors.push_back(loadB(values, stripBase, n0, k, j));
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            values[info.mDim] = add(m0, i);
            Value a = memref::LoadOp::create(b, loc, info.a,
                                             indicesFor(info.aMap, values));
            Value splat = vector::BroadcastOp::create(b, loc, vecType, a);
            for (int64_t j = 0; j < vectors; ++j)
              next.push_back(vector::FMAOp::create(
                  b, loc, splat, bVectors[j], carried[i * vectors + j]));
          }
          scf::YieldOp::create(b, loc, next);
        });

    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        vector::StoreOp::create(b, loc, loop.getResult(i * vectors + j),
                                info.c, cIndices(i, j));
  }

  /// Vector j of B's row k at column block n0 (strip n0 / lanes when
  /// packed).
  Value loadB(SmallVector<Value> &values, Value stripBase, Value n0, Value k,
              int64_t j) {
    if (packedB)
      return vector::LoadOp::create(b, loc, vecType, packedB,
                                    ValueRange{add(stripBase, j), k,
                                               constant(0)});
    values[info.nDim] = add(n0, j * lanes);
    return vector::LoadOp::create(b, loc, vecType, info.b,
                                  indicesFor(info.bMap, values));
  }

  OpBuilder &b;
  Location loc;
  const MatmulInfo &info;
  int64_t lanes;
  int64_t registers;
  Blocking blocking;
  Value packedB;
  VectorType vecType;
};

/// A subview of `operand` restricted to loop dim `dim` in [offset, end).
Value sliceAlong(OpBuilder &b, Location loc, Value operand, AffineMap map,
                 unsigned dim, int64_t offset, int64_t size) {
  auto type = cast<MemRefType>(operand.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    bool sliced = map.getDimPosition(i) == dim;
    offsets.push_back(b.getIndexAttr(sliced ? offset : 0));
    sizes.push_back(b.getIndexAttr(sliced ? size : type.getDimSize(i)));
    strides.push_back(b.getIndexAttr(1));
  }
  return memref::SubViewOp::create(b, loc, operand, offsets, sizes, strides);
}

LogicalResult rewriteMatmul(OpBuilder &builder, const MatmulInfo &info,
                            const q8::TargetInfo &target, SymbolTable &symbols,
                            llvm::StringMap<memref::GlobalOp> &packed) {
  int64_t lanes = target.f32Lanes;
  int64_t n = info.extents[info.nDim];
  int64_t vectorColumns = n - n % lanes;
  if (vectorColumns == 0 || info.extents[info.mDim] == 0 ||
      info.extents[info.kDim] == 0)
    return failure();
  // Before packing, which inserts a get_global in front of the op.
  Operation *init = zeroInitOfC(info);
  builder.setInsertionPoint(info.op);
  Value packedB =
      packConstantB(builder, info, lanes, vectorColumns, symbols, packed);
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
  bool zeroInit = init && vectorColumns == n;

  Blocking blocking =
      chooseBlocking(vectorColumns / lanes, target.vectorRegisters);
  KernelEmitter(builder, info, lanes, target.vectorRegisters, blocking,
                packedB)
      .emit(vectorColumns, zeroInit);

  if (vectorColumns != n) {
    // The last n % lanes columns: the same op on subviews of B and C.
    Location loc = info.op->getLoc();
    Value bTail = sliceAlong(builder, loc, info.b, info.bMap, info.nDim,
                             vectorColumns, n - vectorColumns);
    Value cTail = sliceAlong(builder, loc, info.c, info.cMap, info.nDim,
                             vectorColumns, n - vectorColumns);
    IRMapping mapping;
    mapping.map(info.b, bTail);
    mapping.map(info.c, cTail);
    Operation *tail = builder.clone(*info.op, mapping);
    // B and C may be the same value only in ill-formed IR; A is untouched.
    (void)tail;
  }
  if (zeroInit)
    init->erase();
  info.op->erase();
  return success();
}

struct MatmulKernels : q8::impl::MatmulKernelsBase<MatmulKernels> {
  using MatmulKernelsBase::MatmulKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<q8::TargetInfo> target = q8::resolveTarget(this->target);
    if (!target) {
      module.emitError() << "unknown target '" << this->target
                         << "' (expected one of " << q8::knownTargetNames()
                         << ")";
      return signalPassFailure();
    }
    SmallVector<MatmulInfo> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<MatmulInfo> info = matchMatmul(op))
        matmuls.push_back(*info);
    });
    SymbolTable symbols(module);
    llvm::StringMap<memref::GlobalOp> packed;
    OpBuilder builder(&getContext());
    for (const MatmulInfo &info : matmuls)
      (void)rewriteMatmul(builder, info, *target, symbols, packed);

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
