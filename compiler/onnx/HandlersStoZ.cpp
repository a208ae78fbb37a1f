//===- HandlersStoZ.cpp - ONNX ops Shape .. Where -------------------------===//

#include "compiler/onnx/Handlers.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

static LogicalResult handleShape(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size();
  auto clamp = [&](int64_t v) {
    return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank);
  };
  int64_t start = clamp(b.attrInt("start", 0));
  int64_t end = clamp(b.attrInt("end", rank));
  return b.result(b.constantI64(
      shape.slice(start, std::max<int64_t>(0, end - start))));
}

static LogicalResult handleSize(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  return b.result(b.constant(DenseElementsAttr::get(
      RankedTensorType::get({}, b.getBuilder().getI64Type()),
      b.getBuilder().getI64IntegerAttr(b.getType(x).getNumElements()))));
}

/// Normalizes ONNX slice bounds (negative, out of range) into the clamped
/// form q8.slice documents.
static LogicalResult buildSlice(NodeBinder &b, Value x, ArrayRef<int64_t> starts,
                                ArrayRef<int64_t> ends,
                                std::optional<SmallVector<int64_t>> axes,
                                std::optional<SmallVector<int64_t>> steps) {
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size();
  if (!axes)
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts.size()));
  if (!steps)
    steps = SmallVector<int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes->size() != starts.size() ||
      steps->size() != starts.size())
    return b.invalid("starts, ends, axes and steps must have the same length");
  SmallVector<int64_t> outStarts(rank, 0), outEnds(shape), outSteps(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> axis = b.normalizeAxis((*axes)[i], rank, "axis");
    if (failed(axis))
      return failure();
    int64_t dim = shape[*axis], step = (*steps)[i];
    if (step == 0)
      return b.invalid("slice step must not be zero");
    int64_t start = starts[i], end = ends[i];
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, start, dim);
    } else {
      start = std::clamp<int64_t>(start, std::min<int64_t>(0, dim - 1),
                                  dim - 1);
      end = std::clamp<int64_t>(end, -1, start);
    }
    outStarts[*axis] = start;
    outEnds[*axis] = end;
    outSteps[*axis] = step;
  }
  return b.result(b.create<q8::SliceOp>(
      {x}, {b.namedI64s("starts", outStarts), b.namedI64s("ends", outEnds),
            b.namedI64s("steps", outSteps)}));
}

static LogicalResult handleSlice1(NodeBinder &b) {
  auto starts = b.attrInts("starts"), ends = b.attrInts("ends");
  if (!starts || !ends)
    return b.invalid("attributes 'starts' and 'ends' are required");
  return buildSlice(b, b.input(0), *starts, *ends, b.attrInts("axes"),
                    std::nullopt);
}

static LogicalResult handleSlice10(NodeBinder &b) {
  auto starts = b.ints(1, "starts"), ends = b.ints(2, "ends");
  auto axes = b.optionalInts(3, "axes"), steps = b.optionalInts(4, "steps");
  if (failed(starts) || failed(ends) || failed(axes) || failed(steps))
    return failure();
  return buildSlice(b, b.input(0), *starts, *ends, *axes, *steps);
}

Value q8::importer::buildSoftmax(NodeBinder &b, Value x, int64_t axis,
                                 bool coerce2D) {
  if (!x)
    return {};
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size();
  FailureOr<int64_t> normalized =
      b.normalizeAxis(axis, rank, "attribute 'axis'");
  if (failed(normalized))
    return {};
  // Coercing to 2-D only differs from a 1-axis softmax when axis is not last.
  if (!coerce2D || *normalized == rank - 1)
    return b.create<q8::SoftmaxOp>({x}, {b.namedI64("axis", *normalized)});
  SmallVector<int64_t> shape2D{product(shape, 0, *normalized),
                               product(shape, *normalized, rank)};
  Value flat = b.reshape(x, shape2D);
  Value softmax = b.create<q8::SoftmaxOp>({flat}, {b.namedI64("axis", 1)});
  return b.reshape(softmax, SmallVector<int64_t>(shape));
}

static LogicalResult handleSoftmax(NodeBinder &b) {
  bool opset13 = b.getSinceVersion() >= 13;
  return b.result(buildSoftmax(
      b, b.input(0), b.attrInt("axis", opset13 ? -1 : 1), !opset13));
}

