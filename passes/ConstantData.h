//===- ConstantData.h - read and build constant tensor payloads -*- C++ -*-===//
//
// q8 constants are either dense<> (small) or dense_resource<> blobs (large).
// Passes that rewrite weights read and write both through these helpers so
// that the size policy lives in one place.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_PASSES_CONSTANTDATA_H
#define Q8_PASSES_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace q8 {

/// Constants with more elements than this are stored as dense_resource blobs.
constexpr int64_t kResourceThreshold = 64;

/// The f32 payload of `attr` (dense or dense_resource), or nullopt if it is
/// not f32 or its blob is not available.
std::optional<llvm::SmallVector<float>> readF32Values(mlir::ElementsAttr attr);

/// readF32Values of the constant defining `value`; nullopt when `value` is
/// null or not a constant.
std::optional<llvm::SmallVector<float>> readF32Constant(mlir::Value value);

/// The one value of an f32 constant whose elements are all equal (a
/// scalar, a splat, or a payload that happens to repeat one value);
/// nullopt otherwise, and for an empty or non-constant `value`.
std::optional<float> readF32Splat(mlir::Value value);
/// An f32 constant of `type`: dense_resource named `blobName` (uniqued by
/// MLIR) when larger than kResourceThreshold, dense otherwise.
mlir::ElementsAttr makeF32Constant(mlir::RankedTensorType type,
                                   llvm::ArrayRef<float> values,
                                   llvm::StringRef blobName);

/// The values of an integer constant (dense or dense_resource), each
/// sign-extended from its element width; nullopt for other attributes.
std::optional<llvm::SmallVector<int64_t>>
readIntegerValues(mlir::ElementsAttr attr);

/// A constant of `type` (whose element type is T's: float, int8_t, int16_t
/// or int32_t) holding `values`: dense when small, a dense_resource blob
/// named `blobName` otherwise (makeF32Constant is the float case).
template <typename T>
mlir::ElementsAttr makeConstant(mlir::RankedTensorType type,
                                llvm::ArrayRef<T> values,
                                llvm::StringRef blobName);

} // namespace q8

#endif // Q8_PASSES_CONSTANTDATA_H
