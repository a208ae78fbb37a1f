//===- Registration.cpp - dialects and passes every q8 tool loads ---------===//

#include "compiler/Registration.h"

#include "dialects/Q8/Q8Dialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"

void q8::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<q8::Q8Dialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect, mlir::arith::ArithDialect>();
}

void q8::registerAllPasses() {
  mlir::registerTransformsPasses();
  q8::registerQ8Passes();
}
