//===- HandlersAtoF.cpp - ONNX ops Abs .. Flatten -------------------------===//

#include "compiler/onnx/Handlers.h"
#include "compiler/onnx/Tensors.h"

#include <limits>

using namespace mlir;
using namespace q8;
using namespace q8::importer;

int64_t q8::importer::product(ArrayRef<int64_t> shape, size_t begin,
                              size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

/// AveragePool; dilations from opset 19.
static LogicalResult handleAveragePool(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  if (shape.size() < 3)
    return b.invalid("input must have rank >= 3 (N, C, spatial...)");
  FailureOr<Window> w = b.getWindow(shape.drop_front(2), {},
                                    /*hasDilations=*/b.getSinceVersion() >= 19,
                                    SamePadding::KeepNegative);
  if (failed(w))
    return failure();
  x = b.cropNegativePads(x, *w);
  return b.result(b.create<q8::AveragePoolOp>(
      {x}, {b.namedI64s("kernel_shape", w->kernel),
            b.namedI64s("strides", w->strides), b.namedI64s("pads", w->pads),
            b.namedI64s("dilations", w->dilations),
            b.namedBool("ceil_mode", b.attrInt("ceil_mode", 0)),
            b.namedBool("count_include_pad",
                        b.attrInt("count_include_pad", 0))}));
}

static LogicalResult handleBatchNormalization(NodeBinder &b) {
  if (b.attrInt("training_mode", 0))
    return b.unsupported("training_mode=1 is not supported: q8 compiles "
                         "inference only, which uses the given mean and "
                         "variance instead of updating them");
  if (!b.attrInt("spatial", 1))
    return b.unsupported("spatial=0 is not supported");
  if (failed(b.rejectUsedOutputs(1, "q8 imports inference mode only")))
    return failure();
  return b.result(b.create<q8::BatchNormOp>(
      {b.input(0), b.input(1), b.input(2), b.input(3), b.input(4)},
      {b.namedF32("epsilon", b.attrFloat("epsilon", 1e-5f))}));
}

static LogicalResult handleCast(NodeBinder &b) {
  int64_t to = b.attrInt("to", 0);
  Type element = getElementType(b.getContext(), to);
  if (!element)
    return b.unsupported("cast to " + getOnnxTypeName(to) +
                         " is not supported");
  return b.result(
      b.create<q8::CastOp>({b.input(0)}, {b.named("to", TypeAttr::get(element))}));
}

static LogicalResult handleCastLike(NodeBinder &b) {
  Value x = b.input(0), like = b.input(1);
  if (!x || !like)
    return failure();
  return b.result(b.create<q8::CastOp>(
      {x}, {b.named("to", TypeAttr::get(b.getType(like).getElementType()))}));
}

/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
static LogicalResult handleCelu(NodeBinder &b) {
  Value x = b.input(0);
  Value alpha = scalarLike(b, x, b.attrFloat("alpha", 1.0f));
  Value expm1 = b.create<q8::SubOp>(
      {b.create<q8::ExpOp>({b.create<q8::DivOp>({x, alpha})}),
       scalarLike(b, x, 1)});
  Value negative = b.create<q8::MinOp>(
      {b.create<q8::MulOp>({alpha, expm1}), scalarLike(b, x, 0)});
  return b.result(b.create<q8::AddOp>({b.create<q8::ReluOp>({x}), negative}));
}

static LogicalResult handleClip6(NodeBinder &b) {
  SmallVector<NamedAttribute> attrs;
  if (b.hasAttr("min"))
    attrs.push_back(b.named("min", b.getBuilder().getF64FloatAttr(
                                       b.attrFloat("min", 0))));
  if (b.hasAttr("max"))
    attrs.push_back(b.named("max", b.getBuilder().getF64FloatAttr(
                                       b.attrFloat("max", 0))));
  return b.result(b.create<q8::ClipOp>({b.input(0)}, attrs));
}

static LogicalResult handleClip11(NodeBinder &b) {
  SmallVector<NamedAttribute> attrs;
  // A named array: an ArrayRef of a braced list inside the range-for's
  // initializer dangles before the loop body runs (ASan: stack use after
  // scope).
  const StringRef names[] = {"min", "max"};
  for (auto [i, name] : llvm::enumerate(names)) {
    auto bound = b.optionalFloats(i + 1, name);
    if (failed(bound))
      return failure();
    if (!*bound)
      continue;
    if ((*bound)->size() != 1)
      return b.invalid("operand '" + name + "' must be a scalar");
    attrs.push_back(
        b.named(name, b.getBuilder().getF64FloatAttr((*bound)->front())));
  }
  return b.result(b.create<q8::ClipOp>({b.input(0)}, attrs));
}

static LogicalResult handleConcat(NodeBinder &b) {
  SmallVector<Value> values = b.inputs();
  if (values.empty() || llvm::is_contained(values, Value()))
    return failure();
  FailureOr<int64_t> axis = b.normalizeAxis(
      b.attrInt("axis", 1), b.getType(values.front()).getRank(),
      "attribute 'axis'");
  if (failed(axis))
    return failure();
  return b.result(b.create<q8::ConcatOp>(values, {b.namedI64("axis", *axis)}));
}

static LogicalResult handleConstant(NodeBinder &b) {
  OpBuilder &builder = b.getBuilder();
  if (const onnx::AttributeProto *a = b.attr("value"))
    return b.result(b.constantFromTensor(a->t()));
  if (const onnx::AttributeProto *a = b.attr("value_float"))
    return b.result(b.splat(builder.getF32Type(), a->f()));
  if (const onnx::AttributeProto *a = b.attr("value_int"))
    return b.result(b.constant(DenseElementsAttr::get(
        RankedTensorType::get({}, builder.getI64Type()),
        builder.getI64IntegerAttr(a->i()))));
  if (auto floats = b.attrFloats("value_floats"))
    return b.result(b.constant(DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)floats->size()}, builder.getF32Type()),
        ArrayRef<float>(*floats))));
  if (auto ints = b.attrInts("value_ints"))
    return b.result(b.constantI64(*ints));
  return b.unsupported("only tensor, float and int values are supported "
                       "(not strings or sparse tensors)");
}

