//===- HandlersMtoR.cpp - ONNX ops MatMul .. Resize -----------------------===//

#include "compiler/onnx/Handlers.h"
#include "compiler/onnx/Tensors.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include "llvm/ADT/DenseSet.h"

#include <cmath>

using namespace mlir;
using namespace q8;
using namespace q8::importer;

static LogicalResult handleMaxPool(NodeBinder &b) {
  Value x = b.input(0);
  if (!x)
    return failure();
  if (failed(b.rejectUsedOutputs(1, "the Indices output is not supported")))
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x);
  if (shape.size() < 3)
    return b.invalid("input must have rank >= 3 (N, C, spatial...)");
  FailureOr<Window> w = b.getWindow(shape.drop_front(2), {},
                                    /*hasDilations=*/true,
                                    SamePadding::KeepNegative);
  if (failed(w))
    return failure();
  x = b.cropNegativePads(x, *w);
  return b.result(b.create<q8::MaxPoolOp>(
      {x}, {b.namedI64s("kernel_shape", w->kernel),
            b.namedI64s("strides", w->strides), b.namedI64s("pads", w->pads),
            b.namedI64s("dilations", w->dilations),
            b.namedBool("ceil_mode", b.attrInt("ceil_mode", 0))}));
}

static LogicalResult handleMean(NodeBinder &b) {
  Value sum = chain<q8::AddOp>(b);
  if (!sum)
    return failure();
  Value count = b.splat(b.getType(sum).getElementType(), b.inputs().size());
  return b.result(b.create<q8::DivOp>({sum, count}));
}

/// Mish (opset 18): x * tanh(softplus(x)), softplus as Softplus imports it
/// (buildSoftplus: finite for every finite x).
static LogicalResult handleMish(NodeBinder &b) {
  Value x = b.input(0);
  Value softplus = buildSoftplus(b, x);
  return b.result(
      b.create<q8::MulOp>({x, b.create<q8::TanhOp>({softplus})}));
}

static LogicalResult handlePad2(NodeBinder &b) {
  SmallVector<int64_t> pads = b.attrInts("pads").value_or(SmallVector<int64_t>());
  return b.result(b.create<q8::PadOp>(
      {b.input(0)},
      {b.namedI64s("pads", pads),
       b.namedStr("mode", b.attrString("mode", "constant")),
       b.named("value",
               b.getBuilder().getF64FloatAttr(b.attrFloat("value", 0)))}));
}

/// Pad-11 and on; from 18 the optional input 3 names the axes that `pads`
/// (begins, then ends, of those axes only) applies to.
static LogicalResult handlePad11(NodeBinder &b) {
  Value x = b.input(0);
  FailureOr<SmallVector<int64_t>> pads = b.ints(1, "pads");
  auto value = b.optionalFloats(2, "constant_value");
  if (!x || failed(pads) || failed(value))
    return failure();
  if (*value && (*value)->size() != 1)
    return b.invalid("operand 'constant_value' must be a scalar");
  std::string mode = b.attrString("mode", "constant");
  if (mode == "wrap")
    return b.unsupported("mode 'wrap' (Pad-19) is not supported");
  if (b.getSinceVersion() >= 18 && b.hasInput(3)) {
    int64_t rank = b.getType(x).getRank();
    FailureOr<SmallVector<int64_t>> given = b.ints(3, "axes");
    if (failed(given))
      return failure();
    auto axes = b.normalizeAxes(*given, rank, "axis", /*sort=*/false);
    if (failed(axes))
      return failure();
    if (llvm::SmallDenseSet<int64_t>(axes->begin(), axes->end()).size() !=
        axes->size())
      return b.invalid("'axes' " + formatShape(*given) + " has duplicates");
    if (pads->size() != 2 * axes->size())
      return b.invalid("'pads' has " + Twine(pads->size()) +
                       " values for " + Twine(axes->size()) +
                       " axes; it needs 2 per axis");
    SmallVector<int64_t> full(2 * rank, 0);
    for (auto [i, axis] : llvm::enumerate(*axes)) {
      full[axis] = (*pads)[i];
      full[rank + axis] = (*pads)[axes->size() + i];
    }
    *pads = std::move(full);
  }
  double v = *value ? (*value)->front() : 0.0;
  return b.result(b.create<q8::PadOp>(
      {x}, {b.namedI64s("pads", *pads), b.namedStr("mode", mode),
            b.named("value", b.getBuilder().getF64FloatAttr(v))}));
}

