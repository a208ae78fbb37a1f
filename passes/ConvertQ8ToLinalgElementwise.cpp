//===- ConvertQ8ToLinalgElementwise.cpp - elementwise q8 ops to linalg ----===//
//
// Every broadcasting binary, compare, select, unary, activation, clip and
// cast op becomes one linalg.generic whose indexing maps express numpy
// broadcasting (getBroadcastMap). The ops differ only in their scalar body,
// which ScalarOf<Op>::emit builds; one pattern template serves them all.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace q8;

namespace {

bool isFloat(Value value) { return isa<FloatType>(value.getType()); }

/// `value` converted to the scalar type `to` (both signless: see
/// getLoweredType) with ONNX Cast semantics: float -> int truncates toward
/// zero, anything -> i1 is "!= 0" (NaN is true, as in numpy), i1 -> anything
/// is 0 or 1. `fromUnsigned`/`toUnsigned` give the graph-level signedness:
/// unsigned sources zero-extend and convert with uitofp, unsigned
/// destinations with fptoui.
Value convertScalar(OpBuilder &b, Location loc, Value value, Type to,
                    bool fromUnsigned = false, bool toUnsigned = false) {
  Type from = value.getType();
  if (from == to)
    return value;
  auto toFloat = dyn_cast<FloatType>(to);
  auto fromFloat = dyn_cast<FloatType>(from);
  if (to.isInteger(1)) {
    Value zero = createScalar(b, loc, from, 0);
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
  }
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, to, value);
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, to, value);
    // f16 <-> bf16: through f32, which holds both exactly.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (fromFloat)
    return toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, value))
                      : Value(arith::FPToSIOp::create(b, loc, to, value));
  bool zeroExtends = fromUnsigned || from.isInteger(1);
  if (toFloat) {
    if (zeroExtends)
      return arith::UIToFPOp::create(b, loc, to, value);
    return arith::SIToFPOp::create(b, loc, to, value);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  if (fromWidth > to.getIntOrFloatBitWidth())
    return arith::TruncIOp::create(b, loc, to, value);
  if (zeroExtends)
    return arith::ExtUIOp::create(b, loc, to, value);
  return arith::ExtSIOp::create(b, loc, to, value);
}

/// The scalar body of each elementwise op, specialised below.
template <typename OpTy>
struct ScalarOf;

/// Binary ops that are one arith op on floats, one on signed (and
/// signless) integers and one on unsigned integers.
template <typename FloatOp, typename IntOp, typename UIntOp = IntOp>
struct FloatOrIntBinary {
  template <typename OpTy>
  static Value emit(OpTy op, OpBuilder &b, Location loc, ValueRange args) {
    if (isFloat(args[0]))
      return FloatOp::create(b, loc, args[0], args[1]);
    if (isUnsignedOperand(op))
      return UIntOp::create(b, loc, args[0], args[1]);
    return IntOp::create(b, loc, args[0], args[1]);
  }
};

template <>
struct ScalarOf<AddOp> : FloatOrIntBinary<arith::AddFOp, arith::AddIOp> {};
template <>
struct ScalarOf<SubOp> : FloatOrIntBinary<arith::SubFOp, arith::SubIOp> {};
template <>
struct ScalarOf<MulOp> : FloatOrIntBinary<arith::MulFOp, arith::MulIOp> {};
// ONNX integer Div truncates toward zero, which is divsi (divui unsigned).
template <>
struct ScalarOf<DivOp>
    : FloatOrIntBinary<arith::DivFOp, arith::DivSIOp, arith::DivUIOp> {};
// maximumf/minimumf propagate NaN, as ONNX Max/Min (numpy) do.
template <>
struct ScalarOf<MaxOp>
    : FloatOrIntBinary<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp> {};
template <>
struct ScalarOf<MinOp>
    : FloatOrIntBinary<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp> {};

