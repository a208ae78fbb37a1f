//===- SmoothQuant.cpp - migrate activation outliers into the weights -----===//
//
// SmoothQuant (Xiao et al. 2023): per input channel j of a matmul,
// x W = (x / s) (diag(s) W) with s_j = amax(x_j)^alpha / amax(W_j)^(1-alpha)
// (passes/QuantMath.h), which flattens x's outlier channels at the cost of
// W's. A convolution is the same along its input channels (dim 1 of x):
// every weight W[m, c - g * C/G, k...] that reads input channel c (of group
// g) takes s_c, and x / s broadcasts as a [C, 1, ...] multiplier. The weights are rescaled here, at compile time; 1/s becomes a marked
// q8.mul on the activation that q8-quantize folds into its quantize op's
// prescale. The multiply also records the ranges of x / s, which the table
// (ranges of x) does not have; see Passes.td for how they are bounded.
//
// With auto-alpha, alpha is chosen per activation by simulating the int8
// layers on the table's reservoir rows (passes/SmoothQuantSearch.h).
//
// The table is read like q8-quantize's (passes/calibration/Table.h).
//
//===----------------------------------------------------------------------===//

#include "passes/calibration/Table.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8ValueNames.h"
#include "passes/ConstantData.h"
#include "passes/Passes.h"
#include "passes/QuantizePasses.h"
#include "passes/QuantMath.h"
#include "passes/SmoothQuantSearch.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Threading.h"
#include "llvm/ADT/MapVector.h"

#include <cmath>

namespace q8 {
#define GEN_PASS_DEF_SMOOTHQUANT
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;

namespace {

/// One consumer of an activation: its weight operand and how to index it.
struct Consumer {
  Operation *op;
  OpOperand *weight;
  SmallVector<float> values; ///< the stored weight payload
  int64_t k = 0, n = 0;
  bool transposed = false; ///< stored [N, K] (gemm transB)
  float alpha = 1.0f;      ///< gemm's alpha (scales the effective weights)
  /// A convolution's weight [M, C / G, k...]: k = C input channels, n = M.
  bool conv = false;
  int64_t groups = 1, taps = 1;
  /// The dim of the activation this consumer contracts.
  int64_t axis = 0;

  float &at(int64_t i, int64_t j) {
    return values[transposed ? j * k + i : i * n + j];
  }

  /// Calls `fn` on every stored weight that multiplies input channel `i`.
  template <typename Fn> void forChannel(int64_t i, Fn fn) {
    if (!conv) {
      for (int64_t j = 0; j < n; ++j)
        fn(at(i, j));
      return;
    }
    int64_t groupIn = k / groups, groupOut = n / groups;
    int64_t g = i / groupIn, c = i % groupIn;
    for (int64_t m = g * groupOut; m < (g + 1) * groupOut; ++m)
      for (int64_t t = 0; t < taps; ++t)
        fn(values[(m * groupIn + c) * taps + t]);
  }
};

/// The consumer `op` is when q8-quantize will quantize it with a constant
/// weight (QuantizableOpInterface decides; with `keepFasterFp32`, not an op
/// whose int8 form would be slower), with its activation.
std::optional<Consumer> consumerFor(Operation *op, Value &activation,
                                    bool keepFasterFp32) {
  auto quantizable = dyn_cast<QuantizableOpInterface>(op);
  if (!quantizable || quantizable.getQuantizableForm(/*whyNot=*/nullptr) !=
                          QuantizableForm::ConstantWeight)
    return std::nullopt;
  if (keepFasterFp32 && quantizable.isFasterInFp32(/*why=*/nullptr))
    return std::nullopt;
  Consumer c;
  c.op = op;
  activation = quantizable.getActivationOperand().get();
  c.weight = &quantizable.getWeightOperand();
  c.axis = quantizable.getActivationContractedDim();
  c.alpha = quantizable.getProductScale();
  c.conv = quantizable.hasKernelTaps();
  c.groups = quantizable.getGroupCount();
  ElementsAttr attr;
  if (!matchPattern(c.weight->get(), m_Constant(&attr)))
    return std::nullopt;
  auto type = cast<RankedTensorType>(attr.getType());
  std::optional<SmallVector<float>> values = readF32Values(attr);
  if (!values)
    return std::nullopt;
  c.values = std::move(*values);
  int64_t contracted = quantizable.getWeightContractedDim();
  int64_t outputs = quantizable.getWeightOutputChannelDim();
  c.n = type.getDimSize(outputs);
  c.k = type.getDimSize(contracted) * c.groups;
  if (c.conv) {
    for (int64_t d : type.getShape().drop_front(2))
      c.taps *= d;
    return c;
  }
  c.transposed = outputs < contracted; // gemm transB: stored [N, K]
  return c;
}

struct SmoothQuant : q8::impl::SmoothQuantBase<SmoothQuant> {
  using SmoothQuantBase::SmoothQuantBase;

