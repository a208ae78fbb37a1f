//===- Q8Shapes.cpp - shape helpers and linear-algebra/window/recurrent inference ===//
//
// The shared helpers of Q8Shapes.h, then the result-type inference of the ops
// whose shapes are more than broadcasting: matmul, gemm, convolutions,
// pools and the recurrent ops.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Shapes.h"
#include "dialects/Q8/Q8Ops.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace q8;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

std::string q8::formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return text;
}

std::optional<int64_t> q8::checkedMul(int64_t a, int64_t b) {
  int64_t result;
  if (llvm::MulOverflow(a, b, result))
    return std::nullopt;
  return result;
}

std::optional<int64_t> q8::checkedAdd(int64_t a, int64_t b) {
  int64_t result;
  if (llvm::AddOverflow(a, b, result))
    return std::nullopt;
  return result;
}

std::optional<int64_t> q8::checkedNumElements(ArrayRef<int64_t> shape) {
  std::optional<int64_t> count = 1;
  for (int64_t dim : shape) {
    count = checkedMul(*count, dim);
    if (!count)
      return std::nullopt;
  }
  return count;
}

bool q8::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                         SmallVectorImpl<int64_t> &result) {
  size_t rank = std::max(a.size(), b.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the trailing dim; missing leading dims act as 1.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return false;
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  return true;
}

FailureOr<RankedTensorType> q8::getRankedTensor(const ShapeDiag &diag,
                                                Value value, StringRef what) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return diag("expects '", what, "' to be a statically shaped tensor, got ",
                value.getType());
  return type;
}

LogicalResult q8::pushTensor(const ShapeDiag &diag, ArrayRef<int64_t> shape,
                             Type elementType, SmallVectorImpl<Type> &types) {
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }) ||
      !checkedNumElements(shape))
    return diag("result shape ", formatShape(shape),
                " has a negative dim or more than 2^63 elements");
  types.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

FailureOr<int64_t> q8::normalizeAxis(const ShapeDiag &diag, int64_t axis,
                                     int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank)
    return diag("'", what, "' ", axis, " is out of range [", -rank, ", ", rank,
                ")");
  return axis < 0 ? axis + rank : axis;
}

LogicalResult q8::checkNonNegative(const ShapeDiag &diag,
                                   ArrayRef<int64_t> values, StringRef what) {
  if (llvm::any_of(values, [](int64_t v) { return v < 0; }))
    return diag("'", what, "' must be non-negative, got ", formatShape(values));
  return success();
}

LogicalResult q8::checkElementType(const ShapeDiag &diag, RankedTensorType type,
                                   Type expected, StringRef what) {
  if (type.getElementType() != expected)
    return diag("'", what, "' has element type ", type.getElementType(),
                ", expected ", expected);
  return success();
}

LogicalResult q8::checkShape(const ShapeDiag &diag, Value value,
                             ArrayRef<int64_t> expected, StringRef what) {
  FailureOr<RankedTensorType> type = getRankedTensor(diag, value, what);
  if (failed(type))
    return failure();
  if (type->getShape() != expected)
    return diag("expects '", what, "' of shape ", formatShape(expected),
                ", got ", *type);
  return success();
}

LogicalResult q8::checkBroadcastsTo(const ShapeDiag &diag,
                                    RankedTensorType type,
                                    ArrayRef<int64_t> target, StringRef what) {
  SmallVector<int64_t> shape;
  if (type.getRank() > static_cast<int64_t>(target.size()) ||
      !broadcastShapes(type.getShape(), target, shape) ||
      ArrayRef<int64_t>(shape) != target)
    return diag(what, " ", type, " does not broadcast to ",
                formatShape(target));
  return success();
}

