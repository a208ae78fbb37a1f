//===- Tensors.cpp - ONNX tensors to MLIR attributes and back -------------===//

#include "compiler/onnx/Tensors.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "dialects/Q8/Q8Shapes.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;
using namespace q8::importer;

Type q8::importer::getElementType(MLIRContext *context, int32_t onnxType) {
  Builder b(context);
  auto unsignedInt = [&](unsigned width) {
    return IntegerType::get(context, width, IntegerType::Unsigned);
  };
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::UINT8:
    return unsignedInt(8);
  case onnx::TensorProto::UINT16:
    return unsignedInt(16);
  case onnx::TensorProto::UINT32:
    return unsignedInt(32);
  case onnx::TensorProto::UINT64:
    return unsignedInt(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

std::string q8::importer::getOnnxTypeName(int32_t onnxType) {
  if (onnx::TensorProto::DataType_IsValid(onnxType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(onnxType));
  // IR 9 (float8) and 10 (4-bit) types, newer than libonnx 1.12's enum.
  static const char *const newer[] = {"FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
                                      "FLOAT8E5M2",   "FLOAT8E5M2FNUZ",
                                      "UINT4",        "INT4"};
  if (onnxType >= 17 && onnxType <= 22)
    return newer[onnxType - 17];
  return "type " + std::to_string(onnxType);
}

/// Bytes per element in ONNX raw_data (bool is one byte).
static unsigned getRawWidth(Type type) {
  if (type.isInteger(1))
    return 1;
  return type.getIntOrFloatBitWidth() / 8;
}

/// Resource keys are printed bare in IR, so keep them to identifier chars.
static std::string sanitizeKey(const std::string &name) {
  std::string key = name.empty() ? std::string("tensor") : name;
  for (char &c : key)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  if (llvm::isDigit(key.front()))
    key = "_" + key;
  return key;
}

template <typename T, typename Field>
static void appendAs(std::vector<char> &bytes, const Field &field) {
  for (auto v : field) {
    T x = static_cast<T>(v);
    const char *p = reinterpret_cast<const char *>(&x);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
}

FailureOr<ElementsAttr>
q8::importer::convertTensor(MLIRContext *context,
                            const onnx::TensorProto &tensor,
                            int64_t resourceThreshold, std::string &error) {
  Type element = getElementType(context, tensor.data_type());
  if (!element) {
    error = "tensor '" + tensor.name() + "' has unsupported element type " +
            getOnnxTypeName(tensor.data_type());
    return failure();
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "tensor '" + tensor.name() + "' has unresolved external data";
    return failure();
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  for (int64_t d : shape)
    if (d < 0) {
      error = "tensor '" + tensor.name() + "' has a negative dimension " +
              q8::formatShape(shape);
      return failure();
    }
  std::optional<int64_t> count = q8::checkedNumElements(shape);
  if (!count) {
    error = "tensor '" + tensor.name() + "' of shape " +
            q8::formatShape(shape) + " has more elements than fit in int64";
    return failure();
  }
  unsigned width = getRawWidth(element);
  std::vector<char> bytes;
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (static_cast<uint64_t>(raw.size()) !=
        static_cast<uint64_t>(*count) * width) {
      error = "tensor '" + tensor.name() + "' of shape " +
              q8::formatShape(shape) + " has " + std::to_string(raw.size()) +
              " bytes of raw data, expected " +
              std::to_string(*count * width);
      return failure();
    }
    bytes.assign(raw.begin(), raw.end());
  } else {
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      appendAs<float>(bytes, tensor.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      appendAs<double>(bytes, tensor.double_data());
      break;
    case onnx::TensorProto::INT64:
      appendAs<int64_t>(bytes, tensor.int64_data());
      break;
    case onnx::TensorProto::UINT32:
      appendAs<uint32_t>(bytes, tensor.uint64_data());
      break;
    case onnx::TensorProto::UINT64:
      appendAs<uint64_t>(bytes, tensor.uint64_data());
      break;
    case onnx::TensorProto::INT32:
      appendAs<int32_t>(bytes, tensor.int32_data());
      break;
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      appendAs<uint16_t>(bytes, tensor.int32_data());
      break;
    default: // int8, uint8, bool
      appendAs<uint8_t>(bytes, tensor.int32_data());
      break;
    }
    if (static_cast<uint64_t>(bytes.size()) !=
        static_cast<uint64_t>(*count) * width) {
      error = "tensor '" + tensor.name() + "' of shape " +
              q8::formatShape(shape) + " holds " +
              std::to_string(bytes.size() / width) + " values, expected " +
              std::to_string(*count);
      return failure();
    }
  }

  auto type = RankedTensorType::get(shape, element);
  if (element.isInteger(1)) {
    SmallVector<bool> values;
    values.reserve(*count);
    for (char c : bytes)
      values.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, values));
  }
  // int32/int64 tensors are shapes, indices and position ids (BERT's
  // position_ids buffer is [1, 512]): they feed the folders, which read only
  // dense<> values, so they stay dense up to a size no shape tensor reaches.
  // Integer weights (int8 and friends) still follow the threshold.
  constexpr int64_t kMaxDenseIndexElements = 4096;
  if (element.isInteger(32) || element.isInteger(64))
    resourceThreshold = std::max(resourceThreshold, kMaxDenseIndexElements);
  if (*count > resourceThreshold) {
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(bytes.data(), bytes.size()), std::max(width, 1u));
    return ElementsAttr(
        DenseResourceElementsAttr::get(type, sanitizeKey(tensor.name()),
                                       std::move(blob)));
  }
  if (*count == 0)
    return ElementsAttr(DenseElementsAttr::get(type, ArrayRef<Attribute>()));
  return ElementsAttr(DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size())));
}

