//===- Importer.cpp - ONNX graph to q8 IR: signature, walk, value map -----===//

#include "compiler/onnx/Importer.h"

#include "compiler/onnx/ModelLoader.h"
#include "compiler/onnx/NodeBinder.h"
#include "compiler/onnx/Tensors.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

//===----------------------------------------------------------------------===//
// HandlerTable
//===----------------------------------------------------------------------===//

void HandlerTable::add(StringRef opType, int64_t sinceVersion,
                       Handler handler) {
  auto &list = handlers[opType];
  list.push_back({sinceVersion, handler});
  llvm::sort(list, [](auto &a, auto &b) { return a.first < b.first; });
}

Handler HandlerTable::lookup(StringRef opType, int64_t sinceVersion) const {
  auto it = handlers.find(opType);
  if (it == handlers.end())
    return nullptr;
  Handler best = nullptr;
  for (auto &[since, handler] : it->second)
    if (since <= sinceVersion)
      best = handler;
  return best;
}

const HandlerTable &HandlerTable::get() {
  static const HandlerTable table = [] {
    HandlerTable t;
    registerHandlersAtoF(t);
    registerHandlersGtoL(t);
    registerHandlersMtoR(t);
    registerHandlersStoZ(t);
    registerHandlersControlFlow(t);
    return t;
  }();
  return table;
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext &context, const std::string &path,
                   onnx::ModelProto &model, const ImportOptions &options,
                   std::vector<ImportError> &errors)
    : context(context), path(path), model(model), options(options),
      errors(errors), builder(&context) {}

void Importer::addError(ImportErrorKind kind, const onnx::NodeProto *node,
                        const std::string &message) {
  ImportError error{kind, "", "", message};
  if (node) {
    error.node = node->name();
    if (error.node.empty() && node->output_size())
      error.node = node->output(0);
    error.opType = node->op_type();
  }
  errors.push_back(std::move(error));
}

static bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Lists every node whose op has no handler, so a user sees all of them at
/// once rather than one per run.
LogicalResult Importer::checkSupported() {
  return checkSupported(model.graph());
}

/// The subgraphs (If branches, Loop bodies) that `node` holds.
static SmallVector<const onnx::GraphProto *>
getSubgraphs(const onnx::NodeProto &node) {
  SmallVector<const onnx::GraphProto *> graphs;
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.has_g())
      graphs.push_back(&attr.g());
    for (const onnx::GraphProto &g : attr.graphs())
      graphs.push_back(&g);
  }
  return graphs;
}

LogicalResult Importer::checkSupported(const onnx::GraphProto &graph) {
  const HandlerTable &table = HandlerTable::get();
  bool ok = true;
  for (const onnx::NodeProto &node : graph.node()) {
    for (const onnx::GraphProto *subgraph : getSubgraphs(node))
      if (failed(checkSupported(*subgraph)))
        ok = false;
    if (!isDefaultDomain(node.domain())) {
      addError(ImportErrorKind::Unsupported, &node,
               "op domain '" + node.domain() + "' is not supported");
      ok = false;
      continue;
    }
    int64_t since = getSinceVersion(node.op_type(), opset, "");
    if (since < 0) {
      addError(ImportErrorKind::Unsupported, &node,
               "ONNX has no op '" + node.op_type() + "' at opset " +
                   std::to_string(opset));
      ok = false;
      continue;
    }
    if (!table.lookup(node.op_type(), since)) {
      addError(ImportErrorKind::Unsupported, &node,
               "op '" + node.op_type() + "' (version " +
                   std::to_string(since) + ") is not supported");
      ok = false;
      continue;
    }
    sinceVersions[node.op_type()] = since;
  }
  return success(ok);
}

static std::string formatDeclared(const onnx::TensorShapeProto &shape) {
  std::string s = "[";
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i)
      s += ", ";
    const auto &dim = shape.dim(i);
    s += dim.has_dim_value() ? std::to_string(dim.dim_value())
         : dim.has_dim_param() ? dim.dim_param()
                               : std::string("?");
  }
  return s + "]";
}

