//===- Q8Dialect.h - the q8 dialect -----------------------------*- C++ -*-===//
#ifndef Q8_DIALECTS_Q8_Q8DIALECT_H
#define Q8_DIALECTS_Q8_Q8DIALECT_H

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "dialects/Q8/Q8Dialect.h.inc"

#endif // Q8_DIALECTS_Q8_Q8DIALECT_H