/// The raw little-endian bytes of a resource blob, or nullopt.
static std::optional<ArrayRef<char>> getBlobData(ElementsAttr attr) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  return blob->getData();
}

std::optional<SmallVector<int64_t>>
q8::importer::getIntValues(ElementsAttr attr) {
  auto element = dyn_cast<IntegerType>(attr.getElementType());
  if (!element)
    return std::nullopt;
  SmallVector<int64_t> result;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    for (const APInt &v : dense.getValues<APInt>())
      result.push_back(element.isUnsigned() || element.getWidth() == 1
                           ? static_cast<int64_t>(v.getZExtValue())
                           : v.getSExtValue());
    return result;
  }
  std::optional<ArrayRef<char>> data = getBlobData(attr);
  if (!data || element.getWidth() % 8)
    return std::nullopt;
  unsigned width = element.getWidth() / 8;
  for (size_t i = 0; i + width <= data->size(); i += width) {
    uint64_t bits = 0;
    std::memcpy(&bits, data->data() + i, width);
    APInt v(element.getWidth(), bits);
    result.push_back(element.isUnsigned()
                         ? static_cast<int64_t>(v.getZExtValue())
                         : v.getSExtValue());
  }
  return result;
}

std::optional<SmallVector<double>>
q8::importer::getFloatValues(ElementsAttr attr) {
  if (std::optional<SmallVector<int64_t>> ints = getIntValues(attr))
    return SmallVector<double>(ints->begin(), ints->end());
  auto element = dyn_cast<FloatType>(attr.getElementType());
  if (!element)
    return std::nullopt;
  SmallVector<double> result;
  auto push = [&](APFloat v) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    result.push_back(v.convertToDouble());
  };
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    for (const APFloat &v : dense.getValues<APFloat>())
      push(v);
    return result;
  }
  std::optional<ArrayRef<char>> data = getBlobData(attr);
  unsigned bits = element.getWidth();
  if (!data || bits % 8)
    return std::nullopt;
  unsigned width = bits / 8;
  for (size_t i = 0; i + width <= data->size(); i += width) {
    uint64_t raw = 0;
    std::memcpy(&raw, data->data() + i, width);
    push(APFloat(element.getFloatSemantics(), APInt(bits, raw)));
  }
  return result;
}
