//===- HandlersStoZ.cpp - ONNX ops Shape .. Where -------------------------===//

#include "compiler/onnx/Handlers.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

static LogicalResult handleSelu(NodeBinder &b) {
  Value x = b.input(0);
  Value elu = buildElu(b, x, b.attrFloat("alpha", 1.67326319217681884765625f));
  return b.result(b.create<q8::MulOp>(
      {scalarLike(b, x, b.attrFloat("gamma", 1.05070102214813232421875f)),
       elu}));
}

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

/// x < -lambd ? x + bias : x > lambd ? x - bias : 0. On integer inputs
/// the truncated bounds compare the same as the float ones.
static LogicalResult handleShrink(NodeBinder &b) {
  Value x = b.input(0);
  double lambd = b.attrFloat("lambd", 0.5f), bias = b.attrFloat("bias", 0.0f);
  Value below = b.create<q8::LessOp>({x, scalarLike(b, x, -lambd)});
  Value above = b.create<q8::GreaterOp>({x, scalarLike(b, x, lambd)});
  Value biasValue = scalarLike(b, x, bias);
  Value upper = b.create<q8::WhereOp>(
      {above, b.create<q8::SubOp>({x, biasValue}), scalarLike(b, x, 0)});
  return b.result(b.create<q8::WhereOp>(
      {below, b.create<q8::AddOp>({x, biasValue}), upper}));
}

