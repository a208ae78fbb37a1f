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

#endif // Q8_DIALECTS_Q8_Q8OPS_H
