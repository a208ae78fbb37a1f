//===- Passes.td - q8 graph-level passes --------------------*- tablegen -*-===//

#ifndef Q8_PASSES_TD
#define Q8_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"q8-fold-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "fold inference-mode BatchNormalization into the preceding conv";
  let description = [{
    conv(x, W, b) followed by batch_norm(scale, bias, mean, var, eps), with
    all parameters constant, becomes conv(x, W', b') where
    `W'[m] = W[m] * scale[m] / sqrt(var[m] + eps)` and
    `b'[m] = (b[m] - mean[m]) * scale[m] / sqrt(var[m] + eps) + bias[m]`.
    A batch_norm whose parameters are not constant, or whose conv has other
    users, is left alone. Upstream MLIR has no such pass for ONNX-level IR.
  }];
  let dependentDialects = ["::q8::Q8Dialect"];
}

#endif // Q8_PASSES_TD
