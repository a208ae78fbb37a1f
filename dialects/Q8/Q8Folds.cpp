//===- Q8Folds.cpp - q8 constant folders and canonicalization patterns ----===//
//
// The folders let the importer's createOrFold evaluate ONNX shape subgraphs
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) away. They evaluate
// only small `dense<...>` constants (splats of any size): weights are
// `dense_resource` blobs and are never expanded here.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/APSInt.h"
#include <cmath>

using namespace mlir;
using namespace q8;

namespace {
#include "dialects/Q8/Q8Canonicalize.inc"
} // namespace

/// Folding never materializes more elements than this (splats excepted), so
/// that it cannot blow up on large tensors.
static constexpr int64_t kMaxFoldElements = 1 << 16;

static bool fitsFold(ShapedType type) {
  return type.getNumElements() <= kMaxFoldElements;
}

/// `attr` as a dense constant small enough (or splat) to evaluate.
static DenseElementsAttr getFoldable(Attribute attr) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || (!dense.isSplat() && dense.getNumElements() > kMaxFoldElements))
    return {};
  return dense;
}

static ShapedType resultType(Operation *op, unsigned i = 0) {
  return cast<ShapedType>(op->getResult(i).getType());
}

/// Calls `fn` with every index of `shape`, row-major.
static void forEachIndex(ArrayRef<int64_t> shape,
                         function_ref<void(ArrayRef<int64_t>)> fn) {
  int64_t count = ShapedType::getNumElements(shape);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    fn(index);
    for (int64_t i = shape.size() - 1; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
}

static int64_t linearize(ArrayRef<int64_t> index, ArrayRef<int64_t> shape) {
  int64_t flat = 0;
  for (auto [i, dim] : llvm::zip_equal(index, shape))
    flat = flat * dim + i;
  return flat;
}

//===----------------------------------------------------------------------===//
// Data movement: every result element is some element of some source
//===----------------------------------------------------------------------===//

namespace {
/// Result element = element `index` (flat) of source `source`.
struct Pick {
  unsigned source;
  int64_t index;
};
} // namespace

template <typename T>
static Attribute gatherAs(ArrayRef<DenseElementsAttr> sources,
                          ArrayRef<Pick> picks, ShapedType type) {
  // Splat sources hold one value, so that they are never expanded.
  SmallVector<SmallVector<T>> values;
  for (DenseElementsAttr source : sources)
    values.push_back(source.isSplat()
                         ? SmallVector<T>{source.getSplatValue<T>()}
                         : llvm::to_vector(source.getValues<T>()));
  SmallVector<T> result;
  result.reserve(picks.size());
  for (Pick pick : picks)
    result.push_back(
        values[pick.source][sources[pick.source].isSplat() ? 0 : pick.index]);
  return DenseElementsAttr::get(type, result);
}

static Attribute gatherElements(ArrayRef<DenseElementsAttr> sources,
                                ArrayRef<Pick> picks, ShapedType type) {
  Type element = type.getElementType();
  if (isa<IntegerType>(element))
    return gatherAs<APInt>(sources, picks, type);
  if (isa<FloatType>(element))
    return gatherAs<APFloat>(sources, picks, type);
  return gatherAs<Attribute>(sources, picks, type);
}

/// Builds `type` element by element (row-major) from the index `pick` maps
/// each result index to; `pick` returning nullopt abandons the fold.
static Attribute
buildByPicking(ArrayRef<DenseElementsAttr> sources, ShapedType type,
               function_ref<std::optional<Pick>(ArrayRef<int64_t>)> pick) {
  if (!fitsFold(type))
    return {};
  SmallVector<Pick> picks;
  bool ok = true;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> index) {
    std::optional<Pick> p = ok ? pick(index) : std::nullopt;
    ok = p.has_value();
    if (ok)
      picks.push_back(*p);
  });
  return ok ? gatherElements(sources, picks, type) : Attribute();
}

//===----------------------------------------------------------------------===//
// Elementwise evaluation with broadcasting
//===----------------------------------------------------------------------===//