RankedTensorType
Importer::getInputType(const onnx::ValueInfoProto &info,
                       ArrayRef<InputDim> override,
                       SmallVectorImpl<DynamicDim> &dynamic) {
  const std::string &name = info.name();
  auto fail = [&](ImportErrorKind kind, const std::string &message) {
    addError(kind, nullptr, "graph input '" + name + "': " + message);
    return RankedTensorType();
  };
  if (!info.type().has_tensor_type())
    return fail(ImportErrorKind::UnsupportedFeature,
                "only tensor inputs are supported");
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  Type element = getElementType(&context, tensor.elem_type());
  if (!element)
    return fail(ImportErrorKind::UnsupportedFeature,
                "element type " + getOnnxTypeName(tensor.elem_type()) +
                    " is not supported");
  auto declaredParam = [&](int i) -> std::string {
    if (!tensor.has_shape())
      return "?";
    const auto &dim = tensor.shape().dim(i);
    return dim.has_dim_param() && !dim.dim_param().empty() ? dim.dim_param()
                                                           : "?";
  };
  SmallVector<int64_t> shape;
  if (!override.empty() || !tensor.has_shape()) {
    if (tensor.has_shape() && tensor.shape().dim_size() != (int)override.size())
      return fail(ImportErrorKind::Invalid,
                  "--input-shape gives " + std::to_string(override.size()) +
                      " dims but the model declares rank " +
                      std::to_string(tensor.shape().dim_size()) + " " +
                      formatDeclared(tensor.shape()));
    if (!tensor.has_shape() && override.empty())
      return fail(ImportErrorKind::UnsupportedFeature,
                  "its rank is unknown; give its shape with --input-shape " +
                      name + "=D0,D1,...");
    for (auto [i, d] : llvm::enumerate(override)) {
      bool declaredFixed = tensor.has_shape() &&
                           tensor.shape().dim(i).has_dim_value() &&
                           tensor.shape().dim(i).dim_value() >= 0;
      int64_t declared =
          declaredFixed ? tensor.shape().dim(i).dim_value() : 0;
      if (d.isDynamic()) {
        if (declaredFixed)
          return fail(ImportErrorKind::Invalid,
                      "--input-shape keeps dim " + std::to_string(i) +
                          " open but the model fixes it to " +
                          std::to_string(declared));
        dynamic.push_back({(int64_t)i, declaredParam(i), d.min, d.max});
        shape.push_back(0);
        continue;
      }
      if (declaredFixed && declared != d.size)
        return fail(ImportErrorKind::Invalid,
                    "--input-shape sets dim " + std::to_string(i) + " to " +
                        std::to_string(d.size) + " but the model fixes it to " +
                        std::to_string(declared));
      shape.push_back(d.size);
    }
  } else {
    for (int i = 0; i < tensor.shape().dim_size(); ++i) {
      const auto &dim = tensor.shape().dim(i);
      if (dim.has_dim_value() && dim.dim_value() >= 0) {
        shape.push_back(dim.dim_value());
        continue;
      }
      dynamic.push_back(
          {i, declaredParam(i), 1, InputDim::kUnbounded});
      shape.push_back(0);
    }
  }
  if (!dynamic.empty()) {
    // Without an extent for them, dynamic dims are an error (every one of
    // the input's in one message; createSignature adds the --input-shape
    // line for all inputs).
    if (options.dynamicExtent <= 0) {
      std::string list;
      for (auto [n, d] : llvm::enumerate(dynamic))
        list += (n ? ", " : "") + std::to_string(d.position) +
                (d.name != "?" ? " ('" + d.name + "')" : std::string());
      return fail(ImportErrorKind::UnsupportedFeature,
                  std::string(dynamic.size() == 1 ? "dim " : "dims ") + list +
                      " of " +
                      (tensor.has_shape() ? formatDeclared(tensor.shape())
                                          : formatShape(shape)) +
                      (dynamic.size() == 1 ? " is" : " are") + " dynamic");
    }
    for (const DynamicDim &d : dynamic)
      shape[d.position] = options.dynamicExtent;
  }
  if (!checkedNumElements(shape))
    return fail(ImportErrorKind::Invalid,
                "shape " + formatShape(shape) +
                    " has more elements than fit in int64");
  return RankedTensorType::get(shape, element);
}