SmallVector<int64_t> q8::broadcastSourceIndices(ArrayRef<int64_t> operandShape,
                                                ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size();
  int64_t offset = rank - operandShape.size();
  // Row-major strides of the operand, zero along broadcast dims.
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= offset; --i) {
    int64_t dim = operandShape[i - offset];
    strides[i] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  int64_t count = 1;
  for (int64_t dim : resultShape)
    count *= dim;
  SmallVector<int64_t> indices(count);
  SmallVector<int64_t> position(rank, 0);
  int64_t source = 0;
  for (int64_t flat = 0; flat < count; ++flat) {
    indices[flat] = source;
    // Odometer increment of the result position, tracking the source index.
    for (int64_t i = rank - 1; i >= 0; --i) {
      source += strides[i];
      if (++position[i] < resultShape[i])
        break;
      source -= strides[i] * position[i];
      position[i] = 0;
    }
  }
  return indices;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> lhs = getRankedTensor(diag, adaptor.getLhs(), "lhs");
  FailureOr<RankedTensorType> rhs = getRankedTensor(diag, adaptor.getRhs(), "rhs");
  if (failed(lhs) || failed(rhs))
    return failure();
  if (lhs->getRank() < 1 || rhs->getRank() < 1)
    return diag("expects operands of rank >= 1, got ", *lhs, " and ", *rhs);
  if (failed(checkElementType(diag, *rhs, lhs->getElementType(), "rhs")))
    return failure();
  // numpy promotes a 1-D lhs to [1, K] and a 1-D rhs to [K, 1], then drops
  // the added dim from the result.
  SmallVector<int64_t> a(lhs->getShape()), b(rhs->getShape());
  bool vecLhs = a.size() == 1, vecRhs = b.size() == 1;
  if (vecLhs)
    a.insert(a.begin(), 1);
  if (vecRhs)
    b.push_back(1);
  int64_t k = a.back(), kRhs = b[b.size() - 2];
  if (k != kRhs)
    return diag("contracting dims differ: lhs ", *lhs, " has K = ", k,
                ", rhs ", *rhs, " has K = ", kRhs);
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> batchA = ArrayRef<int64_t>(a).drop_back(2);
  ArrayRef<int64_t> batchB = ArrayRef<int64_t>(b).drop_back(2);
  if (!broadcastShapes(batchA, batchB, shape))
    return diag("batch dims are not broadcast-compatible: ",
                formatShape(batchA), " vs ", formatShape(batchB));
  if (!vecLhs)
    shape.push_back(a[a.size() - 2]);
  if (!vecRhs)
    shape.push_back(b.back());
  return pushTensor(diag, shape, lhs->getElementType(), types);
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> a = getRankedTensor(diag, adaptor.getA(), "a");
  FailureOr<RankedTensorType> b = getRankedTensor(diag, adaptor.getB(), "b");
  if (failed(a) || failed(b))
    return failure();
  if (a->getRank() != 2 || b->getRank() != 2)
    return diag("expects 'a' and 'b' of rank 2, got ", *a, " and ", *b);
  if (failed(checkElementType(diag, *b, a->getElementType(), "b")))
    return failure();
  int64_t m = a->getDimSize(adaptor.getTransA() ? 1 : 0);
  int64_t k = a->getDimSize(adaptor.getTransA() ? 0 : 1);
  int64_t kB = b->getDimSize(adaptor.getTransB() ? 1 : 0);
  int64_t n = b->getDimSize(adaptor.getTransB() ? 0 : 1);
  if (k != kB)
    return diag("contracting dims differ: op(a) is [M, K] = ",
                formatShape({m, k}), ", op(b) is [K, N] = ",
                formatShape({kB, n}));
  if (Value c = adaptor.getC()) {
    FailureOr<RankedTensorType> cType = getRankedTensor(diag, c, "c");
    if (failed(cType) ||
        failed(checkElementType(diag, *cType, a->getElementType(), "c")) ||
        failed(checkBroadcastsTo(diag, *cType, {m, n}, "c")))
      return failure();
  }
  return pushTensor(diag, {m, n}, a->getElementType(), types);
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// The input of a window op: [N, C, spatial...].
static FailureOr<RankedTensorType> getSpatialInput(const ShapeDiag &diag,
                                                   Value input) {
  FailureOr<RankedTensorType> type = getRankedTensor(diag, input, "input");
  if (failed(type))
    return failure();
  if (type->getRank() < 3)
    return diag("expects 'input' of rank >= 3 (N, C, spatial...), got ", *type);
  return type;
}

LogicalResult q8::checkCount(const ShapeDiag &diag, ArrayRef<int64_t> values,
                             int64_t expected, StringRef what) {
  if (static_cast<int64_t>(values.size()) != expected)
    return diag("expects ", expected, " values in '", what, "', got ",
                formatShape(values));
  return success();
}

LogicalResult q8::checkPositive(const ShapeDiag &diag,
                                ArrayRef<int64_t> values, StringRef what) {
  if (llvm::any_of(values, [](int64_t v) { return v <= 0; }))
    return diag("'", what, "' must be positive, got ", formatShape(values));
  return success();
}

/// Checks strides, dilations (one per spatial dim, positive) and pads (begins
/// then ends, non-negative).
static LogicalResult checkWindowAttrs(const ShapeDiag &diag, int64_t spatial,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pads,
                                      ArrayRef<int64_t> dilations) {
  return success(succeeded(checkCount(diag, strides, spatial, "strides")) &&
                 succeeded(checkCount(diag, dilations, spatial, "dilations")) &&
                 succeeded(checkCount(diag, pads, 2 * spatial, "pads")) &&
                 succeeded(checkPositive(diag, strides, "strides")) &&
                 succeeded(checkPositive(diag, dilations, "dilations")) &&
                 succeeded(checkNonNegative(diag, pads, "pads")));
}

/// The output length of spatial dim `i` of a sliding window (conv, pools).
static FailureOr<int64_t> windowOutputSize(const ShapeDiag &diag, int64_t i,
                                           int64_t in, int64_t kernel,
                                           int64_t stride, int64_t dilation,
                                           int64_t padBegin, int64_t padEnd,
                                           bool ceilMode) {
  std::optional<int64_t> dilated = checkedMul(kernel - 1, dilation);
  if (dilated)
    dilated = checkedAdd(*dilated, 1);
  std::optional<int64_t> padded = checkedAdd(in, padBegin);
  if (padded)
    padded = checkedAdd(*padded, padEnd);
  if (!dilated || !padded)
    return diag("spatial dim #", i, " overflows int64");
  if (*padded < *dilated)
    return diag("spatial dim #", i, ": padded input ", *padded,
                " is smaller than the dilated kernel ", *dilated);
  int64_t span = *padded - *dilated;
  int64_t out = (ceilMode ? static_cast<int64_t>(llvm::divideCeil(
                                uint64_t(span), uint64_t(stride)))
                          : span / stride) + 1;
  // ONNX and PyTorch drop a last ceil-mode window that starts in the end pad.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

/// Shared checks of conv, qconv and conv_transpose (element types apart).
static LogicalResult checkConvOperands(const ShapeDiag &diag,
                                       RankedTensorType input,
                                       RankedTensorType weight, int64_t group) {
  if (weight.getRank() != input.getRank())
    return diag("expects 'weight' of rank ", input.getRank(),
                " like the input, got ", weight);
  if (group < 1)
    return diag("'group' must be positive, got ", group);
  if (input.getDimSize(1) % group != 0)
    return diag("input channels ", input.getDimSize(1),
                " are not divisible by 'group' ", group);
  return checkPositive(diag, weight.getShape().drop_front(2), "weight kernel dims");
}

static LogicalResult checkBias(const ShapeDiag &diag, Value bias,
                               int64_t channels, Type elementType) {
  if (!bias)
    return success();
  FailureOr<RankedTensorType> type = getRankedTensor(diag, bias, "bias");
  if (failed(type) ||
      failed(checkElementType(diag, *type, elementType, "bias")))
    return failure();
  return checkShape(diag, bias, {channels}, "bias");
}

FailureOr<SmallVector<int64_t>>
q8::inferConvShape(const ShapeDiag &diag, Value inputValue, Value weightValue,
                   int64_t group, ArrayRef<int64_t> strides,
                   ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  FailureOr<RankedTensorType> input = getSpatialInput(diag, inputValue);
  if (failed(input))
    return failure();
  FailureOr<RankedTensorType> weight =
      getRankedTensor(diag, weightValue, "weight");
  if (failed(weight))
    return failure();
  int64_t spatial = input->getRank() - 2;
  if (failed(checkConvOperands(diag, *input, *weight, group)) ||
      failed(checkWindowAttrs(diag, spatial, strides, pads, dilations)))
    return failure();
  int64_t channels = input->getDimSize(1), outChannels = weight->getDimSize(0);
  if (weight->getDimSize(1) * group != channels)
    return diag("'weight' has ", weight->getDimSize(1),
                " input channels per group, expected ", channels, " / ", group,
                " = ", channels / group);
  if (outChannels % group != 0)
    return diag("output channels ", outChannels,
                " are not divisible by 'group' ", group);
  SmallVector<int64_t> shape = {input->getDimSize(0), outChannels};
  for (int64_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> out = windowOutputSize(
        diag, i, input->getDimSize(i + 2), weight->getDimSize(i + 2),
        strides[i], dilations[i], pads[i], pads[i + spatial], false);
    if (failed(out))
      return failure();
    shape.push_back(*out);
  }
  return shape;
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      diag, adaptor.getInput(), adaptor.getWeight(), adaptor.getGroup(),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations());
  if (failed(shape))
    return failure();
  Type element = cast<RankedTensorType>(adaptor.getInput().getType())
                     .getElementType();
  if (failed(checkElementType(diag,
                              cast<RankedTensorType>(adaptor.getWeight().getType()),
                              element, "weight")) ||
      failed(checkBias(diag, adaptor.getBias(), (*shape)[1], element)))
    return failure();
  return pushTensor(diag, *shape, element, types);
}

LogicalResult ConvTransposeOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input = getSpatialInput(diag, adaptor.getInput());
  if (failed(input))
    return failure();
  FailureOr<RankedTensorType> weight =
      getRankedTensor(diag, adaptor.getWeight(), "weight");
  if (failed(weight))
    return failure();
  int64_t group = adaptor.getGroup();
  int64_t spatial = input->getRank() - 2;
  ArrayRef<int64_t> outputPadding = adaptor.getOutputPadding();
  if (failed(checkConvOperands(diag, *input, *weight, group)) ||
      failed(checkElementType(diag, *weight, input->getElementType(),
                              "weight")) ||
      failed(checkWindowAttrs(diag, spatial, adaptor.getStrides(),
                              adaptor.getPads(), adaptor.getDilations())) ||
      failed(checkCount(diag, outputPadding, spatial, "output_padding")) ||
      failed(checkNonNegative(diag, outputPadding, "output_padding")))
    return failure();
  if (weight->getDimSize(0) != input->getDimSize(1))
    return diag("'weight' dim 0 is ", weight->getDimSize(0),
                ", expected the input channels ", input->getDimSize(1));
  std::optional<int64_t> outChannels = checkedMul(weight->getDimSize(1), group);
  if (!outChannels)
    return diag("output channels overflow int64");
  if (failed(checkBias(diag, adaptor.getBias(), *outChannels,
                       input->getElementType())))
    return failure();
  SmallVector<int64_t> shape = {input->getDimSize(0), *outChannels};
  for (int64_t i = 0; i < spatial; ++i) {
    // stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pads.
    std::optional<int64_t> out =
        checkedMul(adaptor.getStrides()[i], input->getDimSize(i + 2) - 1);
    std::optional<int64_t> kernel =
        checkedMul(weight->getDimSize(i + 2) - 1, adaptor.getDilations()[i]);
    if (out && kernel)
      out = checkedAdd(*out, *kernel);
    if (out)
      out = checkedAdd(*out, outputPadding[i] + 1);
    if (out)
      out = checkedAdd(*out, -adaptor.getPads()[i]);
    if (out)
      out = checkedAdd(*out, -adaptor.getPads()[i + spatial]);
    if (!out)
      return diag("spatial dim #", i, " overflows int64");
    if (*out <= 0)
      return diag("spatial dim #", i, " of the result would be ", *out,
                  " (the pads exceed the output)");
    shape.push_back(*out);
  }
  return pushTensor(diag, shape, input->getElementType(), types);
}

