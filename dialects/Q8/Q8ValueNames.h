//===- Q8ValueNames.h - ONNX value names carried on q8 IR -------*- C++ -*-===//
//
// Calibration tables are keyed by the ONNX name of each value (the tensor
// name a node's output has in the graph), so the names must survive import.
// They ride on the location of the op that defines them, which every
// pattern carries over when it replaces an op and which the printer leaves
// out unless asked (so no test of the IR changes):
//
//   NameLoc("node name", NameLoc("value"))                   one result
//   NameLoc("node name", FusedLoc[NameLoc("v0"), unknown, ...])  several
//
// The outer NameLoc stays the node name every diagnostic reports. Function
// arguments and results take their names from `q8.name`.
//
//===----------------------------------------------------------------------===//

#ifndef Q8_DIALECTS_Q8_Q8VALUENAMES_H
#define Q8_DIALECTS_Q8_Q8VALUENAMES_H

#include "mlir/IR/Value.h"

#include <string>

namespace q8 {

/// The ONNX name of `value`, or "" when the IR does not record one.
std::string getValueName(mlir::Value value);

/// Records `name` as the ONNX name of `value` (an op result), keeping the
/// node name of the op's location. Block arguments are left alone: their
/// names are `q8.name` argument attributes.
void setValueName(mlir::Value value, llvm::StringRef name);

} // namespace q8

#endif // Q8_DIALECTS_Q8_Q8VALUENAMES_H
