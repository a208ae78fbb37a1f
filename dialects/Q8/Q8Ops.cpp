//===- Q8Ops.cpp - q8 graph op type inference and verifiers ---------------===//
//
// Result-type inference of the elementwise, normalization, reduction and
// data-movement ops (their enum attributes are verified by ODS, Q8Enums.td).
// Linear algebra, windows and recurrent ops live in Q8Shapes.cpp, the
// quantization ops in Q8QuantOps.cpp, folders in Q8Folds.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace q8;

#define GET_OP_CLASSES
#include "dialects/Q8/Q8Ops.cpp.inc"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type || !type.hasStaticShape())
    return ShapeDiag{loc, getOperationName()}(
        "expects a statically shaped tensor value, got ",
        adaptor.getValue().getType());
  types.push_back(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Numpy-broadcasts `operands` together. The element types of the operands
/// from `firstData` on must agree when `sameElementTypes`; the result takes
/// the element type of operand `firstData` unless `resultElement` is set.
static LogicalResult inferBroadcast(const ShapeDiag &diag,
                                    ArrayRef<Value> operands,
                                    ArrayRef<StringRef> names,
                                    unsigned firstData, bool sameElementTypes,
                                    Type resultElement,
                                    SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> shape;
  RankedTensorType data;
  for (auto [i, operand] : llvm::enumerate(operands)) {
    FailureOr<RankedTensorType> type = getRankedTensor(diag, operand, names[i]);
    if (failed(type))
      return failure();
    if (i == firstData)
      data = *type;
    else if (i > firstData && sameElementTypes &&
             type->getElementType() != data.getElementType())
      return diag("operands have different element types: ",
                  data.getElementType(), " vs ", type->getElementType());
    SmallVector<int64_t> next;
    if (!broadcastShapes(shape, type->getShape(), next)) {
      std::string types;
      llvm::raw_string_ostream os(types);
      llvm::interleave(
          operands.take_front(i + 1), os,
          [&](Value v) { os << v.getType(); }, " vs ");
      return diag("operands are not broadcast-compatible: ", types);
    }
    shape = std::move(next);
  }
  return pushTensor(diag, shape,
                    resultElement ? resultElement : data.getElementType(),
                    types);
}

/// Defines inferReturnTypes of a binary broadcasting op.
#define Q8_INFER_BINARY(OP, SAME_ELEMENT_TYPES, RESULT_ELEMENT)                \
  LogicalResult OP::inferReturnTypes(MLIRContext *context,                     \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    (void)context;                                                             \
    return inferBroadcast(ShapeDiag{loc, getOperationName()},                  \
                          {adaptor.getLhs(), adaptor.getRhs()},                \
                          {"lhs", "rhs"}, 0, SAME_ELEMENT_TYPES,               \
                          RESULT_ELEMENT, types);                              \
  }

Q8_INFER_BINARY(AddOp, true, Type())
Q8_INFER_BINARY(SubOp, true, Type())
Q8_INFER_BINARY(MulOp, true, Type())
Q8_INFER_BINARY(DivOp, true, Type())
Q8_INFER_BINARY(MaxOp, true, Type())
Q8_INFER_BINARY(MinOp, true, Type())
Q8_INFER_BINARY(PowOp, false, Type())
Q8_INFER_BINARY(EqualOp, true, IntegerType::get(context, 1))
Q8_INFER_BINARY(LessOp, true, IntegerType::get(context, 1))
Q8_INFER_BINARY(GreaterOp, true, IntegerType::get(context, 1))
#undef Q8_INFER_BINARY

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  return inferBroadcast(
      ShapeDiag{loc, getOperationName()},
      {adaptor.getCondition(), adaptor.getLhs(), adaptor.getRhs()},
      {"condition", "lhs", "rhs"}, 1, true, Type(), types);
}

/// Defines inferReturnTypes of an op whose result type is its input's.
#define Q8_INFER_SAME_AS_INPUT(OP)                                             \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    FailureOr<RankedTensorType> type = getRankedTensor(                        \
        ShapeDiag{loc, getOperationName()}, adaptor.getInput(), "input");      \
    if (failed(type))                                                          \
      return failure();                                                        \
    types.push_back(*type);                                                    \
    return success();                                                          \
  }

Q8_INFER_SAME_AS_INPUT(NegOp)
Q8_INFER_SAME_AS_INPUT(AbsOp)
Q8_INFER_SAME_AS_INPUT(ReluOp)
Q8_INFER_SAME_AS_INPUT(SqrtOp)
Q8_INFER_SAME_AS_INPUT(ReciprocalOp)
Q8_INFER_SAME_AS_INPUT(ExpOp)
Q8_INFER_SAME_AS_INPUT(LogOp)
Q8_INFER_SAME_AS_INPUT(ErfOp)
Q8_INFER_SAME_AS_INPUT(TanhOp)
Q8_INFER_SAME_AS_INPUT(SigmoidOp)
Q8_INFER_SAME_AS_INPUT(HardSwishOp)
Q8_INFER_SAME_AS_INPUT(GeluOp)
Q8_INFER_SAME_AS_INPUT(LeakyReluOp)
Q8_INFER_SAME_AS_INPUT(HardSigmoidOp)
Q8_INFER_SAME_AS_INPUT(ClipOp)
Q8_INFER_SAME_AS_INPUT(ObserveOp)
#undef Q8_INFER_SAME_AS_INPUT

