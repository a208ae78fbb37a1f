//===- MatmulPacking.cpp - B packed for the matmul micro-kernels ----------===//
//
// The layouts q8-matmul-kernels' micro-kernels read B in
// (MatmulKernels.cpp): constant weights packed at compile time, other B
// operands packed at run time, A widened to i16 for vpmaddwd, and the
// column offsets that take A's zero point out of the product.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/MatmulKernels.h"

#include "passes/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace q8::matmul {

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

Value widenToI16(OpBuilder &b, Location loc, Value a) {
  auto type = cast<MemRefType>(a.getType());
  auto wideType = MemRefType::get(type.getShape(), b.getI16Type());
  // A dynamic extent's rows (or depth) sized as A's.
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, a, d));
  Value wide = memref::AllocOp::create(b, loc, wideType, sizes,
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

SmallVector<unsigned> prefixDimsOf(const MatmulInfo &info) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0, e = info.bMap.getNumResults(); i < e; ++i) {
    unsigned dim = info.bMap.getDimPosition(i);
    if (dim != info.kDim && dim != info.nDim)
      dims.push_back(dim);
  }
  return dims;
}

namespace {

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

} // namespace

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
  // Run-time columns (a dynamic extent): info.vectorColumns / lanes strips.
  SmallVector<Value> sizes;
  if (info.nExtent) {
    shape[p] = ShapedType::kDynamic;
    sizes.push_back(arith::DivUIOp::create(
        b, loc, info.vectorColumns,
        arith::ConstantIndexOp::create(b, loc, lanes)));
  }
  // A run-time depth: the kernels' whole groups of it.
  if (info.kExtent) {
    shape[p + 1] = ShapedType::kDynamic;
    sizes.push_back(arith::DivUIOp::create(
        b, loc, info.kExtent, arith::ConstantIndexOp::create(b, loc, group)));
  }
  Value packed = memref::AllocOp::create(
      b, loc, MemRefType::get(shape, scheme.packed), sizes,
      b.getI64IntegerAttr(64));
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

Value columnOffsets(OpBuilder &b, const MatmulInfo &info,
                    ArrayRef<unsigned> prefix) {
  Location loc = info.op->getLoc();
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> shape;
  for (unsigned dim : prefix)
    shape.push_back(info.extents[dim]);
  unsigned p = shape.size();
  shape.push_back(info.nExtent ? ShapedType::kDynamic
                               : info.extents[info.nDim]);
  Type i32 = b.getI32Type();
  SmallVector<Value> sizes;
  if (info.nExtent)
    sizes.push_back(info.nExtent);
  Value offsets = memref::AllocOp::create(b, loc, MemRefType::get(shape, i32),
                                          sizes, b.getI64IntegerAttr(64));
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

} // namespace q8::matmul
