"""Two matmul heads on one input, for SmoothQuant's end-to-end check.

  smoothquant_heads.py OUTDIR {helps|hurts} [--samples N]

Writes OUTDIR/heads.onnx and OUTDIR/calibration/sNN.npy. The model takes
x [1, 32, 64] and returns features = x . A [1, 32, 64] and
scores = x . B [1, 32, 8], both MatMuls int8 under W8A8, one activation
(x) with two consumers, so SmoothQuant picks one scale for both.

- helps: four channels of x are 50x the others (activation outliers, what
  SmoothQuant is for); A and B are N(0, 1). Smoothing cuts both heads'
  error.
- hurts: x is N(0, 1) and has no outliers; four rows of A are 300x the
  others and B is 100x smaller than A's other rows. The alpha search scores
  the squared error summed over both heads, which A's large outputs
  dominate: it balances A's outlier rows (s < 1 there), which widens the
  range of x / s for both heads and costs the small head B far more (in
  dB) than A gains. Per output SQNR, averaged, plain W8A8 wins.

Seeded: the same arguments write the same bytes.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

p = argparse.ArgumentParser()
p.add_argument("outdir")
p.add_argument("case", choices=["helps", "hurts"])
p.add_argument("--samples", type=int, default=16)
args = p.parse_args()

rng = np.random.RandomState(7)
K, T = 64, 32
a = rng.randn(K, 64).astype(np.float32)
b = rng.randn(K, 8).astype(np.float32)
outliers = [3, 17, 40, 58]
channel_scale = np.ones(K, np.float32)
if args.case == "helps":
    channel_scale[outliers] = 50
else:
    a[outliers] *= 300
    b *= 0.01

graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "A"], ["features"], name="head_a"),
     helper.make_node("MatMul", ["x", "B"], ["scores"], name="head_b")],
    "heads",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, K])],
    [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, T, 64]),
     helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, T, 8])],
    [numpy_helper.from_array(a, "A"), numpy_helper.from_array(b, "B")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(os.path.join(args.outdir, "calibration"), exist_ok=True)
onnx.save(model, os.path.join(args.outdir, "heads.onnx"))
for i in range(args.samples):
    x = (rng.randn(1, T, K) * channel_scale).astype(np.float32)
    np.save(os.path.join(args.outdir, "calibration", f"s{i:02d}.npy"), x)
