//===- FoldBatchNorm.cpp -===//