LogicalResult Importer::createSignature() {
  const onnx::GraphProto &graph = model.graph();
  llvm::StringSet<> initializers, inputNames;
  for (const onnx::TensorProto &t : graph.initializer())
    initializers.insert(t.name());
  for (const onnx::ValueInfoProto &info : graph.input())
    inputNames.insert(info.name());

  bool ok = true;
  llvm::StringMap<ArrayRef<InputDim>> overrides;
  for (const InputShape &s : options.inputShapes) {
    if (!inputNames.contains(s.name) || initializers.contains(s.name)) {
      addError(ImportErrorKind::Invalid, nullptr,
               "--input-shape names '" + s.name +
                   "', which is not a graph input");
      ok = false;
    }
    overrides[s.name] = s.dims;
  }
  llvm::StringSet<> bound;
  for (const InputBinding &b : options.bindings) {
    if (!inputNames.contains(b.name)) {
      addError(ImportErrorKind::Invalid, nullptr,
               "--bind names '" + b.name + "', which is not a graph input");
      ok = false;
    }
    bound.insert(b.name);
  }

  SmallVector<Type> types;
  SmallVector<std::string> names;
  SmallVector<SmallVector<DynamicDim>> dynamicDims;
  // The --input-shape flags that would fix every dynamic input at once:
  // fixed dims as declared, dynamic ones by their dim_param (the same name
  // is the same size) or '?'.
  std::string fixes, symbols;
  llvm::StringSet<> seenSymbols;
  for (const onnx::ValueInfoProto &info : graph.input()) {
    if (initializers.contains(info.name()) || bound.contains(info.name()))
      continue;
    ArrayRef<InputDim> override = overrides.lookup(info.name());
    SmallVector<DynamicDim> dynamic;
    RankedTensorType type = getInputType(info, override, dynamic);
    if (!type) {
      ok = false;
      const onnx::TypeProto &t = info.type();
      if (override.empty() && t.has_tensor_type() &&
          t.tensor_type().has_shape()) {
        std::string flag;
        bool dynamic = false;
        for (const auto &dim : t.tensor_type().shape().dim()) {
          if (!flag.empty())
            flag += ",";
          if (dim.has_dim_value() && dim.dim_value() >= 0) {
            flag += std::to_string(dim.dim_value());
            continue;
          }
          dynamic = true;
          std::string symbol = dim.has_dim_param() ? dim.dim_param() : "?";
          flag += symbol;
          if (symbol != "?" && seenSymbols.insert(symbol).second)
            symbols += (symbols.empty() ? "" : ", ") + symbol;
        }
        if (dynamic)
          fixes += " --input-shape " + info.name() + "=" + flag;
      }
      continue;
    }
    types.push_back(type);
    names.push_back(info.name());
    dynamicDims.push_back(std::move(dynamic));
  }
  if (!fixes.empty())
    addError(ImportErrorKind::UnsupportedFeature, nullptr,
             "q8 compiles static shapes; fix every dynamic dim with" + fixes +
                 " (giving " + (symbols.empty() ? "each ?" : symbols) +
                 (fixes.find('?') != std::string::npos && !symbols.empty()
                      ? " and each ?"
                      : "") +
                 " a size)");
  if (!ok)
    return failure();

  module = ModuleOp::create(builder.getUnknownLoc());
  builder.setInsertionPointToEnd(module->getBody());
  auto main = func::FuncOp::create(
      builder, NameLoc::get(builder.getStringAttr(graph.name().empty()
                                                      ? "main"
                                                      : graph.name())),
      "main", builder.getFunctionType(types, {}));
  func = main;
  Block *entry = main.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(names)) {
    main.setArgAttr(i, "q8.name", builder.getStringAttr(name));
    if (!dynamicDims[i].empty()) {
      SmallVector<int64_t> positions, mins, maxes;
      SmallVector<Attribute> params;
      for (const DynamicDim &d : dynamicDims[i]) {
        positions.push_back(d.position);
        params.push_back(builder.getStringAttr(d.name));
        mins.push_back(d.min);
        maxes.push_back(d.max);
      }
      main.setArgAttr(i, "q8.dynamic_dims",
                      builder.getDenseI64ArrayAttr(positions));
      main.setArgAttr(i, "q8.dim_names", builder.getArrayAttr(params));
      main.setArgAttr(i, "q8.dim_min", builder.getDenseI64ArrayAttr(mins));
      main.setArgAttr(i, "q8.dim_max", builder.getDenseI64ArrayAttr(maxes));
    }
    values[name] = entry->getArgument(i);
    graphInputs.insert(name);
  }
  builder.setInsertionPointToEnd(entry);
  return success();
}

