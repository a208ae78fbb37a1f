//===- TensorFile.cpp - tensors from .npy, .npz and TensorProto files -----===//
//
// libonnx parses TensorProtos; NumPy's formats have no C++ reader among our
// dependencies, so the .npy header (a Python dict literal) and the .npz zip
// container are parsed here, with zlib for deflated members.
//
//===----------------------------------------------------------------------===//

#include "compiler/TensorFile.h"

#include "compiler/onnx/ModelLoader.h"
#include "q8_runtime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <zlib.h>

using namespace llvm;

int64_t q8::HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

std::string q8::dtypeName(int32_t dtype) {
  return q8_dtype_name(static_cast<q8_dtype>(dtype));
}

std::string q8::formatDims(const std::vector<int64_t> &dims) {
  if (dims.empty())
    return "scalar";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

namespace {

/// NumPy's descr for each q8 dtype (little-endian, or byte-sized).
struct Descr {
  const char *numpy;
  int32_t dtype;
};
const Descr kDescrs[] = {
    {"<f4", Q8_DTYPE_F32},  {"<f8", Q8_DTYPE_F64}, {"<f2", Q8_DTYPE_F16},
    {"|i1", Q8_DTYPE_I8},   {"|u1", Q8_DTYPE_U8},  {"<i2", Q8_DTYPE_I16},
    {"<u2", Q8_DTYPE_U16},  {"<i4", Q8_DTYPE_I32}, {"<u4", Q8_DTYPE_U32},
    {"<i8", Q8_DTYPE_I64},  {"<u8", Q8_DTYPE_U64}, {"|b1", Q8_DTYPE_BOOL},
};

/// The value of `'key': ...` in a .npy header dict, up to the next top-level
/// comma (tuples kept whole).
std::optional<StringRef> headerField(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("(")) {
    size_t close = rest.find(')');
    if (close == StringRef::npos)
      return std::nullopt;
    return rest.take_front(close + 1);
  }
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

bool parseNpy(StringRef data, q8::HostTensor &t, std::string &error) {
  if (!data.starts_with("\x93NUMPY") || data.size() < 10) {
    error = "not a .npy array (no \\x93NUMPY magic)";
    return false;
  }
  uint8_t major = data[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = support::endian::read16le(data.data() + 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = support::endian::read32le(data.data() + 8);
    offset = 12;
  } else {
    error = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (data.size() < offset + headerLen) {
    error = "truncated .npy header";
    return false;
  }
  StringRef header = data.substr(offset, headerLen);
  std::optional<StringRef> descr = headerField(header, "descr");
  std::optional<StringRef> fortran = headerField(header, "fortran_order");
  std::optional<StringRef> shape = headerField(header, "shape");
  if (!descr || !fortran || !shape) {
    error = "malformed .npy header '" + header.trim().str() + "'";
    return false;
  }
  StringRef d = descr->trim("'\" ");
  t.dtype = -1;
  for (const Descr &known : kDescrs)
    if (d == known.numpy || (d.size() == 3 && d[0] == '=' &&
                             d.drop_front() == StringRef(known.numpy).drop_front()))
      t.dtype = known.dtype;
  if (t.dtype < 0) {
    error = "element type '" + d.str() +
            "' is not one q8 models take (little-endian f2/f4/f8, i1-i8, "
            "u1-u8, b1)";
    return false;
  }
  if (*fortran != "False") {
    error = "Fortran-ordered arrays are not supported (save a C-ordered "
            "copy: np.ascontiguousarray)";
    return false;
  }
  t.dims.clear();
  SmallVector<StringRef> parts;
  shape->trim("() ").split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    int64_t dim;
    if (part.trim().getAsInteger(10, dim) || dim < 0) {
      error = "malformed .npy shape " + shape->str();
      return false;
    }
    t.dims.push_back(dim);
  }
  if (t.dims.size() > Q8_MAX_RANK) {
    error = "rank " + std::to_string(t.dims.size()) + " exceeds q8's " +
            std::to_string(Q8_MAX_RANK);
    return false;
  }
  size_t bytes = t.numElements() * q8_dtype_size(static_cast<q8_dtype>(t.dtype));
  if (data.size() - offset - headerLen != bytes) {
    error = "holds " + std::to_string(data.size() - offset - headerLen) +
            " data bytes, its shape " + shape->str() + " needs " +
            std::to_string(bytes);
    return false;
  }
  const char *begin = data.data() + offset + headerLen;
  t.bytes.assign(begin, begin + bytes);
  return true;
}

/// Members of a zip archive (.npz): local headers in order, sizes from the
/// central directory when the local header defers them (bit 3).
bool parseNpz(StringRef data, std::vector<q8::HostTensor> &tensors,
              std::string &error) {
  using support::endian::read16le;
  using support::endian::read32le;
  // End of central directory: the last "PK\5\6".
  size_t eocd = data.rfind(StringRef("PK\x05\x06", 4));
  if (eocd == StringRef::npos || data.size() - eocd < 22) {
    error = "not a readable .npz (zip) archive";
    return false;
  }
  uint16_t entries = read16le(data.data() + eocd + 10);
  uint32_t cdOffset = read32le(data.data() + eocd + 16);
  size_t at = cdOffset;
  for (uint16_t i = 0; i < entries; ++i) {
    if (at + 46 > data.size() || read32le(data.data() + at) != 0x02014b50) {
      error = "corrupt .npz central directory";
      return false;
    }
    const char *cd = data.data() + at;
    uint16_t method = read16le(cd + 10);
    uint32_t compressed = read32le(cd + 20), size = read32le(cd + 24);
    uint16_t nameLen = read16le(cd + 28), extraLen = read16le(cd + 30),
             commentLen = read16le(cd + 32);
    uint32_t local = read32le(cd + 42);
    if (compressed == 0xffffffff || size == 0xffffffff || local == 0xffffffff) {
      error = "zip64 .npz members (over 4 GiB) are not supported";
      return false;
    }
    StringRef name(cd + 46, nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > data.size() || read32le(data.data() + local) != 0x04034b50) {
      error = "corrupt .npz member '" + name.str() + "'";
      return false;
    }
    size_t start = local + 30 + read16le(data.data() + local + 26) +
                   read16le(data.data() + local + 28);
    if (start + compressed > data.size()) {
      error = "truncated .npz member '" + name.str() + "'";
      return false;
    }
    StringRef raw = data.substr(start, compressed);
    std::string inflated;
    if (method == 8) {
      inflated.resize(size);
      z_stream z{};
      // zlib takes a non-const input pointer but only reads through it.
      z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data()));
      z.avail_in = raw.size();
      z.next_out = reinterpret_cast<Bytef *>(inflated.data());
      z.avail_out = size;
      bool ok = inflateInit2(&z, -MAX_WBITS) == Z_OK &&
                inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == size;
      inflateEnd(&z);
      if (!ok) {
        error = "cannot inflate .npz member '" + name.str() + "'";
        return false;
      }
      raw = inflated;
    } else if (method != 0) {
      error = ".npz member '" + name.str() + "' uses zip compression method " +
              std::to_string(method) + " (only stored and deflate are read)";
      return false;
    }
    q8::HostTensor t;
    t.name = name.ends_with(".npy") ? name.drop_back(4).str() : name.str();
    std::string memberError;
    if (!parseNpy(raw, t, memberError)) {
      error = "member '" + name.str() + "': " + memberError;
      return false;
    }
    tensors.push_back(std::move(t));
  }
  return true;
}

int32_t dtypeFromOnnx(int32_t type) {
  switch (type) {
  case onnx::TensorProto::FLOAT: return Q8_DTYPE_F32;
  case onnx::TensorProto::DOUBLE: return Q8_DTYPE_F64;
  case onnx::TensorProto::FLOAT16: return Q8_DTYPE_F16;
  case onnx::TensorProto::BFLOAT16: return Q8_DTYPE_BF16;
  case onnx::TensorProto::INT8: return Q8_DTYPE_I8;
  case onnx::TensorProto::INT16: return Q8_DTYPE_I16;
  case onnx::TensorProto::INT32: return Q8_DTYPE_I32;
  case onnx::TensorProto::INT64: return Q8_DTYPE_I64;
  case onnx::TensorProto::UINT8: return Q8_DTYPE_U8;
  case onnx::TensorProto::UINT16: return Q8_DTYPE_U16;
  case onnx::TensorProto::UINT32: return Q8_DTYPE_U32;
  case onnx::TensorProto::UINT64: return Q8_DTYPE_U64;
  case onnx::TensorProto::BOOL: return Q8_DTYPE_BOOL;
  default: return -1;
  }
}

bool readProto(StringRef path, q8::HostTensor &t, std::string &error) {
  onnx::TensorProto proto;
  if (!q8::importer::loadTensor(path.str(), proto, error))
    return false;
  t.name = proto.name();
  t.dtype = dtypeFromOnnx(proto.data_type());
  if (t.dtype < 0) {
    error = "element type " + std::to_string(proto.data_type()) +
            " is not one q8 models take";
    return false;
  }
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  int64_t count = t.numElements();
  size_t size = q8_dtype_size(static_cast<q8_dtype>(t.dtype));
  t.bytes.resize(count * size);
  // float_data/double_data hold values; the integer fields keep each element
  // in their low `size` bytes (little-endian), which also covers bool and
  // the half types' bits in int32_data.
  auto copy = [&](const auto &field) {
    if (static_cast<int64_t>(field.size()) != count)
      return false;
    for (int64_t i = 0; i < count; ++i) {
      if (t.dtype == Q8_DTYPE_F32) {
        float v = static_cast<float>(field[i]);
        memcpy(&t.bytes[i * size], &v, size);
      } else if (t.dtype == Q8_DTYPE_F64) {
        double v = static_cast<double>(field[i]);
        memcpy(&t.bytes[i * size], &v, size);
      } else {
        uint64_t v = static_cast<uint64_t>(field[i]);
        memcpy(&t.bytes[i * size], &v, size);
      }
    }
    return true;
  };
  bool ok;
  if (proto.has_raw_data()) {
    ok = proto.raw_data().size() == t.bytes.size();
    // An empty tensor's buffer may be null, which memcpy may not be given
    // even for 0 bytes (UBSan).
    if (ok && !t.bytes.empty())
      memcpy(t.bytes.data(), proto.raw_data().data(), t.bytes.size());
  } else if (t.dtype == Q8_DTYPE_F32) {
    ok = copy(proto.float_data());
  } else if (t.dtype == Q8_DTYPE_F64) {
    ok = copy(proto.double_data());
  } else if (t.dtype == Q8_DTYPE_I64) {
    ok = copy(proto.int64_data());
  } else if (t.dtype == Q8_DTYPE_U32 || t.dtype == Q8_DTYPE_U64) {
    ok = copy(proto.uint64_data());
  } else {
    ok = copy(proto.int32_data());
  }
  if (!ok)
    error = "holds a different number of elements than its dims say";
  return ok;
}

} // namespace

