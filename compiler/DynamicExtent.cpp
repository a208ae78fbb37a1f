//===- DynamicExtent.cpp - a dynamic dim kept inside the kernels ----------===//
//
// See DynamicExtent.h: three imports, one graph, every size affine in the
// dim's size n; the graph at the bound rewritten with n dynamic.
//
//===----------------------------------------------------------------------===//

#include "compiler/DynamicExtent.h"

#include "compiler/BatchLockstep.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>

using namespace mlir;
using q8::batch::describe;
using q8::batch::entryOf;
using q8::batch::opsInOrder;
using q8::batch::recordValueIds;

namespace {

/// p * n + q.
struct Affine {
  int64_t p = 0, q = 0;
  int64_t at(int64_t n) const { return p * n + q; }
};

/// The affine function through (sizes[i], values[i]) for every i, if one
/// with integer coefficients exists: fitted on the first two sizes,
/// checked on the others.
std::optional<Affine> fit(ArrayRef<int64_t> sizes, ArrayRef<int64_t> values) {
  int64_t dn = sizes[1] - sizes[0], dv = values[1] - values[0];
  if (dn == 0 || dv % dn != 0)
    return std::nullopt;
  Affine f{dv / dn, values[0] - dv / dn * sizes[0]};
  for (auto [n, v] : llvm::zip(sizes, values))
    if (f.at(n) != v)
      return std::nullopt;
  return f;
}

/// Per dim of a shaped value: nullopt where the imports agree, else the
/// dim as a function of n.
using DimFits = SmallVector<std::optional<Affine>>;

/// The raw bytes and element size of a dense constant, or false (i1 data,
/// a resource without its blob).
bool rawData(Attribute attr, ArrayRef<char> &data, int64_t &elementBytes,
             bool &splat) {
  auto shaped = dyn_cast<ShapedType>(cast<TypedAttr>(attr).getType());
  unsigned bits = shaped.getElementType().getIntOrFloatBitWidth();
  if (bits % 8 != 0)
    return false;
  elementBytes = bits / 8;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    data = dense.getRawData();
    splat = dense.isSplat();
    return true;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return false;
    data = blob->getData();
    splat = false;
    return true;
  }
  return false;
}

/// Whether the constant `small` is the leading block of `big` (same rank,
/// every dim no larger): element [i, j, ...] of one is that of the other.
bool isLeadingBlock(Attribute small, Attribute big) {
  ArrayRef<char> a, b;
  int64_t elementBytes, otherBytes;
  bool aSplat, bSplat;
  if (!rawData(small, a, elementBytes, aSplat) ||
      !rawData(big, b, otherBytes, bSplat) || elementBytes != otherBytes)
    return false;
  ArrayRef<int64_t> shape = cast<ShapedType>(cast<TypedAttr>(small).getType())
                                .getShape();
  ArrayRef<int64_t> bigShape =
      cast<ShapedType>(cast<TypedAttr>(big).getType()).getShape();
  if (aSplat && bSplat)
    return a == b;
  // Row-major strides of `big`, in elements.
  int64_t rank = shape.size();
  SmallVector<int64_t> stride(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    stride[d] = stride[d + 1] * bigShape[d + 1];
  SmallVector<int64_t> at(rank, 0);
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += at[d] * stride[d];
    ArrayRef<char> x = a.slice(aSplat ? 0 : i * elementBytes, elementBytes);
    ArrayRef<char> y = b.slice(bSplat ? 0 : offset * elementBytes,
                               elementBytes);
    if (x != y)
      return false;
    for (int64_t d = rank - 1; d >= 0 && ++at[d] == shape[d]; --d)
      at[d] = 0;
  }
  return true;
}

/// How a constant that changes with n is rebuilt.
struct ConstantPlan {
  enum Kind { Integer, Float, ReciprocalFloat, LeadingBlock } kind;
  Affine f;        ///< the value (Integer, Float), 1 / value (Reciprocal)
  DimFits dims;    ///< LeadingBlock: the block's dims
  /// LeadingBlock when the graph at the bound is not the one rewritten:
  /// the same node's constant there, which holds every size's data.
  Attribute boundValue;
};