/// x < 0 ? slope * x : x, slope broadcasting to x. Before opset 7 a 1-D
/// slope of C values is per channel (dim 1), where numpy would align it with
/// the last dim.
static LogicalResult handlePRelu(NodeBinder &b) {
  Value x = b.input(0), slope = b.input(1);
  if (!x || !slope)
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x), slopeShape = b.getShape(slope);
  if (b.getSinceVersion() < 7 && slopeShape.size() == 1 && shape.size() > 2 &&
      slopeShape[0] == shape[1]) {
    SmallVector<int64_t> perChannel(shape.size() - 1, 1);
    perChannel[0] = slopeShape[0];
    slope = b.reshape(slope, perChannel);
  }
  Value scaled = b.create<q8::MulOp>({slope, x});
  if (scaled && b.getShape(scaled) != shape)
    return b.invalid("slope " + formatShape(slopeShape) +
                     " does not broadcast to the input " + formatShape(shape));
  Value negative = b.create<q8::LessOp>({x, scalarLike(b, x, 0)});
  return b.result(b.create<q8::WhereOp>({negative, scaled, x}));
}

static LogicalResult handleRange(NodeBinder &b) {
  Value start = b.input(0);
  auto s = b.optionalFloats(0, "start"), l = b.optionalFloats(1, "limit"),
       d = b.optionalFloats(2, "delta");
  if (!start || failed(s) || failed(l) || failed(d) || !*s || !*l || !*d)
    return failure();
  if ((*s)->size() != 1 || (*l)->size() != 1 || (*d)->size() != 1)
    return b.invalid("start, limit and delta must be scalars");
  double first = (*s)->front(), limit = (*l)->front(), delta = (*d)->front();
  if (delta == 0)
    return b.invalid("delta must not be zero");
  int64_t n = std::max<int64_t>(0, std::ceil((limit - first) / delta));
  Type element = b.getType(start).getElementType();
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i) {
    if (isa<FloatType>(element))
      values.push_back(FloatAttr::get(element, first + i * delta));
    else
      values.push_back(IntegerAttr::get(
          element, static_cast<int64_t>(first) + i * static_cast<int64_t>(delta)));
  }
  return b.result(b.constant(
      DenseElementsAttr::get(RankedTensorType::get({n}, element), values)));
}

/// The axes an ONNX reduction reduces: the attribute (ReduceSum before 13,
/// the others before 18) or operand 1. nullopt when noop_with_empty_axes
/// leaves the input as is (no axes given): ONNX Runtime then returns the
/// input unchanged, for the composite reductions too (ReduceL1, ...).
static FailureOr<std::optional<SmallVector<int64_t>>>
getReduceAxes(NodeBinder &b, bool axesFromInput) {
  SmallVector<int64_t> axes;
  if (!axesFromInput)
    return std::optional<SmallVector<int64_t>>(
        b.attrInts("axes").value_or(SmallVector<int64_t>()));
  if (b.hasAttr("axes"))
    return b.invalid("from this version on, 'axes' is an input, not an "
                     "attribute");
  auto given = b.optionalInts(1, "axes");
  if (failed(given))
    return failure();
  if (*given)
    axes = **given;
  if (axes.empty() && b.attrInt("noop_with_empty_axes", 0))
    return std::optional<SmallVector<int64_t>>();
  return std::optional<SmallVector<int64_t>>(axes);
}

/// ReduceMax/ReduceMin of a bool tensor (opset 20) as any/all: through
/// uint8, where true is 1 and the unsigned order is false < true.
template <typename OpTy>
static Value reduceBool(NodeBinder &b, Value x, ArrayRef<int64_t> axes,
                        bool keepdims) {
  OpBuilder &builder = b.getBuilder();
  Type u8 = IntegerType::get(b.getContext(), 8, IntegerType::Unsigned);
  Value wide =
      b.create<q8::CastOp>({x}, {b.named("to", TypeAttr::get(u8))});
  Value reduced = reduce<OpTy>(b, wide, axes, keepdims);
  return b.create<q8::CastOp>(
      {reduced}, {b.named("to", TypeAttr::get(builder.getI1Type()))});
}

template <typename OpTy, bool axesFromInput>
static LogicalResult handleReduce(NodeBinder &b) {
  Value x = b.input(0);
  auto axes = getReduceAxes(b, axesFromInput);
  if (!x || failed(axes))
    return failure();
  if (!*axes)
    return b.result(x);
  bool keepdims = b.attrInt("keepdims", 1);
  constexpr bool isExtreme = std::is_same_v<OpTy, q8::ReduceMaxOp> ||
                             std::is_same_v<OpTy, q8::ReduceMinOp>;
  if (isExtreme && b.getType(x).getElementType().isInteger(1))
    return b.result(reduceBool<OpTy>(b, x, **axes, keepdims));
  return b.result(reduce<OpTy>(b, x, **axes, keepdims));
}