/// Comparisons: ordered float predicates (NaN compares false, as numpy);
/// signed or unsigned integer predicates by the operands' graph type.
template <arith::CmpFPredicate FloatPred, arith::CmpIPredicate IntPred,
          arith::CmpIPredicate UIntPred = IntPred>
struct Compare {
  template <typename OpTy>
  static Value emit(OpTy op, OpBuilder &b, Location loc, ValueRange args) {
    if (isFloat(args[0]))
      return arith::CmpFOp::create(b, loc, FloatPred, args[0], args[1]);
    return arith::CmpIOp::create(b, loc,
                                 isUnsignedOperand(op) ? UIntPred : IntPred,
                                 args[0], args[1]);
  }
};

template <>
struct ScalarOf<EqualOp>
    : Compare<arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq> {};
template <>
struct ScalarOf<LessOp>
    : Compare<arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
              arith::CmpIPredicate::ult> {};
template <>
struct ScalarOf<GreaterOp>
    : Compare<arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
              arith::CmpIPredicate::ugt> {};

template <>
struct ScalarOf<WhereOp> {
  static Value emit(WhereOp, OpBuilder &b, Location loc, ValueRange args) {
    return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
  }
};

/// pow(x, y) with y of any element type; the result has x's type.
/// Integer powers are math.ipowi, which the codegen pipeline expands
/// (convert-math-to-funcs).
template <>
struct ScalarOf<PowOp> {
  static Value emit(PowOp op, OpBuilder &b, Location loc, ValueRange args) {
    Value base = args[0], exponent = args[1];
    Type type = base.getType();
    bool baseUnsigned = isUnsignedOperand(op, 0);
    bool exponentUnsigned = isUnsignedOperand(op, 1);
    if (isFloat(base))
      return math::PowFOp::create(
          b, loc, base,
          convertScalar(b, loc, exponent, type, exponentUnsigned));
    if (!isFloat(exponent))
      return math::IPowIOp::create(
          b, loc, base,
          convertScalar(b, loc, exponent, type, exponentUnsigned));
    // Integer base, float exponent: compute in float, truncate back.
    Value power = math::PowFOp::create(
        b, loc,
        convertScalar(b, loc, base, exponent.getType(), baseUnsigned),
        exponent);
    return convertScalar(b, loc, power, type, false, baseUnsigned);
  }
};

/// Float-only unary ops that are one math op.
template <typename MathOp>
struct MathUnary {
  template <typename OpTy>
  static Value emit(OpTy, OpBuilder &b, Location loc, ValueRange args) {
    return MathOp::create(b, loc, args[0]);
  }
};

template <>
struct ScalarOf<SqrtOp> : MathUnary<math::SqrtOp> {};
template <>
struct ScalarOf<ExpOp> : MathUnary<math::ExpOp> {};
template <>
struct ScalarOf<LogOp> : MathUnary<math::LogOp> {};
template <>
struct ScalarOf<ErfOp> : MathUnary<math::ErfOp> {};
template <>
struct ScalarOf<TanhOp> : MathUnary<math::TanhOp> {};

template <>
struct ScalarOf<NegOp> {
  // Unsigned: 0 - x wraps, as numpy's negative does.
  static Value emit(NegOp, OpBuilder &b, Location loc, ValueRange args) {
    if (isFloat(args[0]))
      return arith::NegFOp::create(b, loc, args[0]);
    Value zero = createScalar(b, loc, args[0].getType(), 0);
    return arith::SubIOp::create(b, loc, zero, args[0]);
  }
};

template <>
struct ScalarOf<AbsOp> {
  static Value emit(AbsOp op, OpBuilder &b, Location loc, ValueRange args) {
    if (isFloat(args[0]))
      return math::AbsFOp::create(b, loc, args[0]);
    if (isUnsignedOperand(op))
      return args[0];
    return math::AbsIOp::create(b, loc, args[0]);
  }
};

