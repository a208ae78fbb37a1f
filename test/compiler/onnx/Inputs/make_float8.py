"""Writes an opset-19, IR-9 model with a float8 initializer and a float8
Constant, which python3-onnx 1.12 can build but not check.

    make_float8.py OUT.onnx
"""
import sys

from onnx import TensorProto, helper, save

FLOAT8E4M3FN = 17  # newer than onnx 1.12's TensorProto.DataType


def float8(name):
    t = TensorProto()
    t.name = name
    t.data_type = FLOAT8E4M3FN
    t.dims.extend([2])
    t.raw_data = bytes([0x38, 0x40])  # 1.0, 2.0
    return t


x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
nodes = [
    helper.make_node("Constant", [], ["k"], name="k8"),
    helper.make_node("Cast", ["w"], ["wf"], to=TensorProto.FLOAT),
    helper.make_node("Add", ["x", "wf"], ["y"]),
]
attr = nodes[0].attribute.add()
attr.name = "value"
attr.type = helper.AttributeProto.TENSOR
attr.t.CopyFrom(float8("k"))
graph = helper.make_graph(nodes, "g", [x], [y], [float8("w")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
model.ir_version = 9
save(model, sys.argv[1])
