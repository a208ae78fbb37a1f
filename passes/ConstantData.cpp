//===- ConstantData.cpp - read and build constant tensor payloads ---------===//

#include "passes/ConstantData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

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

std::optional<llvm::SmallVector<float>> q8::readF32Constant(Value value) {
  ElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return readF32Values(attr);
}

std::optional<float> q8::readF32Splat(Value value) {
  std::optional<SmallVector<float>> values = readF32Constant(value);
  if (!values || values->empty() || !llvm::all_equal(*values))
    return std::nullopt;
  return values->front();
}

ElementsAttr q8::makeF32Constant(RankedTensorType type, ArrayRef<float> values,
                                 StringRef blobName) {
  return makeConstant<float>(type, values, blobName);
}

std::optional<llvm::SmallVector<int64_t>>
q8::readIntegerValues(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  auto element =
      type ? dyn_cast<IntegerType>(type.getElementType()) : IntegerType();
  if (!element)
    return std::nullopt;
  llvm::SmallVector<int64_t> values;
  values.reserve(type.getNumElements());
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &value : dense.getValues<APInt>())
      values.push_back(value.getSExtValue());
    return values;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  AsmResourceBlob *blob = resource ? resource.getRawHandle().getBlob() : nullptr;
  unsigned width = element.getWidth();
  if (!blob || (width != 8 && width != 16 && width != 32 && width != 64))
    return std::nullopt;
  ArrayRef<char> bytes = blob->getData();
  size_t size = width / 8;
  if (bytes.size() != size_t(type.getNumElements()) * size)
    return std::nullopt;
  for (size_t i = 0, e = type.getNumElements(); i < e; ++i) {
    const char *at = bytes.data() + i * size;
    switch (width) {
    case 8: values.push_back(static_cast<int8_t>(*at)); break;
    case 16: { int16_t v; std::memcpy(&v, at, 2); values.push_back(v); break; }
    case 32: { int32_t v; std::memcpy(&v, at, 4); values.push_back(v); break; }
    default: { int64_t v; std::memcpy(&v, at, 8); values.push_back(v); break; }
    }
  }
  return values;
}

template <typename T>
ElementsAttr q8::makeConstant(RankedTensorType type, ArrayRef<T> values,
                              StringRef blobName) {
  if (type.getNumElements() <= kResourceThreshold)
    return DenseElementsAttr::get(type, values);
  return DenseResourceElementsAttr::get(
      type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
}

template ElementsAttr q8::makeConstant<float>(RankedTensorType,
                                             ArrayRef<float>, StringRef);
template ElementsAttr q8::makeConstant<int8_t>(RankedTensorType,
                                               ArrayRef<int8_t>,
                                               StringRef);
template ElementsAttr q8::makeConstant<int16_t>(RankedTensorType,
                                               ArrayRef<int16_t>,
                                               StringRef);
template ElementsAttr q8::makeConstant<int32_t>(RankedTensorType,
                                               ArrayRef<int32_t>,
                                               StringRef);