/// ReduceL1, L2, LogSum, LogSumExp, SumSquare: a reduce_sum between an
/// elementwise prologue and epilogue.
enum class SumKind { L1, L2, LogSum, LogSumExp, SumSquare };
template <SumKind kind, bool axesFromInput>
static LogicalResult handleReduceComposite(NodeBinder &b) {
  Value x = b.input(0);
  auto given = getReduceAxes(b, axesFromInput);
  if (!x || failed(given))
    return failure();
  if (!*given)
    return b.result(x);
  SmallVector<int64_t> axes = **given;
  bool keepdims = b.attrInt("keepdims", 1);
  if (kind == SumKind::L1)
    x = b.create<q8::AbsOp>({x});
  else if (kind == SumKind::L2 || kind == SumKind::SumSquare)
    x = b.create<q8::MulOp>({x, x});
  // LogSumExp as max + log(sum(exp(x - max))), as ONNX Runtime computes
  // it: exp(x) alone overflows for x > ~88 (f32).
  Value max;
  if (kind == SumKind::LogSumExp) {
    max = reduce<q8::ReduceMaxOp>(b, x, axes, /*keepdims=*/true);
    x = b.create<q8::ExpOp>({b.create<q8::SubOp>({x, max})});
  }
  Value sum = reduce<q8::ReduceSumOp>(b, x, axes, keepdims);
  if (kind == SumKind::L2)
    sum = b.create<q8::SqrtOp>({sum});
  else if (kind == SumKind::LogSum || kind == SumKind::LogSumExp)
    sum = b.create<q8::LogOp>({sum});
  if (kind == SumKind::LogSumExp && sum)
    sum = b.create<q8::AddOp>(
        {sum, b.reshape(max, SmallVector<int64_t>(b.getShape(sum)))});
  return b.result(sum);
}

/// Resolves ONNX Reshape's 0 (copy, unless allowzero) and -1 (infer).
static LogicalResult reshapeTo(NodeBinder &b, Value x,
                               ArrayRef<int64_t> requested, bool allowZero) {
  if (!x)
    return failure();
  ArrayRef<int64_t> in = b.getShape(x);
  SmallVector<int64_t> shape(requested);
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return b.invalid("shape " + formatShape(requested) +
                         " copies dim " + Twine(i) + " of a rank-" +
                         Twine(in.size()) + " input");
      d = in[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return b.invalid("shape " + formatShape(requested) +
                         " has more than one -1");
      inferred = i;
      continue;
    }
    if (d < 0)
      return b.invalid("shape " + formatShape(requested) +
                       " has a negative dim");
    known *= d;
  }
  if (inferred >= 0) {
    int64_t total = product(in, 0, in.size());
    if (known == 0 || total % known)
      return b.invalid("cannot reshape " + formatShape(in) + " to " +
                       formatShape(requested));
    shape[inferred] = total / known;
  }
  return b.result(b.reshape(x, shape));
}

static LogicalResult handleReshape1(NodeBinder &b) {
  return reshapeTo(b, b.input(0),
                   b.attrInts("shape").value_or(SmallVector<int64_t>()), false);
}

static LogicalResult handleReshape5(NodeBinder &b) {
  FailureOr<SmallVector<int64_t>> shape = b.ints(1, "shape");
  if (failed(shape))
    return failure();
  return reshapeTo(b, b.input(0), *shape, b.attrInt("allowzero", 0));
}

/// Builds q8.resize to `outSizes` with the coordinate transform's
/// `outScales`, validating the mode attributes.
static LogicalResult createResize(NodeBinder &b, Value x,
                                  ArrayRef<int64_t> outSizes,
                                  ArrayRef<float> outScales,
                                  StringRef transform, StringRef nearestMode) {
  std::string mode = b.attrString("mode", "nearest");
  if (transform == "tf_crop_and_resize" || transform == "tf_half_pixel_for_nn")
    return b.unsupported("coordinate_transformation_mode '" + transform +
                         "' is not supported");
  if (b.getSinceVersion() < 11 && mode == "bilinear")
    mode = "linear";
  // Antialiasing widens the filter when downsampling with linear or cubic;
  // nearest, and upsampling, are the same with it or without.
  if (b.attrInt("antialias", 0) && (mode == "linear" || mode == "cubic") &&
      llvm::any_of(outScales, [](float s) { return s < 1.0f; }))
    return b.unsupported("antialias=1 (Resize-18) when downsampling with "
                         "mode '" +
                         mode + "' is not supported");
  return b.result(b.create<q8::ResizeOp>(
      {x},
      {b.namedI64s("sizes", outSizes),
       b.named("scales", b.getBuilder().getDenseF32ArrayAttr(outScales)),
       b.namedStr("mode", mode),
       b.namedStr("coordinate_transformation_mode", transform),
       b.namedStr("nearest_mode", nearestMode),
       b.namedF32("cubic_coeff_a", b.attrFloat("cubic_coeff_a", -0.75f)),
       b.namedBool("exclude_outside", b.attrInt("exclude_outside", 0)),
       b.namedF32("extrapolation_value",
                  b.attrFloat("extrapolation_value", 0.0f))}));
}

