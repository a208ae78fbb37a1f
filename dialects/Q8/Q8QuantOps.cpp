//===- Q8QuantOps.cpp - type inference and verifiers of the q8 quant ops --===//

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <cmath>

using namespace mlir;
using namespace q8;

/// The per-axis parameters of `type` must fit `shape` (the tensor it types):
/// the quantized dim exists and has one scale per element.
static LogicalResult checkPerAxis(const ShapeDiag &diag, quant::QuantizedType type,
                                  ArrayRef<int64_t> shape, StringRef what) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  if (!perAxis)
    return success();
  int64_t dim = perAxis.getQuantizedDimension();
  if (dim >= static_cast<int64_t>(shape.size()))
    return diag("'", what, "' is quantized along dim ", dim,
                ", out of range for shape ", formatShape(shape));
  int64_t scales = perAxis.getScales().size();
  if (scales != shape[dim])
    return diag("'", what, "' has ", scales, " per-axis scales for dim ", dim,
                " of size ", shape[dim]);
  return success();
}

/// q8's int8 kernels take 8-bit storage only (i8 or u8).
static LogicalResult checkStorage(const ShapeDiag &diag,
                                  quant::QuantizedType type, StringRef what) {
  if (type.getStorageTypeIntegralWidth() != 8)
    return diag("'", what, "' must have i8 or u8 storage, got ",
                type.getStorageType());
  return success();
}

/// A tensor with a quantized element type, as the quant ops' operands are.
static FailureOr<quant::QuantizedType>
getQuantElement(const ShapeDiag &diag, RankedTensorType type, StringRef what) {
  auto element = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!element)
    return diag("expects '", what, "' with a !quant element type, got ", type);
  if (failed(checkStorage(diag, element, what)) ||
      failed(checkPerAxis(diag, element, type.getShape(), what)))
    return failure();
  return element;
}

//===----------------------------------------------------------------------===//
// observe
//===----------------------------------------------------------------------===//

LogicalResult ObserveOp::verify() {
  if (getName().empty())
    return emitOpError() << "'name' must not be empty";
  int64_t rank = getInput().getType().getRank();
  if (std::optional<int64_t> axis = getAxis(); axis && (*axis < 0 || *axis >= rank))
    return emitOpError() << "'axis' " << *axis << " is out of range for rank "
                         << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  auto result = dyn_cast<RankedTensorType>(adaptor.getResultType());
  if (!result || !result.hasStaticShape())
    return diag("'resultType' must be a statically shaped tensor, got ",
                adaptor.getResultType());
  FailureOr<quant::QuantizedType> element =
      getQuantElement(diag, result, "resultType");
  if (failed(element))
    return failure();
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          *element))
    return diag("'resultType' must have a !quant.uniform element type, got ",
                *element);
  if (element->getExpressedType() != input->getElementType())
    return diag("'resultType' expresses ", element->getExpressedType(),
                " but 'input' has element type ", input->getElementType());
  if (result.getShape() != input->getShape())
    return diag("'resultType' has another shape than the input: ", result,
                " vs ", *input);
  types.push_back(result);
  return success();
}

LogicalResult QuantizeOp::verify() {
  std::optional<ArrayRef<float>> prescale = getPrescale();
  std::optional<int64_t> axis = getAxis();
  if (prescale.has_value() != axis.has_value())
    return emitOpError() << "'prescale' and 'axis' must be given together";
  if (!prescale)
    return success();
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t rank = type.getRank();
  if (*axis < -rank || *axis >= rank)
    return emitOpError() << "'axis' " << *axis << " is out of range [" << -rank
                         << ", " << rank << ")";
  int64_t dim = *axis < 0 ? *axis + rank : *axis;
  if (static_cast<int64_t>(prescale->size()) != type.getDimSize(dim))
    return emitOpError() << "'prescale' has " << prescale->size()
                         << " values for dim " << dim << " of size "
                         << type.getDimSize(dim);
  return success();
}

LogicalResult DequantizeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  FailureOr<quant::QuantizedType> element =
      getQuantElement(diag, *input, "input");
  if (failed(element))
    return failure();
  types.push_back(input->clone(element->getExpressedType()));
  return success();
}

//===----------------------------------------------------------------------===//
// requantize
//===----------------------------------------------------------------------===//