/// max_pool and average_pool share every shape rule.
template <typename PoolAdaptor>
static LogicalResult inferPool(const ShapeDiag &diag, PoolAdaptor adaptor,
                               SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> input = getSpatialInput(diag, adaptor.getInput());
  if (failed(input))
    return failure();
  int64_t spatial = input->getRank() - 2;
  ArrayRef<int64_t> kernel = adaptor.getKernelShape();
  if (failed(checkCount(diag, kernel, spatial, "kernel_shape")) ||
      failed(checkPositive(diag, kernel, "kernel_shape")) ||
      failed(checkWindowAttrs(diag, spatial, adaptor.getStrides(),
                              adaptor.getPads(), adaptor.getDilations())))
    return failure();
  SmallVector<int64_t> shape(input->getShape().take_front(2));
  for (int64_t i = 0; i < spatial; ++i) {
    FailureOr<int64_t> out = windowOutputSize(
        diag, i, input->getDimSize(i + 2), kernel[i], adaptor.getStrides()[i],
        adaptor.getDilations()[i], adaptor.getPads()[i],
        adaptor.getPads()[i + spatial], adaptor.getCeilMode());
    if (failed(out))
      return failure();
    shape.push_back(*out);
  }
  return pushTensor(diag, shape, input->getElementType(), types);
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferPool(ShapeDiag{loc, getOperationName()}, adaptor, types);
}

LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return inferPool(ShapeDiag{loc, getOperationName()}, adaptor, types);
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input = getSpatialInput(diag, adaptor.getInput());
  if (failed(input))
    return failure();
  SmallVector<int64_t> shape(input->getShape());
  std::fill(shape.begin() + 2, shape.end(), 1);
  return pushTensor(diag, shape, input->getElementType(), types);
}

//===----------------------------------------------------------------------===//
// Recurrent ops
//===----------------------------------------------------------------------===//

namespace {
/// The operands of LSTM and GRU that shape inference looks at.
struct RecurrentOperands {
  Value x, w, r, b, initialH, initialC, p;
  int64_t hiddenSize;
  StringRef direction;
  /// 4 for LSTM (i, o, f, c), 3 for GRU (z, r, h).
  int64_t gates;
  /// 3 for LSTM (Y, Y_h, Y_c), 2 for GRU (Y, Y_h).
  unsigned numResults;
};
} // namespace

static LogicalResult inferRecurrent(const ShapeDiag &diag,
                                    const RecurrentOperands &ops,
                                    SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> x = getRankedTensor(diag, ops.x, "x");
  if (failed(x))
    return failure();
  if (x->getRank() != 3)
    return diag("expects 'x' of shape [seq, batch, input], got ", *x);
  int64_t dirs;
  if (ops.direction == "forward" || ops.direction == "reverse")
    dirs = 1;
  else if (ops.direction == "bidirectional")
    dirs = 2;
  else
    return diag("'direction' must be forward, reverse or bidirectional, got '",
                ops.direction, "'");
  int64_t h = ops.hiddenSize;
  if (h <= 0)
    return diag("'hidden_size' must be positive, got ", h);
  // 2 * gates * H is the largest dim derived from H (the bias).
  if (!checkedMul(2 * ops.gates, h))
    return diag("'hidden_size' ", h, " overflows int64");
  int64_t seq = x->getDimSize(0), batch = x->getDimSize(1),
          inputSize = x->getDimSize(2);
  Type elementType = x->getElementType();
  std::pair<Value, SmallVector<int64_t>> expected[] = {
      {ops.w, {dirs, ops.gates * h, inputSize}},
      {ops.r, {dirs, ops.gates * h, h}},
      {ops.b, {dirs, 2 * ops.gates * h}},
      {ops.initialH, {dirs, batch, h}},
      {ops.initialC, {dirs, batch, h}},
      {ops.p, {dirs, 3 * h}}};
  StringRef names[] = {"w", "r", "b", "initial_h", "initial_c", "p"};
  for (auto [operand, name] : llvm::zip_equal(expected, names)) {
    if (!operand.first)
      continue;
    FailureOr<RankedTensorType> type = getRankedTensor(diag, operand.first, name);
    if (failed(type) ||
        failed(checkElementType(diag, *type, elementType, name)) ||
        failed(checkShape(diag, operand.first, operand.second, name)))
      return failure();
  }
  if (failed(pushTensor(diag, {seq, dirs, batch, h}, elementType, types)))
    return failure();
  for (unsigned i = 1; i < ops.numResults; ++i)
    types.push_back(RankedTensorType::get({dirs, batch, h}, elementType));
  return success();
}

/// The direction's name; ODS verifies it only after inference has run.
static StringRef directionOf(StringAttr direction) {
  return direction ? direction.getValue()
                   : stringifyRnnDirection(RnnDirection::Forward);
}

LogicalResult LSTMOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  RecurrentOperands ops{adaptor.getX(),        adaptor.getW(),
                        adaptor.getR(),        adaptor.getB(),
                        adaptor.getInitialH(), adaptor.getInitialC(),
                        adaptor.getP(),        adaptor.getHiddenSizeAttr().getInt(),
                        directionOf(adaptor.getDirectionAttr()), /*gates=*/4,
                        /*numResults=*/3};
  return inferRecurrent(ShapeDiag{loc, getOperationName()}, ops, types);
}

LogicalResult GRUOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  RecurrentOperands ops{adaptor.getX(),        adaptor.getW(),
                        adaptor.getR(),        adaptor.getB(),
                        adaptor.getInitialH(), Value(),
                        Value(),               adaptor.getHiddenSizeAttr().getInt(),
                        directionOf(adaptor.getDirectionAttr()), /*gates=*/3,
                        /*numResults=*/2};
  return inferRecurrent(ShapeDiag{loc, getOperationName()}, ops, types);
}
