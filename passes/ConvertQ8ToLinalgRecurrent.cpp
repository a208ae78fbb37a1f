//===- ConvertQ8ToLinalgRecurrent.cpp - q8.lstm and q8.gru to linalg ------===//
//
// ONNX LSTM and GRU (default activations, layout 0; the importer turns
// layout 1 into transposes around the op). Per direction:
//
//   - the input projection of every time step at once: X as
//     [seq * batch, input] times W^T (one linalg.matmul), its accumulator
//     starting from the biases that simply add (Wb + Rb);
//   - W and R transposed once (linalg.transpose) so the matmuls read
//     row-major [K, N] operands;
//   - an scf.for over the time steps (seq - 1 down to 0 for the reverse
//     direction) carrying the hidden state (and the cell state), Y, and the
//     scratch tensors of the step as iter_args: every tensor a step writes
//     is one it was handed, so bufferization reuses the same buffers on
//     every iteration and nothing is allocated inside the loop (each starts
//     as its own bufferization.alloc_tensor, which CSE cannot merge);
//   - in the step: a linalg.matmul of H with R^T accumulated onto the step's
//     input projection, the gate math as linalg.generic where it reads the
//     previous state through its outs operand (the cell state, GRU's H) and
//     linalg.map where it only overwrites its output (LSTM's H, GRU's
//     r * H: a generic would have that unread outs operand replaced by a
//     fresh tensor.empty), and a tensor.insert_slice of the new H into Y at
//     its time index.
//
// LSTM (gates i, o, f, c; peepholes P = [Pi, Po, Pf]):
//   i = sig(x_i + Pi * C), f = sig(x_f + Pf * C)  (f = 1 - i with input_forget)
//   C' = f * C + i * tanh(x_c), o = sig(x_o + Po * C'), H' = o * tanh(C')
// GRU (gates z, r, h):
//   z = sig(x_z + Rb_z + H R_z^T), r = sig(x_r + Rb_r + H R_r^T)
//   h = tanh(x_h + (r * H) R_h^T + Rb_h)       linear_before_reset = 0
//   h = tanh(x_h + r * (H R_h^T + Rb_h))       linear_before_reset = 1
//   H' = (1 - z) * h + z * H
// where x_g = X W_g^T + Wb_g. `clip` clamps every activation's input (the
// gate pre-activations) to [-clip, clip]; the cell state itself is not
// clipped, as in ONNX Runtime. sequence_lens and non-default activations
// are rejected by the importer and have no operand or attribute here.
//
//===----------------------------------------------------------------------===//

#include "passes/ConvertQ8ToLinalg.h"

#include "dialects/Q8/Q8Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

using namespace mlir;
using namespace q8;

namespace {

/// What the two recurrent patterns share: the shapes, the element type and
/// the IR-building steps.
struct Recurrent {
  OpBuilder &b;
  Location loc;
  Type elementType;
  int64_t seq, batch, inputSize, hidden, dirs;
  std::optional<double> clip;

  RankedTensorType tensorType(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, elementType);
  }

  Value constant(double value) const {
    return createScalar(b, loc, elementType, value);
  }

  /// A new tensor of `shape` holding a copy of `copy` (undefined when
  /// null) that no other value shares. Every tensor a time loop carries
  /// starts as one: the loop overwrites its iter_args in place, and
  /// tensor.empty or a zero fill of the same type would be merged by CSE
  /// into one value passed as two iter_args, which cannot bufferize in
  /// place (an allocation is never merged).
  Value fresh(ArrayRef<int64_t> shape, Value copy = Value()) const {
    return bufferization::AllocTensorOp::create(b, loc, tensorType(shape),
                                                ValueRange{}, copy);
  }