static LogicalResult handleConstantOfShape(NodeBinder &b) {
  FailureOr<SmallVector<int64_t>> shape = b.ints(0, "input");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return b.invalid("shape " + formatShape(*shape) + " has a negative dim");
  if (!checkedNumElements(*shape))
    return b.invalid("shape " + formatShape(*shape) +
                     " has more elements than fit in int64");
  Attribute scalar = b.getBuilder().getF32FloatAttr(0);
  if (const onnx::AttributeProto *a = b.attr("value")) {
    std::string error;
    FailureOr<ElementsAttr> value =
        convertTensor(b.getContext(), a->t(), /*resourceThreshold=*/1, error);
    if (failed(value))
      return b.invalid(error);
    auto dense = dyn_cast<DenseElementsAttr>(*value);
    if (!dense || dense.getNumElements() != 1)
      return b.invalid("attribute 'value' must hold one element");
    scalar = *dense.value_begin<Attribute>();
  }
  Type element = cast<TypedAttr>(scalar).getType();
  return b.result(b.constant(
      DenseElementsAttr::get(RankedTensorType::get(*shape, element), scalar)));
}

static LogicalResult handleConv(NodeBinder &b) {
  Value x = b.input(0), w = b.input(1), bias = b.optionalInput(2);
  if (!x || !w || (b.hasInput(2) && !bias))
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x), weight = b.getShape(w);
  if (shape.size() < 3 || weight.size() != shape.size())
    return b.invalid("input and weight must have the same rank >= 3");
  FailureOr<Window> win = b.getWindow(shape.drop_front(2), weight.drop_front(2));
  if (failed(win))
    return failure();
  SmallVector<Value> operands{x, w};
  if (bias)
    operands.push_back(bias);
  return b.result(b.create<q8::ConvOp>(
      operands, {b.namedI64s("strides", win->strides),
                 b.namedI64s("pads", win->pads),
                 b.namedI64s("dilations", win->dilations),
                 b.namedI64("group", b.attrInt("group", 1))}));
}

