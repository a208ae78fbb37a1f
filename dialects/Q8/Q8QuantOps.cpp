//===- Q8QuantOps.cpp -===//
