//===- ConstantData.cpp - read and build constant tensor payloads ---------===//

#include "passes/ConstantData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

std::optional<llvm::SmallVector<float>> q8::readF32Values(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<float>();
    return llvm::SmallVector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != size_t(type.getNumElements()) * sizeof(float))
      return std::nullopt;
    llvm::SmallVector<float> values(type.getNumElements());
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  return std::nullopt;
}

ElementsAttr q8::makeF32Constant(RankedTensorType type, ArrayRef<float> values,
                                 StringRef blobName) {
  if (type.getNumElements() <= kResourceThreshold)
    return DenseElementsAttr::get(type, values);
  return DenseResourceElementsAttr::get(
      type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
}