/// Evaluates `fn` (ArrayRef<T> -> std::optional<APInt or APFloat>) over the
/// broadcast `operands`; nullopt from `fn` abandons the fold.
template <typename T, typename Fn>
static Attribute foldElementwise(ArrayRef<DenseElementsAttr> operands,
                                 ShapedType type, Fn fn) {
  using R = typename std::invoke_result_t<Fn, ArrayRef<T>>::value_type;
  SmallVector<T, 3> args;
  if (llvm::all_of(operands, [](DenseElementsAttr a) { return a.isSplat(); })) {
    for (DenseElementsAttr operand : operands)
      args.push_back(operand.getSplatValue<T>());
    std::optional<R> value = fn(args);
    return value ? DenseElementsAttr::get(type, ArrayRef<R>(*value))
                 : Attribute();
  }
  if (!fitsFold(type))
    return {};
  SmallVector<SmallVector<T>> values;
  SmallVector<SmallVector<int64_t>> sources;
  for (DenseElementsAttr operand : operands) {
    values.push_back(llvm::to_vector(operand.getValues<T>()));
    sources.push_back(
        broadcastSourceIndices(operand.getType().getShape(), type.getShape()));
  }
  SmallVector<R> results;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
    args.clear();
    for (auto [operand, source] : llvm::zip_equal(values, sources))
      args.push_back(operand[source[i]]);
    std::optional<R> value = fn(args);
    if (!value)
      return {};
    results.push_back(*value);
  }
  return DenseElementsAttr::get(type, results);
}

static bool isUnsignedInt(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && integer.isUnsigned();
}

/// Whether a float of `type` converts to double without loss (all but
/// f80/f128), which the libm-based folders rely on.
static bool fitsDouble(Type type) {
  return isa<FloatType>(type) && type.getIntOrFloatBitWidth() <= 64;
}

static APFloat fromDouble(double value, const llvm::fltSemantics &semantics) {
  APFloat result(value);
  bool losesInfo;
  result.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
  return result;
}

/// Folds an elementwise op over constant `operands` of one element type with
/// `intFn(ArrayRef<APInt>, bool isUnsigned)` or `floatFn(ArrayRef<APFloat>)`.
template <typename IntFn, typename FloatFn>
static Attribute foldMap(ArrayRef<Attribute> attrs, ShapedType type,
                         IntFn intFn, FloatFn floatFn) {
  SmallVector<DenseElementsAttr> operands;
  for (Attribute attr : attrs) {
    operands.push_back(getFoldable(attr));
    if (!operands.back())
      return {};
  }
  Type element = operands[0].getElementType();
  bool isUnsigned = isUnsignedInt(element);
  if (isa<IntegerType>(element))
    return foldElementwise<APInt>(
        operands, type, [&](ArrayRef<APInt> v) { return intFn(v, isUnsigned); });
  if (isa<FloatType>(element))
    return foldElementwise<APFloat>(operands, type, floatFn);
  return {};
}

/// No integer (or float) kernel: the op does not fold on that element kind.
static constexpr auto noInt = [](ArrayRef<APInt>, bool) {
  return std::optional<APInt>();
};

static constexpr auto noFloat = [](ArrayRef<APFloat>) {
  return std::optional<APFloat>();
};

/// A float kernel evaluated in double through libm.
template <typename Fn> static auto viaDouble(Fn fn) {
  return [fn](ArrayRef<APFloat> v) -> std::optional<APFloat> {
    for (const APFloat &x : v)
      if (APFloat::getSizeInBits(x.getSemantics()) > 64)
        return std::nullopt;
    SmallVector<double, 2> args;
    for (const APFloat &x : v) {
      APFloat copy = x;
      bool losesInfo;
      copy.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                   &losesInfo);
      args.push_back(copy.convertToDouble());
    }
    return fromDouble(fn(args), v[0].getSemantics());
  };
}

//===----------------------------------------------------------------------===//
// Constants and binary ops
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

#define Q8_FOLD_BINARY(OP, INT_FN, FLOAT_FN)                                   \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldMap({adaptor.getLhs(), adaptor.getRhs()}, resultType(*this),    \
                   INT_FN, FLOAT_FN);                                          \
  }