static LogicalResult handleConvTranspose(NodeBinder &b) {
  Value x = b.input(0), w = b.input(1), bias = b.optionalInput(2);
  if (!x || !w || (b.hasInput(2) && !bias))
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x), weight = b.getShape(w);
  if (shape.size() < 3 || weight.size() != shape.size())
    return b.invalid("input and weight must have the same rank >= 3");
  size_t n = shape.size() - 2;
  SmallVector<int64_t> kernel =
      b.attrInts("kernel_shape")
          .value_or(SmallVector<int64_t>(weight.drop_front(2)));
  SmallVector<int64_t> strides =
      b.attrInts("strides").value_or(SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> dilations =
      b.attrInts("dilations").value_or(SmallVector<int64_t>(n, 1));
  SmallVector<int64_t> outputPadding =
      b.attrInts("output_padding").value_or(SmallVector<int64_t>(n, 0));
  SmallVector<int64_t> pads =
      b.attrInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  if (kernel.size() != n || strides.size() != n || dilations.size() != n ||
      outputPadding.size() != n || pads.size() != 2 * n)
    return b.invalid("kernel_shape, strides, dilations, output_padding and "
                     "pads must match the " +
                     Twine(n) + " spatial dims");
  std::string autoPad = b.attrString("auto_pad", "NOTSET");
  std::optional<SmallVector<int64_t>> outputShape = b.attrInts("output_shape");
  if (outputShape && outputShape->size() > n)
    outputShape->erase(outputShape->begin(), outputShape->end() - n);
  if (outputShape && outputShape->size() != n)
    return b.invalid("output_shape must give the " + Twine(n) +
                     " spatial dims");
  if (autoPad == "VALID") {
    pads.assign(2 * n, 0);
  } else if (outputShape || autoPad == "SAME_UPPER" ||
             autoPad == "SAME_LOWER") {
    // ONNX: total padding = stride * (in - 1) + output_padding +
    // (k - 1) * dilation + 1 - out; an output larger than that grows
    // output_padding instead.
    for (size_t i = 0; i < n; ++i) {
      int64_t in = shape[i + 2];
      int64_t out = outputShape ? (*outputShape)[i] : in * strides[i];
      int64_t total = strides[i] * (in - 1) + outputPadding[i] +
                      (kernel[i] - 1) * dilations[i] + 1 - out;
      if (total < 0) {
        outputPadding[i] -= total;
        total = 0;
      }
      int64_t half = total / 2;
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[i + n] = total - pads[i];
    }
  } else if (autoPad != "NOTSET") {
    return b.invalid("unknown auto_pad '" + autoPad + "'");
  }
  SmallVector<Value> operands{x, w};
  if (bias)
    operands.push_back(bias);
  return b.result(b.create<q8::ConvTransposeOp>(
      operands,
      {b.namedI64s("strides", strides), b.namedI64s("pads", pads),
       b.namedI64s("dilations", dilations),
       b.namedI64s("output_padding", outputPadding),
       b.namedI64("group", b.attrInt("group", 1))}));
}

/// DepthToSpace as ONNX's reference spells it: reshape, transpose, reshape.
/// DCR takes the block offsets from the outer channel bits, CRD from the
/// inner ones.
static LogicalResult handleDepthToSpace(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> s = b.getShape(x);
  int64_t bs = b.attrInt("blocksize", 0);
  if (s.size() != 4)
    return b.invalid("input must have rank 4 (N, C, H, W)");
  if (bs <= 0 || s[1] % (bs * bs))
    return b.invalid("channels " + Twine(s[1]) +
                     " are not a multiple of blocksize^2 (blocksize " +
                     Twine(bs) + ")");
  std::string mode = b.attrString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return b.invalid("unknown mode '" + mode + "'");
  bool dcr = mode == "DCR";
  int64_t c = s[1] / (bs * bs);
  Value blocks =
      b.reshape(x, dcr ? SmallVector<int64_t>{s[0], bs, bs, c, s[2], s[3]}
                       : SmallVector<int64_t>{s[0], c, bs, bs, s[2], s[3]});
  Value moved = b.create<q8::TransposeOp>(
      {blocks}, {b.namedI64s("perm", dcr ? ArrayRef<int64_t>{0, 3, 4, 1, 5, 2}
                                         : ArrayRef<int64_t>{0, 1, 4, 2, 5, 3})});
  return b.result(b.reshape(moved, {s[0], c, s[2] * bs, s[3] * bs}));
}