template <>
struct ScalarOf<ReluOp> {
  static Value emit(ReluOp op, OpBuilder &b, Location loc, ValueRange args) {
    Value zero = createScalar(b, loc, args[0].getType(), 0);
    if (isFloat(args[0]))
      return arith::MaximumFOp::create(b, loc, args[0], zero);
    if (isUnsignedOperand(op))
      return args[0];
    return arith::MaxSIOp::create(b, loc, args[0], zero);
  }
};

template <>
struct ScalarOf<ReciprocalOp> {
  static Value emit(ReciprocalOp, OpBuilder &b, Location loc, ValueRange args) {
    Value one = createScalar(b, loc, args[0].getType(), 1);
    return arith::DivFOp::create(b, loc, one, args[0]);
  }
};

/// 1 / (1 + exp(-x)), the ONNX reference formula: exp(-x) overflowing to
/// inf gives exactly 0.
template <>
struct ScalarOf<SigmoidOp> {
  static Value emit(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
    Value one = createScalar(b, loc, args[0].getType(), 1);
    Value negated = arith::NegFOp::create(b, loc, args[0]);
    Value exp = math::ExpOp::create(b, loc, negated);
    Value denominator = arith::AddFOp::create(b, loc, one, exp);
    return arith::DivFOp::create(b, loc, one, denominator);
  }
};

/// max(0, min(1, alpha * x + beta)), shared by hard_sigmoid and hard_swish.
Value hardSigmoid(OpBuilder &b, Location loc, Value x, double alpha,
                  double beta) {
  Type type = x.getType();
  Value scaled = arith::MulFOp::create(b, loc, x, createScalar(b, loc, type, alpha));
  Value shifted =
      arith::AddFOp::create(b, loc, scaled, createScalar(b, loc, type, beta));
  Value upper = arith::MinimumFOp::create(b, loc, shifted,
                                          createScalar(b, loc, type, 1));
  return arith::MaximumFOp::create(b, loc, upper, createScalar(b, loc, type, 0));
}

template <>
struct ScalarOf<HardSigmoidOp> {
  static Value emit(HardSigmoidOp op, OpBuilder &b, Location loc,
                    ValueRange args) {
    return hardSigmoid(b, loc, args[0], op.getAlpha().convertToFloat(),
                       op.getBeta().convertToFloat());
  }
};

/// x * hard_sigmoid(x) with ONNX's alpha = 1/6 (as f32), beta = 0.5.
template <>
struct ScalarOf<HardSwishOp> {
  static Value emit(HardSwishOp, OpBuilder &b, Location loc, ValueRange args) {
    Value gate = hardSigmoid(b, loc, args[0], 1.0f / 6.0f, 0.5);
    return arith::MulFOp::create(b, loc, args[0], gate);
  }
};

/// x >= 0 ? x : alpha * x.
template <>
struct ScalarOf<LeakyReluOp> {
  static Value emit(LeakyReluOp op, OpBuilder &b, Location loc,
                    ValueRange args) {
    Value x = args[0];
    Type type = x.getType();
    Value scaled = arith::MulFOp::create(
        b, loc, x, createScalar(b, loc, type, op.getAlpha().convertToFloat()));
    Value positive = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::OGE, x, createScalar(b, loc, type, 0));
    return arith::SelectOp::create(b, loc, positive, x, scaled);
  }
};

} // namespace

Value q8::createGelu(OpBuilder &b, Location loc, Value x, bool tanh) {
  Type type = x.getType();
  auto constant = [&](double value) { return createScalar(b, loc, type, value); };
  Value inner;
  if (tanh) {
    Value cube = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value sum = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, constant(0.044715), cube));
    Value scaled = arith::MulFOp::create(
        b, loc, constant(std::sqrt(2.0 / M_PI)), sum);
    inner = math::TanhOp::create(b, loc, scaled);
  } else {
    Value scaled = arith::DivFOp::create(b, loc, x, constant(M_SQRT2));
    inner = math::ErfOp::create(b, loc, scaled);
  }
  Value onePlus = arith::AddFOp::create(b, loc, constant(1), inner);
  Value half = arith::MulFOp::create(b, loc, constant(0.5), x);
  return arith::MulFOp::create(b, loc, half, onePlus);
}