  LogicalResult initialize(MLIRContext *context) override {
    if (!(alpha >= 0.0f && alpha <= 1.0f))
      return emitError(UnknownLoc::get(context))
             << "q8-smoothquant: alpha must be in [0, 1], got " << alpha;
    if (weightBits != 8 && weightBits != 7)
      return emitError(UnknownLoc::get(context))
             << "q8-smoothquant: weight-bits must be 8 or 7, got "
             << static_cast<int>(weightBits);
    if (!llvm::is_contained(calibration::rangeMethods(), method))
      return emitError(UnknownLoc::get(context))
             << "q8-smoothquant: unknown method '" << method << "'";
    if (table) // handed over by createSmoothQuantPass
      return success();
    return loadCalibrationTable(context, "q8-smoothquant", tablePath, table);
  }

  void runOnOperation() override {
    // Consumers grouped by activation and contracted dim, in program order.
    llvm::MapVector<std::pair<Value, int64_t>, SmallVector<Consumer>> groups;
    getOperation().walk([&](Operation *op) {
      Value activation;
      if (std::optional<Consumer> c = consumerFor(op, activation, keepFasterFp32))
        groups[{activation, c->axis}].push_back(std::move(*c));
    });
    bool failedAny = false;
    for (auto &[key, consumers] : groups)
      if (failed(smooth(key.first, consumers)))
        failedAny = true;
    if (failedAny)
      signalPassFailure();
  }

