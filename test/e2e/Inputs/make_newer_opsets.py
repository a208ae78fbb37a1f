"""Writes opset-18 and opset-21 models that use the signatures ONNX changed
after opset 17, built with onnx.helper: Debian's python3-onnx 1.12 builds
protos of any opset but cannot check them (its checker knows opset 17).

    make_newer_opsets.py OUTDIR

OUTDIR receives opset18.onnx (IR 8) and opset21.onnx (IR 10).
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

F = TensorProto.FLOAT


def ints(name, values):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
        np.array(values, np.int64), name))


def floats(name, values):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
        np.array(values, np.float32), name))


def model(nodes, inputs, outputs, opset, ir_version, initializers=()):
    """`inputs` and `outputs` are (name, shape) pairs."""
    graph = helper.make_graph(
        nodes, f"opset{opset}",
        [helper.make_tensor_value_info(n, F, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, F, s) for n, s in outputs],
        list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = ir_version
    return m


def opset18():
    """Reduce* with axes as an input, Split num_outputs, Pad axes, Resize
    axes and keep_aspect_ratio_policy, Mish."""
    n = helper.make_node
    nodes = [
        ints("a_last", [-1]), ints("a_1", [1]),
        n("ReduceMean", ["x", "a_last"], ["mean"]),
        n("ReduceL2", ["x", "a_1"], ["l2"], keepdims=0),
        n("ReduceLogSumExp", ["x", "a_last"], ["lse"]),
        n("ReduceSumSquare", ["x"], ["ssq"]),
        n("ReduceMax", ["x", "a_1"], ["max"]),
        n("Split", ["x"], ["s0", "s1", "s2"], axis=1, num_outputs=3),
        n("Split", ["x"], ["u0", "u1", "u2"], axis=2, num_outputs=3),
        ints("pads", [1, 2]),
        floats("pad_value", 0.5),
        n("Pad", ["x", "pads", "pad_value", "a_last"], ["pad_c"]),
        n("Pad", ["x", "pads", "", "a_1"], ["pad_r"], mode="reflect"),
        ints("sizes_hw", [5, 11]),
        n("Resize", ["img", "", "", "sizes_hw"], ["resize_lin"], axes=[2, 3],
          mode="linear"),
        n("Resize", ["img", "", "", "sizes_hw"], ["resize_fit"], axes=[2, 3],
          keep_aspect_ratio_policy="not_larger", mode="nearest"),
        floats("scale_w", [1.5]),
        # axes=[3], not [-1]: ONNX Runtime 1.20 leaves a dim named by a
        # negative axis unresized (ONNX's shape inference and q8 resize it).
        n("Resize", ["img", "", "scale_w"], ["resize_w"], axes=[3],
          mode="cubic", antialias=1),
        n("Mish", ["x"], ["mish"]),
    ]
    outputs = [("mean", [2, 6, 1]), ("l2", [2, 8]), ("lse", [2, 6, 1]),
               ("ssq", [1, 1, 1]), ("max", [2, 1, 8]), ("s0", [2, 2, 8]),
               ("s1", [2, 2, 8]), ("s2", [2, 2, 8]), ("u0", [2, 6, 3]),
               ("u1", [2, 6, 3]), ("u2", [2, 6, 2]), ("pad_c", [2, 6, 11]),
               ("pad_r", [2, 9, 8]), ("resize_lin", [1, 3, 5, 11]),
               # not_larger: scale min(5/8, 11/8) on both axes.
               ("resize_fit", [1, 3, 5, 5]), ("resize_w", [1, 3, 8, 12]),
               ("mish", [2, 6, 8])]
    return model(nodes, [("x", [2, 6, 8]), ("img", [1, 3, 8, 8])], outputs,
                 18, 8)


def opset21():
    """Gelu (20), AveragePool dilations (19), Resize half_pixel_symmetric
    (19), and ops whose 19 and 21 versions only widened their types, around
    a MatMul."""
    n = helper.make_node
    rng = np.random.default_rng(21)
    w = numpy_helper.from_array(rng.standard_normal((8, 8)).astype(np.float32), "w")
    nodes = [
        n("MatMul", ["x", "w"], ["mm"]),
        n("Gelu", ["mm"], ["gelu"]),
        n("Gelu", ["mm"], ["gelu_tanh"], approximate="tanh"),
        n("AveragePool", ["img"], ["pool"], kernel_shape=[3, 2],
          dilations=[2, 3], strides=[1, 2], pads=[1, 0, 1, 1]),
        floats("scales", [1.0, 1.0, 1.75, 0.6]),
        n("Resize", ["img", "", "scales"], ["resize"], mode="linear",
          coordinate_transformation_mode="half_pixel_symmetric"),
        ints("shape", [0, -1]),
        n("Reshape", ["gelu", "shape"], ["flat"]),
        n("Flatten", ["mm"], ["flat2"], axis=2),
        ints("a_0", [0]),
        n("Unsqueeze", ["flat", "a_0"], ["unsq"]),
        n("Squeeze", ["unsq", "a_0"], ["sq"]),
        n("Transpose", ["sq"], ["tr"], perm=[1, 0]),
        n("Shape", ["x"], ["shp"], start=1),
        n("ConstantOfShape", ["shp"], ["ones"],
          value=numpy_helper.from_array(np.array([1.0], np.float32), "one")),
        n("Add", ["mm", "ones"], ["plus_one"]),
        n("Cast", ["plus_one"], ["cast"], to=TensorProto.FLOAT),
        n("Identity", ["cast"], ["ident"]),
    ]
    outputs = [("gelu", [2, 6, 8]), ("gelu_tanh", [2, 6, 8]),
               ("pool", [1, 3, 6, 3]), ("resize", [1, 3, 14, 4]),
               ("tr", [48, 2]), ("flat2", [12, 8]), ("ident", [2, 6, 8])]
    return model(nodes, [("x", [2, 6, 8]), ("img", [1, 3, 8, 8])], outputs,
                 21, 10, [w])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    save(opset18(), os.path.join(out, "opset18.onnx"))
    save(opset21(), os.path.join(out, "opset21.onnx"))


if __name__ == "__main__":
    main()
