//===- Tensors.h - ONNX tensors to MLIR attributes and back -----*- C++ -*-===//
#ifndef Q8_COMPILER_ONNX_TENSORS_H
#define Q8_COMPILER_ONNX_TENSORS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace q8::importer {

/// The MLIR element type of an ONNX TensorProto::DataType (signless for
/// signed integers, `ui*` for unsigned, i1 for bool), or null.
mlir::Type getElementType(mlir::MLIRContext *context, int32_t onnxType);

/// The ONNX name of a TensorProto::DataType, for messages.
std::string getOnnxTypeName(int32_t onnxType);

/// Converts a tensor with inline data (typed fields or raw_data) to an
/// attribute: a `dense_resource` blob named after the tensor when it has more
/// than `resourceThreshold` elements, `dense<>` otherwise.
mlir::FailureOr<mlir::ElementsAttr>
convertTensor(mlir::MLIRContext *context, const onnx::TensorProto &tensor,
              int64_t resourceThreshold, std::string &error);

/// The elements of a constant (dense or resource) as int64 (integers and
/// bools), or nullopt for non-integer element types.
std::optional<llvm::SmallVector<int64_t>> getIntValues(mlir::ElementsAttr attr);

/// The elements of a constant as doubles (floats or integers).
std::optional<llvm::SmallVector<double>> getFloatValues(mlir::ElementsAttr attr);

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_TENSORS_H
