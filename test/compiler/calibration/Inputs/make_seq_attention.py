"""Writes seq_attention.onnx and calibration samples of three sequence
lengths into OUT, for tests of calibrating a model with a dynamic extent
(compiler/DynamicExtent.h, compiler/calibration/Calibrate.h):

  x [1, T, 16], m [1, T, 1] -> h = Relu(x W1 + b1) * m [1, T, 32],
  k = h Wk, p = Softmax(h k^T / sqrt(32)) [1, T, T], a = p h,
  y = a W2 + b2 [1, T, 8]

The attention mixes the sequence, so T is not a batch dim. Samples, one
.npz per file (x and m): OUT/samples/ (T = 4, 9, 16, two samples each;
T = 9's two stacked in one file), and OUT/static_<T>/s.npz, the same
samples by T.

Also seq_first.onnx, the extent as the first dim: x [T, 16] ->
h = x W1, y = Softmax(h h^T) h, and its samples OUT/first/: a.npy [3, 8, 16]
(three samples of T = 8 stacked) and b.npy [5, 16] (one of T = 5)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def weight(name, *shape, scale=0.5):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * scale).astype(np.float32), name)


graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h0"], name="fc1"),
     helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
     helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
     helper.make_node("Mul", ["h2", "m"], ["h"], name="gate"),
     helper.make_node("MatMul", ["h", "wk"], ["k"], name="key"),
     helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1], name="kt"),
     helper.make_node("MatMul", ["h", "kt"], ["s0"], name="scores"),
     helper.make_node("Mul", ["s0", "scale"], ["s"], name="scale"),
     helper.make_node("Softmax", ["s"], ["p"], axis=-1, name="softmax"),
     helper.make_node("MatMul", ["p", "h"], ["a"], name="mix"),
     helper.make_node("MatMul", ["a", "w2"], ["y0"], name="fc2"),
     helper.make_node("Add", ["y0", "b2"], ["y"], name="fc2_bias")],
    "seq_attention",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "T", 16]),
     helper.make_tensor_value_info("m", TensorProto.FLOAT, [1, "T", 1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "T", 8])],
    [weight("w1", 16, 32), weight("b1", 32, scale=0.1),
     weight("wk", 32, 32, scale=0.2),
     numpy_helper.from_array(np.array(32 ** -0.5, np.float32), "scale"),
     weight("w2", 32, 8), weight("b2", 8, scale=0.1)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "seq_attention.onnx"))

os.makedirs(os.path.join(out, "samples"), exist_ok=True)
for t in (4, 9, 16):
    # Values grow with T, so each size holds the extremes of some tensor.
    x = (rng.standard_normal((2, 1, t, 16)) * (t / 8)).astype(np.float32)
    m = (rng.random((2, 1, t, 1)) > 0.2).astype(np.float32)
    os.makedirs(os.path.join(out, f"static_{t}"), exist_ok=True)
    np.savez(os.path.join(out, f"static_{t}", "s.npz"), x=x, m=m)
    if t == 9:
        np.savez(os.path.join(out, "samples", f"s{t:02d}.npz"), x=x, m=m)
    else:
        for i in range(2):
            np.savez(os.path.join(out, "samples", f"s{t:02d}_{i}.npz"),
                     x=x[i], m=m[i])

first = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
     helper.make_node("Transpose", ["h"], ["ht"], perm=[1, 0], name="ht"),
     helper.make_node("MatMul", ["h", "ht"], ["s"], name="scores"),
     helper.make_node("Softmax", ["s"], ["p"], axis=-1, name="softmax"),
     helper.make_node("MatMul", ["p", "h"], ["y"], name="mix")],
    "seq_first",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["T", 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["T", 8])],
    [weight("w1", 16, 8)])
model = helper.make_model(first, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "seq_first.onnx"))
os.makedirs(os.path.join(out, "first"), exist_ok=True)
np.save(os.path.join(out, "first", "a.npy"),
        rng.standard_normal((3, 8, 16)).astype(np.float32))
np.save(os.path.join(out, "first", "b.npy"),
        rng.standard_normal((5, 16)).astype(np.float32))
