//===- TensorFile.h - tensors from .npy, .npz and TensorProto files -*- C++ -*-===//
//
// What users hand q8 as sample inputs: NumPy arrays (.npy, and .npz archives
// of them, stored or deflated, as np.savez and np.savez_compressed write
// them) and serialized ONNX TensorProtos (.pb, as ONNX's test data sets
// hold). Every element type the q8 ABI has is read; the bytes are the ABI's
// (little-endian, bool one byte per element).
//
//===----------------------------------------------------------------------===//

#ifndef Q8_COMPILER_TENSORFILE_H
#define Q8_COMPILER_TENSORFILE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace q8 {

struct HostTensor {
  /// The TensorProto's name, or the array's name in an .npz (without
  /// ".npy"); empty for a plain .npy.
  std::string name;
  int32_t dtype = -1; ///< a q8_dtype (runtime/q8_abi.h)
  std::vector<int64_t> dims;
  std::vector<char> bytes;

  int64_t numElements() const;
};

/// Reads every tensor in `path`: one for .npy and .pb, one per member for
/// .npz (in archive order). On failure returns false with `error` saying
/// why (without the path, which the caller prefixes).
bool readTensorFile(llvm::StringRef path, std::vector<HostTensor> &tensors,
                    std::string &error);

/// readTensorFile for a file that must hold exactly one tensor (a .npy or a
/// TensorProto).
bool readSingleTensor(llvm::StringRef path, HostTensor &tensor,
                      std::string &error);

/// Writes `tensor` as a version-1 .npy file.
bool writeNpy(llvm::StringRef path, const HostTensor &tensor,
              std::string &error);

/// "f32", "i64", ... for a q8_dtype (runtime's q8_dtype_name).
std::string dtypeName(int32_t dtype);

/// "1x16x64" (or "scalar").
std::string formatDims(const std::vector<int64_t> &dims);

} // namespace q8

#endif // Q8_COMPILER_TENSORFILE_H
