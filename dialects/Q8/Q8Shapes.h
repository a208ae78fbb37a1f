//===- Q8Shapes.h - shape arithmetic shared by q8 type inference -*- C++ -*-===//
//
// Every inferReturnTypes of the dialect is built from these helpers, so that
// broadcasting, overflow checks and the wording of diagnostics exist once.
//
//===----------------------------------------------------------------------===//
#ifndef Q8_DIALECTS_Q8_Q8SHAPES_H
#define Q8_DIALECTS_Q8_Q8SHAPES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace q8 {

/// A shape-inference failure sink: the op name and an optional location.
/// Without a location (e.g. speculative builder calls) nothing is printed.
struct ShapeDiag {
  std::optional<mlir::Location> loc;
  llvm::StringRef opName;

  /// Emits "'<op>' op <args...>" and returns failure.
  template <typename... Args>
  mlir::LogicalResult operator()(Args &&...args) const {
    return mlir::emitOptionalError(loc, "'", opName, "' op ",
                                   std::forward<Args>(args)...);
  }
};

/// Formats a shape as "[2, 3]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// a * b, or nullopt when it overflows int64.
std::optional<int64_t> checkedMul(int64_t a, int64_t b);
/// a + b, or nullopt when it overflows int64.
std::optional<int64_t> checkedAdd(int64_t a, int64_t b);
/// The element count of `shape`, or nullopt when it overflows int64.
std::optional<int64_t> checkedNumElements(llvm::ArrayRef<int64_t> shape);

/// Numpy (multidirectional) broadcasting of two shapes; false when they are
/// not compatible.
bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     llvm::SmallVectorImpl<int64_t> &result);

/// The ranked tensor type of `value`, or a diagnostic naming `what`.
mlir::FailureOr<mlir::RankedTensorType>
getRankedTensor(const ShapeDiag &diag, mlir::Value value, llvm::StringRef what);

/// Appends tensor<shape x elementType> to `types`; fails if the element count
/// of `shape` overflows int64 or a dim is negative.
mlir::LogicalResult pushTensor(const ShapeDiag &diag,
                               llvm::ArrayRef<int64_t> shape,
                               mlir::Type elementType,
                               llvm::SmallVectorImpl<mlir::Type> &types);

/// Maps `axis` in [-rank, rank) to [0, rank), or a diagnostic naming `what`.
mlir::FailureOr<int64_t> normalizeAxis(const ShapeDiag &diag, int64_t axis,
                                       int64_t rank, llvm::StringRef what);

/// Fails unless every entry of `values` (attribute `what`) is >= 0.
mlir::LogicalResult checkNonNegative(const ShapeDiag &diag,
                                     llvm::ArrayRef<int64_t> values,
                                     llvm::StringRef what);

/// Fails unless `values` (attribute `what`) has `expected` entries.
mlir::LogicalResult checkCount(const ShapeDiag &diag,
                               llvm::ArrayRef<int64_t> values, int64_t expected,
                               llvm::StringRef what);

/// Fails unless every entry of `values` (attribute `what`) is > 0.
mlir::LogicalResult checkPositive(const ShapeDiag &diag,
                                  llvm::ArrayRef<int64_t> values,
                                  llvm::StringRef what);

/// Fails unless `type` (operand `what`) has element type `expected`.
/// The result shape of a convolution (q8.conv, q8.qconv) of `input`
/// [N, C, spatial...] by `weight` [M, C / group, k...]: every shape and
/// window check apart from element types and the bias.
mlir::FailureOr<llvm::SmallVector<int64_t>>
inferConvShape(const ShapeDiag &diag, mlir::Value input, mlir::Value weight,
               int64_t group, llvm::ArrayRef<int64_t> strides,
               llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations);

mlir::LogicalResult checkElementType(const ShapeDiag &diag,
                                     mlir::RankedTensorType type,
                                     mlir::Type expected,
                                     llvm::StringRef what);

/// Fails unless `value` (operand `what`) is a tensor of shape `expected`.
mlir::LogicalResult checkShape(const ShapeDiag &diag, mlir::Value value,
                               llvm::ArrayRef<int64_t> expected,
                               llvm::StringRef what);

/// Fails unless `type` (operand `what`) broadcasts to `target` without
/// changing it (ONNX unidirectional broadcasting).
mlir::LogicalResult checkBroadcastsTo(const ShapeDiag &diag,
                                      mlir::RankedTensorType type,
                                      llvm::ArrayRef<int64_t> target,
                                      llvm::StringRef what);

/// For constant folding: for every element of `resultShape` (row-major), the
/// flat index of the element of `operandShape` it broadcasts from.
llvm::SmallVector<int64_t>
broadcastSourceIndices(llvm::ArrayRef<int64_t> operandShape,
                       llvm::ArrayRef<int64_t> resultShape);

} // namespace q8

#endif // Q8_DIALECTS_Q8_Q8SHAPES_H