/// Integer and float kernels of the binary ops: (v[0] op v[1]).
#define Q8_INT(EXPR)                                                           \
  [](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {             \
    (void)isUnsigned;                                                          \
    const APInt &a = v[0], &b = v[1];                                          \
    return EXPR;                                                               \
  }
#define Q8_FLOAT(EXPR)                                                         \
  [](ArrayRef<APFloat> v) -> std::optional<APFloat> {                          \
    const APFloat &a = v[0], &b = v[1];                                        \
    return EXPR;                                                               \
  }
#define Q8_FLOAT_CMP(EXPR)                                                     \
  [](ArrayRef<APFloat> v) -> std::optional<APInt> {                            \
    APFloat::cmpResult c = v[0].compare(v[1]);                                 \
    return APInt(1, EXPR);                                                     \
  }

static std::optional<APInt> divide(const APInt &a, const APInt &b,
                                   bool isUnsigned) {
  if (b.isZero())
    return std::nullopt;
  if (isUnsigned)
    return a.udiv(b);
  bool overflow;
  APInt result = a.sdiv_ov(b, overflow);
  return overflow ? std::nullopt : std::optional<APInt>(result);
}

static std::optional<APInt> power(const APInt &a, const APInt &b,
                                  bool isUnsigned) {
  if (a.getBitWidth() != b.getBitWidth() || (!isUnsigned && b.isNegative()) ||
      b.ugt(64))
    return std::nullopt;
  APInt result(a.getBitWidth(), 1);
  for (uint64_t i = 0, e = b.getZExtValue(); i < e; ++i)
    result *= a;
  return result;
}

Q8_FOLD_BINARY(AddOp, Q8_INT(a + b), Q8_FLOAT(a + b))
Q8_FOLD_BINARY(SubOp, Q8_INT(a - b), Q8_FLOAT(a - b))
Q8_FOLD_BINARY(MulOp, Q8_INT(a * b), Q8_FLOAT(a * b))
Q8_FOLD_BINARY(DivOp, Q8_INT(divide(a, b, isUnsigned)), Q8_FLOAT(a / b))
Q8_FOLD_BINARY(MaxOp,
               Q8_INT(isUnsigned ? llvm::APIntOps::umax(a, b) : llvm::APIntOps::smax(a, b)),
               Q8_FLOAT(llvm::maximum(a, b)))
Q8_FOLD_BINARY(MinOp,
               Q8_INT(isUnsigned ? llvm::APIntOps::umin(a, b) : llvm::APIntOps::smin(a, b)),
               Q8_FLOAT(llvm::minimum(a, b)))
Q8_FOLD_BINARY(EqualOp, Q8_INT(APInt(1, a == b)),
               Q8_FLOAT_CMP(c == APFloat::cmpEqual))
Q8_FOLD_BINARY(LessOp, Q8_INT(APInt(1, isUnsigned ? a.ult(b) : a.slt(b))),
               Q8_FLOAT_CMP(c == APFloat::cmpLessThan))
Q8_FOLD_BINARY(GreaterOp, Q8_INT(APInt(1, isUnsigned ? a.ugt(b) : a.sgt(b))),
               Q8_FLOAT_CMP(c == APFloat::cmpGreaterThan))

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr lhs = getFoldable(adaptor.getLhs());
  DenseElementsAttr rhs = getFoldable(adaptor.getRhs());
  if (!lhs || !rhs)
    return {};
  // The exponent may have another element type: fold int^int of one width
  // and float^float only.
  Type lhsType = lhs.getElementType(), rhsType = rhs.getElementType();
  if (isa<IntegerType>(lhsType) && lhsType == rhsType)
    return foldMap({lhs, rhs}, resultType(*this), Q8_INT(power(a, b, isUnsigned)),
                   noFloat);
  if (fitsDouble(lhsType) && fitsDouble(rhsType))
    return foldElementwise<APFloat>(
        {lhs, rhs}, resultType(*this),
        viaDouble([](ArrayRef<double> v) { return std::pow(v[0], v[1]); }));
  return {};
}
#undef Q8_FOLD_BINARY
#undef Q8_INT
#undef Q8_FLOAT
#undef Q8_FLOAT_CMP

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr condition = getFoldable(adaptor.getCondition());
  DenseElementsAttr lhs = getFoldable(adaptor.getLhs());
  DenseElementsAttr rhs = getFoldable(adaptor.getRhs());
  // A splat condition picks one operand; that is a fold even if it is not
  // constant.
  ShapedType type = resultType(*this);
  if (condition && condition.isSplat()) {
    Value picked = condition.getSplatValue<bool>() ? getLhs() : getRhs();
    if (picked.getType() == type)
      return picked;
  }
  if (!condition || !lhs || !rhs || !fitsFold(type))
    return {};
  SmallVector<int64_t> fromCondition =
      broadcastSourceIndices(condition.getType().getShape(), type.getShape());
  SmallVector<int64_t> fromLhs =
      broadcastSourceIndices(lhs.getType().getShape(), type.getShape());
  SmallVector<int64_t> fromRhs =
      broadcastSourceIndices(rhs.getType().getShape(), type.getShape());
  SmallVector<bool> conditions = llvm::to_vector(condition.getValues<bool>());
  SmallVector<Pick> picks;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    picks.push_back(conditions[fromCondition[i]] ? Pick{0, fromLhs[i]}
                                                 : Pick{1, fromRhs[i]});
  return gatherElements({lhs, rhs}, picks, type);
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

