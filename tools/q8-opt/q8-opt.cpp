//===- q8-opt.cpp - MlirOptMain with the q8 dialect and passes ------------===//

#include "compiler/Registration.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  q8::registerAllDialects(registry);
  q8::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "q8 optimizer driver\n", registry));
}