/// Dropout drops nothing in inference, nor in training with ratio 0: the
/// output is the input and the mask (bool from opset 10, the input's type
/// before) is all true.
static LogicalResult handleDropout(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  if (b.hasInput(2)) {
    auto training = b.optionalInts(2, "training_mode");
    if (failed(training))
      return failure();
    if (llvm::any_of(**training, [](int64_t v) { return v != 0; })) {
      auto ratio = b.optionalFloats(1, "ratio");
      if (failed(ratio))
        return failure();
      // ratio defaults to 0.5.
      if (!*ratio || llvm::any_of(**ratio, [](double r) { return r != 0; }))
        return b.unsupported(
            "training_mode=true with a nonzero ratio is not supported "
            "(it drops at random)");
    }
  }
  if (b.attrInt("is_test", 1) == 0 && b.getSinceVersion() < 7)
    return b.unsupported("is_test=0 is not supported");
  if (b.isOutputUsed(1)) {
    Type maskElement = b.getSinceVersion() >= 10
                           ? b.getBuilder().getI1Type()
                           : b.getType(x).getElementType();
    if (failed(b.setResult(1, b.splat(maskElement, 1, b.getShape(x)))))
      return failure();
  }
  return b.result(x);
}

Value q8::importer::buildElu(NodeBinder &b, Value x, double alpha) {
  Value expm1 = b.create<q8::SubOp>(
      {b.create<q8::ExpOp>({x}), scalarLike(b, x, 1)});
  Value positive = b.create<q8::GreaterOp>({x, scalarLike(b, x, 0)});
  return b.create<q8::WhereOp>(
      {positive, x, b.create<q8::MulOp>({scalarLike(b, x, alpha), expm1})});
}

static LogicalResult handleElu(NodeBinder &b) {
  return b.result(buildElu(b, b.input(0), b.attrFloat("alpha", 1.0f)));
}

static LogicalResult handleExpand(NodeBinder &b) {
  FailureOr<SmallVector<int64_t>> shape = b.ints(1, "shape");
  if (failed(shape))
    return failure();
  return b.result(
      b.create<q8::ExpandOp>({b.input(0)}, {b.namedI64s("shape", *shape)}));
}

static LogicalResult handleFlatten(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  int64_t rank = shape.size();
  // axis may equal rank (everything in the first dim).
  int64_t axis = b.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return b.invalid("attribute 'axis' " + Twine(b.attrInt("axis", 1)) +
                     " is out of range for rank " + Twine(rank));
  return b.result(b.reshape(
      x, {product(shape, 0, axis), product(shape, axis, rank)}));
}

void q8::importer::registerHandlersAtoF(HandlerTable &t) {
  t.add("Abs", 1, unary<q8::AbsOp>);
  t.add("Add", 1, legacyBinary<q8::AddOp>);
  t.add("Add", 7, binary<q8::AddOp>);
  t.add("AveragePool", 1, handleAveragePool);
  t.add("AveragePool", 19, handleAveragePool);
  t.add("BatchNormalization", 6, handleBatchNormalization);
  t.add("Cast", 6, handleCast);
  t.add("CastLike", 15, handleCastLike);
  t.add("Celu", 12, handleCelu);
  t.add("Clip", 6, handleClip6);
  t.add("Clip", 11, handleClip11);
  t.add("Concat", 1, handleConcat);
  t.add("Constant", 1, handleConstant);
  t.add("ConstantOfShape", 9, handleConstantOfShape);
  t.add("Conv", 1, handleConv);
  t.add("ConvTranspose", 1, handleConvTranspose);
  t.add("DepthToSpace", 1, handleDepthToSpace);
  t.add("Div", 1, legacyBinary<q8::DivOp>);
  t.add("Div", 7, binary<q8::DivOp>);
  t.add("Dropout", 1, handleDropout);
  t.add("Elu", 1, handleElu);
  t.add("Equal", 7, binary<q8::EqualOp>);
  t.add("Erf", 9, unary<q8::ErfOp>);
  t.add("Exp", 1, unary<q8::ExpOp>);
  t.add("Expand", 8, handleExpand);
  t.add("Flatten", 1, handleFlatten);
}
