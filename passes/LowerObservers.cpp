//===- LowerObservers.cpp - q8.observe as calls into the collectors -------===//
//
// For the calibration build only: each q8.observe becomes a call that hands
// the observed tensor's buffer to the runtime's collectors, which stream
// its statistics (runtime/q8_calib.h). The call passes the address of a
// dense row-major buffer as an integer, so that one declaration serves
// every shape (the bare-pointer calling convention takes no dynamic
// memrefs); the collector knows the shape from the observer's id. The
// buffer is read inside the call, before any later op can reuse it. The observers are listed, in id order, on the module as
// `q8.observers`, which is how the driver learns what it will be given.
//
//===----------------------------------------------------------------------===//

#include "dialects/Q8/Q8Ops.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_LOWEROBSERVERS
#include "passes/Passes.h.inc"
} // namespace q8

using namespace mlir;
using namespace q8;

namespace {

struct LowerObservers : q8::impl::LowerObserversBase<LowerObservers> {
  using LowerObserversBase::LowerObserversBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<ObserveOp> observers;
    module.walk([&](ObserveOp op) { observers.push_back(op); });

    OpBuilder builder(context);
    auto calleeType = builder.getFunctionType(
        {builder.getI64Type(), builder.getI64Type()}, {});
    func::FuncOp callee;
    if (!observers.empty()) {
      if (auto existing = module.lookupSymbol<func::FuncOp>(calleeName)) {
        if (existing.getFunctionType() != calleeType) {
          existing.emitError() << "'" << calleeName
                               << "' is declared with another type";
          return signalPassFailure();
        }
        callee = existing;
      } else {
        builder.setInsertionPointToStart(module.getBody());
        callee = func::FuncOp::create(builder, module.getLoc(), calleeName,
                                      calleeType);
        callee.setPrivate();
      }
    }

    SmallVector<Attribute> table;
    for (auto [id, op] : llvm::enumerate(observers)) {
      auto type = cast<RankedTensorType>(op.getInput().getType());
      builder.setInsertionPoint(op);
      Location loc = op.getLoc();
      // The tensor's buffer with the identity layout, so that it is dense
      // and row-major (bufferization copies where the value lives in a
      // strided view), passed as its address.
      auto dense = MemRefType::get(type.getShape(), type.getElementType());
      Value buffer = bufferization::ToBufferOp::create(
          builder, loc, dense, op.getInput(), /*readOnly=*/true);
      Value address =
          memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
      address = arith::IndexCastOp::create(builder, loc, builder.getI64Type(),
                                           address);
      Value idValue = arith::ConstantIntOp::create(builder, loc, id, 64);
      func::CallOp::create(builder, loc, callee, ValueRange{idValue, address});

      NamedAttrList entry;
      entry.append("id", builder.getI64IntegerAttr(id));
      entry.append("name", op.getNameAttr());
      entry.append("type", TypeAttr::get(type));
      if (std::optional<int64_t> axis = op.getAxis())
        entry.append("axis", builder.getI64IntegerAttr(*axis));
      table.push_back(entry.getDictionary(context));

      op.getResult().replaceAllUsesWith(op.getInput());
      op.erase();
    }
    module->setAttr("q8.observers", ArrayAttr::get(context, table));
  }
};

} // namespace