#define Q8_FOLD_UNARY(OP, INT_FN, FLOAT_FN)                                    \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    return foldMap({adaptor.getInput()}, resultType(*this), INT_FN, FLOAT_FN); \
  }
#define Q8_INT(EXPR)                                                           \
  [](ArrayRef<APInt> v, bool isUnsigned) -> std::optional<APInt> {             \
    (void)isUnsigned;                                                          \
    const APInt &x = v[0];                                                     \
    return EXPR;                                                               \
  }
#define Q8_FLOAT(EXPR)                                                         \
  [](ArrayRef<APFloat> v) -> std::optional<APFloat> {                          \
    const APFloat &x = v[0];                                                   \
    return EXPR;                                                               \
  }
#define Q8_LIBM(EXPR)                                                          \
  viaDouble([](ArrayRef<double> v) {                                           \
    double x = v[0];                                                           \
    return EXPR;                                                               \
  })

Q8_FOLD_UNARY(NegOp, Q8_INT(-x), Q8_FLOAT(llvm::neg(x)))
Q8_FOLD_UNARY(AbsOp, Q8_INT(isUnsigned ? x : x.abs()), Q8_FLOAT(llvm::abs(x)))
Q8_FOLD_UNARY(ReluOp,
              Q8_INT(!isUnsigned && x.isNegative() ? APInt::getZero(
                                                         x.getBitWidth())
                                                   : x),
              Q8_FLOAT(x.isNegative() && !x.isNaN()
                           ? APFloat::getZero(x.getSemantics())
                           : x))
Q8_FOLD_UNARY(SqrtOp, noInt, Q8_LIBM(std::sqrt(x)))
Q8_FOLD_UNARY(ReciprocalOp, noInt, Q8_LIBM(1.0 / x))
Q8_FOLD_UNARY(ExpOp, noInt, Q8_LIBM(std::exp(x)))
Q8_FOLD_UNARY(LogOp, noInt, Q8_LIBM(std::log(x)))
Q8_FOLD_UNARY(ErfOp, noInt, Q8_LIBM(std::erf(x)))
Q8_FOLD_UNARY(TanhOp, noInt, Q8_LIBM(std::tanh(x)))
Q8_FOLD_UNARY(SigmoidOp, noInt, Q8_LIBM(1.0 / (1.0 + std::exp(-x))))
#undef Q8_FOLD_UNARY
#undef Q8_INT
#undef Q8_FLOAT
#undef Q8_LIBM

