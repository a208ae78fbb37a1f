//===- HandlersControlFlow.cpp - If and Loop, and the subgraph scopes -----===//
//
// If: a condition that is a constant at import (an initializer, a Constant,
// an input bound with --bind, or whatever folds into one) inlines the branch
// it selects. Any other condition imports both branches into an upstream
// `scf.if` on the condition's one element. q8 has no `q8.if`: scf.if already
// is what a q8.if would be (two regions yielding static tensors) and comes
// with what a q8 op would have to repeat: constant-condition folding in the
// canonicalizer, RegionBranchOpInterface for dominance and liveness,
// One-Shot Bufferize support and structural type conversion. The q8 passes
// walk into its regions as into any op's.
//
// Loop: only trip counts known at import, unrolled here: each iteration
// imports the body once more with the iteration number and condition as
// constants. Unrolling, not scf.for, because every q8 value has a static
// shape and a Loop's carried values may change shape between iterations;
// because each unrolled iteration is calibrated and quantized with its own
// ranges; and because the body's condition output is then folded per
// iteration, so that a condition computed from the iteration number ends
// the loop at import. The cost is code size, bounded by kMaxIterations and
// kMaxUnrolledNodes.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/Handlers.h"
#include "compiler/onnx/Tensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/ScopeExit.h"

using namespace mlir;
using namespace q8;
using namespace q8::importer;

/// Loops with more iterations, or more nodes once unrolled, are refused.
static constexpr int64_t kMaxIterations = 1024;
static constexpr int64_t kMaxUnrolledNodes = 20000;

//===----------------------------------------------------------------------===//
// Subgraphs
//===----------------------------------------------------------------------===//

