//===- Q8Folds.cpp -===//
