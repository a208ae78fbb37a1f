//===- LowerParallelCalls.cpp - task calls as q8_pool_parallel_for --------===//
//
// q8-lower-parallel-calls (Passes.td describes it): the second half of
// q8-outline-parallel, once the captured values are LLVM values that a
// struct in memory can hold.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace q8 {
#define GEN_PASS_DEF_LOWERPARALLELCALLS
#include "passes/codegen/Passes.h.inc"
} // namespace q8

using namespace mlir;

namespace {

/// A task's arguments are (pool, begin, end, captured...).
constexpr unsigned kCapturesStart = 3;

class Lowering {
public:
  explicit Lowering(ModuleOp module)
      : module(module), context(module.getContext()), symbols(module),
        ptr(LLVM::LLVMPointerType::get(context)),
        i64(IntegerType::get(context, 64)) {}

  LogicalResult run() {
    SmallVector<std::pair<LLVM::CallOp, LLVM::LLVMFuncOp>> calls;
    module.walk([&](LLVM::CallOp call) {
      if (LLVM::LLVMFuncOp task = calleeTask(call))
        calls.push_back({call, task});
    });
    for (auto [call, task] : calls)
      if (failed(lowerCall(call, task)))
        return failure();
    return success();
  }

private:
  LLVM::LLVMFuncOp calleeTask(LLVM::CallOp call) {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee)
      return {};
    auto func = symbols.lookup<LLVM::LLVMFuncOp>(*callee);
    if (!func || !func->hasAttr(q8::kParallelTaskAttr))
      return {};
    return func;
  }

  /// The struct a call site fills and the thunk reads: the captures.
  LLVM::LLVMStructType contextType(LLVM::LLVMFuncOp task) {
    ArrayRef<Type> params = task.getFunctionType().getParams();
    return LLVM::LLVMStructType::getLiteral(context,
                                            params.drop_front(kCapturesStart));
  }

  /// `<task>_thunk(ptr context, i64 begin, i64 end)`, made once per task.
  LLVM::LLVMFuncOp thunkFor(LLVM::LLVMFuncOp task) {
    auto [it, inserted] = thunks.try_emplace(task.getOperation());
    if (!inserted)
      return it->second;
    Location loc = task.getLoc();
    OpBuilder b(context);
    auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                            {ptr, i64, i64});
    auto thunk = LLVM::LLVMFuncOp::create(
        b, loc, (task.getName() + "_thunk").str(), type,
        LLVM::Linkage::Internal);
    symbols.insert(thunk, std::next(Block::iterator(task)));
    Block *body = thunk.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    LLVM::LLVMStructType structType = contextType(task);
    SmallVector<Value> args{LLVM::ZeroOp::create(b, loc, ptr),
                            body->getArgument(1), body->getArgument(2)};
    for (auto [i, field] : llvm::enumerate(structType.getBody())) {
      Value address = LLVM::GEPOp::create(
          b, loc, ptr, structType, body->getArgument(0),
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)},
          LLVM::GEPNoWrapFlags::inbounds);
      args.push_back(LLVM::LoadOp::create(b, loc, field, address));
    }
    LLVM::CallOp::create(b, loc, task, args);
    LLVM::ReturnOp::create(b, loc, ValueRange());
    it->second = thunk;
    return thunk;
  }

  LLVM::LLVMFuncOp parallelFor() {
    if (auto existing = symbols.lookup<LLVM::LLVMFuncOp>(q8::kPoolParallelFor))
      return existing;
    OpBuilder b(context);
    auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                            {ptr, i64, ptr, ptr});
    auto decl = LLVM::LLVMFuncOp::create(b, module.getLoc(),
                                         q8::kPoolParallelFor, type);
    symbols.insert(decl, module.getBody()->begin());
    return decl;
  }

  LogicalResult lowerCall(LLVM::CallOp call, LLVM::LLVMFuncOp task) {
    Location loc = call.getLoc();
    ValueRange operands = call.getArgOperands();
    if (operands.size() < kCapturesStart)
      return call.emitError("a parallel task call needs (pool, begin, end)");
    LLVM::LLVMFuncOp thunk = thunkFor(task);
    LLVM::LLVMStructType structType = contextType(task);

    // The struct lives in the entry block's frame: a call inside a loop
    // reuses it instead of growing the stack.
    auto parent = call->getParentOfType<LLVM::LLVMFuncOp>();
    OpBuilder b(context);
    b.setInsertionPointToStart(&parent.getBody().front());
    Value one = LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(1));
    Value storage = LLVM::AllocaOp::create(b, loc, ptr, structType, one);

    b.setInsertionPoint(call);
    for (auto [i, value] :
         llvm::enumerate(operands.drop_front(kCapturesStart))) {
      Value address = LLVM::GEPOp::create(
          b, loc, ptr, structType, storage,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)},
          LLVM::GEPNoWrapFlags::inbounds);
      LLVM::StoreOp::create(b, loc, value, address);
    }
    Value function = LLVM::AddressOfOp::create(b, loc, thunk);
    LLVM::CallOp::create(b, loc, parallelFor(),
                         ValueRange{operands[0], operands[2], function,
                                    storage});
    call.erase();
    return success();
  }

  ModuleOp module;
  MLIRContext *context;
  SymbolTable symbols;
  Type ptr, i64;
  DenseMap<Operation *, LLVM::LLVMFuncOp> thunks;
};

struct LowerParallelCalls
    : q8::impl::LowerParallelCallsBase<LowerParallelCalls> {
  void runOnOperation() override {
    if (failed(Lowering(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
