#!/usr/bin/python3
"""Exports models with dynamic dims, as users export them, for the tests.

    /usr/bin/python3 test/models/make_dynamic.py OUTDIR [--only a,b]

Each model is a class of make_exported.py exported by torch.onnx.export
with `dynamic_axes` (so the graph computes its reshapes from Shape ops),
and gets inputs at several batch sizes, OUTDIR/<model>/b<N>/<input>.npy,
plus calibration samples of one item, OUTDIR/<model>/calibration/sNN/.

Separable along the batch (q8 keeps the dim dynamic):
  transformer  [batch, 16, 64] (Shape -> Gather -> Reshape head splits)
  nhwc_cnn     [N, 32, 32, 3]  (a reshape to [N, -1] before the dense layer)
  vit          [batch, 3, 64, 64] (the class token expanded to the batch)
  lstm_vad     x [batch, 16, 40], h0/c0 [2, batch, 64]: the batch is dim 1
               of the states (the runtime stages those items), and inside
               the LSTM an inner factor of the [seq * batch, 4h] projection
  gru          a bidirectional GRU, batch first
Not separable (q8 must refuse, naming the node):
  batch_mix    subtracts the batch mean (ReduceMean over dim 0)
  cnn_width    [N, 3, 32, W]: the width runs through convolutions
"""

import argparse
import io
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_exported as mx  # noqa: E402

BATCHES = (1, 3, 8)


class BatchMix(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 8)

    def forward(self, x):
        return self.fc(x - x.mean(0, keepdim=True))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)

    def forward(self, x):
        return torch.relu(self.c2(torch.relu(self.c1(x))))


def seq(shape):
    return lambda rng, b: {"x": rng.randn(b, *shape).astype(np.float32)}


def image(shape, name="input"):
    return lambda rng, b: {name: rng.randn(b, *shape).astype(np.float32)}


def vad(rng, b):
    return {"x": rng.randn(b, 16, 40).astype(np.float32),
            "h0": (0.5 * rng.randn(2, b, 64)).astype(np.float32),
            "c0": (0.5 * rng.randn(2, b, 64)).astype(np.float32)}


def silero(rng, b):
    return {"x": rng.randn(b, 512).astype(np.float32),
            "h0": (0.5 * rng.randn(2, b, 64)).astype(np.float32),
            "c0": (0.5 * rng.randn(2, b, 64)).astype(np.float32)}


# name: (factory, inputs, outputs, {input: {dim: name}}, make_inputs, opset)
MODELS = {
    "transformer": (mx.Transformer, ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}},
                    seq((16, 64)), 17),
    "nhwc_cnn": (mx.NHWCNet, ["input"], ["logits"],
                 {"input": {0: "N"}, "logits": {0: "N"}}, image((32, 32, 3)), 13),
    "vit": (mx.ViT, ["input"], ["logits"], {"input": {0: "batch"}, "logits": {0: "batch"}},
            image((3, 64, 64)), 17),
    "lstm_vad": (mx.VAD, ["x", "h0", "c0"], ["prob", "hn", "cn"],
                 {"x": {0: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"},
                  "prob": {0: "batch"}, "hn": {1: "batch"}, "cn": {1: "batch"}}, vad, 13),
    "gru": (mx.GRUNet, ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}}, seq((16, 40)), 17),
    "mobilenet_v3": (mx.tv_mobilenet_v3, ["input"], ["logits"],
                     {"input": {0: "batch"}, "logits": {0: "batch"}}, image((3, 64, 64)), 17),
    "resnet18": (mx.tv_resnet18, ["input"], ["logits"],
                 {"input": {0: "batch"}, "logits": {0: "batch"}}, image((3, 64, 64)), 13),
    "fpn": (mx.fpn_detector, ["input"], ["logits", "prob"],
            {"input": {0: "batch"}, "logits": {0: "batch"}, "prob": {0: "batch"}},
            image((3, 64, 64)), 13),
    "silero_vad": (mx.SileroLike, ["x", "h0", "c0"], ["prob", "hn", "cn"],
                   {"x": {0: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"},
                    "prob": {0: "batch"}, "hn": {1: "batch"}, "cn": {1: "batch"}}, silero, 13),
    "batch_mix": (BatchMix, ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}},
                  seq((16,)), 13),
    "cnn_width": (SmallCNN, ["input"], ["y"], {"input": {0: "N", 3: "W"}, "y": {0: "N", 3: "W2"}},
                  image((3, 32, 32)), 13),
}


def export(name, seed):
    factory, ins, outs, axes, make_inputs, opset = MODELS[name]
    torch.manual_seed(seed)
    module = factory().eval()
    example = make_inputs(np.random.RandomState(seed), 2)
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, tuple(torch.from_numpy(example[n]) for n in ins), buf,
                          input_names=ins, output_names=outs, opset_version=opset,
                          dynamic_axes=axes)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model)
    return model, make_inputs


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("outdir")
    p.add_argument("--only", default=",".join(MODELS))
    p.add_argument("--calibration", type=int, default=8)
    a = p.parse_args()
    torch.set_num_threads(1)
    for i, name in enumerate(n for n in a.only.split(",") if n):
        if name not in MODELS:
            sys.exit(f"make_dynamic: unknown model {name} (models: {', '.join(MODELS)})")
        seed = 3000 + list(MODELS).index(name)
        model, make_inputs = export(name, seed)
        os.makedirs(a.outdir, exist_ok=True)
        onnx.save(model, os.path.join(a.outdir, name + ".onnx"))
        rng = np.random.RandomState(seed + 1)
        for b in BATCHES:
            d = os.path.join(a.outdir, name, f"b{b}")
            os.makedirs(d, exist_ok=True)
            for k, v in make_inputs(rng, b).items():
                np.save(os.path.join(d, k + ".npy"), v)
        for s in range(a.calibration):
            d = os.path.join(a.outdir, name, "calibration", f"s{s:02d}")
            os.makedirs(d, exist_ok=True)
            for k, v in make_inputs(rng, 1).items():
                np.save(os.path.join(d, k + ".npy"), v)
        print(f"{name}: {a.outdir}/{name}.onnx, batches {', '.join(map(str, BATCHES))}")


if __name__ == "__main__":
    main()