/// Builds q8.resize from scales or sizes (exactly one given).
LogicalResult q8::importer::buildResize(NodeBinder &b, Value x,
                                 std::optional<SmallVector<double>> scales,
                                 std::optional<SmallVector<int64_t>> sizes,
                                 StringRef transform, StringRef nearestMode) {
  if (!x)
    return failure();
  ArrayRef<int64_t> in = b.getShape(x);
  if (scales && scales->empty())
    scales.reset();
  if (sizes && sizes->empty())
    sizes.reset();
  if (!scales == !sizes)
    return b.invalid("exactly one of 'scales' and 'sizes' must be given");
  SmallVector<int64_t> outSizes;
  SmallVector<float> outScales;
  if ((scales ? scales->size() : sizes->size()) != in.size())
    return b.invalid("'scales'/'sizes' must have one entry per input dim");
  for (size_t i = 0; i < in.size(); ++i) {
    if (scales) {
      if ((*scales)[i] <= 0)
        return b.invalid("scales must be positive");
      outScales.push_back((*scales)[i]);
      outSizes.push_back(std::floor(in[i] * (*scales)[i]));
    } else {
      outSizes.push_back((*sizes)[i]);
      outScales.push_back(in[i] ? float((*sizes)[i]) / in[i] : 1.0f);
    }
  }
  return createResize(b, x, outSizes, outScales, transform, nearestMode);
}

static LogicalResult handleResize10(NodeBinder &b) {
  auto scales = b.optionalFloats(1, "scales");
  if (failed(scales))
    return failure();
  // Resize-10 has Upsample's semantics: asymmetric coordinates, floor.
  return buildResize(b, b.input(0), *scales, std::nullopt, "asymmetric",
                     "floor");
}

/// Resize-18 and on: the `axes` attribute restricts scales or sizes to those
/// dims (the others keep their size), and keep_aspect_ratio_policy
/// not_larger / not_smaller fits sizes by one common scale, as ONNX Runtime
/// does: scale = min (max) of sizes / input over `axes`, each of those dims
/// round(scale * input), and the coordinate transform uses that scale.
static LogicalResult handleResize18(NodeBinder &b) {
  Value x = b.input(0);
  auto scales = b.optionalFloats(2, "scales");
  auto sizes = b.optionalInts(3, "sizes");
  if (!x || failed(scales) || failed(sizes))
    return failure();
  std::string transform =
      b.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearestMode = b.attrString("nearest_mode", "round_prefer_floor");
  ArrayRef<int64_t> in = b.getShape(x);
  int64_t rank = in.size();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (auto given = b.attrInts("axes")) {
    auto normalized = b.normalizeAxes(*given, rank, "axis", /*sort=*/false);
    if (failed(normalized))
      return failure();
    if (llvm::SmallDenseSet<int64_t>(normalized->begin(), normalized->end())
            .size() != normalized->size())
      return b.invalid("attribute 'axes' " + formatShape(*given) +
                       " has duplicates");
    axes = *normalized;
  }
  std::optional<SmallVector<double>> fullScales;
  std::optional<SmallVector<int64_t>> fullSizes;
  if (*scales && !(*scales)->empty()) {
    if ((*scales)->size() != axes.size())
      return b.invalid("'scales' has " + Twine((*scales)->size()) +
                       " values for " + Twine(axes.size()) + " axes");
    fullScales = SmallVector<double>(rank, 1.0);
    for (auto [i, axis] : llvm::enumerate(axes))
      (*fullScales)[axis] = (**scales)[i];
  }
  if (*sizes && !(*sizes)->empty()) {
    if ((*sizes)->size() != axes.size())
      return b.invalid("'sizes' has " + Twine((*sizes)->size()) +
                       " values for " + Twine(axes.size()) + " axes");
    fullSizes = SmallVector<int64_t>(in);
    for (auto [i, axis] : llvm::enumerate(axes))
      (*fullSizes)[axis] = (**sizes)[i];
  }
  std::string policy = b.attrString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return b.invalid("unknown keep_aspect_ratio_policy '" + policy + "'");
  if (policy == "stretch" || !fullSizes || fullScales)
    return buildResize(b, x, fullScales, fullSizes, transform, nearestMode);

  bool notLarger = policy == "not_larger";
  float scale = 0;
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (in[axis] == 0 || (*fullSizes)[axis] <= 0)
      return b.invalid("'sizes' must be positive");
    float s = float((*fullSizes)[axis]) / in[axis];
    scale = i == 0 ? s : notLarger ? std::min(scale, s) : std::max(scale, s);
  }
  SmallVector<int64_t> outSizes(in);
  SmallVector<float> outScales(rank, 1.0f);
  for (int64_t axis : axes) {
    outSizes[axis] = static_cast<int64_t>(std::round(scale * in[axis]));
    outScales[axis] = scale;
    if (outSizes[axis] <= 0)
      return b.invalid("keep_aspect_ratio_policy '" + policy +
                       "' gives an empty dim " + Twine(axis));
  }
  return createResize(b, x, outSizes, outScales, transform, nearestMode);
}