/// Rewrites the graph at the bound (see DynamicExtent.h).
class Generalizer {
public:
  Generalizer(ArrayRef<func::FuncOp> funcs, ArrayRef<int64_t> sizes,
              q8::ExtentDim &extent)
      : funcs(funcs.begin(), funcs.end()), sizes(sizes), extent(extent) {}

  /// Whether the last function is the graph at the bound (whose constants
  /// hold every size's data); if not, that graph, and the bound.
  bool boundIsTemplate = true;
  func::FuncOp bound;
  int64_t boundSize = 0;

  LogicalResult run() {
    if (failed(check()))
      return failure();
    return rewrite();
  }

private:
  func::FuncOp target() const { return funcs.back(); }

  InFlightDiagnostic differs(Operation *op, const Twine &what) {
    return op->emitError()
           << describe(op) << " changes with the size of '" << extent.name
           << "' in a way q8 cannot compile with a dynamic extent (" << what
           << "); fix the dim with --input-shape";
  }

  /// Fits of each dim of `types` (one per import), or failure.
  FailureOr<DimFits> fitDims(ArrayRef<Type> types) {
    auto first = dyn_cast<ShapedType>(types[0]);
    if (!first || !first.hasRank()) {
      if (!llvm::all_equal(types))
        return failure();
      return DimFits();
    }
    DimFits fits(first.getRank());
    for (Type t : types) {
      auto shaped = dyn_cast<ShapedType>(t);
      if (!shaped || !shaped.hasRank() ||
          shaped.getRank() != first.getRank() ||
          shaped.getElementType() != first.getElementType())
        return failure();
    }
    for (int64_t d = 0; d < first.getRank(); ++d) {
      SmallVector<int64_t> values;
      for (Type t : types)
        values.push_back(cast<ShapedType>(t).getDimSize(d));
      if (llvm::all_equal(values))
        continue;
      std::optional<Affine> f = fit(sizes, values);
      if (!f || f->p < 0)
        return failure();
      fits[d] = *f;
    }
    return fits;
  }

  static bool anyDynamic(const DimFits &fits) {
    return llvm::any_of(fits, [](auto &f) { return f.has_value(); });
  }

  /// `type` with `?` where `fits` has a function.
  static Type generalType(Type type, const DimFits &fits) {
    if (!anyDynamic(fits))
      return type;
    auto shaped = cast<ShapedType>(type);
    SmallVector<int64_t> shape(shaped.getShape());
    for (auto [d, f] : llvm::enumerate(fits))
      if (f)
        shape[d] = ShapedType::kDynamic;
    return shaped.clone(shape);
  }

  /// Records the fits of the value at the same place in every import.
  LogicalResult fitValue(ArrayRef<Value> values, Operation *op,
                         const Twine &what) {
    SmallVector<Type> types;
    for (Value v : values)
      types.push_back(v.getType());
    FailureOr<DimFits> fits = fitDims(types);
    if (failed(fits))
      return differs(op, what + "'s shape is not affine in the size");
    if (anyDynamic(*fits))
      valueFits[values.back()] = *fits;
    return success();
  }

  /// Integer lists (static sizes, offsets, reshape targets) whose entries
  /// are equal or affine across the imports.
  std::optional<SmallVector<std::optional<Affine>>>
  fitList(ArrayRef<Attribute> attrs) {
    SmallVector<ArrayRef<int64_t>> lists;
    for (Attribute a : attrs) {
      auto array = dyn_cast<DenseI64ArrayAttr>(a);
      if (!array)
        return std::nullopt;
      lists.push_back(array.asArrayRef());
    }
    SmallVector<std::optional<Affine>> fits;
    for (size_t i = 0; i < lists[0].size(); ++i) {
      SmallVector<int64_t> values;
      for (ArrayRef<int64_t> l : lists) {
        if (l.size() != lists[0].size() || ShapedType::isDynamic(l[i]))
          return std::nullopt;
        values.push_back(l[i]);
      }
      if (llvm::all_equal(values)) {
        fits.push_back(std::nullopt);
        continue;
      }
      std::optional<Affine> f = fit(sizes, values);
      if (!f)
        return std::nullopt;
      fits.push_back(*f);
    }
    return fits;
  }

