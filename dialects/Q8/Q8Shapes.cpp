//===- Q8Shapes.cpp -===//
