//===- ModelLoader.h - reading ONNX files into protobufs --------*- C++ -*-===//
//
// The only part of the importer that talks to libonnx's throwing APIs (text
// parser, checker, schema registry). Everything it reports comes back as
// ImportErrors; nothing it calls may let an exception escape.
//
//===----------------------------------------------------------------------===//
#ifndef Q8_COMPILER_ONNX_MODELLOADER_H
#define Q8_COMPILER_ONNX_MODELLOADER_H

#include "compiler/Compiler.h"
#include "llvm/ADT/StringRef.h"

#include "onnx/onnx_pb.h"

#include <string>
#include <vector>

namespace q8::importer {

/// Reads a binary or text-syntax model, checks that its default-domain opset
/// is one q8 knows (up to kNewestOpset, past libonnx's newest with q8's own
/// schemas: NewerOpsets.h), runs ONNX's checker, and replaces external
/// tensor data by raw data read from beside the model. False on any error.
bool loadModel(const std::string &path, onnx::ModelProto &model,
               std::vector<ImportError> &errors);

/// Reads a serialized TensorProto (`--bind` files). False with `error` set.
bool loadTensor(const std::string &path, onnx::TensorProto &tensor,
                std::string &error);

/// The since-version of `opType` at `opset` in `domain`, or -1 when ONNX has
/// no such op at that opset. Default-domain opsets newer than libonnx's are
/// answered from q8's own table (NewerOpsets.h).
int64_t getSinceVersion(const std::string &opType, int64_t opset,
                        const std::string &domain);

/// The newest opset of `domain` that libonnx knows, or -1.
int64_t getMaxOpset(const std::string &domain);

/// The default-domain opset the model imports ("" or "ai.onnx"), or -1.
int64_t getDefaultOpset(const onnx::ModelProto &model);

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_MODELLOADER_H