  /// `t[offsets..][sizes..]` with unit strides, as a tensor of `resultShape`
  /// (rank-reducing when that drops unit dims).
  Value slice(Value t, ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
              ArrayRef<int64_t> resultShape) const {
    MLIRContext *context = b.getContext();
    SmallVector<int64_t> strides(offsets.size(), 1);
    return tensor::ExtractSliceOp::create(
        b, loc, tensorType(resultShape), t,
        getAsIndexOpFoldResult(context, offsets),
        getAsIndexOpFoldResult(context, sizes),
        getAsIndexOpFoldResult(context, strides));
  }

  /// Direction `d` of a [dirs, rows, cols] tensor, rows [first, first + count).
  Value directionRows(Value t, int64_t d, int64_t first, int64_t count) const {
    int64_t cols = cast<RankedTensorType>(t.getType()).getDimSize(2);
    return slice(t, {d, first, 0}, {1, count, cols}, {count, cols});
  }

  /// Direction `d` of a [dirs, n] tensor, elements [first, first + count).
  Value directionVector(Value t, int64_t d, int64_t first,
                        int64_t count) const {
    return slice(t, {d, first}, {1, count}, {count});
  }

  /// The [cols, rows] transpose of a [rows, cols] tensor.
  Value transpose(Value m) const {
    auto type = cast<RankedTensorType>(m.getType());
    Value init = createEmpty(
        b, loc, tensorType({type.getDimSize(1), type.getDimSize(0)}));
    return linalg::TransposeOp::create(b, loc, m, init,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }

  /// lhs [M, K] x rhs [K, N] accumulated onto acc [M, N].
  Value matmul(Value lhs, Value rhs, Value acc) const {
    return linalg::MatmulOp::create(b, loc, TypeRange{acc.getType()},
                                    ValueRange{lhs, rhs}, ValueRange{acc})
        .getResult(0);
  }

  /// The sum of vectors (all [n]; null entries skipped), or null if none.
  Value addVectors(ArrayRef<Value> vectors) const {
    SmallVector<Value> present;
    for (Value v : vectors)
      if (v)
        present.push_back(v);
    if (present.empty())
      return Value();
    if (present.size() == 1)
      return present.front();
    auto type = cast<RankedTensorType>(present.front().getType());
    return createElementwise(b, loc, type, present,
                             [&](OpBuilder &nb, Location l, ValueRange args) {
                               Value sum = args[0];
                               for (Value v : args.drop_front())
                                 sum = arith::AddFOp::create(nb, l, sum, v);
                               return sum;
                             });
  }

  /// `rows` copies of `bias` [n] (zeros when null) as a [rows, n] tensor
  /// written into `init` (a fresh one when null).
  Value broadcastRows(Value bias, int64_t rows, int64_t n,
                      Value init = Value()) const {
    if (!init)
      init = createEmpty(b, loc, tensorType({rows, n}));
    if (!bias)
      return linalg::FillOp::create(b, loc, constant(0), init).getResult(0);
    return linalg::BroadcastOp::create(b, loc, bias, init,
                                       ArrayRef<int64_t>{0})
        .getResult()[0];
  }

  /// X [seq, batch, input] times the [input, n] `weightT` for every time
  /// step at once, plus `bias` [n] (may be null): [seq * batch, n].
  Value inputProjection(Value x, Value weightT, Value bias, int64_t n) const {
    Value flat = reshapeTo(b, loc, x, {seq * batch, inputSize});
    return matmul(flat, weightT, broadcastRows(bias, seq * batch, n));
  }

  /// The rows of time step `time` (an index) of a [seq * batch, n]
  /// projection: [batch, n].
  Value stepRows(Value projection, Value time, int64_t n) const {
    Value offset = arith::MulIOp::create(
        b, loc, time, arith::ConstantIndexOp::create(b, loc, batch));
    SmallVector<OpFoldResult> offsets = {offset, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(batch),
                                       b.getIndexAttr(n)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, tensorType({batch, n}),
                                          projection, offsets, sizes, strides);
  }

  /// Columns [gate * hidden, (gate + 1) * hidden) of a [batch, n] tensor.
  Value gateColumns(Value t, int64_t gate) const {
    return slice(t, {0, gate * hidden}, {batch, hidden}, {batch, hidden});
  }

  /// `h` [batch, hidden] written into y [seq, dirs, batch, hidden] at
  /// (time, d).
  Value insertStep(Value h, Value y, Value time, int64_t d) const {
    SmallVector<OpFoldResult> offsets = {time, b.getIndexAttr(d),
                                         b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(batch),
                                       b.getIndexAttr(hidden)};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    return tensor::InsertSliceOp::create(b, loc, h, y, offsets, sizes, strides);
  }

  /// The initial state of direction `d`: a slice of `given`
  /// [dirs, batch, hidden], or zeros.
  Value initialState(Value given, int64_t d) const {
    if (!given)
      return linalg::FillOp::create(b, loc, constant(0),
                                    fresh({batch, hidden}))
          .getResult(0);
    return fresh({batch, hidden}, slice(given, {d, 0, 0}, {1, batch, hidden},
                                        {batch, hidden}));
  }

  /// The per-direction [batch, hidden] states stacked as [dirs, batch, hidden].
  Value stackDirections(ArrayRef<Value> states) const {
    if (states.size() == 1)
      return reshapeTo(b, loc, states.front(), {1, batch, hidden});
    Value result = createEmpty(b, loc, tensorType({dirs, batch, hidden}));
    for (auto [d, state] : llvm::enumerate(states)) {
      SmallVector<int64_t> offsets = {int64_t(d), 0, 0};
      SmallVector<int64_t> sizes = {1, batch, hidden};
      SmallVector<int64_t> strides = {1, 1, 1};
      MLIRContext *context = b.getContext();
      result = tensor::InsertSliceOp::create(
          b, loc, state, result, getAsIndexOpFoldResult(context, offsets),
          getAsIndexOpFoldResult(context, sizes),
          getAsIndexOpFoldResult(context, strides));
    }
    return result;
  }

  /// The time index of loop iteration `iv`: iv, or seq - 1 - iv in reverse.
  Value timeIndex(OpBuilder &nb, Value iv, bool reverse) const {
    if (!reverse)
      return iv;
    Value last = arith::ConstantIndexOp::create(nb, loc, seq - 1);
    return arith::SubIOp::create(nb, loc, last, iv);
  }

  /// An scf.for over the seq time steps carrying `inits`; `body` gets the
  /// builder, the time index (reversed when `reverse`) and the iter_args,
  /// and returns the values to yield.
  scf::ForOp timeLoop(
      ValueRange inits, bool reverse,
      llvm::function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)>
          body) const {
    Value lower = arith::ConstantIndexOp::create(b, loc, 0);
    Value upper = arith::ConstantIndexOp::create(b, loc, seq);
    Value step = arith::ConstantIndexOp::create(b, loc, 1);
    return scf::ForOp::create(
        b, loc, lower, upper, step, inits,
        [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          SmallVector<Value> results = body(b, timeIndex(b, iv, reverse), args);
          scf::YieldOp::create(b, l, results);
        });
  }

