//===- NodeAction.h - per-op work of q8's own walks, as an MLIR action -*- C++ -*-===//
//
// Patterns applied by MLIR's drivers are dispatched as actions naming the op
// they rewrite; q8's passes that walk the IR themselves (q8-quantize,
// q8-smoothquant, ...) dispatch this action around the work on each op, so
// that whoever tracks actions knows the op too: the tools' crash line
// (compiler/CrashHandler.h) names the ONNX node, and --mlir-... action
// debugging sees it. Free when no action handler is registered.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_NODEACTION_H
#define Q8_PASSES_NODEACTION_H

#include "mlir/IR/Action.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/TypeID.h"

namespace q8 {

class NodeAction : public mlir::tracing::ActionImpl<NodeAction> {
public:
  using Base = mlir::tracing::ActionImpl<NodeAction>;
  using Base::Base;
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(NodeAction)
  static constexpr llvm::StringLiteral tag = "q8-node";
  static constexpr llvm::StringLiteral desc = "q8's own work on one op";
};

/// Runs `work` as a NodeAction on `op`.
inline void onNode(mlir::Operation *op, llvm::function_ref<void()> work) {
  op->getContext()->executeAction<NodeAction>(work, {mlir::IRUnit(op)});
}

} // namespace q8

#endif // Q8_PASSES_NODEACTION_H
