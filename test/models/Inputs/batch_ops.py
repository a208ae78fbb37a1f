#!/usr/bin/python3
"""One small model per op family with a dynamic batch dim, run at batch 3.

    batch_ops.py --q8c Q8C --q8-run Q8RUN --ort-run ORT_RUN_JS WORK

Each model (onnx.helper, input dim 0 named 'N' unless said otherwise) is
compiled once by q8c and either
  - run by q8-run at batch 3 and compared with ONNX Runtime (rtol 1e-4,
    atol 1e-5): "NAME: ok [output shape]", or
  - refused: "NAME: refused: <q8c's message after the model path>".
Exits 1 when a separable model is refused or differs, or a model that
mixes items compiles.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
RNG = np.random.RandomState(7)


def w(name, *shape):
    return numpy_helper.from_array((0.3 * RNG.randn(*shape)).astype(np.float32), name)


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


# name: (model, separable)
CASES = {
    # Elementwise with broadcasting: a per-channel bias and a [N, 1, 8] gate.
    "broadcast": (model([helper.make_node("Add", ["x", "b"], ["t"]),
                         helper.make_node("Mul", ["t", "g"], ["y"])],
                        [vi("x", ["N", 4, 8]), vi("g", ["N", 1, 8])], [vi("y", ["N", 4, 8])],
                        [w("b", 8)]), True),
    "matmul": (model([helper.make_node("MatMul", ["x", "w"], ["y"])],
                     [vi("x", ["N", 5, 16])], [vi("y", ["N", 5, 8])], [w("w", 16, 8)]), True),
    "batched_matmul": (model([helper.make_node("MatMul", ["a", "b"], ["y"])],
                             [vi("a", ["N", 2, 5, 16]), vi("b", ["N", 2, 16, 3])],
                             [vi("y", ["N", 2, 5, 3])]), True),
    "conv_pool": (model([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                         helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
                         helper.make_node("GlobalAveragePool", ["p"], ["y"])],
                        [vi("x", ["N", 3, 8, 8])], [vi("y", ["N", 4, 1, 1])], [w("w", 4, 3, 3, 3)]), True),
    "reduce_softmax": (model([helper.make_node("ReduceMean", ["x"], ["m"], axes=[2], keepdims=1),
                              helper.make_node("Sub", ["x", "m"], ["d"]),
                              helper.make_node("Softmax", ["d"], ["y"], axis=-1)],
                             [vi("x", ["N", 4, 8])], [vi("y", ["N", 4, 8])], opset=13), True),
    "layout": (model([helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
                      helper.make_node("Reshape", ["t", "s"], ["r"]),
                      helper.make_node("Slice", ["r", "st", "en", "ax"], ["sl"]),
                      helper.make_node("Concat", ["sl", "sl"], ["y"], axis=1)],
                     [vi("x", ["N", 4, 6])], [vi("y", ["N", 4, 2, 4])],
                     [i64("s", [0, 3, 2, 4]), i64("st", [1]), i64("en", [3]), i64("ax", [1])]), True),
    "gather": (model([helper.make_node("Gather", ["x", "i"], ["y"], axis=1)],
                     [vi("x", ["N", 6, 4])], [vi("y", ["N", 2, 4])], [i64("i", [4, 1])]), True),
    # The batch as dim 1 of the input and the output (staged by the runtime).
    "batch_dim1": (model([helper.make_node("Relu", ["x"], ["y"])],
                         [vi("x", [2, "N", 4])], [vi("y", [2, "N", 4])]), True),
    # Mixing items: refused.
    "reduce_over_batch": (model([helper.make_node("ReduceSum", ["x", "a"], ["y"], keepdims=1)],
                                [vi("x", ["N", 4])], [vi("y", [1, 4])], [i64("a", [0])], opset=13), False),
    "softmax_over_batch": (model([helper.make_node("Softmax", ["x"], ["y"], axis=0)],
                                 [vi("x", ["N", 4])], [vi("y", ["N", 4])]), False),
    "first_item": (model([helper.make_node("Slice", ["x", "st", "en", "ax"], ["y"])],
                         [vi("x", ["N", 4])], [vi("y", [1, 4])],
                         [i64("st", [0]), i64("en", [1]), i64("ax", [0])]), False),
    "concat_batch": (model([helper.make_node("Concat", ["x", "x"], ["y"], axis=0)],
                           [vi("x", ["N", 4])], [vi("y", ["M", 4])]), False),
    "flatten_all": (model([helper.make_node("Reshape", ["x", "s"], ["y"])],
                          [vi("x", ["N", 4])], [vi("y", ["M"])], [i64("s", [-1])]), False),
    "batch_inner": (model([helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
                           helper.make_node("Reshape", ["t", "s"], ["y"])],
                          [vi("x", ["N", 4])], [vi("y", ["M"])], [i64("s", [-1])]), False),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--q8c", required=True)
    p.add_argument("--q8-run", required=True)
    p.add_argument("--ort-run", required=True)
    p.add_argument("work")
    a = p.parse_args()
    failed = False
    for name, (m, separable) in CASES.items():
        d = os.path.join(a.work, name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "m.onnx")
        onnx.save(m, path)
        c = subprocess.run([a.q8c, path, "--emit=shared", "-o", os.path.join(d, "m")],
                           capture_output=True, text=True)
        if c.returncode != 0:
            message = c.stderr.strip().splitlines()[0].split(path + ": ", 1)[-1]
            print(f"{name}: refused: {message}")
            failed |= separable
            continue
        if not separable:
            print(f"{name}: COMPILED, but it mixes items")
            failed = True
            continue
        args = []
        for v in m.graph.input:
            shape = [3 if dim.dim_param else dim.dim_value for dim in v.type.tensor_type.shape.dim]
            f = os.path.join(d, v.name + ".npy")
            np.save(f, RNG.randn(*shape).astype(np.float32))
            args += ["--input", f"{v.name}={f}"]
        subprocess.run(["node", a.ort_run, path, "--output-dir", os.path.join(d, "ort")] + args,
                       check=True, capture_output=True)
        r = subprocess.run([a.q8_run, os.path.join(d, "m.so"), "--output-dir",
                            os.path.join(d, "q8")] + args, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name}: q8-run failed: {r.stdout}{r.stderr}")
            failed = True
            continue
        for v in m.graph.output:
            want = np.load(os.path.join(d, "ort", v.name + ".npy"))
            got = np.load(os.path.join(d, "q8", v.name + ".npy"))
            ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=1e-5)
            print(f"{name}: {'ok' if ok else 'DIFFERS'} {list(got.shape)}")
            failed |= not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