  /// An all-parallel generic over [batch, hidden] reading `inputs` (each
  /// [batch, hidden], or [hidden] for a per-unit vector) and updating
  /// `outputs` (each [batch, hidden]) in place; `body` gets the input block
  /// arguments then the outputs' (their previous values, which it must
  /// read: see stepMap) and returns the new outputs.
  SmallVector<Value> stepGeneric(
      ValueRange inputs, ValueRange outputs,
      llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                            ValueRange)>
          body) const {
    MLIRContext *context = b.getContext();
    AffineMap identity = b.getMultiDimIdentityMap(2);
    AffineMap unitMap = AffineMap::get(2, 0, getAffineDimExpr(1, context));
    SmallVector<AffineMap> maps;
    for (Value input : inputs)
      maps.push_back(cast<RankedTensorType>(input.getType()).getRank() == 1
                         ? unitMap
                         : identity);
    maps.append(outputs.size(), identity);
    SmallVector<utils::IteratorType> iterators(2,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        b, loc, ValueRange(outputs).getTypes(), inputs, outputs, maps,
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          SmallVector<Value> results =
              body(nb, l, args.take_front(inputs.size()),
                   args.drop_front(inputs.size()));
          linalg::YieldOp::create(nb, l, results);
        });
    return SmallVector<Value>(generic.getResults());
  }

  /// A linalg.map over [batch, hidden] of `inputs` (each [batch, hidden])
  /// into `init`, which it overwrites without reading. For outputs that do
  /// not depend on their previous value: a linalg.generic whose outs
  /// operand the body does not read gets that operand replaced by a
  /// tensor.empty (linalg's RemoveOutsDependency, in the elementwise fusion
  /// patterns), i.e. a new allocation on every time step, which a loop
  /// cannot carry.
  Value stepMap(ValueRange inputs, Value init,
                llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>
                    body) const {
    return linalg::MapOp::create(
               b, loc, inputs, init,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l, body(nb, l, args));
               })
        .getResult()[0];
  }

  // Scalar helpers for the gate bodies.

  Value clamp(OpBuilder &nb, Location l, Value x) const {
    if (!clip)
      return x;
    Value high = createScalar(nb, l, elementType, *clip);
    Value low = createScalar(nb, l, elementType, -*clip);
    return arith::MinimumFOp::create(
        nb, l, arith::MaximumFOp::create(nb, l, x, low), high);
  }

  /// 1 / (1 + exp(-x)) of the clipped x (the elementwise sigmoid's formula).
  Value sigmoid(OpBuilder &nb, Location l, Value x) const {
    x = clamp(nb, l, x);
    Value one = createScalar(nb, l, elementType, 1);
    Value exp = math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, x));
    return arith::DivFOp::create(nb, l, one,
                                 arith::AddFOp::create(nb, l, one, exp));
  }

  Value tanh(OpBuilder &nb, Location l, Value x, bool clipped = true) const {
    return math::TanhOp::create(nb, l, clipped ? clamp(nb, l, x) : x);
  }
};