  /// How a constant whose value differs across imports is rebuilt.
  std::optional<ConstantPlan> planConstant(ArrayRef<Operation *> op) {
    SmallVector<Attribute> values;
    for (Operation *o : op)
      values.push_back(o->getAttr("value"));
    if (auto last = dyn_cast<IntegerAttr>(values.back())) {
      SmallVector<int64_t> ints;
      for (Attribute v : values)
        ints.push_back(cast<IntegerAttr>(v).getInt());
      if (std::optional<Affine> f = fit(sizes, ints))
        return ConstantPlan{ConstantPlan::Integer, *f, {}};
      return std::nullopt;
    }
    if (auto last = dyn_cast<FloatAttr>(values.back())) {
      // n itself (a count), or 1 / n (a mean's divisor), exactly as the
      // importer's f32 arithmetic made it.
      SmallVector<double> floats;
      for (Attribute v : values)
        floats.push_back(cast<FloatAttr>(v).getValueAsDouble());
      auto integers = [&](auto transform) {
        SmallVector<int64_t> ints;
        for (double v : floats) {
          double t = transform(v);
          if (!std::isfinite(t) || t != std::round(t) || std::abs(t) > 1e15)
            return SmallVector<int64_t>();
          ints.push_back((int64_t)t);
        }
        return ints;
      };
      SmallVector<int64_t> direct = integers([](double v) { return v; });
      if (!direct.empty())
        if (std::optional<Affine> f = fit(sizes, direct))
          return ConstantPlan{ConstantPlan::Float, *f, {}};
      SmallVector<int64_t> inverse = integers([&](double v) {
        return std::round(1.0 / v) == 0 ? NAN : (double)std::round(1.0 / v);
      });
      if (!inverse.empty())
        if (std::optional<Affine> f = fit(sizes, inverse)) {
          // The value must be what 1 / n rounds to in its type.
          bool exact = llvm::all_of(llvm::zip(values, inverse), [](auto vr) {
            auto attr = cast<FloatAttr>(std::get<0>(vr));
            APFloat one(attr.getValue().getSemantics(), 1);
            APFloat n(attr.getValue().getSemantics(), std::get<1>(vr));
            (void)one.divide(n, APFloat::rmNearestTiesToEven);
            return one.bitwiseIsEqual(attr.getValue());
          });
          if (exact)
            return ConstantPlan{ConstantPlan::ReciprocalFloat, *f, {}};
        }
      return std::nullopt;
    }
    // Tensor data: the bound's, of which every smaller one is the leading
    // block.
    SmallVector<Type> types;
    for (Attribute v : values) {
      auto typed = dyn_cast<TypedAttr>(v);
      if (!typed || !isa<RankedTensorType>(typed.getType()))
        return std::nullopt;
      types.push_back(typed.getType());
    }
    FailureOr<DimFits> fits = fitDims(types);
    if (failed(fits) || !anyDynamic(*fits))
      return std::nullopt;
    for (Attribute v : ArrayRef(values).drop_back())
      if (!isLeadingBlock(v, values.back()))
        return std::nullopt;
    return ConstantPlan{ConstantPlan::LeadingBlock, {}, *fits};
  }

