"""Makes every layer and output a q8c layer-error JSON names a graph output,
so that a model compiled from it returns the tensors the JSON compares.

  expose_layers.py MODEL.onnx LAYERS.json OUT.onnx
"""
import json
import sys

import onnx

model = onnx.load(sys.argv[1])
report = json.load(open(sys.argv[2]))
present = {o.name for o in model.graph.output}
for t in report["layers"]:
    if t["name"] not in present:
        model.graph.output.append(onnx.helper.make_tensor_value_info(
            t["name"], onnx.TensorProto.FLOAT, t["shape"]))
onnx.save(model, sys.argv[3])
