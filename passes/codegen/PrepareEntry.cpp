//===- PrepareEntry.cpp - fix the C ABI of a model's entry functions ------===//
//
// The C prototype (`const float *` inputs, caller-owned outputs) and the
// header's shapes come from the tensor-level signature, which bufferization
// and LLVM lowering erase; this pass pins both down while they still exist.
//
// Two things make the ABI type of a tensor differ from its lowered type:
//  - q8-convert-to-linalg computes in signless integers, so an unsigned
//    graph tensor arrives here as a signless one whose argument/result
//    carries its graph-level type as `q8.type`; that attribute wins.
//  - i1 tensors cross the ABI as one byte per element (Q8_DTYPE_BOOL). An
//    i1 memref is not byte-addressed the same way everywhere (a vector<8xi1>
//    load reads one byte of packed bits), so the entry function takes and
//    returns i8 tensors instead, converted at the boundary: `x != 0` on the
//    way in, `extui` on the way out.
//  - Tensors without elements cross as rank-1 `tensor<0xT>` (see
//    boundaryTypeFor); inside they are a tensor.empty of their real shape.
//
// And every output is its own buffer: a value returned twice is copied.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_PREPAREENTRY
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// `[{name = ..., type = ...}, ...]` for `types`, names from `q8.name` and
/// types from `q8.type` where present.
ArrayAttr describe(MLIRContext *context, TypeRange types,
                   ArrayRef<DictionaryAttr> attrs, StringRef prefix) {
  SmallVector<Attribute> entries;
  for (auto [index, lowered] : llvm::enumerate(types)) {
    StringAttr name;
    Type type = lowered;
    if (index < attrs.size() && attrs[index]) {
      name = attrs[index].getAs<StringAttr>("q8.name");
      if (auto graphType = attrs[index].getAs<TypeAttr>("q8.type"))
        type = graphType.getValue();
    }
    if (!name)
      name = StringAttr::get(context, prefix + Twine(index));
    NamedAttribute fields[] = {
        NamedAttribute(StringAttr::get(context, "name"), name),
        NamedAttribute(StringAttr::get(context, "type"), TypeAttr::get(type))};
    entries.push_back(DictionaryAttr::get(context, fields));
  }
  return ArrayAttr::get(context, entries);
}

/// The type a tensor of `type` crosses the entry boundary as, or null when
/// that is `type` itself: i1 elements become i8, and a tensor without
/// elements becomes rank 1 (MLIR's bare-pointer convention cannot lower a
/// memref like 20x0x5, whose layout it sees as having a dynamic stride; a
/// 0-element buffer's pointer is never dereferenced anyway).
RankedTensorType boundaryTypeFor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return {};
  Type element = tensor.getElementType();
  bool isBool = element.isSignlessInteger(1);
  // (A dynamic tensor is never empty here: its dim has a size at least 1.)
  bool isEmpty = tensor.hasStaticShape() && tensor.getNumElements() == 0 &&
                 tensor.getRank() != 1;
  if (!isBool && !isEmpty)
    return {};
  if (isBool)
    element = IntegerType::get(type.getContext(), 8);
  if (isEmpty)
    return RankedTensorType::get({0}, element);
  return tensor.clone(element);
}

/// An elementwise generic from `input` to `resultType` with `body`.
Value convertElements(OpBuilder &b, Location loc, Value input,
                      RankedTensorType resultType,
                      function_ref<Value(OpBuilder &, Location, Value)> body) {
  int64_t rank = resultType.getRank();
  // Dynamic dims (a dynamic extent) take their sizes from the input.
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, input),
      resultType.getElementType());
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, input, init, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(nested, nestedLoc,
                                       body(nested, nestedLoc, args[0]));
             })
      .getResult(0);
}

/// `value` (of a tensor type) as `to`, which boundaryTypeFor relates to it
/// in one direction or the other: nothing to convert when there are no
/// elements (a tensor.empty; a result's a fresh bufferization.alloc_tensor,
/// which CSE keeps apart from other results), else `x != 0` from bytes to
/// bools and extui back.
Value convertAtBoundary(OpBuilder &b, Location loc, Value value,
                        RankedTensorType to, bool forResult) {
  if (to.hasStaticShape() && to.getNumElements() == 0)
    return forResult ? Value(bufferization::AllocTensorOp::create(
                           b, loc, to, ValueRange{}))
                     : Value(tensor::EmptyOp::create(b, loc, to.getShape(),
                                                     to.getElementType()));
  return convertElements(
      b, loc, value, to, [&](OpBuilder &nb, Location l, Value x) -> Value {
        if (x.getType().isSignlessInteger(1))
          return arith::ExtUIOp::create(nb, l, nb.getI8Type(), x);
        Value zero = arith::ConstantIntOp::create(nb, l, x.getType(), 0);
        return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, x, zero);
      });
}