  /// The constant the bound's graph (another one) holds for the node of
  /// the constants `op`: the same location, the shape `dims` give at the
  /// bound, and every import's data a leading block of it; or null.
  Attribute boundConstant(ArrayRef<Operation *> op, const DimFits &dims) {
    if (!bound)
      return {};
    auto type = cast<RankedTensorType>(op.back()->getResult(0).getType());
    SmallVector<int64_t> shape(type.getShape());
    for (auto [d, f] : llvm::enumerate(dims))
      if (f)
        shape[d] = f->at(boundSize);
    Type want = type.clone(shape);
    Attribute found;
    bound.walk([&](arith::ConstantOp candidate) {
      if (candidate.getLoc() != op.back()->getLoc() ||
          candidate.getType() != want)
        return WalkResult::advance();
      Attribute value = candidate.getValue();
      if (llvm::all_of(op, [&](Operation *o) {
            return isLeadingBlock(o->getAttr("value"), value);
          })) {
        found = value;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return found;
  }

  LogicalResult check() {
    ids.resize(funcs.size());
    for (auto [i, f] : llvm::enumerate(funcs)) {
      ops.push_back(opsInOrder(f));
      for (auto [n, arg] : llvm::enumerate(f.getArguments()))
        ids[i][arg] = {-1, (int64_t)n};
    }
    for (auto &list : ops)
      if (list.size() != ops.back().size())
        return target().emitError()
               << "the model's graph changes with the size of '"
               << extent.name << "' (" << ops.front().size() << " ops at "
               << sizes.front() << ", " << ops.back().size() << " at "
               << sizes.back()
               << "), so q8 cannot compile it with a dynamic extent; fix "
                  "the dim with --input-shape";
    for (unsigned a = 0; a < target().getNumArguments(); ++a) {
      SmallVector<Value> args;
      for (func::FuncOp f : funcs)
        args.push_back(f.getArgument(a));
      if (failed(fitValue(args, target(), "graph input #" + Twine(a))))
        return failure();
    }
    for (size_t n = 0; n < ops.back().size(); ++n) {
      SmallVector<Operation *> op;
      for (auto &list : ops)
        op.push_back(list[n]);
      if (failed(checkOp(op, n)))
        return failure();
    }
    // The outputs' fits (rewrite replaces some of the values returned).
    for (Value value : target().front().getTerminator()->getOperands())
      resultFits.push_back(valueFits.lookup(value));
    return success();
  }

  LogicalResult checkOp(ArrayRef<Operation *> op, size_t n) {
    Operation *last = op.back();
    for (Operation *o : op)
      if (o->getName() != last->getName() ||
          o->getNumOperands() != last->getNumOperands() ||
          o->getNumResults() != last->getNumResults() ||
          o->getNumRegions() != last->getNumRegions() ||
          o->getAttrs().size() != last->getAttrs().size())
        return differs(last, "it is another op at another size");
    for (unsigned i = 0; i < last->getNumOperands(); ++i) {
      auto id = ids.back().lookup(last->getOperand(i));
      for (auto [m, o] : llvm::enumerate(op))
        if (ids[m].lookup(o->getOperand(i)) != id)
          return differs(last, "its operands are others");
    }
    for (auto [m, o] : llvm::enumerate(op))
      recordValueIds(o, n, ids[m]);

    bool isConstant = last->hasTrait<OpTrait::ConstantLike>();
    for (NamedAttribute attr : last->getAttrs()) {
      SmallVector<Attribute> values;
      for (Operation *o : op) {
        Attribute value = o->getAttr(attr.getName());
        if (!value)
          return differs(last, "attribute '" + attr.getName().str() + "'");
        values.push_back(value);
      }
      if (llvm::all_equal(values))
        continue;
      // An initializer imported again: the same bytes under another key.
      if (llvm::all_of(values, [&](Attribute a) {
            return isa<DenseResourceElementsAttr>(a) &&
                   cast<TypedAttr>(a).getType() ==
                       cast<TypedAttr>(values.back()).getType() &&
                   isLeadingBlock(a, values.back());
          }))
        continue;
      if (isConstant && attr.getName() == "value") {
        std::optional<ConstantPlan> plan = planConstant(op);
        if (!plan)
          return differs(last, "a constant computed from it");
        if (plan->kind == ConstantPlan::LeadingBlock && !boundIsTemplate) {
          plan->boundValue = boundConstant(op, plan->dims);
          if (!plan->boundValue)
            return differs(last, "a constant computed from it, and the graph "
                                 "at the bound " +
                                 std::to_string(boundSize) +
                                 " is another one, without that node's "
                                 "constant at the bound");
        }
        constants[last] = *plan;
        continue;
      }
      bool reshapes = isa<tensor::ExtractSliceOp, tensor::InsertSliceOp,
                          tensor::ExpandShapeOp>(last);
      std::optional<SmallVector<std::optional<Affine>>> list =
          reshapes ? fitList(values) : std::nullopt;
      if (!list)
        return differs(last, "attribute '" + attr.getName().str() + "'");
      lists[{last, attr.getName()}] = *list;
    }

    // Result types: affine in n, except a rebuilt constant's (it keeps the
    // bound's data; its slice gets the dynamic type).
    if (!constants.count(last))
      for (unsigned r = 0; r < last->getNumResults(); ++r) {
        SmallVector<Value> results;
        for (Operation *o : op)
          results.push_back(o->getResult(r));
        if (failed(fitValue(results, last, "result " + Twine(r))))
          return failure();
      }
    for (unsigned g = 0; g < last->getNumRegions(); ++g) {
      if (last->getRegion(g).getBlocks().size() > 1)
        return differs(last, "a region with several blocks");
      if (last->getRegion(g).empty())
        continue;
      for (unsigned a = 0; a < last->getRegion(g).getNumArguments(); ++a) {
        SmallVector<Value> args;
        for (Operation *o : op)
          args.push_back(o->getRegion(g).getArgument(a));
        if (failed(fitValue(args, last, "a region argument")))
          return failure();
      }
    }
    return success();
  }

  /// p * n + q as an index value, made once, at the function's start.
  Value sizeValue(Affine f) {
    auto key = std::make_pair(f.p, f.q);
    if (Value v = sizeCache.lookup(key))
      return v;
    OpBuilder b = OpBuilder::atBlockBegin(&target().front());
    b.setInsertionPointAfter(symbol.getDefiningOp());
    if (lastSize)
      b.setInsertionPointAfter(lastSize.getDefiningOp());
    Location loc = target().getLoc();
    Value v = symbol;
    if (f.p != 1)
      v = arith::MulIOp::create(
          b, loc, v, arith::ConstantIndexOp::create(b, loc, f.p));
    if (f.q != 0)
      v = arith::AddIOp::create(b, loc, v,
                                arith::ConstantIndexOp::create(b, loc, f.q));
    if (f.p == 0)
      v = arith::ConstantIndexOp::create(b, loc, f.q);
    lastSize = v;
    sizeCache[key] = v;
    return v;
  }

  /// The mixed sizes of a value of `type` whose dims `fits` describes.
  SmallVector<OpFoldResult> mixedSizes(ShapedType type, const DimFits &fits) {
    SmallVector<OpFoldResult> out;
    Builder b(type.getContext());
    for (int64_t d = 0; d < type.getRank(); ++d)
      out.push_back(fits.empty() || !fits[d]
                        ? OpFoldResult(b.getIndexAttr(type.getDimSize(d)))
                        : OpFoldResult(sizeValue(*fits[d])));
    return out;
  }

  /// A static list attribute as mixed values, with the fitted entries
  /// computed and the dynamic ones taken from `dynamic` in order.
  SmallVector<OpFoldResult> mixedList(Operation *op, StringRef name,
                                      ArrayRef<int64_t> statics,
                                      ValueRange dynamic) {
    auto it = lists.find({op, StringAttr::get(op->getContext(), name)});
    SmallVector<OpFoldResult> out;
    Builder b(op->getContext());
    unsigned next = 0;
    for (auto [i, v] : llvm::enumerate(statics)) {
      if (ShapedType::isDynamic(v))
        out.push_back(dynamic[next++]);
      else if (it != lists.end() && it->second[i])
        out.push_back(sizeValue(*it->second[i]));
      else
        out.push_back(b.getIndexAttr(v));
    }
    return out;
  }

  Type typeOf(Value v) {
    auto it = valueFits.find(v);
    return it == valueFits.end() ? v.getType()
                                 : generalType(v.getType(), it->second);
  }

  LogicalResult rewrite() {
    func::FuncOp func = target();
    MLIRContext *context = func.getContext();
    // The arguments' types, then n: the dim of the first input that has it.
    for (BlockArgument arg : func.getArguments())
      arg.setType(typeOf(arg));
    OpBuilder b = OpBuilder::atBlockBegin(&func.front());
    for (auto [i, position] : llvm::enumerate(extent.inputs)) {
      if (position < 0)
        continue;
      auto it = valueFits.find(func.getArgument(i));
      if (it == valueFits.end() || !it->second[position] ||
          it->second[position]->p != 1 || it->second[position]->q != 0)
        return func.emitError()
               << "graph input #" << i << "'s dim " << position
               << " is not the size of '" << extent.name << "'";
      if (!symbol)
        symbol = tensor::DimOp::create(b, func.getLoc(), func.getArgument(i),
                                       position);
    }
    if (!symbol)
      return func.emitError("no graph input has the dynamic dim");

    for (Operation *op : ops.back()) {
      b.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto it = constants.find(op); it != constants.end()) {
        const ConstantPlan &plan = it->second;
        b.setInsertionPointAfter(op);
        Value replacement;
        Value result = op->getResult(0);
        if (plan.kind == ConstantPlan::Integer) {
          replacement = sizeValue(plan.f);
          if (!result.getType().isIndex())
            replacement = arith::IndexCastOp::create(b, loc, result.getType(),
                                                     replacement);
        } else if (plan.kind == ConstantPlan::LeadingBlock) {
          if (plan.boundValue) {
            op->setAttr("value", plan.boundValue);
            result.setType(cast<TypedAttr>(plan.boundValue).getType());
          }
          auto type = cast<RankedTensorType>(result.getType());
          SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0)),
              ones(type.getRank(), b.getIndexAttr(1));
          replacement = tensor::ExtractSliceOp::create(
              b, loc, cast<RankedTensorType>(generalType(type, plan.dims)),
              result, zeros, mixedSizes(type, plan.dims), ones);
        } else {
          Value count = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                                   sizeValue(plan.f));
          replacement =
              arith::SIToFPOp::create(b, loc, result.getType(), count);
          if (plan.kind == ConstantPlan::ReciprocalFloat)
            replacement = arith::DivFOp::create(
                b, loc,
                arith::ConstantOp::create(
                    b, loc, b.getFloatAttr(result.getType(), 1.0)),
                replacement);
        }
        // (A slice reads the constant itself; nothing else does now.)
        result.replaceAllUsesExcept(replacement,
                                    replacement.getDefiningOp());
        continue;
      }
      // New tensors: their dynamic dims' sizes as operands.
      auto alloc = dyn_cast<bufferization::AllocTensorOp>(op);
      if (isa<tensor::EmptyOp>(op) || (alloc && !alloc.getCopy())) {
        Value result = op->getResult(0);
        auto it = valueFits.find(result);
        if (it == valueFits.end())
          continue;
        SmallVector<Value> dynamic;
        for (auto [d, f] : llvm::enumerate(it->second))
          if (f)
            dynamic.push_back(sizeValue(*f));
        auto type = cast<RankedTensorType>(typeOf(result));
        Value replacement =
            alloc ? Value(bufferization::AllocTensorOp::create(b, loc, type,
                                                               dynamic))
                  : Value(tensor::EmptyOp::create(b, loc, type, dynamic));
        result.replaceAllUsesWith(replacement);
        op->erase();
        continue;
      }
      bool hasList = llvm::any_of(op->getAttrs(), [&](NamedAttribute a) {
        return lists.count({op, a.getName()});
      });
      if (hasList) {
        Value replacement;
        if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
          replacement = tensor::ExtractSliceOp::create(
              b, loc, cast<RankedTensorType>(typeOf(slice.getResult())),
              slice.getSource(),
              mixedList(op, "static_offsets", slice.getStaticOffsets(),
                        slice.getOffsets()),
              mixedList(op, "static_sizes", slice.getStaticSizes(),
                        slice.getSizes()),
              mixedList(op, "static_strides", slice.getStaticStrides(),
                        slice.getStrides()));
        } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
          replacement = tensor::InsertSliceOp::create(
              b, loc, insert.getSource(), insert.getDest(),
              mixedList(op, "static_offsets", insert.getStaticOffsets(),
                        insert.getOffsets()),
              mixedList(op, "static_sizes", insert.getStaticSizes(),
                        insert.getSizes()),
              mixedList(op, "static_strides", insert.getStaticStrides(),
                        insert.getStrides()));
        } else {
          auto expand = cast<tensor::ExpandShapeOp>(op);
          replacement = tensor::ExpandShapeOp::create(
              b, loc, typeOf(expand.getResult()), expand.getSrc(),
              expand.getReassociationIndices(),
              mixedList(op, "static_output_shape",
                        expand.getStaticOutputShape(),
                        expand.getOutputShape()));
        }
        op->getResult(0).replaceAllUsesWith(replacement);
        op->erase();
        continue;
      }
      for (Value result : op->getResults())
        result.setType(typeOf(result));
      for (Region &region : op->getRegions())
        for (BlockArgument arg : region.getArguments())
          arg.setType(typeOf(arg));
    }

    func.setType(FunctionType::get(
        context, func.front().getArgumentTypes(),
        func.front().getTerminator()->getOperandTypes()));
    // Each output's dynamic dim must be n itself: the ABI names it so.
    extent.outputs.clear();
    for (auto [r, fits] : llvm::enumerate(resultFits)) {
      int64_t position = -1;
      for (auto [d, f] : llvm::enumerate(fits)) {
        if (!f)
          continue;
        if (position >= 0 || f->p != 1 || f->q != 0) {
          auto name = func.getResultAttrOfType<StringAttr>(r, "q8.name");
          return func.emitError()
                 << "output '" << (name ? name.str() : std::to_string(r))
                 << "' dim " << d << " is " << f->p << " * " << extent.name
                 << " + " << f->q
                 << "; q8 returns outputs whose dynamic dims are the size "
                    "itself so far: fix the dim with --input-shape";
        }
        position = d;
      }
      extent.outputs.push_back(position);
    }
    return success();
  }

  SmallVector<func::FuncOp> funcs;
  ArrayRef<int64_t> sizes;
  q8::ExtentDim &extent;
  SmallVector<SmallVector<Operation *>> ops;
  SmallVector<q8::batch::ValueIds> ids;
  DenseMap<Value, DimFits> valueFits;
  SmallVector<DimFits> resultFits;
  DenseMap<Operation *, ConstantPlan> constants;
  DenseMap<std::pair<Operation *, StringAttr>,
           SmallVector<std::optional<Affine>>>
      lists;
  Value symbol, lastSize;
  DenseMap<std::pair<int64_t, int64_t>, Value> sizeCache;
};

