//===- Quantize.cpp - static W8A8 from a calibration table ----------------===//
//
// q8-quantize rewrites every op whose QuantizableOpInterface says it is
// quantizable (dialects/Q8/Q8Interfaces.cpp decides, and builds the int8
// op): the matmuls and gemms with constant weights into q8.qlinear, and the
// convolutions with constant weights (any group: depthwise and grouped too)
// into q8.qconv: the activation quantized per
// tensor (uint8 asymmetric, from a calibrated range), the weights per output
// channel (int8 symmetric), the bias in int32 at s_x * s_w, the result
// dequantized to f32. Attention's activation x activation matmuls become
// q8.qlinear with both operands quantized. Every scale, zero point and
// quantized value comes from passes/QuantMath.h.
//
// Quantized weights are an i8 q8.constant cast to their !quant.uniform type
// with upstream quant.scast: builtin dense attributes cannot hold quantized
// element types, and scast is exactly "reinterpret the storage".
//
// The table is read with q8::calibration::readTable
// (passes/calibration/Table.h), unless the driver hands one over.
//
//===----------------------------------------------------------------------===//

#include "passes/calibration/Table.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8ValueNames.h"
#include "passes/ConstantData.h"
#include "passes/NodeAction.h"
#include "passes/Passes.h"
#include "passes/QuantizePasses.h"
#include "passes/QuantMath.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>
#include <memory>

namespace q8 {
#define GEN_PASS_DEF_QUANTIZE
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;
using q8::quant::QuantParams;

namespace {

/// A constant f32 tensor's values and shape.
struct F32Constant {
  SmallVector<float> values;
  SmallVector<int64_t> shape;
};

std::optional<F32Constant> getF32Constant(Value value) {
  std::optional<SmallVector<float>> values = readF32Constant(value);
  if (!values)
    return std::nullopt;
  auto type = cast<RankedTensorType>(value.getType());
  return F32Constant{std::move(*values), SmallVector<int64_t>(type.getShape())};
}

/// What one matmul/gemm/conv quantizes: the activation `x` [..., K], weights
/// W[k, n] = alpha * op(B)[k, n] as a K x N row-major array (a conv's
/// [M, C / group, k...] as stored: N = M rows of K), an optional bias b[n]
/// (beta * C).
struct LinearPlan {
  Operation *op;
  Value activation;
  int64_t k = 0, n = 0;
  SmallVector<float> weights;
  /// The conv's stored weight shape; empty for matmul/gemm.
  SmallVector<int64_t> convWeightShape;
  std::optional<SmallVector<float>> bias;
  /// An activation x activation product's rhs [K, N], instead of `weights`.
  Value rhsActivation;
  /// Their calibrated ranges, looked up while planning: by the time a plan
  /// is rewritten its activation may be the result of an op an earlier
  /// rewrite replaced (a matmul feeding a matmul, a projection conv feeding
  /// the next block's conv), and only its replacement can be asked.
  calibration::Range activationRange, rhsRange;
};

struct Quantize : q8::impl::QuantizeBase<Quantize> {
  using QuantizeBase::QuantizeBase;

  LogicalResult initialize(MLIRContext *context) override {
    if (method != "minmax" && method != "ema" && method != "percentile" &&
        method != "entropy" && method != "mse")
      return emitError(UnknownLoc::get(context))
             << "q8-quantize: unknown method '" << method
             << "' (minmax, ema, percentile, entropy, mse)";
    if (weightBits != 8 && weightBits != 7)
      return emitError(UnknownLoc::get(context))
             << "q8-quantize: weight-bits must be 8 or 7, got " << weightBits;
    if (table) // handed over by createQuantizePass
      return success();
    return loadCalibrationTable(context, "q8-quantize", tablePath, table);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<LinearPlan> plans;
    bool failedAny = false;
    func.walk([&](Operation *op) {
      onNode(op, [&] {
        if (std::optional<LinearPlan> plan = planFor(op, failedAny))
          plans.push_back(std::move(*plan));
      });
    });
    if (failedAny)
      return signalPassFailure();
    for (LinearPlan &plan : plans)
      onNode(plan.op, [&] { rewrite(plan); });
    for (Operation *op : replacedOps)
      op->erase();
    replacedOps.clear();
    replacements.clear();
    // q8-smoothquant's multiplies now folded into quantize prescales.
    SmallVector<MulOp> dead;
    func.walk([&](MulOp mul) {
      if (mul->hasAttr("q8.smoothquant") && mul->use_empty())
        dead.push_back(mul);
    });
    for (MulOp mul : dead) {
      Operation *inverse = mul.getRhs().getDefiningOp();
      mul->erase();
      if (inverse && inverse->use_empty())
        inverse->erase();
    }
  }