bool q8::readTensorFile(StringRef path, std::vector<HostTensor> &tensors,
                        std::string &error) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file) {
    error = "cannot open: " + file.getError().message();
    return false;
  }
  // By content, whatever the extension: NumPy's magic, a zip archive, or
  // else a serialized TensorProto.
  StringRef data = (*file)->getBuffer();
  if (data.starts_with("\x93NUMPY")) {
    HostTensor t;
    if (!parseNpy(data, t, error))
      return false;
    tensors.push_back(std::move(t));
    return true;
  }
  if (data.starts_with(StringRef("PK\x03\x04", 4)) || path.ends_with(".npz"))
    return parseNpz(data, tensors, error);
  if (path.ends_with(".npy")) {
    error = "not a .npy array (no \\x93NUMPY magic)";
    return false;
  }
  HostTensor t;
  if (!readProto(path, t, error))
    return false;
  tensors.push_back(std::move(t));
  return true;
}

bool q8::readSingleTensor(StringRef path, HostTensor &tensor,
                          std::string &error) {
  std::vector<HostTensor> tensors;
  if (!readTensorFile(path, tensors, error))
    return false;
  if (tensors.size() != 1) {
    error = "holds " + std::to_string(tensors.size()) +
            " arrays; give a file with one";
    return false;
  }
  tensor = std::move(tensors.front());
  return true;
}

bool q8::writeNpy(StringRef path, const HostTensor &t, std::string &error) {
  const char *descr = nullptr;
  for (const Descr &known : kDescrs)
    if (known.dtype == t.dtype)
      descr = known.numpy;
  if (!descr) {
    error = "no .npy element type for " + dtypeName(t.dtype);
    return false;
  }
  std::string shape = "(";
  for (int64_t d : t.dims)
    shape += std::to_string(d) + (t.dims.size() == 1 ? "," : ", ");
  if (t.dims.size() > 1)
    shape.resize(shape.size() - 2);
  shape += ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so the data starts 64-byte aligned; the header ends in '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write: " + ec.message();
    return false;
  }
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(t.bytes.data(), t.bytes.size());
  return true;
}