OpFoldResult ClipOp::fold(FoldAdaptor adaptor) {
  if (!getMinAttr() && !getMaxAttr() && getInput().getType() == getType())
    return getInput();
  double min = getMinAttr() ? getMinAttr().getValueAsDouble() : -INFINITY;
  double max = getMaxAttr() ? getMaxAttr().getValueAsDouble() : INFINITY;
  auto clampInt = [min, max](ArrayRef<APInt> v,
                             bool isUnsigned) -> std::optional<APInt> {
    const APInt &x = v[0];
    double value = isUnsigned ? x.roundToDouble(false) : x.roundToDouble(true);
    if (value < min)
      return APInt(x.getBitWidth(), static_cast<int64_t>(std::ceil(min)),
                   !isUnsigned, /*implicitTrunc=*/true);
    if (value > max)
      return APInt(x.getBitWidth(), static_cast<int64_t>(std::floor(max)),
                   !isUnsigned, /*implicitTrunc=*/true);
    return x;
  };
  auto clampFloat = [min, max](ArrayRef<APFloat> v) -> std::optional<APFloat> {
    const APFloat &x = v[0];
    if (x.isNaN())
      return x;
    if (x < fromDouble(min, x.getSemantics()))
      return fromDouble(min, x.getSemantics());
    if (x > fromDouble(max, x.getSemantics()))
      return fromDouble(max, x.getSemantics());
    return x;
  };
  return foldMap({adaptor.getInput()}, resultType(*this), clampInt, clampFloat);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr input = getFoldable(adaptor.getInput());
  if (!input)
    return {};
  ShapedType type = resultType(*this);
  Type from = input.getElementType(), to = type.getElementType();
  bool fromUnsigned = isUnsignedInt(from), toUnsigned = isUnsignedInt(to);
  unsigned toWidth = to.getIntOrFloatBitWidth();
  // ONNX Cast to bool tests for non-zero.
  bool toBool = toWidth == 1 && isa<IntegerType>(to);
  if (isa<IntegerType>(from) && isa<IntegerType>(to))
    return foldElementwise<APInt>({input}, type, [&](ArrayRef<APInt> v) {
      if (toBool)
        return std::optional<APInt>(APInt(1, !v[0].isZero()));
      return std::optional<APInt>(fromUnsigned ? v[0].zextOrTrunc(toWidth)
                                               : v[0].sextOrTrunc(toWidth));
    });
  if (isa<IntegerType>(from) && isa<FloatType>(to)) {
    const llvm::fltSemantics &semantics = cast<FloatType>(to).getFloatSemantics();
    bool isSigned = !fromUnsigned && from.getIntOrFloatBitWidth() != 1;
    return foldElementwise<APInt>({input}, type, [&](ArrayRef<APInt> v) {
      APFloat result(semantics);
      result.convertFromAPInt(v[0], isSigned, APFloat::rmNearestTiesToEven);
      return std::optional<APFloat>(result);
    });
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    const llvm::fltSemantics &semantics = cast<FloatType>(to).getFloatSemantics();
    return foldElementwise<APFloat>({input}, type, [&](ArrayRef<APFloat> v) {
      APFloat result = v[0];
      bool losesInfo;
      result.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
      return std::optional<APFloat>(result);
    });
  }
  if (isa<FloatType>(from) && isa<IntegerType>(to))
    return foldElementwise<APFloat>(
        {input}, type, [&](ArrayRef<APFloat> v) -> std::optional<APInt> {
          if (toBool)
            return APInt(1, !v[0].isZero());
          // Truncation toward zero; NaN and out-of-range values are
          // undefined in ONNX, so they do not fold.
          llvm::APSInt result(toWidth, toUnsigned);
          bool exact;
          if (v[0].convertToInteger(result, APFloat::rmTowardZero, &exact) &
              APFloat::opInvalidOp)
            return std::nullopt;
          return APInt(result);
        });
  return {};
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
enum class ReduceKind { Sum, Mean, Max, Min };
} // namespace