  std::shared_ptr<const calibration::Table> table;

private:
  /// One quantize per activation (and its prescale): its consumers share it.
  DenseMap<Value, Value> quantized;
  /// The same for activations quantized as int8 weights (rhs of x * y).
  DenseMap<Value, Value> quantizedRhs;
  /// The result of each op a rewrite erased -> the q8.qlinear/qconv result
  /// that replaced it. Plans made before the rewrites name the old values.
  DenseMap<Value, Value> replacements;

  /// Replaced ops are erased only after every rewrite, so no plan holds a
  /// dangling value (nor one whose storage a new op reused).
  SmallVector<Operation *> replacedOps;

  Value current(Value value) const {
    Value next = replacements.lookup(value);
    return next ? next : value;
  }

  /// `y` [K, N], an activation used as qlinear's weight: int8 symmetric per
  /// tensor from its range, qmax as for constant weights.
  Value quantizeRhs(OpBuilder &b, Operation *user, Value y,
                    calibration::Range range) {
    if (Value q = quantizedRhs.lookup(y))
      return q;
    QuantParams params = q8::quant::symmetricI8(
        std::max(std::fabs(range.lo), std::fabs(range.hi)), weightQmax());
    auto element = mlir::quant::UniformQuantizedType::get(
        mlir::quant::QuantizationFlags::Signed, b.getIntegerType(8),
        b.getF32Type(), params.scale, 0,
        q8::quant::weightStorageMin(weightBits), weightQmax());
    auto type = cast<RankedTensorType>(y.getType());
    OpBuilder::InsertionGuard guard(b);
    if (Operation *def = y.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(y.getParentBlock());
    Value q = QuantizeOp::create(b, user->getLoc(), y,
                                 TypeAttr::get(type.clone(element)), nullptr,
                                 nullptr);
    quantizedRhs[y] = q;
    return q;
  }

  int32_t weightQmax() const { return q8::quant::weightQmax(weightBits); }

  /// The activation range: from q8-smoothquant's marker when `x` is its
  /// multiply, else from the table. nullopt (with a remark) when there is
  /// none; `failedAny` on a shape mismatch.
  std::optional<calibration::Range> rangeFor(Operation *user, Value x,
                                             bool &failedAny) {
    if (auto mul = x.getDefiningOp<MulOp>())
      if (auto marker = mul->getAttrOfType<DictionaryAttr>("q8.smoothquant");
          marker && getF32Constant(mul.getRhs())) {
        auto ranges = marker.getAs<DictionaryAttr>("ranges");
        auto range =
            ranges ? ranges.getAs<DenseF32ArrayAttr>(method) : nullptr;
        if (!range || range.size() != 2) {
          user->emitRemark() << "q8-quantize: the smoothed activation has no '"
                             << method << "' range; left in fp32";
          return std::nullopt;
        }
        return calibration::Range{range[0], range[1]};
      }
    std::string name = getValueName(x);
    const calibration::TensorEntry *entry =
        name.empty() ? nullptr : table->find(name);
    if (!entry) {
      user->emitRemark() << "q8-quantize: no calibration entry for '"
                         << (name.empty() ? "<unnamed>" : name)
                         << "'; left in fp32";
      return std::nullopt;
    }
    ArrayRef<int64_t> shape = cast<RankedTensorType>(x.getType()).getShape();
    // (-1 in the table: a dynamic extent, any size.)
    if (!calibration::shapeFits(entry->spec.shape, shape)) {
      user->emitError() << "q8-quantize: calibration entry '" << name
                        << "' has shape [" << entry->spec.shape
                        << "] but the value has shape [" << shape << "]";
      failedAny = true;
      return std::nullopt;
    }
    auto it = entry->ranges.find(method);
    if (it == entry->ranges.end()) {
      user->emitRemark() << "q8-quantize: calibration entry '" << name
                         << "' has no '" << method << "' range; left in fp32";
      return std::nullopt;
    }
    return it->second;
  }

  std::optional<LinearPlan> planFor(Operation *op, bool &failedAny) {
    auto quantizable = dyn_cast<QuantizableOpInterface>(op);
    if (!quantizable)
      return std::nullopt;
    std::string whyNot;
    QuantizableForm form = quantizable.getQuantizableForm(&whyNot);
    if (form == QuantizableForm::None) {
      if (!whyNot.empty())
        op->emitRemark() << "q8-quantize: " << whyNot << "; left in fp32";
      return std::nullopt;
    }
    // Slower in int8 on every target: q8c's summary counts these.
    if (keepFasterFp32 && quantizable.isFasterInFp32(/*why=*/nullptr))
      return std::nullopt;
    LinearPlan plan;
    plan.op = op;
    plan.activation = quantizable.getActivationOperand().get();
    Value weight = quantizable.getWeightOperand().get();
    if (form == QuantizableForm::ActivationWeight) {
      // qlinear's [K, N] weight, or attention's batched [B..., K, N].
      auto rhsType = cast<RankedTensorType>(weight.getType());
      int64_t batchRank = rhsType.getRank() - 2;
      plan.rhsActivation = weight;
      plan.k = rhsType.getDimSize(batchRank);
      plan.n = rhsType.getDimSize(batchRank + 1);
      std::optional<calibration::Range> lhs =
          rangeFor(op, plan.activation, failedAny);
      std::optional<calibration::Range> rhs =
          lhs ? rangeFor(op, plan.rhsActivation, failedAny) : std::nullopt;
      if (!lhs || !rhs)
        return std::nullopt;
      plan.activationRange = *lhs;
      plan.rhsRange = *rhs;
      return plan;
    }
    std::optional<F32Constant> w = getF32Constant(weight);
    if (!w)
      return std::nullopt; // a blob that is not loaded
    int64_t contracted = quantizable.getWeightContractedDim();
    int64_t outputs = quantizable.getWeightOutputChannelDim();
    plan.n = w->shape[outputs];
    if (quantizable.hasKernelTaps()) {
      // A convolution's [M, C / group, k...] as stored: N rows of K.
      plan.k = static_cast<int64_t>(w->values.size()) / plan.n;
      plan.weights = std::move(w->values);
      plan.convWeightShape = std::move(w->shape);
    } else {
      // W[k, n] = scale * stored, stored [K, N] or (transposed) [N, K].
      plan.k = w->shape[contracted];
      bool transposed = outputs < contracted;
      float scale = quantizable.getProductScale();
      plan.weights.resize(plan.k * plan.n);
      for (int64_t k = 0; k < plan.k; ++k)
        for (int64_t n = 0; n < plan.n; ++n)
          plan.weights[k * plan.n + n] =
              scale *
              w->values[transposed ? n * plan.k + k : k * plan.n + n];
    }
    if (Value c = quantizable.getBiasValue()) {
      std::optional<F32Constant> bias = getF32Constant(c);
      if (!bias)
        return std::nullopt; // a blob that is not loaded
      float scale = quantizable.getBiasScale();
      for (float &b : bias->values)
        b *= scale;
      plan.bias = std::move(bias->values);
    }
    std::optional<calibration::Range> range =
        rangeFor(op, plan.activation, failedAny);
    if (!range)
      return std::nullopt;
    plan.activationRange = *range;
    return plan;
  }

  /// The activation quantized (shared by every consumer).
  Value quantizeActivation(OpBuilder &b, Operation *user, Value x,
                           calibration::Range range, QuantParams &params) {
    params = q8::quant::asymmetricU8(range.lo, range.hi);
    if (Value q = quantized.lookup(x))
      return q;
    MLIRContext *context = b.getContext();
    Value input = x;
    DenseF32ArrayAttr prescale;
    IntegerAttr axis;
    if (auto mul = x.getDefiningOp<MulOp>();
        mul && mul->hasAttr("q8.smoothquant") &&
        getF32Constant(mul.getRhs())) {
      std::optional<F32Constant> inv = getF32Constant(mul.getRhs());
      assert(inv && "rangeFor checked the multiplier");
      input = mul.getLhs();
      prescale = DenseF32ArrayAttr::get(context, inv->values);
      // [K] scales the last dim; a conv input's [C, 1, ...] scales dim 1.
      axis = b.getI64IntegerAttr(
          cast<RankedTensorType>(input.getType()).getRank() -
          static_cast<int64_t>(inv->shape.size()));
    }
    auto type = cast<RankedTensorType>(input.getType());
    auto element = mlir::quant::UniformQuantizedType::get(
        /*flags=*/0, b.getIntegerType(8), b.getF32Type(), params.scale,
        params.zeroPoint, 0, 255);
    OpBuilder::InsertionGuard guard(b);
    if (Operation *def = input.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(input.getParentBlock());
    Value q = QuantizeOp::create(b, user->getLoc(), input,
                                 TypeAttr::get(type.clone(element)), prescale,
                                 axis);
    quantized[x] = q;
    return q;
  }

  void rewrite(LinearPlan &plan) {
    Operation *op = plan.op;
    OpBuilder b(op);
    Location loc = op->getLoc();
    int64_t k = plan.k, n = plan.n;

    QuantParams xParams;
    Value x = quantizeActivation(b, op, current(plan.activation),
                                 plan.activationRange, xParams);
    if (plan.rhsActivation) {
      Value y = quantizeRhs(b, op, current(plan.rhsActivation), plan.rhsRange);
      replace(op, cast<QuantizableOpInterface>(op).createInt8Op(
                      b, x, y, Value(), b.getF32Type()));
      return;
    }

    // Weights: int8 symmetric per output channel j, whose K values sit at
    // j * channelStride + i * valueStride (a K x N matrix's columns, or a
    // conv's rows).
    bool isConv = !plan.convWeightShape.empty();
    int64_t channelStride = isConv ? k : 1, valueStride = isConv ? 1 : n;
    SmallVector<QuantParams> wParams(n);
    SmallVector<int8_t> wq(k * n);
    for (int64_t j = 0; j < n; ++j) {
      float absmax = 0;
      for (int64_t i = 0; i < k; ++i)
        absmax = std::max(
            absmax,
            std::fabs(plan.weights[j * channelStride + i * valueStride]));
      wParams[j] = q8::quant::symmetricI8(absmax, weightQmax());
      for (int64_t i = 0; i < k; ++i) {
        int64_t at = j * channelStride + i * valueStride;
        wq[at] = static_cast<int8_t>(
            q8::quant::quantize(plan.weights[at], wParams[j]));
      }
    }
    SmallVector<double> scales;
    SmallVector<int64_t> zeroPoints(n, 0);
    for (const QuantParams &p : wParams)
      scales.push_back(p.scale);
    int64_t storageMin = q8::quant::weightStorageMin(weightBits);
    int64_t storageMax = weightQmax();
    auto wElement = mlir::quant::UniformQuantizedPerAxisType::get(
        mlir::quant::QuantizationFlags::Signed, b.getIntegerType(8),
        b.getF32Type(), scales, zeroPoints,
        /*quantizedDimension=*/isConv ? 0 : 1, storageMin, storageMax);
    SmallVector<int64_t> wShape = {k, n};
    if (isConv)
      wShape = plan.convWeightShape;
    auto storageType = RankedTensorType::get(wShape, b.getIntegerType(8));
    Value wStorage = ConstantOp::create(
        b, loc,
        makeConstant<int8_t>(storageType, wq, "q8_weights_i8"));
    Value w = mlir::quant::StorageCastOp::create(
        b, loc, RankedTensorType::get(wShape, wElement), wStorage);

    Value bias;
    if (plan.bias) {
      SmallVector<int32_t> bq(n);
      for (int64_t j = 0; j < n; ++j)
        bq[j] = q8::quant::quantizeBias((*plan.bias)[j], xParams.scale,
                                        wParams[j].scale);
      auto biasType = RankedTensorType::get({n}, b.getI32Type());
      bias = ConstantOp::create(
          b, loc, makeConstant<int32_t>(biasType, bq, "q8_bias_i32"));
    }
    replace(op, cast<QuantizableOpInterface>(op).createInt8Op(
                    b, x, w, bias, b.getF32Type()));
  }

  void replace(Operation *op, Value result) {
    Value old = op->getResult(0);
    old.replaceAllUsesWith(result);
    replacements[old] = result;
    replacedOps.push_back(op);
  }
};

} // namespace

std::unique_ptr<Pass>
q8::createQuantizePass(const QuantizeOptions &options,
                   std::shared_ptr<const calibration::Table> table) {
  auto pass = std::make_unique<Quantize>(options);
  pass->table = std::move(table);
  return pass;
}

LogicalResult
q8::loadCalibrationTable(MLIRContext *context, StringRef pass, StringRef path,
                         std::shared_ptr<const calibration::Table> &table) {
  if (path.empty())
    return emitError(UnknownLoc::get(context))
           << pass << ": needs a calibration table (table=PATH)";
  auto read = std::make_shared<calibration::Table>();
  std::string error;
  if (!calibration::readTable(path, *read, error))
    return emitError(UnknownLoc::get(context))
           << pass << ": cannot read calibration table '" << path
           << "': " << error;
  table = std::move(read);
  return success();
}
