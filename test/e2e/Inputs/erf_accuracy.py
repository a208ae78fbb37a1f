"""Erf's approximation (q8-approximate-math) against math.erf.

  erf_accuracy.py make DIR         DIR/erf.onnx and DIR/x.npy: a dense grid
                                   over [-6, 6] and the special values
  erf_accuracy.py check DIR OUT    prints the largest absolute error on the
                                   grid and each special value's result
"""
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-30, -1e-30]


def inputs():
    grid = np.linspace(-6.0, 6.0, 240001, dtype=np.float32)
    return np.concatenate([grid, np.array(SPECIAL, dtype=np.float32)])


def make(directory):
    n = inputs().size
    graph = helper.make_graph(
        [helper.make_node("Erf", ["x"], ["y"])], "erf",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, f"{directory}/erf.onnx")
    np.save(f"{directory}/x.npy", inputs())


def check(out):
    x = inputs()
    y = np.load(f"{out}/y.npy")
    grid = x[:-len(SPECIAL)]
    reference = np.array([math.erf(float(v)) for v in grid])
    error = np.max(np.abs(y[:-len(SPECIAL)].astype(np.float64) - reference))
    print(f"max abs error {'below' if error < 4e-7 else 'ABOVE'} 4e-7 ({error:.2e})")
    print(f"within [-1, 1]: {bool(np.all(np.abs(y[:-len(SPECIAL)]) <= 1.0))}")
    for v, r in zip(SPECIAL, y[-len(SPECIAL):]):
        sign = "-" if math.copysign(1.0, float(r)) < 0 else "+"
        print(f"erf({v!r}) = {sign}{abs(float(r))!r}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[3])