template <typename T>
static Attribute reduceAs(DenseElementsAttr input, ShapedType type,
                          ArrayRef<int64_t> keptShape, ReduceKind kind,
                          bool isUnsigned) {
  SmallVector<T> values = llvm::to_vector(input.getValues<T>());
  SmallVector<std::optional<T>> results(type.getNumElements());
  ArrayRef<int64_t> inputShape = input.getType().getShape();
  int64_t flat = 0;
  forEachIndex(inputShape, [&](ArrayRef<int64_t> index) {
    SmallVector<int64_t> target(index);
    for (auto [i, dim] : llvm::enumerate(keptShape))
      if (dim == 1)
        target[i] = 0;
    std::optional<T> &acc = results[linearize(target, keptShape)];
    const T &x = values[flat++];
    if (!acc) {
      acc = x;
      return;
    }
    if constexpr (std::is_same_v<T, APInt>) {
      if (kind == ReduceKind::Sum || kind == ReduceKind::Mean)
        *acc += x;
      else if (kind == ReduceKind::Max)
        *acc = isUnsigned ? llvm::APIntOps::umax(*acc, x) : llvm::APIntOps::smax(*acc, x);
      else
        *acc = isUnsigned ? llvm::APIntOps::umin(*acc, x) : llvm::APIntOps::smin(*acc, x);
    } else {
      if (kind == ReduceKind::Sum || kind == ReduceKind::Mean)
        *acc = *acc + x;
      else if (kind == ReduceKind::Max)
        *acc = llvm::maximum(*acc, x);
      else
        *acc = llvm::minimum(*acc, x);
    }
  });
  int64_t count = input.getNumElements() / std::max<int64_t>(1, results.size());
  SmallVector<T> folded;
  for (std::optional<T> &acc : results) {
    if (!acc)
      return {};
    if (kind == ReduceKind::Mean) {
      if constexpr (std::is_same_v<T, APInt>) {
        APInt divisor(acc->getBitWidth(), count);
        *acc = isUnsigned ? acc->udiv(divisor) : acc->sdiv(divisor);
      } else {
        APFloat divisor(acc->getSemantics());
        divisor.convertFromAPInt(APInt(64, count), false,
                                 APFloat::rmNearestTiesToEven);
        *acc = *acc / divisor;
      }
    }
    folded.push_back(*acc);
  }
  return DenseElementsAttr::get(type, folded);
}

template <typename ReduceOp>
static OpFoldResult foldReduce(ReduceOp op, Attribute inputAttr,
                               ReduceKind kind) {
  // Reducing only size-1 dims with keepdims changes nothing.
  ShapedType type = resultType(op);
  if (op.getInput().getType() == type)
    return op.getInput();
  DenseElementsAttr input = getFoldable(inputAttr);
  if (!input || input.getNumElements() > kMaxFoldElements ||
      input.getNumElements() == 0)
    return {};
  ArrayRef<int64_t> axes = op.getAxes();
  SmallVector<int64_t> keptShape(input.getType().getShape());
  for (auto [i, dim] : llvm::enumerate(keptShape))
    if (axes.empty() || llvm::is_contained(axes, static_cast<int64_t>(i)))
      dim = 1;
  Type element = input.getElementType();
  if (isa<IntegerType>(element))
    return reduceAs<APInt>(input, type, keptShape, kind, isUnsignedInt(element));
  if (isa<FloatType>(element))
    return reduceAs<APFloat>(input, type, keptShape, kind, false);
  return {};
}

OpFoldResult ReduceSumOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getInput(), ReduceKind::Sum);
}
OpFoldResult ReduceMeanOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getInput(), ReduceKind::Mean);
}
OpFoldResult ReduceMaxOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getInput(), ReduceKind::Max);
}
OpFoldResult ReduceMinOp::fold(FoldAdaptor adaptor) {
  return foldReduce(*this, adaptor.getInput(), ReduceKind::Min);
}