static LogicalResult handleResize11(NodeBinder &b) {
  auto scales = b.optionalFloats(2, "scales");
  auto sizes = b.optionalInts(3, "sizes");
  if (failed(scales) || failed(sizes))
    return failure();
  return buildResize(
      b, b.input(0), *scales, *sizes,
      b.attrString("coordinate_transformation_mode", "half_pixel"),
      b.attrString("nearest_mode", "round_prefer_floor"));
}

//===----------------------------------------------------------------------===//
// QDQ ops: QuantizeLinear, DequantizeLinear, QLinearMatMul, QLinearConv,
// MatMulInteger.
// DequantizeLinear is registered here too: it shares the quant type
// builder below. Quantized values are !quant.uniform tensors bridged to
// ONNX's integer tensors by quant.scast (and a q8.cast between ui8 and
// the signless i8 storage that quant.scast takes).
//===----------------------------------------------------------------------===//

/// The !quant.uniform element of a tensor of `shape` quantized with the
/// constant scale (input `scaleIndex`) and optional zero point (input
/// `zpIndex`; absent: 0 as uint8); `axis` applies to per-axis scales.
static FailureOr<quant::QuantizedType>
buildQuantType(NodeBinder &b, unsigned scaleIndex, unsigned zpIndex,
               ArrayRef<int64_t> shape, int64_t axis, StringRef what,
               bool signedWithoutZeroPoint = false) {
  auto scales = b.optionalFloats(scaleIndex, (what + "_scale").str());
  if (failed(scales))
    return failure();
  if (!*scales)
    return b.invalid("required operand '" + what + "_scale' is missing");
  SmallVector<int64_t> zeroPoints;
  bool isSigned = signedWithoutZeroPoint;
  if (b.hasInput(zpIndex)) {
    auto zps = b.optionalInts(zpIndex, (what + "_zero_point").str());
    if (failed(zps))
      return failure();
    zeroPoints = **zps;
    auto element = dyn_cast<IntegerType>(
        b.getType(b.input(zpIndex)).getElementType());
    if (!element || element.getWidth() != 8)
      return b.unsupported("only int8 and uint8 quantization is supported");
    isSigned = !element.isUnsigned();
  }
  SmallVector<double> scaleValues = **scales;
  if (zeroPoints.empty())
    zeroPoints.assign(scaleValues.size(), 0);
  if (zeroPoints.size() != scaleValues.size())
    return b.invalid("'" + what + "_scale' and '" + what +
                     "_zero_point' have different sizes");
  for (double scale : scaleValues)
    if (!(scale > 0) || !std::isfinite(scale))
      return b.unsupported("scales must be positive and finite");
  MLIRContext *context = b.getContext();
  Type storage = IntegerType::get(context, 8);
  Type expressed = Float32Type::get(context);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  int64_t lo = isSigned ? -128 : 0, hi = isSigned ? 127 : 255;
  if (scaleValues.size() == 1)
    return cast<quant::QuantizedType>(quant::UniformQuantizedType::get(
        flags, storage, expressed, scaleValues[0], zeroPoints[0], lo, hi));
  FailureOr<int64_t> dim = b.normalizeAxis(axis, shape.size(), "axis");
  if (failed(dim))
    return failure();
  if (shape[*dim] != static_cast<int64_t>(scaleValues.size()))
    return b.invalid("'" + what + "_scale' has " + Twine(scaleValues.size()) +
                     " values for dim " + Twine(*dim) + " of size " +
                     Twine(shape[*dim]));
  return cast<quant::QuantizedType>(quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, scaleValues, zeroPoints, *dim, lo, hi));
}