static LogicalResult handleSplit(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), shape.size(),
                                            "attribute 'axis'");
  if (failed(axis))
    return failure();
  std::optional<SmallVector<int64_t>> sizes = b.attrInts("split");
  if (b.hasInput(1)) {
    auto given = b.optionalInts(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  }
  int64_t n = b.getNumOutputs(), dim = shape[*axis];
  if (!sizes || sizes->empty()) {
    if (n == 0 || dim % n)
      return b.invalid("dim " + Twine(dim) + " does not split evenly into " +
                       Twine(n) + " outputs");
    sizes = SmallVector<int64_t>(n, dim / n);
  }
  if (static_cast<int64_t>(sizes->size()) != n)
    return b.invalid("'split' has " + Twine(sizes->size()) + " sizes for " +
                     Twine(n) + " outputs");
  SmallVector<Value> results = b.createMulti<q8::SplitOp>(
      {x}, {b.namedI64("axis", *axis), b.namedI64s("sizes", *sizes)});
  if (results.empty())
    return failure();
  for (auto [i, v] : llvm::enumerate(results))
    (void)b.setResult(i, v);
  return success();
}

static LogicalResult handleSqueeze(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  std::optional<SmallVector<int64_t>> axes = b.attrInts("axes");
  if (b.getSinceVersion() >= 13) {
    auto given = b.optionalInts(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  ArrayRef<int64_t> shape = b.getShape(x);
  SmallVector<int64_t> drop;
  if (axes) {
    auto normalized = b.normalizeAxes(*axes, shape.size(), "axis");
    if (failed(normalized))
      return failure();
    drop = *normalized;
    for (int64_t a : drop)
      if (shape[a] != 1)
        return b.invalid("cannot squeeze dim " + Twine(a) + " of size " +
                         Twine(shape[a]));
  } else {
    for (auto [i, d] : llvm::enumerate(shape))
      if (d == 1)
        drop.push_back(i);
  }
  SmallVector<int64_t> result;
  for (auto [i, d] : llvm::enumerate(shape))
    if (!llvm::is_contained(drop, static_cast<int64_t>(i)))
      result.push_back(d);
  return b.result(b.reshape(x, result));
}

static LogicalResult handleTranspose(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  int64_t rank = b.getType(x).getRank();
  SmallVector<int64_t> perm = b.attrInts("perm").value_or(
      llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank))));
  return b.result(
      b.create<q8::TransposeOp>({x}, {b.namedI64s("perm", perm)}));
}

static LogicalResult handleUnsqueeze(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  SmallVector<int64_t> axes;
  if (b.getSinceVersion() >= 13) {
    auto given = b.ints(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  } else {
    axes = b.attrInts("axes").value_or(SmallVector<int64_t>());
  }
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size() + axes.size();
  auto normalized = b.normalizeAxes(axes, rank, "axis");
  if (failed(normalized))
    return failure();
  if (normalized->size() != axes.size())
    return b.invalid("'axes' has duplicates");
  SmallVector<int64_t> result;
  const int64_t *next = shape.begin();
  for (int64_t i = 0; i < rank; ++i)
    result.push_back(llvm::is_contained(*normalized, i) ? 1 : *next++);
  return b.result(b.reshape(x, result));
}

static LogicalResult handleUpsample7(NodeBinder &b) {
  std::optional<SmallVector<double>> scales;
  if (auto given = b.attrFloats("scales"))
    scales = SmallVector<double>(given->begin(), given->end());
  return buildResize(b, b.input(0), scales, std::nullopt, "asymmetric",
                     "floor");
}

static LogicalResult handleUpsample9(NodeBinder &b) {
  auto scales = b.optionalFloats(1, "scales");
  if (failed(scales))
    return failure();
  return buildResize(b, b.input(0), *scales, std::nullopt, "asymmetric",
                     "floor");
}

static LogicalResult handleWhere(NodeBinder &b) {
  return b.result(
      b.create<q8::WhereOp>({b.input(0), b.input(1), b.input(2)}));
}

void q8::importer::registerHandlersStoZ(HandlerTable &t) {
  t.add("Shape", 1, handleShape);
  t.add("Sigmoid", 1, unary<q8::SigmoidOp>);
  t.add("Size", 1, handleSize);
  t.add("Slice", 1, handleSlice1);
  t.add("Slice", 10, handleSlice10);
  t.add("Softmax", 1, handleSoftmax);
  t.add("Split", 1, handleSplit);
  t.add("Sqrt", 1, unary<q8::SqrtOp>);
  t.add("Squeeze", 1, handleSqueeze);
  t.add("Sub", 1, legacyBinary<q8::SubOp>);
  t.add("Sub", 7, binary<q8::SubOp>);
  t.add("Sum", 6, variadic<q8::AddOp>);
  t.add("Tanh", 1, unary<q8::TanhOp>);
  t.add("Transpose", 1, handleTranspose);
  t.add("Unsqueeze", 1, handleUnsqueeze);
  t.add("Upsample", 7, handleUpsample7);
  t.add("Upsample", 9, handleUpsample9);
  t.add("Where", 9, handleWhere);
}
