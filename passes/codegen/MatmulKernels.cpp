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

#include "passes/codegen/Passes.h"
#include "passes/codegen/TargetInfo.h"
#include "passes/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_MATMULKERNELS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// The register blocking of one kernel: `rows` accumulator rows of
/// `vectors` vectors each.
struct Blocking {
  int64_t rows;
  int64_t vectors;
};

/// How a kernel multiplies: one FMA per f32 lane and k, or an int8 dot
/// that sums `group` consecutive k into each i32 lane.
struct DotScheme {
  enum Kind { Fma, Vnni, MaddUbsw, MaddWd } kind;
  int64_t lanes; ///< accumulator lanes
  int64_t group; ///< k per lane and step
  Type packed;   ///< B's packed element type
  Type accumulator;

  /// The int8 instructions come in 256- and 512-bit forms.
  bool wide() const { return lanes == 16; }
  VectorType accType() const { return VectorType::get({lanes}, accumulator); }
  /// One packed B step: lanes x group elements, one register.
  VectorType bType() const {
    return VectorType::get({lanes * group}, packed);
  }
};

/// Accumulator rows for a panel of `vectors` vectors: rows x vectors
/// accumulators, the panel's B vectors and one broadcast fit the register
/// file (8 x 3 + 3 + 1 = 28 of 32 zmm; 6 x 2 + 2 + 1 = 15 of 16 ymm). The
/// vpmaddubsw/vpmaddwd dots hold a vector of ones and an i16 temporary
/// besides, so they get fewer rows (6 x 3 + 3 + 3 of 32, 4 x 2 + 2 + 3 of
/// 16).
int64_t rowsFor(int64_t vectors, int64_t registers, const DotScheme &scheme) {
  bool madd = scheme.kind == DotScheme::MaddUbsw ||
              scheme.kind == DotScheme::MaddWd;
  if (madd && registers >= 32)
    return vectors >= 4 ? 5 : vectors == 3 ? 6 : vectors == 2 ? 8 : 12;
  if (madd)
    return vectors >= 2 ? 4 : 8;
  if (registers >= 32)
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : vectors == 2 ? 12 : 16;
  return vectors >= 2 ? 6 : 12;
}

/// Picks the panel width (in vectors) and the row count. A panel that
/// tiles the vector part of N exactly is preferred (3 on 32-register
/// targets, 8 x 3 accumulators; 2 on 16-register ones, 6 x 2); otherwise
/// the preferred width, with a narrower kernel for the leftover vectors.
Blocking chooseBlocking(int64_t nVectors, int64_t registers,
                        const DotScheme &scheme) {
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
  return {rowsFor(vectors, registers, scheme), vectors};
}

/// The K block: all of K when it is short, else the largest divisor of K in
/// [128, 512] so the B strips of one block stay in L2 next to A's rows;
/// always a multiple of the dot's k group.
int64_t chooseKBlock(int64_t k, int64_t group) {
  if (k <= 512)
    return k;
  for (int64_t block = 512; block >= 128; --block)
    if (k % block == 0 && block % group == 0)
      return block;
  return k;
}

/// What a contraction multiplies.
enum class Element {
  F32,  ///< f32 x f32 -> f32
  U8S8, ///< u8 x s8 -> i32 (i8 storage, zero/sign-extended in the body)
};