/// ONNX integer tensor `x` (i8 or ui8) as a tensor of `element`.
static Value toQuantized(NodeBinder &b, Value x, quant::QuantizedType element) {
  if (!x)
    return {};
  RankedTensorType type = b.getType(x);
  auto integer = dyn_cast<IntegerType>(type.getElementType());
  if (!integer || integer.getWidth() != 8 ||
      integer.isUnsigned() == element.isSigned()) {
    (void)b.invalid("an 8-bit integer operand must match its zero point's "
                    "type");
    return {};
  }
  Type i8 = IntegerType::get(b.getContext(), 8);
  if (integer.isUnsigned())
    x = b.create<q8::CastOp>({x}, {b.named("to", TypeAttr::get(i8))});
  if (!x)
    return {};
  return quant::StorageCastOp::create(b.getBuilder(), b.getLoc(),
                                      type.clone(element), x);
}

/// A quantized tensor as ONNX's i8 or ui8 tensor.
static Value fromQuantized(NodeBinder &b, Value q) {
  if (!q)
    return {};
  RankedTensorType type = b.getType(q);
  auto element = cast<quant::QuantizedType>(type.getElementType());
  Type i8 = IntegerType::get(b.getContext(), 8);
  Value x = quant::StorageCastOp::create(b.getBuilder(), b.getLoc(),
                                         type.clone(i8), q);
  if (element.isSigned())
    return x;
  return b.create<q8::CastOp>(
      {x}, {b.named("to", TypeAttr::get(IntegerType::get(
                              b.getContext(), 8, IntegerType::Unsigned)))});
}

/// Refuses what QuantizeLinear and DequantizeLinear gained at opset 21:
/// blocked quantization.
static LogicalResult checkQdqAttributes(NodeBinder &b) {
  if (b.attrInt("block_size", 0) != 0)
    return b.unsupported("blocked quantization (block_size " +
                         Twine(b.attrInt("block_size", 0)) +
                         ", opset 21) is not supported");
  return success();
}

static LogicalResult handleDequantizeLinear(NodeBinder &b) {
  Value x = b.input(0);
  if (!x || failed(checkQdqAttributes(b)))
    return failure();
  auto integer = dyn_cast<IntegerType>(b.getType(x).getElementType());
  if (!integer || integer.getWidth() != 8)
    return b.unsupported("only int8 and uint8 inputs are supported");
  // Without x_zero_point, the zero point is 0 of x's type.
  FailureOr<quant::QuantizedType> element = buildQuantType(
      b, 1, 2, b.getShape(x), b.attrInt("axis", 1), "x",
      /*signedWithoutZeroPoint=*/!integer.isUnsigned());
  if (failed(element))
    return failure();
  return b.result(
      b.create<q8::DequantizeOp>({toQuantized(b, x, *element)}));
}

/// QuantizeLinear; from opset 19 `saturate` (float8 targets only), from 21
/// `output_dtype`, which gives the type when y_zero_point is absent.
static LogicalResult handleQuantizeLinear(NodeBinder &b) {
  Value x = b.input(0);
  if (!x || failed(checkQdqAttributes(b)))
    return failure();
  if (!b.getType(x).getElementType().isF32())
    return b.unsupported("only f32 inputs are supported");
  int64_t outputType = b.attrInt("output_dtype", 0);
  if (outputType != 0 && outputType != onnx::TensorProto::UINT8 &&
      outputType != onnx::TensorProto::INT8)
    return b.unsupported("output_dtype " + getOnnxTypeName(outputType) +
                         " is not supported (only UINT8 and INT8)");
  if (outputType != 0 && b.hasInput(2)) {
    Value zp = b.input(2);
    if (!zp)
      return failure();
    Type expected = getElementType(b.getContext(), outputType);
    if (b.getType(zp).getElementType() != expected)
      return b.invalid("output_dtype " + getOnnxTypeName(outputType) +
                       " differs from the type of 'y_zero_point'");
  }
  FailureOr<quant::QuantizedType> element = buildQuantType(
      b, 1, 2, b.getShape(x), b.attrInt("axis", 1), "y",
      /*signedWithoutZeroPoint=*/outputType == onnx::TensorProto::INT8);
  if (failed(element))
    return failure();
  Value q = b.create<q8::QuantizeOp>(
      {x}, {b.named("resultType",
                    TypeAttr::get(b.getType(x).clone(*element)))});
  return b.result(fromQuantized(b, q));
}