LogicalResult ClipOp::verify() {
  FloatAttr min = getMinAttr(), max = getMaxAttr();
  if (min && max && min.getValueAsDouble() > max.getValueAsDouble())
    return emitOpError() << "'min' " << min.getValueAsDouble()
                         << " is greater than 'max' " << max.getValueAsDouble();
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  Type to = adaptor.getTo();
  if (!isa<IntegerType, FloatType>(to))
    return diag("'to' must be an integer or float type, got ", to);
  types.push_back(input->clone(to));
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and normalization
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input) ||
      failed(normalizeAxis(diag, adaptor.getAxis(), input->getRank(), "axis")))
    return failure();
  types.push_back(*input);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(diag, adaptor.getAxis(), input->getRank(), "axis");
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = input->getShape().drop_front(*axis);
  std::pair<Value, StringRef> params[] = {{adaptor.getScale(), "scale"},
                                          {adaptor.getBias(), "bias"}};
  for (auto [param, name] : params) {
    if (!param)
      continue;
    FailureOr<RankedTensorType> type = getRankedTensor(diag, param, name);
    if (failed(type) ||
        failed(checkElementType(diag, *type, input->getElementType(), name)) ||
        failed(checkBroadcastsTo(diag, *type, normalized, name)))
      return failure();
  }
  types.push_back(*input);
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  if (input->getRank() < 2)
    return diag("expects 'input' of rank >= 2 (N, C, ...), got ", *input);
  int64_t channels = input->getDimSize(1);
  std::pair<Value, StringRef> params[] = {{adaptor.getScale(), "scale"},
                                          {adaptor.getBias(), "bias"},
                                          {adaptor.getMean(), "mean"},
                                          {adaptor.getVariance(), "variance"}};
  for (auto [param, name] : params) {
    FailureOr<RankedTensorType> type = getRankedTensor(diag, param, name);
    if (failed(type) ||
        failed(checkElementType(diag, *type, input->getElementType(), name)) ||
        failed(checkShape(diag, param, {channels}, name)))
      return failure();
  }
  types.push_back(*input);
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <typename ReduceAdaptor>
static LogicalResult inferReduce(const ShapeDiag &diag, ReduceAdaptor adaptor,
                                 SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  int64_t rank = input->getRank();
  ArrayRef<int64_t> axes = adaptor.getAxes();
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= rank)
      return diag("'axes' must be in [0, ", rank, "), got ", formatShape(axes));
    if (i > 0 && axis <= axes[i - 1])
      return diag("'axes' must be sorted and unique, got ", formatShape(axes));
  }
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    bool reduced = axes.empty() || llvm::is_contained(axes, dim);
    if (!reduced)
      shape.push_back(input->getDimSize(dim));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  types.push_back(input->clone(shape));
  return success();
}

#define Q8_INFER_REDUCE(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    return inferReduce(ShapeDiag{loc, getOperationName()}, adaptor, types);    \
  }
Q8_INFER_REDUCE(ReduceMeanOp)
Q8_INFER_REDUCE(ReduceSumOp)
Q8_INFER_REDUCE(ReduceMaxOp)
Q8_INFER_REDUCE(ReduceMinOp)
#undef Q8_INFER_REDUCE