  std::shared_ptr<const calibration::Table> table;

private:
  /// The alpha in {i * 0.05} whose simulated int8 outputs on the reservoir
  /// are closest to fp32; nullopt when no smoothing is at least as close.
  /// The candidates are scored in parallel (the context's thread pool) and
  /// compared in order, so the choice does not depend on the threads.
  std::optional<float> searchAlpha(const calibration::TensorEntry &entry,
                                   calibration::Range range,
                                   ArrayRef<float> weightAbsmax,
                                   ArrayRef<Consumer> consumers) {
    SmallVector<smoothquant::SearchWeights> weights;
    // A convolution as its taps' [C, M * taps] matrix: W2[c, m * taps + t]
    // = W[m, c - g * C/G, t] for the output channels m of c's group g, 0
    // for the others (block diagonal when grouped).
    std::vector<std::vector<float>> tapMatrices;
    tapMatrices.reserve(consumers.size());
    for (const Consumer &c : consumers) {
      if (!c.conv) {
        weights.push_back({c.values, c.n, c.transposed, c.alpha});
        continue;
      }
      int64_t columns = c.n * c.taps;
      std::vector<float> &w2 = tapMatrices.emplace_back(c.k * columns, 0.0f);
      int64_t groupIn = c.k / c.groups, groupOut = c.n / c.groups;
      for (int64_t m = 0; m < c.n; ++m)
        for (int64_t ci = 0; ci < groupIn; ++ci)
          for (int64_t t = 0; t < c.taps; ++t)
            w2[((m / groupOut) * groupIn + ci) * columns + m * c.taps + t] =
                c.values[(m * groupIn + ci) * c.taps + t];
      weights.push_back({w2, columns, false, 1.0f, c.taps});
    }
    int64_t k = weightAbsmax.size();
    smoothquant::AlphaScorer scorer(entry.reservoir, k, weights,
                                    q8::quant::weightQmax(weightBits));
    constexpr int kSteps = 20; // alpha = i * 0.05
    auto alphaAt = [](int i) { return static_cast<float>(i * 0.05); };
    // errors[0]: no smoothing; errors[i + 1]: alphaAt(i).
    SmallVector<double> errors(kSteps + 2);
    parallelFor(&getContext(), 0, kSteps + 2, [&](size_t t) {
      if (t == 0) {
        errors[0] = scorer.error({}, range);
        return;
      }
      std::vector<float> s = q8::quant::smoothQuantScales(
          entry.channelAbsmax, weightAbsmax, alphaAt(t - 1));
      SmallVector<float> inverse(k);
      for (int64_t j = 0; j < k; ++j)
        inverse[j] = 1.0f / s[j];
      errors[t] = scorer.error(
          s, smoothquant::smoothedRange(range, entry.channelAbsmax, inverse));
    });
    std::optional<float> bestAlpha;
    double best = errors[0];
    for (int i = 0; i <= kSteps; ++i)
      if (errors[i + 1] < best) { // strict: ties to none, then the smaller
        best = errors[i + 1];
        bestAlpha = alphaAt(i);
      }
    return bestAlpha;
  }