LogicalResult Importer::createConstants() {
  bool ok = true;
  auto add = [&](const onnx::TensorProto &tensor, const std::string &name,
                 const std::string &origin) {
    std::string error;
    FailureOr<ElementsAttr> attr = convertTensor(
        &context, tensor, options.resourceThreshold, error);
    if (failed(attr)) {
      addError(ImportErrorKind::Invalid, nullptr, origin + error);
      ok = false;
      return;
    }
    auto loc = NameLoc::get(builder.getStringAttr(name));
    values[name] = q8::ConstantOp::create(builder, loc, *attr);
  };
  for (const onnx::TensorProto &tensor : model.graph().initializer())
    add(tensor, tensor.name(), "");
  for (const InputBinding &binding : options.bindings) {
    onnx::TensorProto tensor;
    std::string error;
    if (!loadTensor(binding.path, tensor, error)) {
      addError(ImportErrorKind::BadModel, nullptr,
               "--bind " + binding.name + ": " + error);
      ok = false;
      continue;
    }
    tensor.set_name(binding.name);
    add(tensor, binding.name, "--bind " + binding.name + ": ");
    if (Value value = values.lookup(binding.name))
      if (failed(checkDeclared(nullptr, binding.name, value)))
        ok = false;
  }
  return success(ok);
}

/// Compares the type q8 inferred for `name` with what the model declares.
LogicalResult Importer::checkDeclared(const onnx::NodeProto *node,
                                      StringRef name, Value value) {
  const onnx::TypeProto *type = declared.lookup(name);
  if (!type || !type->has_tensor_type())
    return success();
  auto inferred = cast<RankedTensorType>(value.getType());
  const onnx::TypeProto::Tensor &tensor = type->tensor_type();
  if (tensor.elem_type() != 0) {
    Type element = getElementType(&context, tensor.elem_type());
    if (element != inferred.getElementType()) {
      std::string got;
      llvm::raw_string_ostream os(got);
      os << inferred.getElementType();
      addError(ImportErrorKind::Invalid, node,
               "inconsistent element types for tensor '" + name.str() +
                   "': the model declares " +
                   getOnnxTypeName(tensor.elem_type()) + " but q8 infers " +
                   got);
      return failure();
    }
  }
  if (!tensor.has_shape())
    return success();
  bool same = tensor.shape().dim_size() == inferred.getRank();
  for (int i = 0; same && i < tensor.shape().dim_size(); ++i)
    if (tensor.shape().dim(i).has_dim_value() &&
        tensor.shape().dim(i).dim_value() != inferred.getDimSize(i))
      same = false;
  if (same)
    return success();
  addError(ImportErrorKind::Invalid, node,
           "inconsistent shapes for tensor '" + name.str() +
               "': the model declares " + formatDeclared(tensor.shape()) +
               " but q8 infers " + formatShape(inferred.getShape()));
  return failure();
}