/// What the pass needs of one matmul-like linalg op.
struct MatmulInfo {
  linalg::LinalgOp op;
  Element element = Element::F32;
  int64_t aZeroPoint = 0; ///< U8S8: subtracted from A in the body
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
  if (!op.hasPureBufferSemantics() || op.hasDynamicShape() ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
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

/// Constant globals' values as doubles (exact for f32 and every integer
/// type), read once per global however many matmuls use it.
using ConstantValues = llvm::StringMap<SmallVector<double>>;

/// The constant B of `info` as a row-major [rows, cols] array, with its
/// map's k-major flag; nullopt if B is not a constant 2-D global read
/// directly.
struct ConstantB {
  ArrayRef<double> values;
  int64_t rowLength;
  bool kFirst;
  memref::GlobalOp global;

  double at(int64_t k, int64_t n) const {
    return kFirst ? values[k * rowLength + n] : values[n * rowLength + k];
  }
};

std::optional<ConstantB> readConstantB(const MatmulInfo &info,
                                       SymbolTable &symbols,
                                       ConstantValues &read) {
  auto getGlobal = info.b.getDefiningOp<memref::GetGlobalOp>();
  // B must be the 2-D (k, n) or (n, k) weight itself.
  if (!getGlobal || info.bMap.getNumResults() != 2 ||
      !info.bMap.isFunctionOfDim(info.kDim) ||
      !info.bMap.isFunctionOfDim(info.nDim))
    return std::nullopt;
  auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
  if (!global || !global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  auto cached = read.find(global.getSymName());
  if (cached == read.end()) {
    auto initial = dyn_cast<ElementsAttr>(*global.getInitialValue());
    if (!initial)
      return std::nullopt;
    SmallVector<double> values;
    if (std::optional<SmallVector<float>> f = q8::readF32Values(initial))
      values.assign(f->begin(), f->end());
    else if (std::optional<SmallVector<int64_t>> i =
                 q8::readIntegerValues(initial))
      values.assign(i->begin(), i->end());
    else
      return std::nullopt;
    cached = read.try_emplace(global.getSymName(), std::move(values)).first;
  }
  ConstantB b;
  b.values = cached->second;
  b.rowLength = cast<MemRefType>(info.b.getType()).getShape()[1];
  b.kFirst = info.bMap.getDimPosition(0) == info.kDim;
  b.global = global;
  return b;
}

/// True if vpmaddubsw is exact on B: every pair of consecutive k (as the
/// group-4 packing pairs them) has |b0| + |b1| <= 128, so u8 * b0 + u8 * b1
/// stays within int16 (255 * 128 = 32640).
bool pairSumsFitInt16(const ConstantB &b, int64_t k, int64_t n) {
  for (int64_t kk = 0; kk + 1 < k; kk += 2)
    for (int64_t nn = 0; nn < n; ++nn)
      if (std::abs(b.at(kk, nn)) + std::abs(b.at(kk + 1, nn)) > 128)
        return false;
  return true;
}

/// Packs the constant B of `info` for `scheme` into
/// [N/lanes][K/group][lanes x group] (element (s, q, l * group + j) is
/// B(q * group + j, s * lanes + l)), as a new private global next to the
/// old one (once per global and layout: `packed` remembers them); returns
/// it read through memref.get_global.
Value packConstantB(OpBuilder &builder, const MatmulInfo &info,
                    const ConstantB &constant, const DotScheme &scheme,
                    int64_t packedColumns, SymbolTable &symbols,
                    llvm::StringMap<memref::GlobalOp> &packed) {
  memref::GlobalOp global = constant.global;
  int64_t lanes = scheme.lanes, group = scheme.group;
  int64_t k = info.extents[info.kDim];
  int64_t strips = packedColumns / lanes;
  MemRefType packedType = MemRefType::get(
      {strips, k / group, lanes * group}, scheme.packed);
  // One layout per (global, k-major or not, packed shape and type).
  std::string key;
  llvm::raw_string_ostream os(key);
  os << global.getSymName() << (constant.kFirst ? "_kn" : "_nk") << packedType;
  if (memref::GlobalOp existing = packed.lookup(key))
    return memref::GetGlobalOp::create(builder, info.op->getLoc(),
                                       existing.getType(),
                                       existing.getSymName());

  auto position = [&](int64_t s, int64_t q, int64_t l, int64_t j) {
    return ((s * (k / group) + q) * lanes + l) * group + j;
  };
  SmallVector<double> layout(strips * k * lanes);
  for (int64_t s = 0; s < strips; ++s)
    for (int64_t q = 0; q < k / group; ++q)
      for (int64_t l = 0; l < lanes; ++l)
        for (int64_t j = 0; j < group; ++j)
          layout[position(s, q, l, j)] =
              constant.at(q * group + j, s * lanes + l);

  std::string name = (global.getSymName() + "_packed").str();
  auto tensorType =
      RankedTensorType::get(packedType.getShape(), scheme.packed);
  ElementsAttr data;
  if (scheme.packed.isF32())
    data = q8::makeF32Constant(
        tensorType, SmallVector<float>(layout.begin(), layout.end()), name);
  else if (scheme.packed.isInteger(16))
    data = q8::makeConstant<int16_t>(
        tensorType, SmallVector<int16_t>(layout.begin(), layout.end()), name);
  else
    data = q8::makeConstant<int8_t>(
        tensorType, SmallVector<int8_t>(layout.begin(), layout.end()), name);
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
         (matchPattern(fill.getDpsInputOperand(0)->get(), m_AnyZeroFloat()) ||
          matchPattern(fill.getDpsInputOperand(0)->get(), m_Zero()));
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
  /// `packedB` is indexed [prefix..., strip, k / group, 0], prefix the loop
  /// values of `packedPrefix`; `columnOffsets`, if any, [prefix..., n] is
  /// added to every row's accumulators once.
  KernelEmitter(OpBuilder &builder, const MatmulInfo &info,
                const DotScheme &scheme, int64_t registers, Blocking blocking,
                Value packedB, ArrayRef<unsigned> packedPrefix = {},
                Value columnOffsets = {})
      : b(builder), loc(info.op->getLoc()), info(info), scheme(scheme),
        lanes(scheme.lanes), registers(registers), blocking(blocking),
        packedB(packedB), packedPrefix(packedPrefix),
        columnOffsets(columnOffsets), vecType(scheme.accType()) {}

  /// Everything for columns [0, vectorColumns); `zeroInit` drops the
  /// initial load of C in the first K block.
  void emit(int64_t vectorColumns, bool zeroInit) {
    int64_t m = info.extents[info.mDim], k = info.extents[info.kDim];
    int64_t kBlock = chooseKBlock(k, scheme.group);
    SmallVector<Value> loopValues(info.extents.size());
    emitBatchLoops(0, loopValues, [&](SmallVector<Value> &values) {
      // The first K block, then the rest in a loop.
      for (bool first : {true, false}) {
        if (!first && kBlock == k)
          break;
        auto body = [&](Value k0) {
          firstBlock = first;
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
                       : rowsFor(vectors, registers, scheme);
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
      zero = arith::ConstantOp::create(b, loc, vecType,
                                       b.getZeroAttr(vecType));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        acc.push_back(zeroInit ? zero
                               : vector::LoadOp::create(b, loc, vecType,
                                                        info.c, cIndices(i, j))
                                     .getResult());
    if (columnOffsets && firstBlock) {
      for (int64_t j = 0; j < vectors; ++j) {
        SmallVector<Value> indices = prefixIndices(values);
        indices.push_back(add(n0, j * lanes));
        Value offset =
            vector::LoadOp::create(b, loc, vecType, columnOffsets, indices);
        for (int64_t i = 0; i < rows; ++i) {
          Value &slot = acc[i * vectors + j];
          slot = zeroInit ? offset
                          : arith::AddIOp::create(b, loc, slot, offset)
                                .getResult();
        }
      }
    }

    Value stripBase;
    if (packedB)
      stripBase = arith::DivUIOp::create(b, loc, n0, constant(lanes));
    auto loop = scf::ForOp::create(
        b, loc, k0, add(k0, kBlock), constant(scheme.group), acc,
        [&](OpBuilder &nested, Location, Value k, ValueRange carried) {
          values[info.kDim] = k;
          SmallVector<Value> bVectors;
          for (int64_t j = 0; j < vectors; ++j)
            bVectors.push_back(loadB(values, stripBase, n0, k, j));
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            values[info.mDim] = add(m0, i);
            Value a = broadcastA(indicesFor(info.aMap, values));
            for (int64_t j = 0; j < vectors; ++j)
              next.push_back(dot(a, bVectors[j], carried[i * vectors + j]));
          }
          scf::YieldOp::create(b, loc, next);
        });

    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        vector::StoreOp::create(b, loc, loop.getResult(i * vectors + j),
                                info.c, cIndices(i, j));
  }

  SmallVector<Value> prefixIndices(ArrayRef<Value> values) {
    SmallVector<Value> indices;
    for (unsigned dim : packedPrefix)
      indices.push_back(values[dim]);
    return indices;
  }

  /// A(m, k) for every lane: the f32 itself, or A's group bytes at
  /// k .. k + group as one 32-bit lane, in the dot's operand type.
  Value broadcastA(SmallVector<Value> indices) {
    if (scheme.kind == DotScheme::Fma) {
      Value a = memref::LoadOp::create(b, loc, info.a, indices);
      return vector::BroadcastOp::create(b, loc, vecType, a);
    }
    // A's group (as bytes, or zero-extended to i16 pairs beforehand for
    // vpmaddwd) is one 32-bit lane.
    Type i32 = b.getI32Type();
    Type element = cast<MemRefType>(info.a.getType()).getElementType();
    Value bytes = vector::LoadOp::create(
        b, loc, VectorType::get({scheme.group}, element), info.a, indices);
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, i32), bytes);
    Value lane = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, i32), lane);
    return vector::BitCastOp::create(b, loc, scheme.bType(), splat);
  }

  Value intrinsic(StringRef name, Type result, ValueRange operands) {
    return LLVM::CallIntrinsicOp::create(b, loc, result,
                                         b.getStringAttr(name), operands)
        .getResult(0);
  }

  /// acc + a . bVector with the scheme's instruction.
  Value dot(Value a, Value bVector, Value acc) {
    bool wide = scheme.wide();
    Type i16x = VectorType::get({lanes * 2}, b.getI16Type());
    switch (scheme.kind) {
    case DotScheme::Fma:
      return vector::FMAOp::create(b, loc, a, bVector, acc);
    case DotScheme::Vnni:
      return intrinsic(wide ? "llvm.x86.avx512.vpdpbusd.512"
                            : "llvm.x86.avx512.vpdpbusd.256",
                       vecType, {acc, a, bVector});
    case DotScheme::MaddUbsw: {
      Value pairs = intrinsic(wide ? "llvm.x86.avx512.pmaddubs.w.512"
                                   : "llvm.x86.avx2.pmadd.ub.sw",
                              i16x, {a, bVector});
      Value ones = arith::ConstantOp::create(
          b, loc, i16x,
          DenseElementsAttr::get(cast<ShapedType>(i16x), b.getI16IntegerAttr(1)
                                                         .getValue()));
      Value quads = intrinsic(wide ? "llvm.x86.avx512.pmaddw.d.512"
                                   : "llvm.x86.avx2.pmadd.wd",
                              vecType, {pairs, ones});
      return arith::AddIOp::create(b, loc, acc, quads);
    }
    case DotScheme::MaddWd: {
      Value pairs = intrinsic(wide ? "llvm.x86.avx512.pmaddw.d.512"
                                   : "llvm.x86.avx2.pmadd.wd",
                              vecType, {a, bVector});
      return arith::AddIOp::create(b, loc, acc, pairs);
    }
    }
    llvm_unreachable("unknown dot scheme");
  }

  /// Vector j of B's row k at column block n0 (strip n0 / lanes, group
  /// k / group when packed).
  Value loadB(SmallVector<Value> &values, Value stripBase, Value n0, Value k,
              int64_t j) {
    if (packedB) {
      Value step = scheme.group == 1
                       ? k
                       : arith::DivUIOp::create(b, loc, k,
                                                constant(scheme.group))
                             .getResult();
      SmallVector<Value> indices = prefixIndices(values);
      indices.append({add(stripBase, j), step, constant(0)});
      return vector::LoadOp::create(b, loc, scheme.bType(), packedB, indices);
    }
    values[info.nDim] = add(n0, j * lanes);
    return vector::LoadOp::create(b, loc, vecType, info.b,
                                  indicesFor(info.bMap, values));
  }

  OpBuilder &b;
  Location loc;
  const MatmulInfo &info;
  const DotScheme &scheme;
  int64_t lanes;
  int64_t registers;
  Blocking blocking;
  Value packedB;
  SmallVector<unsigned> packedPrefix;
  Value columnOffsets;
  bool firstBlock = true;
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

/// A copy of the u8 buffer `a` zero-extended to i16: a new allocation
/// (placed by q8-plan-arena like any other) filled by an elementwise
/// generic that q8-tile-and-vectorize vectorizes.
Value widenToI16(OpBuilder &b, Location loc, Value a) {
  auto type = cast<MemRefType>(a.getType());
  auto wideType = MemRefType::get(type.getShape(), b.getI16Type());
  Value wide = memref::AllocOp::create(b, loc, wideType,
                                       b.getI64IntegerAttr(64));
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  linalg::GenericOp::create(
      b, loc, ValueRange{a}, ValueRange{wide},
      ArrayRef<AffineMap>{identity, identity}, parallel,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value extended = arith::ExtUIOp::create(nested, nestedLoc,
                                                nested.getI16Type(), args[0]);
        linalg::YieldOp::create(nested, nestedLoc, extended);
      });
  return wide;
}

/// B's loop dims other than k and n, in B's order: the run-time packed
/// copy and the column offsets keep them as leading dims.
SmallVector<unsigned> prefixDimsOf(const MatmulInfo &info) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0, e = info.bMap.getNumResults(); i < e; ++i) {
    unsigned dim = info.bMap.getDimPosition(i);
    if (dim != info.kDim && dim != info.nDim)
      dims.push_back(dim);
  }
  return dims;
}

