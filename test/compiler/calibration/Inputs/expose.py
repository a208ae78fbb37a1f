"""Makes every tensor a calibration table names a graph output, so that
q8-run --output-dir dumps the fp32 activations the table summarizes.

  expose.py MODEL.onnx TABLE.json OUT.onnx
"""
import json
import sys

import onnx

model = onnx.load(sys.argv[1])
table = json.load(open(sys.argv[2]))
present = {o.name for o in model.graph.output} | {i.name for i in model.graph.input}
for t in table["tensors"]:
    if t["name"] not in present:
        model.graph.output.append(onnx.helper.make_tensor_value_info(
            t["name"], onnx.TensorProto.FLOAT, t["shape"]))
onnx.save(model, sys.argv[3])