//===----------------------------------------------------------------------===//
// Data movement and shape ops
//===----------------------------------------------------------------------===//

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  DenseElementsAttr input = getFoldable(adaptor.getInput());
  if (!input)
    return {};
  ShapedType type = resultType(*this);
  if (input.isSplat())
    return input.resizeSplat(type);
  ArrayRef<int64_t> inputShape = input.getType().getShape();
  SmallVector<int64_t> source(perm.size());
  return buildByPicking({input}, type, [&](ArrayRef<int64_t> index) {
    for (auto [i, p] : llvm::enumerate(perm))
      source[p] = index[i];
    return std::optional<Pick>(Pick{0, linearize(source, inputShape)});
  });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  ShapedType type = resultType(*this);
  if (getInput().getType() == type)
    return getInput();
  // A blob is untyped bytes: re-typing it copies nothing.
  if (auto blob = dyn_cast_if_present<DenseResourceElementsAttr>(
          adaptor.getInput()))
    return DenseResourceElementsAttr::get(type, blob.getRawHandle());
  DenseElementsAttr input = getFoldable(adaptor.getInput());
  if (!input)
    return {};
  return input.reshape(type);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<FoldReshapeOfReshape>(context);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  ShapedType type = resultType(*this);
  if (getInput().getType() == type)
    return getInput();
  DenseElementsAttr input = getFoldable(adaptor.getInput());
  if (!input)
    return {};
  if (input.isSplat())
    return input.resizeSplat(type);
  if (!fitsFold(type))
    return {};
  SmallVector<Pick> picks;
  for (int64_t index :
       broadcastSourceIndices(input.getType().getShape(), type.getShape()))
    picks.push_back({0, index});
  return gatherElements({input}, picks, type);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getFoldable(adaptor.getData());
  DenseElementsAttr indices = getFoldable(adaptor.getIndices());
  if (!data || !indices)
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  ArrayRef<int64_t> indicesShape = indices.getType().getShape();
  int64_t rank = dataShape.size();
  int64_t axis = getAxisAttr().getInt();
  axis = axis < 0 ? axis + rank : axis;
  SmallVector<int64_t> indexValues;
  for (const APInt &index : indices.getValues<APInt>()) {
    int64_t value = index.getSExtValue();
    value = value < 0 ? value + dataShape[axis] : value;
    // Out-of-range indices are an error at run time, not a fold.
    if (value < 0 || value >= dataShape[axis])
      return {};
    indexValues.push_back(value);
  }
  if (indices.isSplat())
    indexValues.resize(indices.getNumElements(), indexValues.front());
  int64_t indicesRank = indicesShape.size();
  SmallVector<int64_t> source(rank);
  return buildByPicking({data}, resultType(*this), [&](ArrayRef<int64_t> index) {
    ArrayRef<int64_t> position = index.slice(axis, indicesRank);
    for (int64_t i = 0; i < axis; ++i)
      source[i] = index[i];
    source[axis] = indexValues[linearize(position, indicesShape)];
    for (int64_t i = axis + 1; i < rank; ++i)
      source[i] = index[i - 1 + indicesRank];
    return std::optional<Pick>(Pick{0, linearize(source, dataShape)});
  });
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  ShapedType type = resultType(*this);
  if (getInputs().size() == 1 && getInputs()[0].getType() == type)
    return getInputs()[0];
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute attr : adaptor.getInputs()) {
    inputs.push_back(getFoldable(attr));
    if (!inputs.back())
      return {};
  }
  int64_t rank = type.getRank();
  int64_t axis = getAxisAttr().getInt();
  axis = axis < 0 ? axis + rank : axis;
  SmallVector<int64_t> source;
  return buildByPicking(inputs, type, [&](ArrayRef<int64_t> index) {
    source.assign(index.begin(), index.end());
    unsigned which = 0;
    while (source[axis] >= inputs[which].getType().getDimSize(axis))
      source[axis] -= inputs[which++].getType().getDimSize(axis);
    return std::optional<Pick>(
        Pick{which, linearize(source, inputs[which].getType().getShape())});
  });
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  ShapedType type = resultType(*this);
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  if (getInput().getType() == type &&
      llvm::all_of(steps, [](int64_t s) { return s == 1; }))
    return getInput();
  DenseElementsAttr input = getFoldable(adaptor.getInput());
  if (!input)
    return {};
  if (input.isSplat())
    return input.resizeSplat(type);
  ArrayRef<int64_t> inputShape = input.getType().getShape();
  SmallVector<int64_t> source(inputShape.size());
  return buildByPicking({input}, type, [&](ArrayRef<int64_t> index) {
    for (auto [i, position] : llvm::enumerate(index))
      source[i] = starts[i] + position * steps[i];
    return std::optional<Pick>(Pick{0, linearize(source, inputShape)});
  });
}