/// B's indices as affine expressions of an iteration space whose first dims
/// are `prefix`'s, with k and n given.
AffineMap bMapOver(const MatmulInfo &info, ArrayRef<unsigned> prefix,
                   unsigned rank, AffineExpr k, AffineExpr n) {
  MLIRContext *context = k.getContext();
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0, e = info.bMap.getNumResults(); i < e; ++i) {
    unsigned dim = info.bMap.getDimPosition(i);
    exprs.push_back(dim == info.kDim   ? k
                    : dim == info.nDim ? n
                                       : getAffineDimExpr(
                                             llvm::find(prefix, dim) -
                                                 prefix.begin(),
                                             context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

/// Packs a B only known at run time, as packConstantB lays out constant
/// ones: a new buffer [prefix..., N/lanes, K/group, lanes, group] filled by
/// an elementwise generic (B(q * group + j, s * lanes + l), sign-extended
/// for the i16 scheme), read through its [.., lanes x group] collapse.
Value packRuntimeB(OpBuilder &b, const MatmulInfo &info,
                   const DotScheme &scheme, int64_t packedColumns,
                   ArrayRef<unsigned> prefix) {
  Location loc = info.op->getLoc();
  MLIRContext *context = b.getContext();
  int64_t lanes = scheme.lanes, group = scheme.group;
  SmallVector<int64_t> shape;
  for (unsigned dim : prefix)
    shape.push_back(info.extents[dim]);
  unsigned p = shape.size();
  shape.append({packedColumns / lanes, info.extents[info.kDim] / group, lanes,
                group});
  unsigned rank = shape.size();
  Value packed = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, scheme.packed), b.getI64IntegerAttr(64));
  AffineExpr s = getAffineDimExpr(p, context),
             q = getAffineDimExpr(p + 1, context),
             l = getAffineDimExpr(p + 2, context),
             j = getAffineDimExpr(p + 3, context);
  AffineMap read = bMapOver(info, prefix, rank, q * group + j, s * lanes + l);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  linalg::GenericOp::create(
      b, loc, ValueRange{info.b}, ValueRange{packed},
      ArrayRef<AffineMap>{read, b.getMultiDimIdentityMap(rank)}, parallel,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value value = args[0];
        if (scheme.packed != value.getType())
          value = arith::ExtSIOp::create(nested, nestedLoc, scheme.packed,
                                         value);
        linalg::YieldOp::create(nested, nestedLoc, value);
      });
  SmallVector<ReassociationIndices> groups;
  for (unsigned i = 0; i < p + 2; ++i)
    groups.push_back({static_cast<int64_t>(i)});
  groups.push_back({static_cast<int64_t>(p + 2), static_cast<int64_t>(p + 3)});
  return memref::CollapseShapeOp::create(b, loc, packed, groups);
}

