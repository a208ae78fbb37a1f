"""Writes small binary ONNX models (and tensors) for q8c's diagnostics tests.

usage: make_model.py KIND OUT
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def relu_model(inputs=None, opset=13, initializers=(), nodes=None, outputs=None):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])]
    nodes = nodes or [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])]
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def external(out, location):
    w = numpy_helper.from_array(np.ones([2, 3], np.float32), "w")
    w.data_location = TensorProto.EXTERNAL
    w.ClearField("raw_data")
    for key, value in (("location", location), ("offset", "0"), ("length", "24")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    nodes = [helper.make_node("Add", ["x", "w"], ["y"], name="add")]
    return relu_model(nodes=nodes, initializers=[w])


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "relu":
        model = relu_model()
    elif kind == "truncated":
        data = relu_model().SerializeToString()
        open(out, "wb").write(data[: len(data) // 2])
        return
    elif kind == "opset99":
        model = relu_model(opset=99)
    elif kind == "unnamed-dim":
        # b's dim 0 has neither a value nor a name; a is fixed by the test.
        x = helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, 4, "T"])
        model = relu_model(
            inputs=[helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 3]), x],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
            nodes=[helper.make_node("Relu", ["a"], ["y"], name="relu")])
    elif kind == "overflow":
        big = [1 << 32, 1 << 32]
        model = relu_model(
            inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, big)],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, big)])
    elif kind == "external-escape":
        model = external(out, "../w.bin")
    elif kind == "external-absolute":
        model = external(out, "/etc/passwd")
    elif kind == "external-ok":
        np.ones([2, 3], np.float32).tofile(os.path.join(os.path.dirname(out), "w.bin"))
        model = external(out, "w.bin")
    elif kind == "tensors":
        # One initializer per element type, raw and typed fields, large and small.
        inits = [
            numpy_helper.from_array(np.arange(100, dtype=np.float32), "f32_raw"),
            helper.make_tensor("f32_typed", TensorProto.FLOAT, [2], [1.5, 2.5]),
            numpy_helper.from_array(np.array([1, 2], np.float64), "f64"),
            numpy_helper.from_array(np.array([1, 2], np.float16), "f16"),
            numpy_helper.from_array(np.array([-1, 2], np.int8), "i8"),
            helper.make_tensor("i16", TensorProto.INT16, [2], [-3, 4]),
            helper.make_tensor("i32", TensorProto.INT32, [2], [5, -6]),
            numpy_helper.from_array(np.array([7, -8], np.int64), "i64"),
            numpy_helper.from_array(np.array([200, 3], np.uint8), "u8"),
            numpy_helper.from_array(np.array([True, False]), "b"),
        ]
        nodes = [helper.make_node("Identity", [t.name], ["o_" + t.name]) for t in inits]
        outputs = [helper.make_tensor_value_info("o_" + t.name, t.data_type, list(t.dims)) for t in inits]
        model = relu_model(inputs=[], nodes=nodes, initializers=inits, outputs=outputs)
    elif kind == "shape-input":
        nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")]
        model = relu_model(
            inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
                    helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
            nodes=nodes,
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])])
    elif kind == "shape-pb":
        tensor = numpy_helper.from_array(np.array([3, 2], np.int64))
        open(out, "wb").write(tensor.SerializeToString())
        return
    else:
        raise SystemExit("unknown kind " + kind)
    open(out, "wb").write(model.SerializeToString())


main()
