//===- Registration.h - dialects and passes every q8 tool loads -*- C++ -*-===//
#ifndef Q8_COMPILER_REGISTRATION_H
#define Q8_COMPILER_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace q8 {
/// q8 and the upstream dialects q8 IR uses (func, quant, arith).
void registerAllDialects(mlir::DialectRegistry &registry);
/// Every q8 pass plus the upstream transforms run between them
/// (canonicalize, cse, ...).
void registerAllPasses();
} // namespace q8

#endif // Q8_COMPILER_REGISTRATION_H
