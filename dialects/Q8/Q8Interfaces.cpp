//===- Q8Interfaces.cpp - which q8 ops quantize, and how ------------------===//
//
// The QuantizableOpInterface of q8.matmul, q8.gemm and q8.conv, and the
// Int8EpilogueOpInterface of q8.qlinear and q8.qconv. getQuantizableForm
// below is the one place that decides whether an fp32 op becomes int8:
// q8-insert-observers, q8-smoothquant, q8-quantize and the driver's summary
// all ask it through the interface.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace q8;

#include "dialects/Q8/Q8Enums.cpp.inc"
#include "dialects/Q8/Q8Interfaces.cpp.inc"

namespace {

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32();
}

bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

int64_t rankOf(Value value) {
  return cast<ShapedType>(value.getType()).getRank();
}

/// None, with the reason a user should see.
QuantizableForm notQuantizable(std::string *whyNot, const Twine &reason) {
  if (whyNot)
    *whyNot = reason.str();
  return QuantizableForm::None;
}

} // namespace

//===----------------------------------------------------------------------===//
// q8.matmul: lhs [..., K] x rhs [K, N]
//===----------------------------------------------------------------------===//

OpOperand &MatMulOp::getActivationOperand() { return getLhsMutable(); }
int64_t MatMulOp::getActivationContractedDim() { return rankOf(getLhs()) - 1; }
OpOperand &MatMulOp::getWeightOperand() { return getRhsMutable(); }
/// numpy matmul contracts rhs's second-to-last dim (its only one when rhs
/// is a vector).
int64_t MatMulOp::getWeightContractedDim() {
  int64_t rank = rankOf(getRhs());
  return rank >= 2 ? rank - 2 : 0;
}
int64_t MatMulOp::getWeightOutputChannelDim() { return rankOf(getRhs()) - 1; }
Value MatMulOp::getBiasValue() { return {}; }
bool MatMulOp::mayWeightBeActivation() { return true; }

Value MatMulOp::createInt8Op(OpBuilder &b, Value input, Value weight,
                             Value bias, Type resultElement) {
  return QLinearOp::create(b, getLoc(), input, weight, bias, resultElement);
}

QuantizableForm MatMulOp::getQuantizableForm(std::string *) {
  if (!isF32Tensor(getLhs()) || !isF32Tensor(getRhs()))
    return QuantizableForm::None;
  if (!isConstant(getRhs())) {
    // Activation x activation: qlinear takes a non-constant [K, N] weight,
    // or attention's batched [B..., K, N] against an lhs [B..., M, K] with
    // the same batch dims (anything broadcasting stays fp32).
    if (QLinearOp::isProductShape(getLhs().getType().getShape(),
                                  getRhs().getType().getShape()))
      return QuantizableForm::ActivationWeight;
    return QuantizableForm::None;
  }
  if (rankOf(getRhs()) != 2)
    return QuantizableForm::None;
  return QuantizableForm::ConstantWeight;
}

//===----------------------------------------------------------------------===//
// q8.gemm: alpha * A op(B) + beta * C
//===----------------------------------------------------------------------===//

OpOperand &GemmOp::getActivationOperand() { return getAMutable(); }
int64_t GemmOp::getActivationContractedDim() { return getTransA() ? 0 : 1; }
OpOperand &GemmOp::getWeightOperand() { return getBMutable(); }
int64_t GemmOp::getWeightContractedDim() { return getTransB() ? 1 : 0; }
int64_t GemmOp::getWeightOutputChannelDim() { return getTransB() ? 0 : 1; }
Value GemmOp::getBiasValue() { return getC(); }
bool GemmOp::mayWeightBeActivation() { return true; }
float GemmOp::getProductScale() { return getAlpha().convertToFloat(); }
float GemmOp::getBiasScale() { return getBeta().convertToFloat(); }

Value GemmOp::createInt8Op(OpBuilder &b, Value input, Value weight, Value bias,
                           Type resultElement) {
  return QLinearOp::create(b, getLoc(), input, weight, bias, resultElement);
}

