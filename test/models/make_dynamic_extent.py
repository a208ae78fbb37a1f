#!/usr/bin/python3
"""Exports models whose dynamic dim is not a batch dim, for the tests.

    /usr/bin/python3 test/models/make_dynamic_extent.py OUTDIR [--only a,b]

Each model is exported by torch.onnx.export with `dynamic_axes` on a
sequence or time dim (so the graph computes its reshapes from Shape ops),
and gets inputs at several sizes of that dim, OUTDIR/<model>/n<N>/
<input>.npy, the last the bound the tests compile with, and one size
past it, OUTDIR/<model>/above/<input>.npy. q8 compiles these with a dynamic extent (compiler/
DynamicExtent.h) given a bound with --input-shape.

Compiled with a dynamic extent:
  transformer_seq  x [1, seq, 64]: attention over the sequence
                   (make_exported.Transformer), sizes 1, 5, 17, 128
  vad_seq          x [1, T, 40], h0/c0 [2, 1, 64]: a 2-layer LSTM over T
                   time steps (make_exported.VAD), sizes 1, 7, 64
  gru_seq          x [1, T, 40]: a bidirectional GRU (make_exported.GRUNet),
                   sizes 1, 7, 64
  vit_pos          x [1, seq, 64]: a learned position table [128, 64]
                   sliced to the sequence, attention-like matmuls and a mean
                   over the sequence (1/seq at run time), sizes 1, 5, 17,
                   128. At the bound 128 the slice is the whole table and
                   folds away at that size only: q8 rewrites a smaller
                   size's graph instead.
  causal           x [1, T, 64]: a position table sliced to T, attention
                   under a causal mask (torch.triu: Trilu of a constant,
                   folded into a [T, T] constant, the leading block of the
                   bound's), sizes 1, 9, 64.
  conv_time        x [1, 8, T]: an unpadded Conv1d over T (valid from T = 3
                   up) and a mean over T, compiled for T in [4, 64], sizes
                   4, 9, 64.
Refused (q8 must say why, naming the node or the input):
  cnn_width        x [1, 3, 16, W]: a stride-2 convolution over W, whose
                   output width floor((W - 1) / 2) + 1 is not affine in W
  two_dims         x [1, seq, F]: two dynamic dims in one input
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


class PosAttention(nn.Module):
    """x + pos[:seq] (a learned table sliced to the sequence), one head of
    attention (softmax(Q.K^T / 8) . V over the sequence), a mean over the
    sequence and a Linear head."""

    def __init__(self, dim=64, bound=128):
        super().__init__()
        self.pos = nn.Parameter(0.1 * torch.randn(bound, dim))
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = x + self.pos[:x.shape[1]]
        a = torch.softmax(self.q(x) @ self.k(x).transpose(-1, -2) / 8.0, dim=-1)
        return self.head((a @ self.v(x)).mean(1))


class WidthCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)

    def forward(self, x):
        return torch.relu(self.c2(torch.relu(self.c1(x))))


class TwoDims(nn.Module):
    def forward(self, x):
        return torch.relu(x) * x.mean(-1, keepdim=True)


def seq(*shape):
    """Inputs [*shape] with the dynamic dim (None) set to n."""
    return lambda rng, n: {"x": rng.randn(*[n if d is None else d for d in shape])
                           .astype(np.float32)}


def vad(rng, n):
    return {"x": rng.randn(1, n, 40).astype(np.float32),
            "h0": (0.5 * rng.randn(2, 1, 64)).astype(np.float32),
            "c0": (0.5 * rng.randn(2, 1, 64)).astype(np.float32)}


# name: (factory, inputs, outputs, {input: {dim: name}}, make_inputs,
#        example size, sizes, opset)
class CausalAttention(nn.Module):
    """A decoder block's shape: a position table sliced to the sequence,
    attention under a causal mask (torch.triu of ones: Trilu on a constant,
    so the mask is a constant that changes with the size), a residual."""

    def __init__(self, dim=64, bound=64):
        super().__init__()
        self.pos = nn.Parameter(0.1 * torch.randn(bound, dim))
        self.qkv = nn.Linear(dim, 3 * dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x):
        t = x.shape[1]
        x = x + self.pos[:t]
        q, k, v = self.qkv(x).chunk(3, -1)
        a = q @ k.transpose(1, 2) / 8.0
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        a = a.masked_fill(mask, float("-inf")).softmax(-1)
        return self.o(a @ v) + x


class ConvTime(nn.Module):
    """An unpadded convolution over time, then the mean over time."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv1d(8, 8, 3)

    def forward(self, x):
        return self.c(x).mean(2)


MODELS = {
    "transformer_seq": (mx.Transformer, ["x"], ["y"], {"x": {1: "seq"}, "y": {1: "seq"}},
                        seq(1, None, 64), 16, (1, 5, 17, 128), 17),
    "vad_seq": (mx.VAD, ["x", "h0", "c0"], ["prob", "hn", "cn"],
                {"x": {1: "T"}, "prob": {1: "T"}}, vad, 16, (1, 7, 64), 13),
    "gru_seq": (mx.GRUNet, ["x"], ["y"], {"x": {1: "T"}, "y": {1: "T"}},
                seq(1, None, 40), 16, (1, 7, 64), 17),
    "vit_pos": (PosAttention, ["x"], ["logits"], {"x": {1: "seq"}},
                seq(1, None, 64), 16, (1, 5, 17, 128), 17),
    "causal": (CausalAttention, ["x"], ["y"], {"x": {1: "T"}, "y": {1: "T"}},
               seq(1, None, 64), 16, (1, 9, 64), 17),
    "conv_time": (ConvTime, ["x"], ["y"], {"x": {2: "T"}},
                  seq(1, 8, None), 16, (4, 9, 64), 13),
    "cnn_width": (WidthCNN, ["x"], ["y"], {"x": {3: "W"}, "y": {3: "W2"}},
                  seq(1, 3, 16, None), 32, (32,), 13),
    "two_dims": (TwoDims, ["x"], ["y"], {"x": {1: "seq", 2: "F"}, "y": {1: "seq", 2: "F"}},
                 seq(1, None, 24), 16, (5,), 13),
}


def export(name, seed):
    factory, ins, outs, axes, make_inputs, example_n, _, opset = MODELS[name]
    torch.manual_seed(seed)
    module = factory().eval()
    example = make_inputs(np.random.RandomState(seed), example_n)
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
    a = p.parse_args()
    torch.set_num_threads(1)
    for name in (n for n in a.only.split(",") if n):
        if name not in MODELS:
            sys.exit(f"make_dynamic_extent: unknown model {name} (models: {', '.join(MODELS)})")
        seed = 4000 + list(MODELS).index(name)
        model, make_inputs = export(name, seed)
        os.makedirs(a.outdir, exist_ok=True)
        onnx.save(model, os.path.join(a.outdir, name + ".onnx"))
        rng = np.random.RandomState(seed + 1)
        sizes = MODELS[name][6]
        for n in sizes:
            d = os.path.join(a.outdir, name, f"n{n}")
            os.makedirs(d, exist_ok=True)
            for k, v in make_inputs(rng, n).items():
                np.save(os.path.join(d, k + ".npy"), v)
        d = os.path.join(a.outdir, name, "above")
        os.makedirs(d, exist_ok=True)
        for k, v in make_inputs(rng, sizes[-1] + 1).items():
            np.save(os.path.join(d, k + ".npy"), v)
        print(f"{name}: {a.outdir}/{name}.onnx, sizes {', '.join(map(str, sizes))}")


if __name__ == "__main__":
    main()
