//===- Q8Ops.h - q8 op classes ----------------------------------*- C++ -*-===//
#ifndef Q8_DIALECTS_Q8_Q8OPS_H
#define Q8_DIALECTS_Q8_Q8OPS_H

#include "dialects/Q8/Q8Dialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/Q8/Q8Ops.h.inc"

namespace q8 {
/// The result dim of an int8 op (q8.qlinear, q8.qconv) that indexes its
/// output channels: the last, or dim 1 of a convolution's NCHW result.
int64_t getOutputChannelDim(mlir::Operation *op);
} // namespace q8

#endif // Q8_DIALECTS_Q8_Q8OPS_H