/// -zp * sum_k B(.., k, n), [prefix..., N] in i32: what subtracting A's zero
/// point inside the product takes from the plain u8 x s8 dot, per column,
/// so that the kernels can start their accumulators from it.
Value columnOffsets(OpBuilder &b, const MatmulInfo &info,
                    ArrayRef<unsigned> prefix) {
  Location loc = info.op->getLoc();
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> shape;
  for (unsigned dim : prefix)
    shape.push_back(info.extents[dim]);
  unsigned p = shape.size();
  shape.push_back(info.extents[info.nDim]);
  Type i32 = b.getI32Type();
  Value offsets = memref::AllocOp::create(b, loc, MemRefType::get(shape, i32),
                                          b.getI64IntegerAttr(64));
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{offsets});
  // Iteration (prefix..., n, k).
  unsigned rank = p + 2;
  AffineMap read = bMapOver(info, prefix, rank, getAffineDimExpr(p + 1, context),
                            getAffineDimExpr(p, context));
  SmallVector<AffineExpr> columns; // (prefix..., n)
  for (unsigned i = 0; i <= p; ++i)
    columns.push_back(getAffineDimExpr(i, context));
  AffineMap write = AffineMap::get(rank, 0, columns, context);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  linalg::GenericOp::create(
      b, loc, ValueRange{info.b}, ValueRange{offsets},
      ArrayRef<AffineMap>{read, write}, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value w = arith::ExtSIOp::create(nested, nestedLoc, i32, args[0]);
        Value scale = arith::ConstantOp::create(
            nested, nestedLoc, nested.getI32IntegerAttr(-info.aZeroPoint));
        Value term = arith::MulIOp::create(nested, nestedLoc, w, scale);
        Value sum = arith::AddIOp::create(nested, nestedLoc, args[1], term);
        linalg::YieldOp::create(nested, nestedLoc, sum);
      });
  return offsets;
}