LogicalResult Importer::importGraph(const onnx::GraphProto &graph,
                                    ArrayRef<Value> inputs, StringRef suffix,
                                    SmallVectorImpl<Value> &outputs) {
  // Lexical scoping: the subgraph sees every name defined so far, may
  // shadow them, and leaves nothing behind.
  llvm::StringMap<Value> outer = values;
  std::string outerSuffix = nameSuffix;
  nameSuffix += suffix.str();
  auto restore = llvm::make_scope_exit([&] {
    values = std::move(outer);
    nameSuffix = std::move(outerSuffix);
  });

  for (auto [info, value] : llvm::zip(graph.input(), inputs))
    values[info.name()] = value;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    Value &constant = subgraphConstants[&tensor];
    if (!constant) {
      std::string error;
      FailureOr<ElementsAttr> attr = convertTensor(
          &context, tensor, options.resourceThreshold, error);
      if (failed(attr)) {
        addError(ImportErrorKind::Invalid, currentNode,
                 "subgraph '" + graph.name() + "': " + error);
        return failure();
      }
      constant = q8::ConstantOp::create(
          builder, NameLoc::get(builder.getStringAttr(tensor.name())), *attr);
    }
    values[tensor.name()] = constant;
  }
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return failure();
  for (const onnx::ValueInfoProto &info : graph.output()) {
    Value value = values.lookup(info.name());
    if (!value) {
      addError(ImportErrorKind::Invalid, currentNode,
               "subgraph '" + graph.name() + "': output '" + info.name() +
                   "' is not computed");
      return failure();
    }
    outputs.push_back(value);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The graph attribute `name` of the node, or null (with an error).
static const onnx::GraphProto *graphAttr(NodeBinder &b, StringRef name) {
  const onnx::AttributeProto *a = b.attr(name);
  if (!a || !a->has_g()) {
    (void)b.invalid("needs the graph attribute '" + name + "'");
    return nullptr;
  }
  return &a->g();
}

/// The one element of a constant bool (or integer) tensor.
static std::optional<bool> getFlag(ElementsAttr attr) {
  std::optional<SmallVector<int64_t>> values = getIntValues(attr);
  if (!values || values->size() != 1)
    return std::nullopt;
  return values->front() != 0;
}

/// The static shape a subgraph declares for its input `i`; rank 0 when it
/// declares none.
static SmallVector<int64_t> declaredShape(const onnx::GraphProto &graph,
                                          int i) {
  SmallVector<int64_t> shape;
  if (i >= graph.input_size())
    return shape;
  const onnx::TypeProto &type = graph.input(i).type();
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return shape;
  for (const auto &dim : type.tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() ? dim.dim_value() : 1);
  return shape;
}

static std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto tensor = cast<RankedTensorType>(type);
  os << formatShape(tensor.getShape()) << " " << tensor.getElementType();
  return s;
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

static LogicalResult importIf(NodeBinder &b) {
  Value cond = b.input(0);
  const onnx::GraphProto *thenGraph = graphAttr(b, "then_branch");
  const onnx::GraphProto *elseGraph = graphAttr(b, "else_branch");
  if (!cond || !thenGraph || !elseGraph)
    return failure();
  RankedTensorType condType = b.getType(cond);
  if (!condType.getElementType().isInteger(1) ||
      condType.getNumElements() != 1)
    return b.invalid("the condition must be one bool, not " +
                     typeString(condType));
  int numOutputs = b.getNumOutputs();
  if (thenGraph->output_size() != elseGraph->output_size() ||
      thenGraph->output_size() < numOutputs)
    return b.invalid("then_branch has " + Twine(thenGraph->output_size()) +
                     " outputs and else_branch " +
                     Twine(elseGraph->output_size()) + ", for " +
                     Twine(numOutputs) + " node outputs");

  Importer &importer = b.getImporter();
  // Known at import: the chosen branch is inlined, the other never read.
  if (ElementsAttr constant = NodeBinder::getConstant(cond)) {
    std::optional<bool> flag = getFlag(constant);
    if (!flag)
      return b.invalid("cannot read the constant condition");
    SmallVector<Value> outputs;
    if (failed(importer.importGraph(*flag ? *thenGraph : *elseGraph, {}, "",
                                    outputs)))
      return failure();
    for (int i = 0; i < numOutputs; ++i)
      if (failed(b.setResult(i, outputs[i])))
        return failure();
    return success();
  }

  // Chosen at run time: both branches into the regions of an scf.if. Its
  // result types are the branches' output types, known only once both are
  // imported, so the regions are filled in a result-less scf.if first.
  OpBuilder &builder = b.getBuilder();
  OpBuilder::InsertPoint after = builder.saveInsertionPoint();
  Location loc = b.getLoc();
  SmallVector<Value> zeros(
      condType.getRank(), arith::ConstantIndexOp::create(builder, loc, 0));
  Value flag = tensor::ExtractOp::create(builder, loc, cond, zeros);
  auto draft = scf::IfOp::create(builder, loc, TypeRange(), flag,
                                 /*withElseRegion=*/true);
  SmallVector<Value> thenOutputs, elseOutputs;
  auto fill = [&](Block *block, const onnx::GraphProto &graph,
                  SmallVector<Value> &outputs) {
    block->getTerminator()->erase();
    builder.setInsertionPointToEnd(block);
    if (failed(importer.importGraph(graph, {}, "", outputs)))
      return failure();
    scf::YieldOp::create(builder, loc, outputs);
    return success();
  };
  bool ok = succeeded(fill(draft.thenBlock(), *thenGraph, thenOutputs)) &&
            succeeded(fill(draft.elseBlock(), *elseGraph, elseOutputs));
  builder.restoreInsertionPoint(after);
  if (!ok) {
    draft->erase();
    return failure();
  }

  SmallVector<Type> types;
  for (auto [i, values] :
       llvm::enumerate(llvm::zip(thenOutputs, elseOutputs))) {
    Type thenType = std::get<0>(values).getType();
    Type elseType = std::get<1>(values).getType();
    if (thenType != elseType) {
      draft->erase();
      std::string name = i < static_cast<size_t>(numOutputs)
                             ? " ('" + b.getNode().output(i) + "')"
                             : std::string();
      auto thenShape = cast<RankedTensorType>(thenType).getShape();
      auto elseShape = cast<RankedTensorType>(elseType).getShape();
      if (thenShape == elseShape)
        return b.invalid("output " + Twine(i) + name + " is " +
                         typeString(thenType) + " in then_branch but " +
                         typeString(elseType) + " in else_branch");
      return b.unsupported(
          "output " + Twine(i) + name + " has shape " +
          formatShape(thenShape) + " in then_branch but " +
          formatShape(elseShape) +
          " in else_branch; q8 needs one static shape for both branches "
          "when the condition is only known at run time (bind the inputs "
          "it depends on with --bind NAME=FILE.pb to choose the branch at "
          "compile time)");
    }
    types.push_back(thenType);
  }
  builder.setInsertionPoint(draft);
  auto op = scf::IfOp::create(builder, loc, types, flag,
                              /*addThenBlock=*/false, /*addElseBlock=*/false);
  op.getThenRegion().takeBody(draft.getThenRegion());
  op.getElseRegion().takeBody(draft.getElseRegion());
  draft->erase();
  builder.restoreInsertionPoint(after);
  for (int i = 0; i < numOutputs; ++i)
    if (failed(b.setResult(i, op.getResult(i))))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

static LogicalResult importLoop(NodeBinder &b) {
  const onnx::GraphProto *body = graphAttr(b, "body");
  if (!body)
    return failure();
  const onnx::NodeProto &node = b.getNode();
  int numCarried = std::max(0, node.input_size() - 2);
  int numScans = body->output_size() - 1 - numCarried;
  if (body->input_size() != 2 + numCarried || numScans < 0)
    return b.invalid("the body has " + Twine(body->input_size()) +
                     " inputs and " + Twine(body->output_size()) +
                     " outputs for " + Twine(numCarried) +
                     " loop-carried values (expected " +
                     Twine(2 + numCarried) + " inputs and at least " +
                     Twine(1 + numCarried) + " outputs)");
  if (b.getNumOutputs() > numCarried + numScans)
    return b.invalid("has " + Twine(b.getNumOutputs()) + " outputs but the "
                     "body gives " + Twine(numCarried + numScans));

  // The trip count and the initial condition must be known at import.
  std::optional<int64_t> tripCount;
  if (b.hasInput(0)) {
    FailureOr<SmallVector<int64_t>> m = b.ints(0, "M (trip count)");
    if (failed(m))
      return failure();
    if (m->size() != 1)
      return b.invalid("M (trip count) must have one element");
    tripCount = m->front();
  }
  bool running = true;
  if (b.hasInput(1)) {
    Value cond = b.input(1);
    if (!cond)
      return failure();
    ElementsAttr constant = NodeBinder::getConstant(cond);
    if (!constant && b.getImporter().isGraphInput(node.input(1)))
      return b.unsupported("the loop condition input is graph input '" +
                           node.input(1) +
                           "', which q8 needs at compile time: bind it with "
                           "--bind " +
                           node.input(1) + "=FILE.pb");
    if (!constant)
      return b.unsupported(
          "the loop condition input ('" + node.input(1) +
          "') is computed at run time; q8 supports only Loops whose "
          "condition input is absent or a constant (bind the inputs it "
          "depends on with --bind NAME=FILE.pb)");
    std::optional<bool> flag = getFlag(constant);
    if (!flag)
      return b.invalid("the loop condition must be one bool");
    running = *flag;
  } else if (!tripCount) {
    return b.unsupported("has neither a trip count nor a condition: it "
                         "never ends");
  }

  SmallVector<Value> carried;
  for (int i = 0; i < numCarried; ++i) {
    Value v = b.input(2 + i);
    if (!v)
      return failure();
    carried.push_back(v);
  }

  OpBuilder &builder = b.getBuilder();
  Type i64 = builder.getI64Type(), i1 = builder.getI1Type();
  SmallVector<int64_t> iterShape = declaredShape(*body, 0);
  SmallVector<int64_t> condShape = declaredShape(*body, 1);
  SmallVector<SmallVector<Value>> scans(numScans);
  int64_t bodyNodes = std::max(1, body->node_size());
  int64_t iteration = 0;
  for (; running && (!tripCount || iteration < *tripCount); ++iteration) {
    if (iteration >= kMaxIterations ||
        (iteration + 1) * bodyNodes > kMaxUnrolledNodes)
      return b.unsupported(
          "q8 unrolls Loops at import and this one runs " +
          (tripCount ? Twine(*tripCount) + " iterations"
                     : Twine("until its body's condition is false")) +
          " of " + Twine(body->node_size()) + " nodes; the limit is " +
          Twine(kMaxIterations) + " iterations and " +
          Twine(kMaxUnrolledNodes) + " unrolled nodes");
    SmallVector<Value> inputs = {b.splat(i64, iteration, iterShape),
                                 b.splat(i1, 1, condShape)};
    inputs.append(carried);
    SmallVector<Value> outputs;
    if (failed(b.getImporter().importGraph(
            *body, inputs, ("/iter" + Twine(iteration)).str(), outputs)))
      return failure();
    ElementsAttr condOut = NodeBinder::getConstant(outputs[0]);
    std::optional<bool> flag = condOut ? getFlag(condOut) : std::nullopt;
    if (!flag)
      return b.unsupported(
          "the body's condition output ('" + body->output(0).name() +
          "') is not a constant at import; q8 unrolls only Loops whose body "
          "condition is constant (true, a pass-through of the condition "
          "input, or computed from the iteration number)");
    running = *flag;
    carried.assign(outputs.begin() + 1, outputs.begin() + 1 + numCarried);
    for (int k = 0; k < numScans; ++k)
      scans[k].push_back(outputs[1 + numCarried + k]);
  }

  for (int i = 0; i < numCarried && i < b.getNumOutputs(); ++i)
    if (failed(b.setResult(i, carried[i])))
      return failure();
  // Scan outputs stack every iteration's value along a new first dim.
  for (int k = 0; k < numScans && numCarried + k < b.getNumOutputs(); ++k) {
    if (!b.isOutputUsed(numCarried + k))
      continue;
    if (iteration == 0)
      return b.unsupported("scan output " + Twine(numCarried + k) + " ('" +
                           node.output(numCarried + k) +
                           "') is used, but the Loop runs no iteration, so "
                           "its shape is unknown");
    ArrayRef<int64_t> shape = b.getShape(scans[k].front());
    SmallVector<Value> rows;
    for (auto [i, value] : llvm::enumerate(scans[k])) {
      if (b.getShape(value) != shape)
        return b.unsupported(
            "scan output " + Twine(numCarried + k) + " ('" +
            node.output(numCarried + k) + "') has shape " +
            formatShape(shape) + " in iteration 0 but " +
            formatShape(b.getShape(value)) + " in iteration " + Twine(i) +
            "; scan outputs need one shape");
      SmallVector<int64_t> row = {1};
      row.append(shape.begin(), shape.end());
      rows.push_back(b.reshape(value, row));
    }
    Value stacked = rows.size() == 1
                        ? rows.front()
                        : b.create<q8::ConcatOp>(rows, {b.namedI64("axis", 0)});
    if (failed(b.setResult(numCarried + k, stacked)))
      return failure();
  }
  return success();
}

void q8::importer::registerHandlersControlFlow(HandlerTable &t) {
  t.add("If", 1, importIf);
  t.add("Loop", 1, importLoop);
}
