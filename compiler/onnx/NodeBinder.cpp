//===- NodeBinder.cpp - named access to one ONNX node for its handler -----===//

#include "compiler/onnx/NodeBinder.h"

#include "compiler/onnx/Tensors.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"
#include "dialects/Q8/Q8ValueNames.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

static Location getNodeLoc(MLIRContext *context, const onnx::NodeProto &node,
                           StringRef suffix) {
  std::string name = node.name();
  if (name.empty() && node.output_size())
    name = node.output(0);
  if (name.empty())
    name = node.op_type();
  return NameLoc::get(StringAttr::get(context, name + suffix.str()));
}

NodeBinder::NodeBinder(Importer &importer, const onnx::NodeProto &node,
                       int64_t sinceVersion)
    : importer(importer), node(node), sinceVersion(sinceVersion),
      loc(getNodeLoc(&importer.getContext(), node,
                     importer.getNameSuffix())) {}

//===----------------------------------------------------------------------===//
// Operands
//===----------------------------------------------------------------------===//

bool NodeBinder::hasInput(unsigned i) const {
  return i < static_cast<unsigned>(node.input_size()) && !node.input(i).empty();
}

Value NodeBinder::input(unsigned i) {
  if (!hasInput(i)) {
    (void)invalid("required input " + Twine(i) + " is missing");
    return {};
  }
  return optionalInput(i);
}

Value NodeBinder::optionalInput(unsigned i) {
  if (!hasInput(i))
    return {};
  Value value = importer.lookup(node.input(i));
  if (!value)
    (void)invalid("input '" + node.input(i) + "' is not defined before use");
  return value;
}

SmallVector<Value> NodeBinder::inputs() {
  SmallVector<Value> result;
  for (unsigned i = 0, e = node.input_size(); i < e; ++i)
    if (hasInput(i))
      result.push_back(optionalInput(i));
  return result;
}

ElementsAttr NodeBinder::getConstant(Value value) {
  if (!value)
    return {};
  if (auto constant = value.getDefiningOp<q8::ConstantOp>())
    return constant.getValue();
  return {};
}

FailureOr<ElementsAttr> NodeBinder::constantInput(unsigned i,
                                                  StringRef what) {
  Value value = input(i);
  if (!value)
    return failure();
  if (ElementsAttr attr = getConstant(value))
    return attr;
  const std::string &name = node.input(i);
  if (importer.isGraphInput(name))
    return unsupported("operand '" + what + "' is graph input '" + name +
                       "', which q8 needs at compile time: bind it with "
                       "--bind " +
                       name + "=FILE.pb");
  return unsupported("operand '" + what + "' ('" + name +
                     "') is computed from graph inputs at run time, but q8 "
                     "needs it at compile time: bind the inputs it depends "
                     "on with --bind NAME=FILE.pb");
}

FailureOr<std::optional<SmallVector<int64_t>>>
NodeBinder::optionalInts(unsigned i, StringRef what) {
  if (!hasInput(i))
    return std::optional<SmallVector<int64_t>>();
  FailureOr<ElementsAttr> attr = constantInput(i, what);
  if (failed(attr))
    return failure();
  std::optional<SmallVector<int64_t>> values = getIntValues(*attr);
  if (!values)
    return invalid("operand '" + what + "' must hold integers");
  return values;
}

FailureOr<SmallVector<int64_t>> NodeBinder::ints(unsigned i, StringRef what) {
  if (!hasInput(i))
    return invalid("required operand '" + what + "' (input " + Twine(i) +
                   ") is missing");
  auto values = optionalInts(i, what);
  if (failed(values))
    return failure();
  return **values;
}