LogicalResult RequantizeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input) || failed(getQuantElement(diag, *input, "input")))
    return failure();
  auto result = dyn_cast<RankedTensorType>(adaptor.getResultType());
  if (!result || result.getShape() != input->getShape())
    return diag("'resultType' must be a tensor of the input's shape ",
                formatShape(input->getShape()), ", got ",
                adaptor.getResultType());
  if (failed(getQuantElement(diag, result, "resultType")))
    return failure();
  types.push_back(result);
  return success();
}

LogicalResult RequantizeOp::verify() {
  for (auto [type, what] :
       {std::pair{getInput().getType(), "input"},
        std::pair{getResult().getType(), "resultType"}}) {
    Type element = cast<RankedTensorType>(type).getElementType();
    if (!isa<quant::UniformQuantizedType>(element))
      return emitOpError() << "'" << what
                           << "' must be quantized per tensor, got " << type;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// qlinear
//===----------------------------------------------------------------------===//

/// The quantized `input` and `weight` tensors of an int8 op (qlinear,
/// qconv), or a diagnostic naming the one that is not.
static LogicalResult getQuantOperands(const ShapeDiag &diag, Value inputValue,
                                      Value weightValue,
                                      FailureOr<RankedTensorType> &input,
                                      FailureOr<RankedTensorType> &weight) {
  input = getRankedTensor(diag, inputValue, "input");
  weight = getRankedTensor(diag, weightValue, "weight");
  return success(succeeded(input) && succeeded(weight) &&
                 succeeded(getQuantElement(diag, *input, "input")) &&
                 succeeded(getQuantElement(diag, *weight, "weight")));
}

/// The fused epilogue's attributes (Q8_Int8EpilogueOp), shared by qlinear
/// and qconv.
template <typename OpT>
static LogicalResult verifyEpilogue(OpT op) {
  FloatAttr clipMin = op.getClipMinAttr(), clipMax = op.getClipMaxAttr();
  if ((clipMin || clipMax) && op.getActivation() != Activation::Clip)
    return op.emitOpError()
           << "'clipMin'/'clipMax' need activation \"clip\", got \""
           << stringifyActivation(op.getActivation()) << "\"";
  if (clipMin && clipMax &&
      clipMin.getValueAsDouble() > clipMax.getValueAsDouble())
    return op.emitOpError() << "'clipMin' " << clipMin.getValueAsDouble()
                            << " is greater than 'clipMax' "
                            << clipMax.getValueAsDouble();
  if (isa<quant::UniformQuantizedPerAxisType>(
          op.getInput().getType().getElementType()))
    return op.emitOpError() << "'input' must be quantized per tensor, got "
                            << op.getInput().getType();
  if (std::optional<ArrayRef<float>> prescale = op.getResultPrescale()) {
    if (!isa<quant::QuantizedType>(op.getResultType()))
      return op.emitOpError()
             << "'resultPrescale' needs a quantized 'resultType', got "
             << op.getResultType();
    if (op.getActivation() == Activation::Clip)
      return op.emitOpError() << "'resultPrescale' does not go with activation "
                                 "\"clip\"";
    auto type = cast<RankedTensorType>(op.getType());
    int64_t channels = type.getDimSize(op.getOutputChannelDim());
    if (static_cast<int64_t>(prescale->size()) != channels)
      return op.emitOpError() << "'resultPrescale' has " << prescale->size()
                              << " values for " << channels
                              << " output channels";
    if (llvm::any_of(*prescale,
                     [](float v) { return !(v > 0) || !std::isfinite(v); }))
      return op.emitOpError() << "'resultPrescale' values must be positive "
                                 "and finite";
  }
  return success();
}

/// The element type of an int8 op's result: a quant type with 8-bit storage
/// (requantize) or a float (dequantize).
static LogicalResult checkResultElement(const ShapeDiag &diag, Type element) {
  auto quantElement = dyn_cast<quant::QuantizedType>(element);
  if (!quantElement && !isa<FloatType>(element))
    return diag("'resultType' must be a !quant.uniform or float element type, "
                "got ",
                element);
  if (quantElement && failed(checkStorage(diag, quantElement, "resultType")))
    return failure();
  return success();
}

bool QLinearOp::isProductShape(ArrayRef<int64_t> input,
                               ArrayRef<int64_t> weight) {
  if (input.empty() || weight.size() < 2)
    return false;
  size_t batchRank = weight.size() - 2;
  return batchRank == 0 || (input.size() == weight.size() &&
                            input.take_front(batchRank) ==
                                weight.take_front(batchRank));
}

LogicalResult QLinearOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input, weight;
  if (failed(getQuantOperands(diag, adaptor.getInput(), adaptor.getWeight(),
                              input, weight)))
    return failure();
  // A batched weight [B..., K, N] (attention's activation x activation
  // products) takes an input [B..., M, K] with the same batch dims: no
  // broadcasting, which the importer's MatMul has already made explicit.
  if (!isProductShape(input->getShape(), weight->getShape()))
    return diag("expects 'input' [..., K] and 'weight' [K, N], or 'input' "
                "[B..., M, K] and 'weight' [B..., K, N] with the same batch "
                "dims, got ",
                *input, " and ", *weight);
  int64_t batchRank = weight->getRank() - 2;
  int64_t k = input->getShape().back(),
          n = weight->getDimSize(batchRank + 1);
  if (k != weight->getDimSize(batchRank))
    return diag("contracting dims differ: input ", *input, " has K = ", k,
                ", weight ", *weight, " has K = ",
                weight->getDimSize(batchRank));
  if (Value bias = adaptor.getBias())
    if (failed(checkShape(diag, bias, {n}, "bias")))
      return failure();
  Type element = adaptor.getResultType();
  if (failed(checkResultElement(diag, element)))
    return failure();
  SmallVector<int64_t> shape(input->getShape().drop_back());
  shape.push_back(n);
  if (auto quantElement = dyn_cast<quant::QuantizedType>(element);
      quantElement &&
      failed(checkPerAxis(diag, quantElement, shape, "resultType")))
    return failure();
  types.push_back(RankedTensorType::get(shape, element));
  return success();
}

LogicalResult QLinearOp::verify() {
  if (failed(verifyEpilogue(*this)))
    return failure();
  auto weight = cast<RankedTensorType>(getWeight().getType());
  auto perAxis =
      dyn_cast<quant::UniformQuantizedPerAxisType>(weight.getElementType());
  if (perAxis && weight.getRank() > 2)
    return emitOpError() << "a batched 'weight' must be quantized per tensor, "
                            "got "
                         << weight;
  if (perAxis && perAxis.getQuantizedDimension() != 1)
    return emitOpError()
           << "'weight' must be quantized per tensor or along dim 1 (N), got "
              "dim "
           << perAxis.getQuantizedDimension();
  return success();
}

//===----------------------------------------------------------------------===//
// qconv
//===----------------------------------------------------------------------===//

LogicalResult QConvOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input, weight;
  if (failed(getQuantOperands(diag, adaptor.getInput(), adaptor.getWeight(),
                              input, weight)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      diag, adaptor.getInput(), adaptor.getWeight(), adaptor.getGroup(),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations());
  if (failed(shape))
    return failure();
  if (Value bias = adaptor.getBias())
    if (failed(checkShape(diag, bias, {(*shape)[1]}, "bias")))
      return failure();
  Type element = adaptor.getResultType();
  if (failed(checkResultElement(diag, element)))
    return failure();
  if (auto quantElement = dyn_cast<quant::QuantizedType>(element);
      quantElement &&
      failed(checkPerAxis(diag, quantElement, *shape, "resultType")))
    return failure();
  types.push_back(RankedTensorType::get(*shape, element));
  return success();
}

LogicalResult QConvOp::verify() {
  if (failed(verifyEpilogue(*this)))
    return failure();
  auto weight = cast<RankedTensorType>(getWeight().getType());
  auto perAxis =
      dyn_cast<quant::UniformQuantizedPerAxisType>(weight.getElementType());
  if (perAxis && perAxis.getQuantizedDimension() != 0)
    return emitOpError()
           << "'weight' must be quantized per tensor or along dim 0 (the "
              "output channels), got dim "
           << perAxis.getQuantizedDimension();
  auto result = dyn_cast<quant::QuantizedType>(getResultType());
  if (result && isa<quant::UniformQuantizedPerAxisType>(result))
    return emitOpError() << "a requantizing 'resultType' must be per tensor, "
                            "got "
                         << getResultType();
  return success();
}