QuantizableForm GemmOp::getQuantizableForm(std::string *whyNot) {
  if (!isF32Tensor(getA()) || !isF32Tensor(getB()))
    return QuantizableForm::None;
  if (!isConstant(getB()) || rankOf(getB()) != 2)
    return QuantizableForm::None;
  // qlinear contracts its input's last dim.
  if (getTransA())
    return notQuantizable(whyNot, "gemm with transA");
  if (Value c = getC()) {
    int64_t n = getB().getType().getDimSize(getWeightOutputChannelDim());
    auto type = cast<RankedTensorType>(c.getType());
    if (!isConstant(c) || !isF32Tensor(c) ||
        type.getShape() != ArrayRef<int64_t>{n})
      return notQuantizable(whyNot, "gemm's C is not a constant [" +
                                        Twine(n) + "]");
  }
  return QuantizableForm::ConstantWeight;
}

//===----------------------------------------------------------------------===//
// q8.conv: input [N, C, ...] * weight [M, C / G, k...]
//===----------------------------------------------------------------------===//

OpOperand &ConvOp::getActivationOperand() { return getInputMutable(); }
/// NCHW: every output sums over the input channels (within its group).
int64_t ConvOp::getActivationContractedDim() { return 1; }
OpOperand &ConvOp::getWeightOperand() { return getWeightMutable(); }
int64_t ConvOp::getWeightContractedDim() { return 1; }
int64_t ConvOp::getWeightOutputChannelDim() { return 0; }
Value ConvOp::getBiasValue() { return getBias(); }
bool ConvOp::mayWeightBeActivation() { return false; }
int64_t ConvOp::getGroupCount() { return getGroup(); }

Value ConvOp::createInt8Op(OpBuilder &b, Value input, Value weight, Value bias,
                           Type resultElement) {
  return QConvOp::create(b, getLoc(), input, weight, bias, getStridesAttr(),
                         getPadsAttr(), getDilationsAttr(), getGroupAttr(),
                         TypeAttr::get(resultElement),
                         b.getStringAttr(stringifyActivation(Activation::None)),
                         FloatAttr(), FloatAttr(), DenseF32ArrayAttr());
}

/// A depthwise convolution (one input channel per group) sums a handful of
/// products per output with no channel contraction, which q8's int8
/// micro-kernels need: its int8 form runs as direct loops between a
/// quantize and a dequantize, slower than its fp32 form on every target
/// (Zen 4 with AVX512-VNNI, W8A8, 1 thread: mobilenet_v3 0.26 ms with its
/// 11 depthwise convolutions in int8, 0.18-0.22 ms with them in fp32;
/// mobilenet_v2 0.27-0.32 against 0.22-0.26).
bool ConvOp::isFasterInFp32(std::string *why) {
  auto weight = getWeight().getType();
  if (getGroup() <= 1 || weight.getRank() < 2 || weight.getDimSize(1) != 1)
    return false;
  if (why)
    *why = "depthwise convolution";
  return true;
}

QuantizableForm ConvOp::getQuantizableForm(std::string *whyNot) {
  if (!isF32Tensor(getInput()))
    return QuantizableForm::None;
  if (!isConstant(getWeight()) || !isF32Tensor(getWeight()))
    return notQuantizable(whyNot, "conv weight is not a constant");
  if (getWeight().getType().getNumElements() == 0)
    return QuantizableForm::None; // no weights: nothing to quantize
  if (Value bias = getBias(); bias && (!isConstant(bias) || !isF32Tensor(bias)))
    return notQuantizable(whyNot, "conv bias is not a constant");
  return QuantizableForm::ConstantWeight;
}

//===----------------------------------------------------------------------===//
// Int8EpilogueOpInterface
//===----------------------------------------------------------------------===//

int64_t QLinearOp::getOutputChannelDim() { return getType().getRank() - 1; }
/// A convolution's NCHW result.
int64_t QConvOp::getOutputChannelDim() { return 1; }