/// 1, -1 or 0 by two selects; unsigned inputs never take -1.
static LogicalResult handleSign(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  Value zero = scalarLike(b, x, 0);
  Value rest = zero;
  if (!b.getType(x).getElementType().isUnsignedInteger())
    rest = b.create<q8::WhereOp>({b.create<q8::LessOp>({x, zero}),
                                  scalarLike(b, x, -1), zero});
  return b.result(b.create<q8::WhereOp>(
      {b.create<q8::GreaterOp>({x, zero}), scalarLike(b, x, 1), rest}));
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

/// log(exp(x) + 1), as ONNX's reference.
Value q8::importer::buildSoftplus(NodeBinder &b, Value x) {
  Value positive = b.create<q8::MaxOp>({x, scalarLike(b, x, 0)});
  Value negAbs = b.create<q8::NegOp>({b.create<q8::AbsOp>({x})});
  Value log1p = b.create<q8::LogOp>(
      {b.create<q8::AddOp>({b.create<q8::ExpOp>({negAbs}), scalarLike(b, x, 1)})});
  return b.create<q8::AddOp>({positive, log1p});
}

static LogicalResult handleSoftplus(NodeBinder &b) {
  return b.result(buildSoftplus(b, b.input(0)));
}

/// x / (1 + |x|).
static LogicalResult handleSoftsign(NodeBinder &b) {
  Value x = b.input(0);
  Value denominator =
      b.create<q8::AddOp>({b.create<q8::AbsOp>({x}), scalarLike(b, x, 1)});
  return b.result(b.create<q8::DivOp>({x, denominator}));
}

/// SpaceToDepth as ONNX's reference spells it: reshape, transpose, reshape.
static LogicalResult handleSpaceToDepth(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> s = b.getShape(x);
  int64_t bs = b.attrInt("blocksize", 0);
  if (s.size() != 4)
    return b.invalid("input must have rank 4 (N, C, H, W)");
  if (bs <= 0 || s[2] % bs || s[3] % bs)
    return b.invalid("spatial dims " + formatShape(s.drop_front(2)) +
                     " are not multiples of blocksize " + Twine(bs));
  Value blocks =
      b.reshape(x, {s[0], s[1], s[2] / bs, bs, s[3] / bs, bs});
  Value moved = b.create<q8::TransposeOp>(
      {blocks}, {b.namedI64s("perm", {0, 3, 5, 1, 2, 4})});
  return b.result(
      b.reshape(moved, {s[0], s[1] * bs * bs, s[2] / bs, s[3] / bs}));
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
  // Split-18: num_outputs parts of ceil(dim / num_outputs), the last one
  // smaller when dim does not divide evenly.
  if (b.getSinceVersion() >= 18 && b.hasAttr("num_outputs")) {
    int64_t parts = b.attrInt("num_outputs", 0);
    if (sizes && !sizes->empty())
      return b.invalid("'split' and 'num_outputs' are both given");
    if (parts != n)
      return b.invalid("num_outputs is " + Twine(parts) + " but the node has " +
                       Twine(n) + " outputs");
    int64_t chunk = parts > 0 ? (dim + parts - 1) / parts : 0;
    int64_t last = dim - chunk * (parts - 1);
    if (parts <= 0 || last < 0)
      return b.invalid("dim " + Twine(dim) + " cannot be split into " +
                       Twine(parts) + " parts of " + Twine(chunk));
    sizes = SmallVector<int64_t>(parts, chunk);
    sizes->back() = last;
  }
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

/// x > alpha ? x : 0.
static LogicalResult handleThresholdedRelu(NodeBinder &b) {
  Value x = b.input(0);
  Value above = b.create<q8::GreaterOp>(
      {x, scalarLike(b, x, b.attrFloat("alpha", 1.0f))});
  return b.result(b.create<q8::WhereOp>({above, x, scalarLike(b, x, 0)}));
}

/// Tile as reshape to [1, d0, 1, d1, ...], expand to [r0, d0, r1, d1, ...]
/// and reshape to [r0 * d0, r1 * d1, ...]: copy k of dim i is the outer
/// index, so element j of it reads input element j.
static LogicalResult handleTile(NodeBinder &b) {
  Value x = b.input(0);
  FailureOr<SmallVector<int64_t>> repeats = b.ints(1, "repeats");
  if (!x || failed(repeats))
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  if (repeats->size() != shape.size())
    return b.invalid("'repeats' has " + Twine(repeats->size()) +
                     " entries for a rank-" + Twine(shape.size()) + " input");
  SmallVector<int64_t> split, expanded, tiled;
  for (auto [d, r] : llvm::zip_equal(shape, *repeats)) {
    if (r < 0)
      return b.invalid("'repeats' " + formatShape(*repeats) +
                       " has a negative entry");
    split.append({1, d});
    expanded.append({r, d});
    tiled.push_back(r * d);
  }
  Value copies = b.create<q8::ExpandOp>({b.reshape(x, split)},
                                        {b.namedI64s("shape", expanded)});
  return b.result(b.reshape(copies, tiled));
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

/// Trilu (opset 14): x where column - row >= k (upper, the default) or
/// <= k (lower) in its last two dims, else 0: Where over a constant mask,
/// so a mask built from a constant (a causal mask from ones) folds.
static LogicalResult handleTrilu(NodeBinder &b) {
  Value x = b.input(0);
  auto k = b.optionalInts(1, "k");
  if (!x || failed(k))
    return failure();
  if (*k && (*k)->size() != 1)
    return b.invalid("k must be a scalar");
  int64_t diagonal = *k ? (*k)->front() : 0;
  bool upper = b.attrInt("upper", 1) != 0;
  RankedTensorType type = NodeBinder::getType(x);
  if (type.getRank() < 2)
    return b.invalid("the input must have rank 2 or more, not " +
                     std::to_string(type.getRank()));
  int64_t rows = type.getDimSize(type.getRank() - 2),
          columns = type.getDimSize(type.getRank() - 1);
  SmallVector<bool> keep;
  keep.reserve(rows * columns);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < columns; ++j)
      keep.push_back(upper ? j - i >= diagonal : j - i <= diagonal);
  auto maskType =
      RankedTensorType::get({rows, columns}, b.getBuilder().getI1Type());
  Value mask = b.constant(DenseElementsAttr::get(maskType, ArrayRef(keep)));
  return b.result(
      b.create<q8::WhereOp>({mask, x, scalarLike(b, x, 0)}));
}

static LogicalResult handleWhere(NodeBinder &b) {
  return b.result(
      b.create<q8::WhereOp>({b.input(0), b.input(1), b.input(2)}));
}

void q8::importer::registerHandlersStoZ(HandlerTable &t) {
  t.add("Selu", 1, handleSelu);
  t.add("Shape", 1, handleShape);
  t.add("Shrink", 9, handleShrink);
  t.add("Sigmoid", 1, unary<q8::SigmoidOp>);
  t.add("Sign", 9, handleSign);
  t.add("Size", 1, handleSize);
  t.add("Slice", 1, handleSlice1);
  t.add("Slice", 10, handleSlice10);
  t.add("Softmax", 1, handleSoftmax);
  t.add("Softplus", 1, handleSoftplus);
  t.add("Softsign", 1, handleSoftsign);
  t.add("SpaceToDepth", 1, handleSpaceToDepth);
  t.add("Split", 1, handleSplit);
  t.add("Split", 18, handleSplit);
  t.add("Sqrt", 1, unary<q8::SqrtOp>);
  t.add("Squeeze", 1, handleSqueeze);
  t.add("Sub", 1, legacyBinary<q8::SubOp>);
  t.add("Sub", 7, binary<q8::SubOp>);
  t.add("Sum", 6, variadic<q8::AddOp>);
  t.add("Tanh", 1, unary<q8::TanhOp>);
  t.add("ThresholdedRelu", 10, handleThresholdedRelu);
  t.add("Tile", 6, handleTile);
  t.add("Transpose", 1, handleTranspose);
  t.add("Trilu", 14, handleTrilu);
  t.add("Unsqueeze", 1, handleUnsqueeze);
  t.add("Upsample", 7, handleUpsample7);
  t.add("Upsample", 9, handleUpsample9);
  t.add("Where", 9, handleWhere);
}