FailureOr<std::optional<SmallVector<double>>>
NodeBinder::optionalFloats(unsigned i, StringRef what) {
  if (!hasInput(i))
    return std::optional<SmallVector<double>>();
  FailureOr<ElementsAttr> attr = constantInput(i, what);
  if (failed(attr))
    return failure();
  std::optional<SmallVector<double>> values = getFloatValues(*attr);
  if (!values)
    return invalid("operand '" + what + "' must hold numbers");
  return values;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *NodeBinder::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeBinder::attrInt(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeBinder::attrFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeBinder::attrString(StringRef name,
                                   StringRef defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeBinder::attrInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<float>>
NodeBinder::attrFloats(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<float>(a->floats().begin(), a->floats().end());
}

std::optional<SmallVector<std::string>>
NodeBinder::attrStrings(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<std::string>(a->strings().begin(), a->strings().end());
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

bool NodeBinder::isOutputUsed(unsigned i) const {
  return i < static_cast<unsigned>(node.output_size()) &&
         !node.output(i).empty() && importer.isUsed(node.output(i));
}

LogicalResult NodeBinder::setResult(unsigned i, Value value) {
  if (!value)
    return failure();
  if (i < static_cast<unsigned>(node.output_size()) && !node.output(i).empty()) {
    importer.define(node.output(i), value);
    // Name the value after its ONNX tensor when this node's op made it (an
    // Identity passes on a value that already has its producer's name).
    Operation *op = value.getDefiningOp();
    auto made = op ? dyn_cast<NameLoc>(op->getLoc()) : NameLoc();
    if (made && made.getName() == cast<NameLoc>(loc).getName() &&
        q8::getValueName(value).empty())
      q8::setValueName(value, node.output(i) + importer.getNameSuffix().str());
  }
  return success();
}

LogicalResult NodeBinder::rejectUsedOutputs(unsigned first, StringRef why) {
  for (unsigned i = first, e = node.output_size(); i < e; ++i)
    if (isOutputUsed(i))
      return unsupported("output " + Twine(i) + " ('" + node.output(i) +
                         "') is used, but " + why);
  return success();
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

SmallVector<Value> NodeBinder::createOp(StringRef opName,
                                        ArrayRef<Value> operands,
                                        ArrayRef<NamedAttribute> attrs) {
  if (llvm::any_of(operands, [](Value v) { return !v; }))
    return {};
  OpBuilder &b = getBuilder();
  OperationState state(loc, opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  size_t errorsBefore = importer.getNumErrors();
  auto failWith = [&](const Twine &what) -> SmallVector<Value> {
    if (importer.getNumErrors() == errorsBefore)
      (void)invalid(what);
    return {};
  };

  // Infer on a detached probe first: the builders that infer result types
  // abort on failure, and a bad model must give an error, not a crash.
  Operation *probe = Operation::create(state);
  SmallVector<Type> types;
  LogicalResult inferred = failure();
  if (auto iface = dyn_cast<InferTypeOpInterface>(probe))
    inferred = iface.inferReturnTypes(
        getContext(), loc, probe->getOperands(),
        probe->getRawDictionaryAttrs(), probe->getPropertiesStorage(),
        probe->getRegions(), types);
  probe->destroy();
  if (failed(inferred))
    return failWith("cannot infer the result type of '" + opName + "'");

  state.addTypes(types);
  Operation *op = b.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failWith("'" + opName + "' fails verification");
  }
  SmallVector<Value> folded;
  if (succeeded(b.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded;
  }
  return SmallVector<Value>(op->getResults());
}

Value NodeBinder::constant(ElementsAttr value) {
  return create<q8::ConstantOp>({}, {named("value", value)});
}

Value NodeBinder::constantFromTensor(const onnx::TensorProto &tensor) {
  onnx::TensorProto named = tensor;
  if (named.name().empty() && node.output_size())
    named.set_name(node.output(0));
  std::string error;
  FailureOr<ElementsAttr> attr = convertTensor(
      getContext(), named, importer.getOptions().resourceThreshold, error);
  if (failed(attr)) {
    (void)invalid(error);
    return {};
  }
  return constant(*attr);
}

Value NodeBinder::splat(Type element, double value, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, element);
  Attribute scalar;
  if (auto floatType = dyn_cast<FloatType>(element)) {
    APFloat v(value);
    bool lost;
    v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &lost);
    scalar = FloatAttr::get(element, v);
  } else {
    scalar = IntegerAttr::get(element, static_cast<int64_t>(value));
  }
  return constant(DenseElementsAttr::get(type, scalar));
}

Value NodeBinder::constantI64(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    getBuilder().getI64Type());
  return constant(DenseElementsAttr::get(type, values));
}

Value NodeBinder::reshape(Value value, ArrayRef<int64_t> shape) {
  return create<q8::ReshapeOp>({value}, {namedI64s("shape", shape)});
}

NamedAttribute NodeBinder::named(StringRef name, Attribute value) {
  return getBuilder().getNamedAttr(name, value);
}
NamedAttribute NodeBinder::namedI64(StringRef name, int64_t value) {
  return named(name, getBuilder().getI64IntegerAttr(value));
}
NamedAttribute NodeBinder::namedF32(StringRef name, float value) {
  return named(name, getBuilder().getF32FloatAttr(value));
}
NamedAttribute NodeBinder::namedBool(StringRef name, bool value) {
  return named(name, getBuilder().getBoolAttr(value));
}
NamedAttribute NodeBinder::namedStr(StringRef name, StringRef value) {
  return named(name, getBuilder().getStringAttr(value));
}
NamedAttribute NodeBinder::namedI64s(StringRef name, ArrayRef<int64_t> values) {
  return named(name, getBuilder().getDenseI64ArrayAttr(values));
}

//===----------------------------------------------------------------------===//
// Shapes and shared ONNX conventions
//===----------------------------------------------------------------------===//

RankedTensorType NodeBinder::getType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

ArrayRef<int64_t> NodeBinder::getShape(Value value) {
  return getType(value).getShape();
}

FailureOr<int64_t> NodeBinder::normalizeAxis(int64_t axis, int64_t rank,
                                             StringRef what) {
  if (axis < -rank || axis >= rank)
    return invalid(what + " " + Twine(axis) + " is out of range for rank " +
                   Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
NodeBinder::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank,
                          StringRef what, bool sort) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, what);
    if (failed(normalized))
      return failure();
    result.push_back(*normalized);
  }
  if (sort) {
    llvm::sort(result);
    result.erase(llvm::unique(result), result.end());
  }
  return result;
}

FailureOr<Window> NodeBinder::getWindow(ArrayRef<int64_t> spatial,
                                        ArrayRef<int64_t> weightKernel,
                                        bool hasDilations,
                                        SamePadding samePadding) {
  Window w;
  if (auto kernel = attrInts("kernel_shape"))
    w.kernel = *kernel;
  else
    w.kernel.assign(weightKernel.begin(), weightKernel.end());
  size_t n = spatial.size();
  if (w.kernel.size() != n)
    return invalid("kernel_shape has " + Twine(w.kernel.size()) +
                   " entries for " + Twine(n) + " spatial dims");
  w.strides = attrInts("strides").value_or(SmallVector<int64_t>(n, 1));
  w.dilations = hasDilations
                    ? attrInts("dilations").value_or(SmallVector<int64_t>(n, 1))
                    : SmallVector<int64_t>(n, 1);
  w.pads = attrInts("pads").value_or(SmallVector<int64_t>(2 * n, 0));
  if (w.strides.size() != n || w.dilations.size() != n ||
      w.pads.size() != 2 * n)
    return invalid("strides, dilations and pads must have " + Twine(n) +
                   ", " + Twine(n) + " and " + Twine(2 * n) + " entries");
  for (size_t i = 0; i < n; ++i)
    if (w.strides[i] <= 0 || w.dilations[i] <= 0 || w.kernel[i] <= 0)
      return invalid("kernel_shape, strides and dilations must be positive");
  std::string autoPad = attrString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    w.pads.assign(2 * n, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i) {
      int64_t out = (spatial[i] + w.strides[i] - 1) / w.strides[i];
      int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
      int64_t total = (out - 1) * w.strides[i] + extent - spatial[i];
      if (samePadding == SamePadding::Clamp)
        total = std::max<int64_t>(0, total);
      // ONNX Runtime's split, whose C++ division truncates negative totals
      // toward zero (SAME_LOWER -2: head 0, tail -2).
      w.pads[i] = autoPad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
      w.pads[i + n] = total - w.pads[i];
    }
  } else if (autoPad != "NOTSET") {
    return invalid("unknown auto_pad '" + autoPad + "'");
  }
  return w;
}

Value NodeBinder::cropNegativePads(Value x, Window &window) {
  size_t n = window.kernel.size();
  if (llvm::all_of(window.pads, [](int64_t pad) { return pad >= 0; }))
    return x;
  ArrayRef<int64_t> shape = getShape(x);
  size_t rank = shape.size();
  SmallVector<int64_t> starts(rank, 0), ends(shape), steps(rank, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t &head = window.pads[i], &tail = window.pads[i + n];
    if (head < 0)
      starts[rank - n + i] = -head;
    if (tail < 0)
      ends[rank - n + i] += tail;
    head = std::max<int64_t>(0, head);
    tail = std::max<int64_t>(0, tail);
  }
  return create<q8::SliceOp>({x}, {namedI64s("starts", starts),
                                   namedI64s("ends", ends),
                                   namedI64s("steps", steps)});
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

LogicalResult NodeBinder::fail(ImportErrorKind kind, const Twine &message) {
  importer.addError(kind, &node, message.str());
  return failure();
}
