"""A two-layer int8 test model for the kernel paths, and its input.

x [13, 1032] -> MatMul W1 [1032, 40] -> Relu -> MatMul W2 [40, 72] -> Add b
-> y [13, 72]. The shapes are awkward on purpose: 13 rows are not a whole
number of row blocks, K = 1032 is split into K blocks (344 deep), N = 40 and
72 leave columns short of a 16-lane vector for the generic path. Weights are
normal (so their int8 values span the whole range, and k pairs overflow
vpmaddubsw's int16 sums unless the weights are 7-bit).

usage: int8_chain.py OUT_DIR   (writes OUT_DIR/chain.onnx, OUT_DIR/x.npy)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
w1 = rng.normal(0, 0.05, (1032, 40)).astype(np.float32)
w2 = rng.normal(0, 0.2, (40, 72)).astype(np.float32)
b = rng.normal(0, 0.5, (72,)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h"]),
     helper.make_node("Relu", ["h"], ["r"]),
     helper.make_node("MatMul", ["r", "w2"], ["m"]),
     helper.make_node("Add", ["m", "b"], ["y"])],
    "int8_chain",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [13, 1032])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [13, 72])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
     numpy_helper.from_array(b, "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "chain.onnx"))
np.save(os.path.join(out, "x.npy"), rng.normal(0, 1, (13, 1032)).astype(np.float32))

# An activation x activation product: a [13, 64] x b [64, 40], both inputs.
# q8-quantize makes it a qlinear whose B is known only at run time (packed
# by the kernels at run time) and whose A zero point is subtracted inside
# the product (per-column offsets).
graph = helper.make_graph(
    [helper.make_node("MatMul", ["a", "b"], ["y"])], "actact",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [13, 64]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [64, 40])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [13, 40])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "actact.onnx"))
np.save(os.path.join(out, "a.npy"), rng.normal(0, 1, (13, 64)).astype(np.float32))
np.save(os.path.join(out, "b.npy"), rng.normal(0, 1, (64, 40)).astype(np.float32))

# Attention's batched form: qa [1, 3, 13, 64] x kb [1, 3, 64, 40], both
# inputs: a batched qlinear, B packed per batch at run time.
graph = helper.make_graph(
    [helper.make_node("MatMul", ["qa", "kb"], ["y"])], "batched",
    [helper.make_tensor_value_info("qa", TensorProto.FLOAT, [1, 3, 13, 64]),
     helper.make_tensor_value_info("kb", TensorProto.FLOAT, [1, 3, 64, 40])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 13, 40])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, os.path.join(out, "batched.onnx"))
np.save(os.path.join(out, "qa.npy"), rng.normal(0, 1, (1, 3, 13, 64)).astype(np.float32))
np.save(os.path.join(out, "kb.npy"), rng.normal(0, 1, (1, 3, 64, 40)).astype(np.float32))
