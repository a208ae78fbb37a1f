//===- Q8Canonicalize.td - declarative q8 canonicalizations -*- tablegen -*-===//

#ifndef Q8_CANONICALIZE_TD
#define Q8_CANONICALIZE_TD

include "mlir/IR/PatternBase.td"
include "dialects/Q8/Q8Ops.td"

// reshape(reshape(x, s1), s2) -> reshape(x, s2): only the last shape matters.
def FoldReshapeOfReshape
    : Pat<(Q8_ReshapeOp (Q8_ReshapeOp $x, $inner), $outer),
          (Q8_ReshapeOp $x, $outer)>;

#endif // Q8_CANONICALIZE_TD
