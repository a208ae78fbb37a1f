//===- Handlers.h - handler building blocks shared by the Handlers*.cpp -*- C++ -*-===//
#ifndef Q8_COMPILER_ONNX_HANDLERS_H
#define Q8_COMPILER_ONNX_HANDLERS_H

#include "compiler/onnx/NodeBinder.h"
#include "dialects/Q8/Q8Ops.h"
#include "dialects/Q8/Q8Shapes.h"

namespace q8::importer {

/// One operand, one result, no attributes.
template <typename OpTy>
mlir::LogicalResult unary(NodeBinder &b) {
  return b.result(b.create<OpTy>({b.input(0)}));
}

/// Two broadcasting operands.
template <typename OpTy>
mlir::LogicalResult binary(NodeBinder &b) {
  return b.result(b.create<OpTy>({b.input(0), b.input(1)}));
}

/// Opset < 7 binary ops broadcast only with `broadcast=1`, aligning rhs at
/// `axis` (default: the trailing dims, which is numpy's rule).
template <typename OpTy>
mlir::LogicalResult legacyBinary(NodeBinder &b) {
  mlir::Value lhs = b.input(0), rhs = b.input(1);
  if (!lhs || !rhs)
    return mlir::failure();
  if (b.attrInt("broadcast", 0) && b.hasAttr("axis")) {
    int64_t lhsRank = b.getType(lhs).getRank();
    llvm::ArrayRef<int64_t> shape = b.getShape(rhs);
    mlir::FailureOr<int64_t> axis = b.normalizeAxis(b.attrInt("axis", 0), lhsRank,
                                              "attribute 'axis'");
    if (mlir::failed(axis))
      return mlir::failure();
    if (lhsRank - *axis < static_cast<int64_t>(shape.size()))
      return b.invalid("rhs does not fit lhs at attribute 'axis'");
    llvm::SmallVector<int64_t> aligned(shape);
    aligned.append(lhsRank - *axis - shape.size(), 1);
    rhs = b.reshape(rhs, aligned);
  }
  return b.result(b.create<OpTy>({lhs, rhs}));
}

/// Folds the inputs of a variadic op (Max, Min, Sum) into a chain.
template <typename OpTy>
mlir::Value chain(NodeBinder &b) {
  llvm::SmallVector<mlir::Value> values = b.inputs();
  if (values.empty()) {
    (void)b.invalid("needs at least one input");
    return {};
  }
  mlir::Value acc = values.front();
  for (mlir::Value v : llvm::drop_begin(values))
    acc = b.create<OpTy>({acc, v});
  return acc;
}

template <typename OpTy>
mlir::LogicalResult variadic(NodeBinder &b) {
  return b.result(chain<OpTy>(b));
}

/// A q8 reduction over `axes` (ONNX spelling: negative allowed, empty means
/// every dim).
template <typename OpTy>
mlir::Value reduce(NodeBinder &b, mlir::Value x, llvm::ArrayRef<int64_t> axes,
                   bool keepdims) {
  if (!x)
    return {};
  auto normalized =
      b.normalizeAxes(axes, NodeBinder::getType(x).getRank(), "axis");
  if (mlir::failed(normalized))
    return {};
  return b.create<OpTy>({x}, {b.namedI64s("axes", *normalized),
                              b.namedBool("keepdims", keepdims)});
}

/// A rank-0 constant `value` of `like`'s element type, for the scalars of
/// an elementwise composition; null when `like` is.
inline mlir::Value scalarLike(NodeBinder &b, mlir::Value like, double value) {
  return like ? b.splat(NodeBinder::getType(like).getElementType(), value)
              : mlir::Value();
}

/// log(1 + exp(x)) as max(x, 0) + log(1 + exp(-|x|)), whose exp cannot
/// overflow (ONNX Runtime's form; the literal one is inf above x = 88),
/// shared by Softplus and Mish.
mlir::Value buildSoftplus(NodeBinder &b, mlir::Value x);

/// x > 0 ? x : alpha * (exp(x) - 1), shared by Elu and Selu.
mlir::Value buildElu(NodeBinder &b, mlir::Value x, double alpha);

/// Softmax of `x` along `axis`; `coerce2D` gives the opset < 13 semantics
/// (flatten to [prod(:axis), prod(axis:)], softmax rows, reshape back).
mlir::Value buildSoftmax(NodeBinder &b, mlir::Value x, int64_t axis,
                         bool coerce2D);

/// Builds q8.resize from scales or sizes (exactly one given, or empty).
mlir::LogicalResult buildResize(NodeBinder &b, mlir::Value x,
                                std::optional<llvm::SmallVector<double>> scales,
                                std::optional<llvm::SmallVector<int64_t>> sizes,
                                llvm::StringRef transform,
                                llvm::StringRef nearestMode);

/// The element count of dims [begin, end) of `shape`.
int64_t product(llvm::ArrayRef<int64_t> shape, size_t begin, size_t end);

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_HANDLERS_H
