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

#include "dialects/Q8/Q8Enums.h.inc"

namespace q8 {
/// What q8-quantize can make of a QuantizableOpInterface op.
enum class QuantizableForm {
  None,             ///< stays fp32
  ConstantWeight,   ///< int8 op on a constant weight, per output channel
  ActivationWeight, ///< activation x activation, both per tensor
};
} // namespace q8

#include "dialects/Q8/Q8Interfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/Q8/Q8Ops.h.inc"

#endif // Q8_DIALECTS_Q8_Q8OPS_H