/// The sizes to import at: two or three below the bound (primes, so that
/// the size rarely equals one of the model's own), then the bound.
FailureOr<SmallVector<int64_t>> chooseSizes(int64_t min, int64_t max) {
  SmallVector<int64_t> chosen;
  for (int64_t n : {43, 41, 37, 31, 29, 23, 19, 17, 13, 11, 7, 5, 3, 2})
    if (n >= min && n < max && chosen.size() < 3)
      chosen.insert(chosen.begin(), n);
  if (chosen.size() < 2)
    return failure();
  chosen.push_back(max);
  return chosen;
}

} // namespace

bool q8::hasBoundedDynamicDim(ModuleOp module) {
  func::FuncOp entry = entryOf(module);
  if (!entry)
    return false;
  for (unsigned i = 0; i < entry.getNumArguments(); ++i)
    if (auto maxes = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dim_max"))
      if (llvm::any_of(maxes.asArrayRef(),
                       [](int64_t m) { return m != INT64_MAX; }))
        return true;
  return false;
}

FailureOr<q8::ExtentModel>
q8::importAtExtents(ModuleOp module, const std::string &path,
                    const ImportOptions &options) {
  func::FuncOp entry = entryOf(module);
  if (!entry)
    return failure();
  ExtentModel model;
  ExtentDim &extent = model.extent;
  extent.min = 1;
  extent.max = INT64_MAX;
  bool named = false;
  for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
    auto positions =
        entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dynamic_dims");
    if (!positions) {
      extent.inputs.push_back(-1);
      continue;
    }
    auto names = entry.getArgAttrOfType<ArrayAttr>(i, "q8.dim_names");
    auto mins = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dim_min");
    auto maxes = entry.getArgAttrOfType<DenseI64ArrayAttr>(i, "q8.dim_max");
    auto input = entry.getArgAttrOfType<StringAttr>(i, "q8.name");
    if (positions.size() != 1)
      return entry.emitError()
             << "graph input '" << (input ? input.str() : "#" + std::to_string(i))
             << "' has " << positions.size()
             << " dynamic dims; q8 compiles one dynamic extent so far: fix "
                "the others with --input-shape";
    std::string name = cast<StringAttr>(names[0]).str();
    if (!named && name != "?") {
      extent.name = name;
      named = true;
    }
    extent.min = std::max(extent.min, mins[0]);
    extent.max = std::min(extent.max, maxes[0]);
    extent.inputs.push_back(positions[0]);
  }
  if (!named)
    extent.name = "dim";
  if (extent.min > extent.max)
    return entry.emitError() << "the bounds given for dynamic dim '"
                             << extent.name << "' leave no size";
  if (extent.max == INT64_MAX)
    return entry.emitError()
           << "dynamic dim '" << extent.name
           << "' needs an upper bound to be compiled with a dynamic extent "
              "(q8 plans the workspace for it): give one with "
              "--input-shape, e.g. x=1,1..512,64";
  FailureOr<SmallVector<int64_t>> sizes = chooseSizes(extent.min, extent.max);
  if (failed(sizes))
    return entry.emitError()
           << "the bounds [" << extent.min << ", " << extent.max
           << "] of dynamic dim '" << extent.name
           << "' leave too few sizes for q8 to compare the graph at: widen "
              "them, or fix the dim with --input-shape";
  model.sizes = *sizes;
  for (int64_t size : model.sizes) {
    ImportOptions at = options;
    at.dynamicExtent = size;
    ImportResult imported = importModel(*module.getContext(), path, at);
    if (!imported.module) {
      std::string message;
      for (const ImportError &e : imported.errors)
        message += (message.empty() ? "" : "; ") +
                   (e.node.empty() ? "" : "node '" + e.node + "': ") +
                   e.message;
      return entry.emitError() << "the model does not import with "
                               << extent.name << " = " << size << ": "
                               << message;
    }
    model.imports.push_back(std::move(imported.module));
  }
  return model;
}

