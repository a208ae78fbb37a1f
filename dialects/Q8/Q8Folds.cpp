//===- Q8Folds.cpp - q8 folders and canonicalization patterns -------------===//
#include "dialects/Q8/Q8Ops.h"
using namespace mlir;
using namespace q8;
#define STUB(OP) OpFoldResult OP::fold(FoldAdaptor) { return {}; }
STUB(ConstantOp) STUB(AddOp) STUB(SubOp) STUB(MulOp) STUB(DivOp) STUB(PowOp) STUB(MaxOp) STUB(MinOp)
STUB(EqualOp) STUB(LessOp) STUB(GreaterOp) STUB(WhereOp) STUB(NegOp) STUB(AbsOp) STUB(ReluOp) STUB(SqrtOp)
STUB(ReciprocalOp) STUB(ExpOp) STUB(LogOp) STUB(ErfOp) STUB(TanhOp) STUB(SigmoidOp) STUB(ClipOp) STUB(CastOp)
STUB(ReduceMeanOp) STUB(ReduceSumOp) STUB(ReduceMaxOp) STUB(ReduceMinOp) STUB(TransposeOp) STUB(ReshapeOp)
STUB(ExpandOp) STUB(GatherOp) STUB(ConcatOp) STUB(SliceOp)
void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &, MLIRContext *) {}
