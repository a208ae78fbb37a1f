//===- Q8Ops.cpp -===//