/// The slices of `x` ([B, ...]) along dim 0, each without that dim.
static SmallVector<Value> unstack(NodeBinder &b, Value x) {
  ArrayRef<int64_t> shape = b.getShape(x);
  SmallVector<int64_t> sizes(shape[0], 1);
  SmallVector<Value> pieces = b.createMulti<q8::SplitOp>(
      {x}, {b.namedI64("axis", 0), b.namedI64s("sizes", sizes)});
  for (Value &piece : pieces)
    piece = b.reshape(piece, shape.drop_front());
  return pieces;
}

static LogicalResult handleQLinearMatMul(NodeBinder &b) {
  Value a = b.input(0), w = b.input(3);
  if (!a || !w)
    return failure();
  ArrayRef<int64_t> aShape = b.getShape(a), wShape = b.getShape(w);
  int64_t wRank = wShape.size();
  // Batched weights: one q8.qlinear per batch over the same batch of `a`.
  bool batched = wRank > 2;
  if (wRank < 2 || aShape.size() < 1 ||
      (batched && (aShape.size() != wShape.size() ||
                   aShape.drop_back(2) != wShape.drop_back(2))))
    return b.unsupported("only [..., K] x [K, N] operands, or equal batch "
                         "dims, are supported");
  auto aType = buildQuantType(b, 1, 2, aShape.take_back(2), -1, "a");
  if (failed(aType))
    return failure();
  if (isa<quant::UniformQuantizedPerAxisType>(*aType))
    return b.unsupported("'a' must be quantized per tensor");
  auto wType = buildQuantType(b, 4, 5, wShape.take_back(2), 1, "b");
  auto yType = buildQuantType(b, 6, 7, {}, 0, "y");
  if (failed(wType) || failed(yType))
    return failure();
  auto linear = [&](Value x, Value weight) {
    return fromQuantized(
        b, b.create<q8::QLinearOp>(
               {toQuantized(b, x, *aType), toQuantized(b, weight, *wType)},
               {b.named("resultType", TypeAttr::get(*yType))}));
  };
  if (!batched)
    return b.result(linear(a, w));
  int64_t count = product(wShape, 0, wRank - 2);
  int64_t m = aShape[wRank - 2], k = wShape[wRank - 2], n = wShape.back();
  SmallVector<Value> as = unstack(b, b.reshape(a, {count, m, k}));
  SmallVector<Value> ws = unstack(b, b.reshape(w, {count, k, n}));
  if (as.size() != size_t(count) || ws.size() != size_t(count))
    return failure();
  SmallVector<Value> ys;
  for (int64_t i = 0; i < count; ++i)
    ys.push_back(b.reshape(linear(as[i], ws[i]), {1, m, n}));
  Value y = ys.size() == 1 ? ys.front()
                           : b.create<q8::ConcatOp>(ys, {b.namedI64("axis", 0)});
  SmallVector<int64_t> shape(aShape.drop_back());
  shape.push_back(n);
  return b.result(b.reshape(y, shape));
}

/// QLinearConv: q8.qconv requantizing to y's type; the window attributes
/// as Conv's, the optional int32 bias B as qconv's bias.
static LogicalResult handleQLinearConv(NodeBinder &b) {
  Value x = b.input(0), w = b.input(3), bias = b.optionalInput(8);
  if (!x || !w || (b.hasInput(8) && !bias))
    return failure();
  ArrayRef<int64_t> shape = b.getShape(x), weight = b.getShape(w);
  if (shape.size() < 3 || weight.size() != shape.size())
    return b.invalid("input and weight must have the same rank >= 3");
  FailureOr<Window> win =
      b.getWindow(shape.drop_front(2), weight.drop_front(2));
  if (failed(win))
    return failure();
  auto xType = buildQuantType(b, 1, 2, shape, 1, "x");
  if (failed(xType))
    return failure();
  if (isa<quant::UniformQuantizedPerAxisType>(*xType))
    return b.unsupported("'x' must be quantized per tensor");
  auto wType = buildQuantType(b, 4, 5, weight, 0, "w");
  auto yType = buildQuantType(b, 6, 7, {}, 0, "y");
  if (failed(wType) || failed(yType))
    return failure();
  SmallVector<Value> operands = {toQuantized(b, x, *xType),
                                 toQuantized(b, w, *wType)};
  if (bias)
    operands.push_back(bias);
  return b.result(fromQuantized(
      b, b.create<q8::QConvOp>(
             operands, {b.namedI64s("strides", win->strides),
                        b.namedI64s("pads", win->pads),
                        b.namedI64s("dilations", win->dilations),
                        b.namedI64("group", b.attrInt("group", 1)),
                        b.named("resultType", TypeAttr::get(*yType))})));
}