/// Reads the shapes every recurrent op shares; fails on anything but static
/// float tensors.
FailureOr<Recurrent> makeRecurrent(Operation *op, Value x, int64_t hidden,
                                   RnnDirection direction,
                                   std::optional<APFloat> clip,
                                   ConversionPatternRewriter &rewriter) {
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  if (!xType || !xType.hasStaticShape() ||
      !isa<FloatType>(xType.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs a static float x");
  for (Type type : op->getResultTypes())
    if (!cast<RankedTensorType>(type).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static result shapes");
  std::optional<double> clipValue;
  if (clip)
    clipValue = clip->convertToDouble();
  return Recurrent{rewriter,
                   op->getLoc(),
                   xType.getElementType(),
                   xType.getDimSize(0),
                   xType.getDimSize(1),
                   xType.getDimSize(2),
                   hidden,
                   direction == RnnDirection::Bidirectional ? 2 : 1,
                   clipValue};
}

/// Rewrites q8.lstm (see the file comment).
struct LSTMToLinalg : OpConversionPattern<LSTMOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LSTMOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<APFloat> clip;
    if (auto attr = op.getClipAttr())
      clip = attr.getValue();
    if (clip && !(clip->convertToDouble() > 0))
      return op.emitOpError("'clip' must be positive for the lowering");
    FailureOr<Recurrent> maybe =
        makeRecurrent(op, adaptor.getX(), op.getHiddenSize(),
                      op.getDirection(), clip, rewriter);
    if (failed(maybe))
      return failure();
    Recurrent &r = *maybe;
    int64_t h = r.hidden, batch = r.batch;
    bool inputForget = op.getInputForget();
    Value bias = adaptor.getB(), peephole = adaptor.getP();

    Value y = r.fresh({r.seq, r.dirs, batch, h});
    SmallVector<Value> finalH, finalC;
    for (int64_t d = 0; d < r.dirs; ++d) {
      bool reverse = op.getDirection() == RnnDirection::Reverse || d == 1;
      Value wT = r.transpose(r.directionRows(adaptor.getW(), d, 0, 4 * h));
      Value rT = r.transpose(r.directionRows(adaptor.getR(), d, 0, 4 * h));
      Value gateBias =
          bias ? r.addVectors({r.directionVector(bias, d, 0, 4 * h),
                               r.directionVector(bias, d, 4 * h, 4 * h)})
               : Value();
      Value projection =
          r.inputProjection(adaptor.getX(), wT, gateBias, 4 * h);
      // Peepholes in P's order i, o, f.
      // (Po broadcast to [batch, hidden] for the output gate's linalg.map.)
      Value pI, pO, pF;
      if (peephole) {
        pI = r.directionVector(peephole, d, 0, h);
        pO = r.broadcastRows(r.directionVector(peephole, d, h, h), batch, h);
        pF = r.directionVector(peephole, d, 2 * h, h);
      }
      Value h0 = r.initialState(adaptor.getInitialH(), d);
      Value c0 = r.initialState(adaptor.getInitialC(), d);
      Value scratch = r.fresh({batch, 4 * h});

      scf::ForOp loop = r.timeLoop(
          {h0, c0, scratch, y}, reverse,
          [&](OpBuilder &b, Value time, ValueRange args) {
            Value hPrev = args[0], cPrev = args[1], s = args[2], yIn = args[3];
            // Gate pre-activations: this step's projection + H R^T.
            Value stepProj = r.stepRows(projection, time, 4 * h);
            Value copied =
                linalg::CopyOp::create(b, r.loc, stepProj, s).getResult(0);
            Value gates = r.matmul(hPrev, rT, copied);
            // Gate order i, o, f, c. The cell state first, updated in place.
            SmallVector<Value> inputs = {r.gateColumns(gates, 0),
                                         r.gateColumns(gates, 2),
                                         r.gateColumns(gates, 3)};
            if (peephole)
              inputs.append({pI, pF});
            Value cNext =
                r.stepGeneric(
                     inputs, {cPrev},
                     [&](OpBuilder &nb, Location l, ValueRange in,
                         ValueRange out) -> SmallVector<Value> {
                       Value c = out[0];
                       auto withPeephole = [&](Value pre, int index) -> Value {
                         if (!peephole)
                           return pre;
                         return arith::AddFOp::create(
                             nb, l, pre,
                             arith::MulFOp::create(nb, l, in[index], c));
                       };
                       Value i = r.sigmoid(nb, l, withPeephole(in[0], 3));
                       Value f =
                           inputForget
                               ? Value(arith::SubFOp::create(
                                     nb, l,
                                     createScalar(nb, l, r.elementType, 1), i))
                               : r.sigmoid(nb, l, withPeephole(in[1], 4));
                       Value g = r.tanh(nb, l, in[2]);
                       return {arith::AddFOp::create(
                           nb, l, arith::MulFOp::create(nb, l, f, c),
                           arith::MulFOp::create(nb, l, i, g))};
                     })
                    .front();
            // Then H = o * tanh(C'), with o's peephole on the new C'.
            SmallVector<Value> outInputs = {r.gateColumns(gates, 1), cNext};
            if (peephole)
              outInputs.push_back(pO);
            Value hNext = r.stepMap(
                outInputs, hPrev,
                [&](OpBuilder &nb, Location l, ValueRange in) -> Value {
                  Value pre = in[0];
                  if (peephole)
                    pre = arith::AddFOp::create(
                        nb, l, pre, arith::MulFOp::create(nb, l, in[2], in[1]));
                  Value o = r.sigmoid(nb, l, pre);
                  return arith::MulFOp::create(
                      nb, l, o, r.tanh(nb, l, in[1], /*clipped=*/false));
                });
            SmallVector<Value> next = {hNext, cNext};
            Value yOut = r.insertStep(next[0], yIn, time, d);
            return SmallVector<Value>{next[0], next[1], gates, yOut};
          });
      finalH.push_back(loop.getResult(0));
      finalC.push_back(loop.getResult(1));
      y = loop.getResult(3);
    }
    rewriter.replaceOp(op, {y, r.stackDirections(finalH),
                            r.stackDirections(finalC)});
    return success();
  }
};

/// Rewrites q8.gru (see the file comment).
struct GRUToLinalg : OpConversionPattern<GRUOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GRUOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<APFloat> clip;
    if (auto attr = op.getClipAttr())
      clip = attr.getValue();
    if (clip && !(clip->convertToDouble() > 0))
      return op.emitOpError("'clip' must be positive for the lowering");
    FailureOr<Recurrent> maybe =
        makeRecurrent(op, adaptor.getX(), op.getHiddenSize(),
                      op.getDirection(), clip, rewriter);
    if (failed(maybe))
      return failure();
    Recurrent &r = *maybe;
    int64_t h = r.hidden, batch = r.batch;
    bool linearBeforeReset = op.getLinearBeforeReset();
    Value bias = adaptor.getB();

    Value y = r.fresh({r.seq, r.dirs, batch, h});
    SmallVector<Value> finalH;
    for (int64_t d = 0; d < r.dirs; ++d) {
      bool reverse = op.getDirection() == RnnDirection::Reverse || d == 1;
      Value wT = r.transpose(r.directionRows(adaptor.getW(), d, 0, 3 * h));
      // Wb + Rb for z and r; for h, Wb alone when Rb_h is applied inside
      // the reset (linear_before_reset), else Wb_h + Rb_h.
      Value projectionBias;
      if (bias) {
        Value wb = r.directionVector(bias, d, 0, 3 * h);
        if (linearBeforeReset) {
          Value rbZR = r.directionVector(bias, d, 3 * h, 2 * h);
          Value padded = padConstant(rewriter, r.loc, rbZR, {0}, {h},
                                     r.constant(0));
          projectionBias = r.addVectors({wb, padded});
        } else {
          projectionBias =
              r.addVectors({wb, r.directionVector(bias, d, 3 * h, 3 * h)});
        }
      }
      Value projection =
          r.inputProjection(adaptor.getX(), wT, projectionBias, 3 * h);
      Value h0 = r.initialState(adaptor.getInitialH(), d);
      scf::ForOp loop;
      if (linearBeforeReset) {
        // H R^T + [0, 0, Rb_h] in one matmul; r scales its h part.
        Value rT = r.transpose(r.directionRows(adaptor.getR(), d, 0, 3 * h));
        Value rbH;
        if (bias) {
          Value rbHOnly = r.directionVector(bias, d, 5 * h, h);
          rbH = padConstant(rewriter, r.loc, rbHOnly, {2 * h}, {0},
                            r.constant(0));
        }
        Value scratch = r.fresh({batch, 3 * h});
        loop = r.timeLoop(
            {h0, scratch, y}, reverse,
            [&](OpBuilder &b, Value time, ValueRange args) {
              Value hPrev = args[0], s = args[1], yIn = args[2];
              Value stepProj = r.stepRows(projection, time, 3 * h);
              Value recurrent =
                  r.matmul(hPrev, rT, r.broadcastRows(rbH, batch, 3 * h, s));
              SmallVector<Value> next = r.stepGeneric(
                  {r.gateColumns(stepProj, 0), r.gateColumns(stepProj, 1),
                   r.gateColumns(stepProj, 2), r.gateColumns(recurrent, 0),
                   r.gateColumns(recurrent, 1), r.gateColumns(recurrent, 2)},
                  {hPrev},
                  [&](OpBuilder &nb, Location l, ValueRange in,
                      ValueRange out) -> SmallVector<Value> {
                    Value z = r.sigmoid(
                        nb, l, arith::AddFOp::create(nb, l, in[0], in[3]));
                    Value reset = r.sigmoid(
                        nb, l, arith::AddFOp::create(nb, l, in[1], in[4]));
                    Value candidate = r.tanh(
                        nb, l,
                        arith::AddFOp::create(
                            nb, l, in[2],
                            arith::MulFOp::create(nb, l, reset, in[5])));
                    return {update(nb, l, z, candidate, out[0])};
                  });
              Value yOut = r.insertStep(next[0], yIn, time, d);
              return SmallVector<Value>{next[0], recurrent, yOut};
            });
      } else {
        // H R_zr^T for z and r, then (r * H) R_h^T for h.
        Value rZRT =
            r.transpose(r.directionRows(adaptor.getR(), d, 0, 2 * h));
        Value rHT =
            r.transpose(r.directionRows(adaptor.getR(), d, 2 * h, h));
        Value scratchZR = r.fresh({batch, 2 * h});
        Value scratchReset = r.fresh({batch, h});
        Value scratchH = r.fresh({batch, h});
        loop = r.timeLoop(
            {h0, scratchZR, scratchReset, scratchH, y}, reverse,
            [&](OpBuilder &b, Value time, ValueRange args) {
              Value hPrev = args[0], sZR = args[1], sReset = args[2],
                    sH = args[3], yIn = args[4];
              Value stepProj = r.stepRows(projection, time, 3 * h);
              Value zr = r.matmul(hPrev, rZRT,
                                  r.broadcastRows(Value(), batch, 2 * h, sZR));
              // r * H.
              Value resetH = r.stepMap(
                  {r.gateColumns(stepProj, 1), r.gateColumns(zr, 1), hPrev},
                  sReset, [&](OpBuilder &nb, Location l, ValueRange in) {
                    Value reset = r.sigmoid(
                        nb, l, arith::AddFOp::create(nb, l, in[0], in[1]));
                    return Value(arith::MulFOp::create(nb, l, reset, in[2]));
                  });
              Value candidatePre = r.matmul(
                  resetH, rHT, r.broadcastRows(Value(), batch, h, sH));
              SmallVector<Value> next = r.stepGeneric(
                  {r.gateColumns(stepProj, 0), r.gateColumns(zr, 0),
                   r.gateColumns(stepProj, 2), candidatePre},
                  {hPrev},
                  [&](OpBuilder &nb, Location l, ValueRange in,
                      ValueRange out) -> SmallVector<Value> {
                    Value z = r.sigmoid(
                        nb, l, arith::AddFOp::create(nb, l, in[0], in[1]));
                    Value candidate = r.tanh(
                        nb, l, arith::AddFOp::create(nb, l, in[2], in[3]));
                    return {update(nb, l, z, candidate, out[0])};
                  });
              Value yOut = r.insertStep(next[0], yIn, time, d);
              return SmallVector<Value>{next[0], zr, resetH, candidatePre,
                                        yOut};
            });
      }
      finalH.push_back(loop.getResult(0));
      y = loop.getResults().back();
    }
    rewriter.replaceOp(op, {y, r.stackDirections(finalH)});
    return success();
  }

  /// (1 - z) * candidate + z * previous.
  static Value update(OpBuilder &b, Location l, Value z, Value candidate,
                      Value previous) {
    Value one = createScalar(b, l, z.getType(), 1);
    return arith::AddFOp::create(
        b, l,
        arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, one, z),
                              candidate),
        arith::MulFOp::create(b, l, z, previous));
  }
};

} // namespace

void q8::populateQ8RecurrentToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LSTMToLinalg, GRUToLinalg>(patterns.getContext());
}
