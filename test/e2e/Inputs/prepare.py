"""Writes what an end-to-end test feeds both q8 and ONNX Runtime.

    prepare.py MODEL OUTDIR [--seed N]

MODEL is a binary .onnx or an ONNX text-syntax file. OUTDIR receives
model.onnx (binary, for ONNX Runtime) and one <input>.npy per graph input
(not initializers) drawn from a fixed-seed normal distribution, so reruns
compare the same numbers.
"""
import argparse
import os

import numpy as np
import onnx
import onnx.parser


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        model = onnx.load_from_string(data)
        if model.graph.node:
            return model
    except Exception:  # not a protobuf: text syntax
        pass
    return onnx.parser.parse_model(data.decode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model = load(args.model)
    onnx.checker.check_model(model)
    os.makedirs(args.outdir, exist_ok=True)
    onnx.save(model, os.path.join(args.outdir, "model.onnx"))

    rng = np.random.default_rng(args.seed)
    initializers = {i.name for i in model.graph.initializer}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value for d in tensor.shape.dim]
        if tensor.elem_type != onnx.TensorProto.FLOAT:
            raise SystemExit(f"prepare.py: input '{value.name}' is not "
                             "float32; only float32 inputs are generated")
        array = rng.standard_normal(shape).astype(np.float32)
        np.save(os.path.join(args.outdir, value.name + ".npy"), array)


if __name__ == "__main__":
    main()