/// Gives every argument and result of `func` its boundaryTypeFor type,
/// converting inside the body (see the file comment).
LogicalResult convertBoundaryTypes(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  SmallVector<Type> inputs(type.getInputs()), results(type.getResults());
  bool changed = false;
  Block &entry = func.getBody().front();
  OpBuilder b(func.getContext());
  b.setInsertionPointToStart(&entry);
  for (auto [index, arg] : llvm::enumerate(entry.getArguments())) {
    RankedTensorType boundary = boundaryTypeFor(arg.getType());
    if (!boundary)
      continue;
    auto inner = cast<RankedTensorType>(arg.getType());
    arg.setType(boundary);
    inputs[index] = boundary;
    Value converted =
        convertAtBoundary(b, func.getLoc(), arg, inner, /*forResult=*/false);
    arg.replaceAllUsesExcept(converted, converted.getDefiningOp());
    changed = true;
  }
  for (unsigned index = 0, e = type.getNumResults(); index < e; ++index) {
    RankedTensorType boundary = boundaryTypeFor(type.getResult(index));
    if (!boundary)
      continue;
    results[index] = boundary;
    changed = true;
    WalkResult walk = func.walk([&](func::ReturnOp ret) {
      if (ret->getParentOp() != func)
        return WalkResult::interrupt();
      b.setInsertionPoint(ret);
      ret.setOperand(index,
                     convertAtBoundary(b, ret.getLoc(), ret.getOperand(index),
                                       boundary, /*forResult=*/true));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return func.emitError("cannot convert a result returned from a nested "
                            "region to its ABI type");
  }
  if (changed)
    func.setFunctionType(FunctionType::get(func.getContext(), inputs, results));
  return success();
}

/// Returns each value at most once per return: a repeat is returned as a
/// `bufferization.alloc_tensor() copy(...)`, which (as an allocation) CSE
/// keeps apart. Outputs are separate caller buffers, and
/// buffer-results-to-out-params crashes on a buffer returned twice.
void copyRepeatedResults(func::FuncOp func) {
  OpBuilder b(func.getContext());
  func.walk([&](func::ReturnOp ret) {
    llvm::SmallPtrSet<Value, 4> seen;
    for (OpOperand &operand : ret->getOpOperands()) {
      Value value = operand.get();
      auto type = dyn_cast<RankedTensorType>(value.getType());
      if (!type || seen.insert(value).second)
        continue;
      b.setInsertionPoint(ret);
      operand.set(bufferization::AllocTensorOp::create(
          b, ret.getLoc(), type, ValueRange{}, /*copy=*/value));
    }
  });
}

struct PrepareEntry : q8::impl::PrepareEntryBase<PrepareEntry> {
  using PrepareEntryBase::PrepareEntryBase;

  // Kept here rather than in Passes.td so this file owns everything the
  // boundary conversion builds.
  void getDependentDialects(DialectRegistry &registry) const override {
    PrepareEntryBase::getDependentDialects(registry);
    registry.insert<arith::ArithDialect, linalg::LinalgDialect,
                    tensor::TensorDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);

    for (func::FuncOp func : entries) {
      SmallVector<DictionaryAttr> argAttrs, resultAttrs;
      func.getAllArgAttrs(argAttrs);
      func.getAllResultAttrs(resultAttrs);
      func->setAttr("q8.inputs", describe(context, func.getArgumentTypes(),
                                          argAttrs, "input"));
      func->setAttr("q8.outputs", describe(context, func.getResultTypes(),
                                           resultAttrs, "output"));
      // Copies first, so that the conversions of a repeated result read
      // different values and CSE cannot merge them again.
      copyRepeatedResults(func);
      if (failed(convertBoundaryTypes(func)))
        return signalPassFailure();
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<TensorType>(func.getArgumentTypes()[i]))
          func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                          BoolAttr::get(context, false));
    }

    if (modelName.empty())
      return;
    if (entries.size() != 1) {
      module.emitError() << "model-name needs exactly one public function, "
                         << "found " << entries.size();
      return signalPassFailure();
    }
    std::string symbol = modelName + "_run";
    if (failed(SymbolTable::replaceAllSymbolUses(
            entries.front(), StringAttr::get(context, symbol), module)))
      return signalPassFailure();
    SymbolTable::setSymbolName(entries.front(), symbol);
  }
};

} // namespace
