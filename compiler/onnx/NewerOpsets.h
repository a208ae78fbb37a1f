//===- NewerOpsets.h - q8's schemas for opsets newer than libonnx's -*- C++ -*-===//
//
// Debian's libonnx (1.12) has schemas up to default-domain opset 17; models
// exported today use 18 to 21. This is q8's own record of every default-domain
// op that ONNX added or changed at 18, 19, 20 and 21 (onnx/defs/
// operator_sets.h), with enough of each signature to validate the nodes that
// libonnx's checker cannot: input and output counts and attribute names.
//
//===----------------------------------------------------------------------===//
#ifndef Q8_COMPILER_ONNX_NEWEROPSETS_H
#define Q8_COMPILER_ONNX_NEWEROPSETS_H

#include "llvm/ADT/StringRef.h"

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <string>

namespace q8::importer {

/// The newest default-domain opset q8 imports.
constexpr int64_t kNewestOpset = 21;

/// One (op, since-version) that ONNX introduced after opset 17.
struct NewerSchema {
  const char *opType;
  int64_t sinceVersion;
  /// The change only widened the element types (float8, int4, string...):
  /// the previous version's schema still describes the node's inputs,
  /// outputs and attributes exactly, so libonnx's checker can check it.
  bool typesOnly;
  /// Input and output counts; minInputs < 0 where q8 does not record them:
  /// ops q8 does not import (the importer refuses them by name) and ops
  /// libonnx checks (every change typesOnly).
  int minInputs, maxInputs, minOutputs, maxOutputs;
  /// Every attribute the version takes, comma-separated.
  const char *attributes;
};

/// The newest schema of `opType` with `libonnxOpset` < since-version <=
/// `opset`, or null when the op did not change after libonnx's newest opset.
const NewerSchema *lookupNewerSchema(llvm::StringRef opType, int64_t opset,
                                     int64_t libonnxOpset);

/// Whether the signature of `opType` changed (beyond element types) after
/// `libonnxOpset` and up to `opset`, so that libonnx's schema of it is wrong
/// for the node and q8 must check it itself (checkNewerNode).
bool hasNewerSignature(llvm::StringRef opType, int64_t opset,
                       int64_t libonnxOpset);

/// Checks `node` against `schema` (input/output counts, attribute names);
/// returns the problem, or an empty string.
std::string checkNewerNode(const onnx::NodeProto &node,
                           const NewerSchema &schema);

} // namespace q8::importer

#endif // Q8_COMPILER_ONNX_NEWEROPSETS_H