/// Whether two functions have the same ops in the same order.
static bool sameOps(func::FuncOp a, func::FuncOp b) {
  SmallVector<Operation *> x = opsInOrder(a), y = opsInOrder(b);
  return x.size() == y.size() &&
         llvm::all_of(llvm::zip(x, y), [](auto pair) {
           return std::get<0>(pair)->getName() == std::get<1>(pair)->getName();
         });
}

FailureOr<size_t> q8::generalizeExtent(ArrayRef<ModuleOp> lowered,
                                       ArrayRef<int64_t> sizes,
                                       ExtentDim &extent) {
  SmallVector<func::FuncOp> funcs;
  for (ModuleOp m : lowered) {
    funcs.push_back(entryOf(m));
    if (!funcs.back())
      return m.emitError("the model has no entry function");
  }
  // At the bound an op may fold away that the smaller sizes keep (a slice
  // of a position table that takes all of it): the smaller imports are
  // then the graph, and no constant may change with the size (its data at
  // the bound is not at hand).
  ArrayRef<int64_t> allSizes = sizes;
  size_t template_ = funcs.size() - 1;
  if (funcs.size() > 3 && sameOps(funcs[0], funcs[1]) &&
      !sameOps(funcs[0], funcs.back())) {
    template_ = funcs.size() - 2;
    funcs.pop_back();
    sizes = sizes.drop_back();
  }
  Generalizer generalizer(funcs, sizes, extent);
  generalizer.boundIsTemplate = template_ == lowered.size() - 1;
  generalizer.boundSize = sizes.back();
  if (!generalizer.boundIsTemplate) {
    generalizer.bound = entryOf(lowered.back());
    generalizer.boundSize = allSizes.back();
  }
  if (failed(generalizer.run()))
    return failure();
  // An op whose dynamic result needs operands this rewrite does not give
  // it: refused, not compiled.
  ModuleOp module = lowered[template_];
  if (failed(verify(module)))
    return module.emitError(
        "q8 cannot compile this model with a dynamic extent (the rewritten "
        "graph does not verify); fix the dim with --input-shape");
  return template_;
}