namespace {

template <>
struct ScalarOf<GeluOp> {
  static Value emit(GeluOp op, OpBuilder &b, Location loc, ValueRange args) {
    return createGelu(b, loc, args[0], op.getApproximate() == GeluApproximation::Tanh);
  }
};

/// min(max(x, lo), hi), each bound optional; NaN stays NaN as in np.clip.
template <>
struct ScalarOf<ClipOp> {
  static Value emit(ClipOp op, OpBuilder &b, Location loc, ValueRange args) {
    Value x = args[0];
    Type type = x.getType();
    bool isUnsigned = isUnsignedOperand(op);
    if (auto min = op.getMin()) {
      Value bound = createScalar(b, loc, type, min->convertToDouble());
      x = isFloat(x)     ? Value(arith::MaximumFOp::create(b, loc, x, bound))
          : isUnsigned ? Value(arith::MaxUIOp::create(b, loc, x, bound))
                       : Value(arith::MaxSIOp::create(b, loc, x, bound));
    }
    if (auto max = op.getMax()) {
      Value bound = createScalar(b, loc, type, max->convertToDouble());
      x = isFloat(x)     ? Value(arith::MinimumFOp::create(b, loc, x, bound))
          : isUnsigned ? Value(arith::MinUIOp::create(b, loc, x, bound))
                       : Value(arith::MinSIOp::create(b, loc, x, bound));
    }
    return x;
  }
};

template <>
struct ScalarOf<CastOp> {
  static Value emit(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
    return convertScalar(b, loc, args[0], getLoweredType(op.getTo()),
                         isUnsignedOperand(op), isUnsignedElement(op.getTo()));
  }
};

/// Rewrites an elementwise q8 op into one linalg.generic (integers of any
/// signedness compute as signless, and bools are stored as i8, see
/// getLoweredType):
///   %r = q8.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
/// becomes
///   %r = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1),
///                                         (d0, d1) -> (d1),
///                                         (d0, d1) -> (d0, d1)]}
///          ins(%a, %b) outs(tensor.empty) { arith.addf }
template <typename OpTy>
struct ElementwiseToGeneric : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkLowerableTypes(op, rewriter)))
      return failure();
    auto resultType = getLoweredType(
        cast<RankedTensorType>(op->getResult(0).getType()));
    bool boolResult = isBoolElement(op->getResult(0).getType());
    Value result = createElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange stored) {
          // Bools are stored as i8 (see getLoweredType), computed as i1.
          SmallVector<Value> args(stored);
          for (auto [index, arg] : llvm::enumerate(args)) {
            if (!isBoolElement(op->getOperand(index).getType()) ||
                arg.getType().isInteger(1))
              continue;
            Value zero = createScalar(b, loc, arg.getType(), 0);
            arg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, arg,
                                        zero);
          }
          Value value = ScalarOf<OpTy>::emit(op, b, loc, args);
          if (boolResult && value.getType().isInteger(1))
            value = arith::ExtUIOp::create(b, loc,
                                           resultType.getElementType(), value);
          return value;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename... OpTys>
void addElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseToGeneric<OpTys>...>(patterns.getContext());
}

} // namespace

void q8::populateQ8ElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  addElementwisePatterns<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp,
                         EqualOp, LessOp, GreaterOp, WhereOp, NegOp, AbsOp,
                         ReluOp, SqrtOp, ReciprocalOp, ExpOp, LogOp, ErfOp,
                         TanhOp, SigmoidOp, HardSwishOp, GeluOp, LeakyReluOp,
                         HardSigmoidOp, ClipOp, CastOp>(patterns);
}