/// (A - a_zero_point) x (B - b_zero_point) in int32: an exact i32 matmul.
static LogicalResult handleMatMulInteger(NodeBinder &b) {
  Type i32 = IntegerType::get(b.getContext(), 32);
  auto widen = [&](Value v) {
    return b.create<q8::CastOp>({v}, {b.named("to", TypeAttr::get(i32))});
  };
  Value lhs = widen(b.input(0)), rhs = widen(b.input(1));
  if (Value zp = b.optionalInput(2)) {
    if (b.getType(zp).getNumElements() != 1)
      return b.unsupported("only a per-tensor 'a_zero_point' is supported");
    lhs = b.create<q8::SubOp>({lhs, widen(zp)});
  }
  if (Value zp = b.optionalInput(3)) {
    // A per-column zero point [N] broadcasts along B's last dim as is.
    rhs = b.create<q8::SubOp>({rhs, widen(zp)});
  }
  return b.result(b.create<q8::MatMulOp>({lhs, rhs}));
}

void q8::importer::registerHandlersMtoR(HandlerTable &t) {
  t.add("DequantizeLinear", 10, handleDequantizeLinear);
  t.add("DequantizeLinear", 21, handleDequantizeLinear);
  t.add("MatMul", 1, binary<q8::MatMulOp>);
  t.add("MatMulInteger", 10, handleMatMulInteger);
  t.add("Max", 6, variadic<q8::MaxOp>);
  t.add("MaxPool", 1, handleMaxPool);
  t.add("Mean", 6, handleMean);
  t.add("Min", 6, variadic<q8::MinOp>);
  t.add("Mish", 18, handleMish);
  t.add("Mul", 1, legacyBinary<q8::MulOp>);
  t.add("Mul", 7, binary<q8::MulOp>);
  t.add("Neg", 1, unary<q8::NegOp>);
  t.add("Pad", 2, handlePad2);
  t.add("Pad", 11, handlePad11);
  t.add("Pad", 18, handlePad11);
  t.add("PRelu", 1, handlePRelu);
  t.add("Pow", 1, legacyBinary<q8::PowOp>);
  t.add("Pow", 7, binary<q8::PowOp>);
  t.add("QLinearConv", 10, handleQLinearConv);
  t.add("QLinearMatMul", 10, handleQLinearMatMul);
  t.add("QuantizeLinear", 10, handleQuantizeLinear);
  t.add("QuantizeLinear", 19, handleQuantizeLinear);
  t.add("QuantizeLinear", 21, handleQuantizeLinear);
  t.add("Range", 11, handleRange);
  t.add("Reciprocal", 1, unary<q8::ReciprocalOp>);
  t.add("ReduceL1", 1, handleReduceComposite<SumKind::L1, false>);
  t.add("ReduceL1", 18, handleReduceComposite<SumKind::L1, true>);
  t.add("ReduceL2", 1, handleReduceComposite<SumKind::L2, false>);
  t.add("ReduceL2", 18, handleReduceComposite<SumKind::L2, true>);
  t.add("ReduceLogSum", 1, handleReduceComposite<SumKind::LogSum, false>);
  t.add("ReduceLogSum", 18, handleReduceComposite<SumKind::LogSum, true>);
  t.add("ReduceLogSumExp", 1,
        handleReduceComposite<SumKind::LogSumExp, false>);
  t.add("ReduceLogSumExp", 18,
        handleReduceComposite<SumKind::LogSumExp, true>);
  t.add("ReduceMax", 1, handleReduce<q8::ReduceMaxOp, false>);
  t.add("ReduceMax", 18, handleReduce<q8::ReduceMaxOp, true>);
  t.add("ReduceMean", 1, handleReduce<q8::ReduceMeanOp, false>);
  t.add("ReduceMean", 18, handleReduce<q8::ReduceMeanOp, true>);
  t.add("ReduceMin", 1, handleReduce<q8::ReduceMinOp, false>);
  t.add("ReduceMin", 18, handleReduce<q8::ReduceMinOp, true>);
  t.add("ReduceSum", 1, handleReduce<q8::ReduceSumOp, false>);
  t.add("ReduceSum", 13, handleReduce<q8::ReduceSumOp, true>);
  t.add("ReduceSumSquare", 1, handleReduceComposite<SumKind::SumSquare, false>);
  t.add("ReduceSumSquare", 18,
        handleReduceComposite<SumKind::SumSquare, true>);
  t.add("Relu", 1, unary<q8::ReluOp>);
  t.add("Reshape", 1, handleReshape1);
  t.add("Reshape", 5, handleReshape5);
  t.add("Resize", 10, handleResize10);
  t.add("Resize", 11, handleResize11);
  t.add("Resize", 18, handleResize18);
}