  LogicalResult smooth(Value x, MutableArrayRef<Consumer> consumers) {
    Operation *first = consumers.front().op;
    std::string name = getValueName(x);
    const calibration::TensorEntry *entry =
        name.empty() ? nullptr : table->find(name);
    if (!entry || entry->channelAbsmax.empty()) {
      first->emitRemark() << "q8-smoothquant: no channel_absmax for '"
                          << (name.empty() ? "<unnamed>" : name)
                          << "'; not smoothed";
      return success();
    }
    auto type = cast<RankedTensorType>(x.getType());
    int64_t axis = consumers.front().axis;
    if (entry->spec.axis && *entry->spec.axis != axis) {
      first->emitRemark() << "q8-smoothquant: the channel_absmax of '" << name
                          << "' is along dim " << *entry->spec.axis
                          << ", not the contracted dim " << axis
                          << "; not smoothed";
      return success();
    }
    int64_t k = consumers.front().k;
    if (!calibration::shapeFits(entry->spec.shape, type.getShape()) ||
        static_cast<int64_t>(entry->channelAbsmax.size()) != k)
      return first->emitError()
             << "q8-smoothquant: calibration entry '" << name << "' (shape ["
             << entry->spec.shape << "], " << entry->channelAbsmax.size()
             << " channel absmaxes) does not fit the value of shape ["
             << type.getShape() << "] contracted over " << k << " channels";

    // One s for every consumer: from the max of their weight absmaxes.
    std::vector<float> weightAbsmax(k, 0.0f);
    for (Consumer &c : consumers)
      for (int64_t i = 0; i < k; ++i)
        c.forChannel(i, [&](float w) {
          weightAbsmax[i] = std::max(weightAbsmax[i], std::fabs(c.alpha * w));
        });
    // Scoring a grouped convolution densely costs `groups` times its work
    // (C^2 taps for depthwise): past this many weights per row it is not.
    constexpr int64_t kDenseBudget = int64_t(1) << 22;
    bool tooDense = llvm::any_of(consumers, [](const Consumer &c) {
      return c.conv && c.groups > 1 && c.k * c.n * c.taps > kDenseBudget;
    });

    float chosen = alpha;
    if (autoAlpha && tooDense) {
      first->emitRemark() << "q8-smoothquant: '" << name
                          << "' feeds a grouped convolution too large to "
                             "score densely (more than "
                          << kDenseBudget << " tap weights); alpha " << alpha;
    } else if (autoAlpha) {
      auto range = entry->ranges.find(method);
      if (entry->reservoirRows == 0 || range == entry->ranges.end()) {
        first->emitRemark()
            << "q8-smoothquant: '" << name << "' has no "
            << (entry->reservoirRows == 0 ? std::string("reservoir")
                                          : "'" + method + "' range")
            << " to choose alpha on; alpha " << alpha;
      } else if (entry->rowLength != k) {
        return first->emitError()
               << "q8-smoothquant: the reservoir of '" << name << "' has rows of "
               << entry->rowLength << " values, not the " << k
               << " contracted channels";
      } else if (std::optional<float> best = searchAlpha(
                     *entry, range->second, weightAbsmax, consumers)) {
        chosen = *best;
      } else {
        first->emitRemark() << "q8-smoothquant: '" << name
                            << "' quantizes best without smoothing on its "
                               "reservoir; not smoothed";
        return success();
      }
    }
    std::vector<float> s =
        q8::quant::smoothQuantScales(entry->channelAbsmax, weightAbsmax, chosen);

    // W'[i, :] = W[i, :] * s_i, one new constant per consumer (the original
    // may have other users).
    for (Consumer &c : consumers) {
      for (int64_t i = 0; i < k; ++i)
        c.forChannel(i, [&](float &w) { w *= s[i]; });
      OpBuilder b(c.op);
      auto wType = cast<RankedTensorType>(c.weight->get().getType());
      Value w = ConstantOp::create(
          b, c.op->getLoc(), makeF32Constant(wType, c.values, "q8_smoothed"));
      c.weight->set(w);
    }

    // x / s as x * (1/s); the ranges of x / s, per method.
    SmallVector<float> inverse(k);
    for (int64_t i = 0; i < k; ++i)
      inverse[i] = 1.0f / s[i];
    MLIRContext *context = x.getContext();
    SmallVector<NamedAttribute> ranges;
    for (StringRef rangeMethod : calibration::rangeMethods()) {
      auto it = entry->ranges.find(rangeMethod.str());
      if (it == entry->ranges.end())
        continue;
      calibration::Range r =
          smoothquant::smoothedRange(it->second, entry->channelAbsmax, inverse);
      ranges.emplace_back(StringAttr::get(context, rangeMethod),
                          DenseF32ArrayAttr::get(context, {r.lo, r.hi}));
    }
    OpBuilder b(context);
    if (Operation *def = x.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(x.getParentBlock());
    Location loc = first->getLoc();
    // [K] along the last dim, or [C, 1, ...] along a conv input's dim 1.
    SmallVector<int64_t> invShape(type.getRank() - axis, 1);
    invShape.front() = k;
    auto invType = RankedTensorType::get(invShape, b.getF32Type());
    Value inv = ConstantOp::create(
        b, loc, makeF32Constant(invType, inverse, "q8_smooth_inverse"));
    auto mul = MulOp::create(b, loc, x, inv);
    mul->setAttr("q8.smoothquant",
                 b.getDictionaryAttr(
                     {b.getNamedAttr("alpha", b.getF32FloatAttr(chosen)),
                      b.getNamedAttr("ranges", b.getDictionaryAttr(ranges))}));
    setValueName(mul.getResult(), name + "/smoothquant");
    for (Consumer &c : consumers)
      cast<QuantizableOpInterface>(c.op).getActivationOperand().set(
          mul.getResult());
    return success();
  }
};

} // namespace

std::unique_ptr<Pass>
q8::createSmoothQuantPass(const SmoothQuantOptions &options,
                   std::shared_ptr<const calibration::Table> table) {
  auto pass = std::make_unique<SmoothQuant>(options);
  pass->table = std::move(table);
  return pass;
}
