//===- Q8Dialect.cpp - q8 dialect registration and constants --------------===//

#include "dialects/Q8/Q8Dialect.h"
#include "dialects/Q8/Q8Ops.h"

using namespace mlir;
using namespace q8;

#include "dialects/Q8/Q8Dialect.cpp.inc"

void Q8Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Q8/Q8Ops.cpp.inc"
      >();
}

Operation *Q8Dialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