/// How `info` multiplies on `target`; nullopt leaves it to the generic
/// path (an int8 contraction needs a dot instruction, a constant B and A
/// contiguous along k in whole groups).
std::optional<DotScheme> chooseScheme(MLIRContext *context,
                                      const MatmulInfo &info,
                                      const q8::TargetInfo &target,
                                      const std::optional<ConstantB> &b) {
  Type f32 = Float32Type::get(context);
  Type i8 = IntegerType::get(context, 8), i16 = IntegerType::get(context, 16),
       i32 = IntegerType::get(context, 32);
  if (info.element == Element::F32)
    return DotScheme{DotScheme::Fma, target.f32Lanes, 1, f32, f32};
  if (info.aMap.getNumResults() == 0 ||
      info.aMap.getDimPosition(info.aMap.getNumResults() - 1) != info.kDim ||
      !hasUnitInnerStride(cast<MemRefType>(info.a.getType())))
    return std::nullopt;
  std::optional<DotScheme> scheme;
  int64_t k = info.extents[info.kDim], n = info.extents[info.nDim];
  switch (target.int8Dot) {
  case q8::Int8Dot::None:
    return std::nullopt;
  case q8::Int8Dot::Vnni256:
  case q8::Int8Dot::Vnni512:
    scheme = DotScheme{DotScheme::Vnni,
                       target.int8Dot == q8::Int8Dot::Vnni512 ? 16 : 8, 4, i8,
                       i32};
    break;
  case q8::Int8Dot::Madd256:
  case q8::Int8Dot::Madd512: {
    int64_t lanes = target.int8Dot == q8::Int8Dot::Madd512 ? 16 : 8;
    // Weights known at compile time may qualify for vpmaddubsw; others
    // take the exact path.
    scheme = b && pairSumsFitInt16(*b, k, n)
                 ? DotScheme{DotScheme::MaddUbsw, lanes, 4, i8, i32}
                 : DotScheme{DotScheme::MaddWd, lanes, 2, i16, i32};
    break;
  }
  }
  if (k % scheme->group != 0)
    return std::nullopt;
  return scheme;
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
  int64_t vectorColumns = n - n % lanes;
  if (vectorColumns == 0 || info.extents[info.mDim] == 0 ||
      info.extents[info.kDim] == 0)
    return failure();
  // Before packing, which inserts a get_global in front of the op.
  Operation *init = zeroInitOfC(info);
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
    // constant; A's zero point becomes per-column offsets.
    if (!packedB)
      packedB = packRuntimeB(builder, info, *scheme, vectorColumns, prefix);
    if (info.aZeroPoint != 0)
      offsets = columnOffsets(builder, info, prefix);
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
  bool zeroInit = init && vectorColumns == n;

  // vpmaddwd multiplies i16 pairs: A is zero-extended once, into a buffer
  // of its own, rather than per row in every panel's k loop.
  MatmulInfo kernelInfo = info;
  if (scheme->kind == DotScheme::MaddWd)
    kernelInfo.a = widenToI16(builder, info.op->getLoc(), info.a);
  Blocking blocking =
      chooseBlocking(vectorColumns / lanes, target.vectorRegisters, *scheme);
  KernelEmitter(builder, kernelInfo, *scheme, target.vectorRegisters,
                blocking, packedB, prefix, offsets)
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