//===----------------------------------------------------------------------===//
// Data movement and shape ops
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = input->getRank();
  if (failed(checkCount(diag, perm, rank, "perm")))
    return failure();
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return diag("'perm' ", formatShape(perm), " is not a permutation of [0, ",
                  rank, ")");
    seen[p] = true;
    shape.push_back(input->getDimSize(p));
  }
  types.push_back(input->clone(shape));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  ArrayRef<int64_t> shape = adaptor.getShape();
  if (failed(input) || failed(checkNonNegative(diag, shape, "shape")))
    return failure();
  if (checkedNumElements(shape) != input->getNumElements())
    return diag("'shape' ", formatShape(shape), " does not hold the ",
                input->getNumElements(), " elements of ", *input);
  types.push_back(input->clone(shape));
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  ArrayRef<int64_t> target = adaptor.getShape();
  if (failed(input) || failed(checkNonNegative(diag, target, "shape")))
    return failure();
  SmallVector<int64_t> shape;
  if (!broadcastShapes(input->getShape(), target, shape))
    return diag("input ", *input, " is not broadcast-compatible with 'shape' ",
                formatShape(target));
  return pushTensor(diag, shape, input->getElementType(), types);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> data =
      getRankedTensor(diag, adaptor.getData(), "data");
  FailureOr<RankedTensorType> indices =
      getRankedTensor(diag, adaptor.getIndices(), "indices");
  if (failed(data) || failed(indices))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(diag, adaptor.getAxis(), data->getRank(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(data->getShape().take_front(*axis));
  llvm::append_range(shape, indices->getShape());
  llvm::append_range(shape, data->getShape().drop_front(*axis + 1));
  return pushTensor(diag, shape, data->getElementType(), types);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return diag("expects at least one input");
  FailureOr<RankedTensorType> first = getRankedTensor(diag, inputs[0], "inputs");
  if (failed(first))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(diag, adaptor.getAxis(), first->getRank(), "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first->getShape());
  for (auto [i, input] : llvm::enumerate(inputs.drop_front())) {
    FailureOr<RankedTensorType> type = getRankedTensor(diag, input, "inputs");
    if (failed(type) ||
        failed(checkElementType(diag, *type, first->getElementType(), "inputs")))
      return failure();
    SmallVector<int64_t> other(type->getShape());
    bool sameRank = other.size() == shape.size();
    if (sameRank)
      other[*axis] = shape[*axis];
    if (ArrayRef<int64_t>(other) != ArrayRef<int64_t>(shape))
      return diag("input #", i + 1, " ", *type, " differs from input #0 ",
                  *first, " outside 'axis' ", *axis);
    std::optional<int64_t> sum =
        checkedAdd(shape[*axis], type->getDimSize(*axis));
    if (!sum)
      return diag("the concatenated dim overflows int64");
    shape[*axis] = *sum;
  }
  return pushTensor(diag, shape, first->getElementType(), types);
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxis(diag, adaptor.getAxis(), input->getRank(), "axis");
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  if (failed(axis) || failed(checkNonNegative(diag, sizes, "sizes")))
    return failure();
  std::optional<int64_t> sum = 0;
  for (int64_t size : sizes)
    if (sum)
      sum = checkedAdd(*sum, size);
  if (sum != input->getDimSize(*axis))
    return diag("'sizes' ", formatShape(sizes), " do not sum to dim ", *axis,
                " of ", *input);
  SmallVector<int64_t> shape(input->getShape());
  for (int64_t size : sizes) {
    shape[*axis] = size;
    types.push_back(input->clone(shape));
  }
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  int64_t rank = input->getRank();
  ArrayRef<int64_t> starts = adaptor.getStarts(), ends = adaptor.getEnds(),
                    steps = adaptor.getSteps();
  if (failed(checkCount(diag, starts, rank, "starts")) ||
      failed(checkCount(diag, ends, rank, "ends")) ||
      failed(checkCount(diag, steps, rank, "steps")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = input->getDimSize(i), start = starts[i], end = ends[i],
            step = steps[i];
    if (step == 0)
      return diag("'steps' must be non-zero, got ", formatShape(steps));
    if (step > 0 && !(0 <= start && start <= end && end <= dim))
      return diag("dim #", i, ": step ", step, " needs 0 <= start <= end <= ",
                  dim, ", got start ", start, " and end ", end);
    if (step < 0 && !(-1 <= end && end <= start && start <= dim - 1))
      return diag("dim #", i, ": step ", step, " needs -1 <= end <= start <= ",
                  dim - 1, ", got start ", start, " and end ", end);
    // The bounds keep |end - start| <= dim, so nothing here overflows.
    uint64_t distance = step > 0 ? end - start : start - end;
    uint64_t stride = step > 0 ? step : -static_cast<uint64_t>(step);
    shape.push_back(static_cast<int64_t>(llvm::divideCeil(distance, stride)));
  }
  types.push_back(input->clone(shape));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  int64_t rank = input->getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (failed(checkCount(diag, pads, 2 * rank, "pads")))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    std::optional<int64_t> dim = checkedAdd(input->getDimSize(i), pads[i]);
    if (dim)
      dim = checkedAdd(*dim, pads[i + rank]);
    if (!dim || *dim < 0)
      return diag("dim #", i, " of size ", input->getDimSize(i),
                  " padded by (", pads[i], ", ", pads[i + rank],
                  ") is negative or overflows int64");
    shape.push_back(*dim);
  }
  return pushTensor(diag, shape, input->getElementType(), types);
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  ShapeDiag diag{loc, getOperationName()};
  FailureOr<RankedTensorType> input =
      getRankedTensor(diag, adaptor.getInput(), "input");
  if (failed(input))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  ArrayRef<float> scales = adaptor.getScales();
  if (failed(checkCount(diag, sizes, input->getRank(), "sizes")) ||
      failed(checkPositive(diag, sizes, "sizes")))
    return failure();
  if (static_cast<int64_t>(scales.size()) != input->getRank())
    return diag("expects ", input->getRank(), " values in 'scales', got ",
                scales.size());
  if (llvm::any_of(scales, [](float s) { return !(s > 0); }))
    return diag("'scales' must be positive");
  return pushTensor(diag, sizes, input->getElementType(), types);
}