LogicalResult Importer::importNode(const onnx::NodeProto &node) {
  int64_t since = sinceVersions.lookup(node.op_type());
  Handler handler = HandlerTable::get().lookup(node.op_type(), since);
  NodeBinder binder(*this, node, since);
  size_t errorsBefore = errors.size();
  // Nodes of subgraphs are imported inside their If or Loop's handler.
  const onnx::NodeProto *outerNode = currentNode;
  currentNode = &node;
  LogicalResult result = handler(binder);
  currentNode = outerNode;
  if (failed(result) || errors.size() != errorsBefore) {
    if (errors.size() == errorsBefore)
      addError(ImportErrorKind::Invalid, &node, "import failed");
    return failure();
  }
  for (const std::string &output : node.output()) {
    if (output.empty())
      continue;
    Value value = values.lookup(output);
    if (!value) {
      if (!isUsed(output))
        continue;
      addError(ImportErrorKind::UnsupportedFeature, &node,
               "output '" + output + "' is used but q8 does not produce it");
      return failure();
    }
    if (failed(checkDeclared(&node, output, value)))
      return failure();
  }
  return success();
}

LogicalResult Importer::createReturn() {
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &info : model.graph().output()) {
    Value value = values.lookup(info.name());
    if (!value) {
      addError(ImportErrorKind::Invalid, nullptr,
               "graph output '" + info.name() + "' is not computed");
      return failure();
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, builder.getUnknownLoc(), results);
  auto main = cast<func::FuncOp>(func);
  SmallVector<Type> inputTypes(main.getArgumentTypes());
  main.setType(builder.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, info] : llvm::enumerate(model.graph().output()))
    main.setResultAttr(i, "q8.name", builder.getStringAttr(info.name()));
  return success();
}

void Importer::collectUsesAndDeclarations(const onnx::GraphProto &graph) {
  for (const onnx::NodeProto &node : graph.node()) {
    for (const std::string &input : node.input())
      if (!input.empty())
        used.insert(input);
    for (const onnx::GraphProto *subgraph : getSubgraphs(node))
      collectUsesAndDeclarations(*subgraph);
  }
  for (const onnx::ValueInfoProto &info : graph.output()) {
    used.insert(info.name());
    declared.try_emplace(info.name(), &info.type());
  }
  for (const onnx::ValueInfoProto &info : graph.value_info())
    declared.try_emplace(info.name(), &info.type());
}

OwningOpRef<ModuleOp> Importer::run() {
  opset = getDefaultOpset(model);
  const onnx::GraphProto &graph = model.graph();
  // The main graph's outputs first: their declarations win over a
  // subgraph's value of the same name.
  for (const onnx::ValueInfoProto &info : graph.output())
    declared[info.name()] = &info.type();
  collectUsesAndDeclarations(graph);

  if (failed(checkSupported()))
    return nullptr;

  // MLIR diagnostics (type inference, verifiers) become errors of the node
  // being imported; nothing is printed raw.
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    addError(ImportErrorKind::Invalid, currentNode, diag.str());
    return success();
  });

  if (failed(createSignature()) || failed(createConstants()))
    return nullptr;
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;
  if (failed(createReturn()))
    return nullptr;

  // Folded shape subgraphs leave dead constants and ops behind, in If
  // branches too (blocks are visited innermost first).
  func->walk([](Block *block) {
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*block)))
      if (isOpTriviallyDead(&op))
        op.erase();
  });

  size_t errorsBefore = errors.size();
  if (failed(mlir::verify(*module))) {
    if (errors.size() == errorsBefore)
      addError(ImportErrorKind::Invalid, nullptr,
               "the imported module fails verification");
    return nullptr;
  }
  return std::move(module);
}
