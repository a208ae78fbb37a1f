#!/usr/bin/python3
"""Models the way users export them: torch.onnx.export of torchvision and
hand-written PyTorch modules, random weights, small inputs.

Writes into OUTDIR, for every model NAME:

    OUTDIR/NAME.onnx
    OUTDIR/NAME/calibration/sNN/INPUT.npy   (calibration samples, one folder each)
    OUTDIR/NAME/eval/eNN/INPUT.npy          (held-out inputs)

Models:
    mobilenet_v2      torchvision MobileNetV2, width 0.35, 10 of its 17 blocks,
                      [1,3,64,64], opset 13
    mobilenet_v3      torchvision MobileNetV3-small, width 0.5, [1,3,64,64], opset 17
                      (HardSwish, HardSigmoid squeeze-excite)
    resnet18          torchvision ResNet-18, [1,3,64,64], opset 13
    lstm_vad          VAD-like: Linear+ReLU, 2-layer LSTM with state inputs and
                      outputs, Linear, Sigmoid; [1,16,40], opset 13
    silero_vad        shaped like Silero VAD v4: [1,512] audio, reflect Pad, a
                      256-tap Conv1d STFT basis (stride 64), magnitude, Conv1d
                      encoder, 2-layer LSTM with state in and out, 1x1 Conv1d,
                      Sigmoid, mean; opset 13
    gru               Linear, bidirectional GRU, Linear; [1,16,40], opset 17
    transformer       2-layer encoder, LayerNorm written out (ReduceMean, Sub,
                      Pow, Sqrt, Div), erf GELU and tanh GELU; [1,16,64], opset 17
    vit               ViT: 16x16 patch-embedding Conv (stride 16), class token,
                      one encoder layer, LayerNorm; [1,3,64,64], opset 17
    nhwc_cnn          tf2onnx-style: NHWC input, Transpose to NCHW, Conv,
                      LeakyRelu, Max, MaxPool, Transpose back, MatMul + Add;
                      [1,32,32,3], opset 13
    chain             MatMul feeding MatMul and Conv feeding Conv with no op
                      between; opset 13
    fpn               FPN/DBNet-like detector: strided conv backbone, 1x1
                      laterals, top-down nearest Resize x2 + Add, 3x3 smooth
                      convs, bilinear Resize to 1/4, Concat, DBNet head with
                      two stride-2 ConvTranspose, Sigmoid; [1,3,64,64], opset 13
    transformer_op18, silero_vad_op18, mobilenet_v3_op21, nhwc_cnn_op21
                      the base model exported at opset 17 and re-saved at 18
                      or 21 by upgrade_opset (Reduce* axes as an input, Split
                      with num_outputs), same seed as the base: same weights
                      and samples
    vad_if            a VAD branching on its sample-rate input `sr` (int64
                      [1]): If(sr == 16000) runs one exported torch model,
                      else another (onnx.helper around exported subgraphs);
                      samples mix 8000 and 16000; opset 17
    mobilenet_v2_const, lstm_vad_const, transformer_const, nhwc_cnn_const
                      the same graphs with every weight a Constant node instead
                      of an initializer (the `_const` ones from opset 13 models
                      are exported at opset 17 and vice versa), exported with
                      do_constant_folding=False

Weights are PyTorch's default initialization from a fixed seed; the
BatchNorm statistics are measured on a few random batches so activations
have the scale of a trained network (and MobileNetV2's residual branches
are halved, see damp_residual_branches). Inputs are seeded N(0, 1) (the
LSTMs' state inputs N(0, 0.5), silero_vad's audio N(0, 0.1)); reruns write
byte-identical files. Use Debian's interpreter (python3-torch,
python3-torchvision, python3-onnx):

    /usr/bin/python3 test/models/make_exported.py OUTDIR [--only NAME[,NAME...]]
        [--calibration N] [--eval N]
"""

import argparse
import io
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def settle_batchnorm(model, shape, batches=4):
    """Sets every BatchNorm's running statistics from random batches."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(8, *shape[1:]))
    model.eval()


class VAD(nn.Module):
    """A voice-activity-like model: features -> Linear/ReLU -> 2-layer LSTM
    (state in, state out) -> Linear -> Sigmoid."""

    def __init__(self, features=40, hidden=64):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2, batch_first=True)
        self.out1 = nn.Linear(hidden, 32)
        self.out2 = nn.Linear(32, 1)

    def forward(self, x, h0, c0):
        y = F.relu(self.inp(x))
        y, (h, c) = self.lstm(y, (h0, c0))
        y = torch.sigmoid(self.out2(F.relu(self.out1(y))))
        return y, h, c


class SileroLike(nn.Module):
    """Shaped like Silero VAD v4: 512 audio samples, reflect padding, an STFT
    as a Conv1d with a 256-tap basis (stride 64), magnitude, Conv1d
    encoder (stride 2, odd lengths 7 -> 4 -> 2), a 2-layer LSTM with state
    in and out, a 1x1 Conv1d decoder, Sigmoid, mean over time."""

    def __init__(self, bins=129, hidden=64):
        super().__init__()
        self.bins = bins
        self.stft = nn.Conv1d(1, 2 * bins, 256, stride=64, bias=False)
        self.enc = nn.Sequential(
            nn.Conv1d(bins, 128, 3, padding=1), nn.ReLU(),
            nn.Conv1d(128, 64, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv1d(64, hidden, 3, stride=2, padding=1), nn.ReLU())
        self.lstm = nn.LSTM(hidden, hidden, num_layers=2)
        self.dec = nn.Conv1d(hidden, 1, 1)

    def forward(self, x, h0, c0):
        x = F.pad(x.unsqueeze(1), (64, 64), mode="reflect")
        s = self.stft(x)
        re, im = s[:, :self.bins], s[:, self.bins:]
        y = self.enc(torch.sqrt(re * re + im * im))
        y, (h, c) = self.lstm(y.permute(2, 0, 1), (h0, c0))
        y = torch.sigmoid(self.dec(F.relu(y.permute(1, 2, 0))))
        return y.mean(2), h, c


class GRUNet(nn.Module):
    def __init__(self, features=40, hidden=48):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 8)

    def forward(self, x):
        y = torch.tanh(self.inp(x))
        y, _ = self.gru(y)
        return self.out(y)


class DecomposedLayerNorm(nn.Module):
    """LayerNorm as exporters of older frameworks write it out."""

    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(dim))
        self.bias = nn.Parameter(0.1 * torch.randn(dim))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        d = x - mean
        var = d.pow(2).mean(-1, keepdim=True)
        return d / torch.sqrt(var + self.eps) * self.weight + self.bias


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, ffn, tanh_gelu):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln1 = DecomposedLayerNorm(dim)
        self.ln2 = DecomposedLayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)
        self.gelu = nn.GELU(approximate="tanh" if tanh_gelu else "none")

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).split(d, dim=-1)
        q = q.reshape(b, t, h, d // h).transpose(1, 2)
        k = k.reshape(b, t, h, d // h).transpose(1, 2)
        v = v.reshape(b, t, h, d // h).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / (d // h) ** 0.5, dim=-1)
        y = (a @ v).transpose(1, 2).reshape(b, t, d)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.fc2(self.gelu(self.fc1(x))))


class Transformer(nn.Module):
    def __init__(self, dim=64, heads=4, ffn=128):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(dim, heads, ffn, False),
                                     EncoderLayer(dim, heads, ffn, True)])
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


class ViT(nn.Module):
    """A ViT: 16x16 patch embedding (a Conv with a 256-tap window per
    channel, stride 16), a class token and position embeddings, an encoder
    layer, LayerNorm on the class token, a Linear head."""

    def __init__(self, dim=64, heads=4, ffn=128, image=64, patch=16):
        super().__init__()
        tokens = (image // patch) ** 2
        self.patch = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls = nn.Parameter(0.02 * torch.randn(1, 1, dim))
        self.pos = nn.Parameter(0.02 * torch.randn(1, tokens + 1, dim))
        self.layer = EncoderLayer(dim, heads, ffn, False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        return self.head(self.norm(self.layer(x)[:, 0]))


class NHWCNet(nn.Module):
    """What tf2onnx makes of a Keras CNN: NHWC in, a Transpose to NCHW,
    LeakyRelu, an elementwise Max of two branches, MaxPool, back to NHWC,
    flatten and a MatMul + Add dense layer."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 16, 3, padding=1)
        self.c2a = nn.Conv2d(16, 16, 3, padding=1)
        self.c2b = nn.Conv2d(16, 16, 1)
        self.c3 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.w = nn.Parameter(torch.randn(8 * 8 * 32, 10) * (8 * 8 * 32) ** -0.5)
        self.b = nn.Parameter(0.1 * torch.randn(10))

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = F.leaky_relu(self.c1(x), 0.2)
        x = torch.maximum(self.c2a(x), self.c2b(x))
        x = F.max_pool2d(x, 2)
        x = F.leaky_relu(self.c3(x), 0.1)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return torch.matmul(x, self.w) + self.b


class FPNDetector(nn.Module):
    """An FPN/DBNet-like text detector: a strided conv backbone (1/2 to
    1/16), 1x1 lateral convs, a top-down pathway that upsamples each level
    (nearest Resize, x2) and adds it to the next, 3x3 smoothing convs, every
    level upsampled to 1/4 (bilinear Resize) and concatenated, then DBNet's
    probability head: 3x3 conv, BatchNorm, ReLU, two stride-2 ConvTranspose
    back to full resolution; its outputs are the map's logits and their
    Sigmoid (the probability map, near 0.5 everywhere with random weights,
    so the logits are what shows quantization error)."""

    def __init__(self, width=16, inner=16):
        super().__init__()
        def stage(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.Conv2d(cout, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU())
        chans = [width, 2 * width, 4 * width, 8 * width]
        self.stem = stage(3, width)                      # 1/2
        self.stages = nn.ModuleList([stage(width, chans[0])] +  # 1/4
                                    [stage(chans[i], chans[i + 1]) for i in range(3)])  # 1/8..1/32
        self.lateral = nn.ModuleList([nn.Conv2d(c, inner, 1) for c in chans])
        self.smooth = nn.ModuleList([nn.Conv2d(inner, inner // 4, 3, padding=1) for _ in chans])
        self.head = nn.Sequential(
            nn.Conv2d(inner, inner // 4, 3, padding=1, bias=False), nn.BatchNorm2d(inner // 4),
            nn.ReLU(), nn.ConvTranspose2d(inner // 4, inner // 4, 2, stride=2),
            nn.BatchNorm2d(inner // 4), nn.ReLU(),
            nn.ConvTranspose2d(inner // 4, 1, 2, stride=2))

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        lat = [l(f) for l, f in zip(self.lateral, feats)]
        for i in range(len(lat) - 1, 0, -1):
            lat[i - 1] = lat[i - 1] + F.interpolate(lat[i], scale_factor=2.0, mode="nearest")
        outs = [sm(l) for sm, l in zip(self.smooth, lat)]
        size = outs[0].shape[-2:]
        outs = [outs[0]] + [F.interpolate(o, size=size, mode="bilinear", align_corners=False)
                            for o in outs[1:]]
        logits = self.head(torch.cat(outs, 1))
        return logits, torch.sigmoid(logits)


class VADBranch(nn.Module):
    """One branch of vad_if: a per-frame MLP on [1, 16, 40] features."""

    def __init__(self, hidden, taps):
        super().__init__()
        self.conv = nn.Conv1d(40, hidden, taps, padding=taps // 2)
        self.fc1 = nn.Linear(hidden, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        y = F.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return torch.sigmoid(self.fc2(F.relu(self.fc1(y))))


class Chain(nn.Module):
    """MatMul -> MatMul and Conv -> Conv with nothing between them."""

    def __init__(self):
        super().__init__()
        self.m1 = nn.Linear(32, 48, bias=False)
        self.m2 = nn.Linear(48, 16, bias=False)
        self.c1 = nn.Conv2d(4, 8, 3, padding=1, bias=False)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x, img):
        return self.m2(self.m1(x)), self.c2(self.c1(img))


def image(shape):
    return lambda rng: {"input": rng.standard_normal(shape).astype(np.float32)}


def vad_inputs(rng):
    return {"x": rng.standard_normal((1, 16, 40)).astype(np.float32),
            "h0": (0.5 * rng.standard_normal((2, 1, 64))).astype(np.float32),
            "c0": (0.5 * rng.standard_normal((2, 1, 64))).astype(np.float32)}


def silero_inputs(rng):
    return {"x": (0.1 * rng.standard_normal((1, 512))).astype(np.float32),
            "h0": (0.5 * rng.standard_normal((2, 1, 64))).astype(np.float32),
            "c0": (0.5 * rng.standard_normal((2, 1, 64))).astype(np.float32)}


def seq_inputs(shape):
    return lambda rng: {"x": rng.standard_normal(shape).astype(np.float32)}


def vad_if_inputs(rng):
    return {"x": rng.standard_normal((1, 16, 40)).astype(np.float32),
            "sr": np.array([rng.choice([8000, 16000])], np.int64)}


def chain_inputs(rng):
    return {"x": rng.standard_normal((1, 8, 32)).astype(np.float32),
            "img": rng.standard_normal((1, 4, 16, 16)).astype(np.float32)}


def damp_residual_branches(model, scale):
    """Scales the last BatchNorm of every residual branch of a MobileNetV2.

    At initialization MobileNetV2 is chaotic: a relative perturbation of its
    input comes out about 32x larger (measured on 4 inputs), so any
    rounding, int8 or not, is amplified the same way; trained networks, whose
    residual branches are small next to the skip path, are not. Halving the
    branches brings the gain to about 4.5x, ResNet-18's and
    MobileNetV3-small's at initialization here."""
    from torchvision.models.mobilenetv2 import InvertedResidual
    with torch.no_grad():
        for block in model.modules():
            if isinstance(block, InvertedResidual) and block.use_res_connect:
                block.conv[-1].weight *= scale
                block.conv[-1].bias *= scale


# MobileNetV2's inverted residual stages (expansion, channels, repeats,
# stride) with 10 of its 17 blocks: each stage kept, three with a residual
# block, so that it compiles in a test's time.
MOBILENET_V2_STAGES = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 2],
                       [6, 96, 1, 1], [6, 160, 1, 2], [6, 320, 1, 1]]


def tv_mobilenet_v2():
    m = torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=100,
                                        inverted_residual_setting=MOBILENET_V2_STAGES)
    settle_batchnorm(m, (1, 3, 64, 64))
    damp_residual_branches(m, 0.5)
    return m


def tv_mobilenet_v3():
    m = torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=100)
    settle_batchnorm(m, (1, 3, 64, 64))
    return m


def tv_resnet18():
    m = torchvision.models.resnet18(num_classes=100)
    settle_batchnorm(m, (1, 3, 64, 64))
    return m


def fpn_detector():
    m = FPNDetector()
    settle_batchnorm(m, (1, 3, 64, 64))
    return m


# name: (module factory, input names, output names, sample maker, opset)
MODELS = {
    "mobilenet_v2": (tv_mobilenet_v2, ["input"], ["logits"], image((1, 3, 64, 64)), 13),
    "mobilenet_v3": (tv_mobilenet_v3, ["input"], ["logits"], image((1, 3, 64, 64)), 17),
    "resnet18": (tv_resnet18, ["input"], ["logits"], image((1, 3, 64, 64)), 13),
    "lstm_vad": (VAD, ["x", "h0", "c0"], ["prob", "hn", "cn"], vad_inputs, 13),
    "silero_vad": (SileroLike, ["x", "h0", "c0"], ["prob", "hn", "cn"], silero_inputs, 13),
    "gru": (GRUNet, ["x"], ["y"], seq_inputs((1, 16, 40)), 17),
    "transformer": (Transformer, ["x"], ["y"], seq_inputs((1, 16, 64)), 17),
    "vit": (ViT, ["input"], ["logits"], image((1, 3, 64, 64)), 17),
    "nhwc_cnn": (NHWCNet, ["input"], ["logits"], image((1, 32, 32, 3)), 13),
    "chain": (Chain, ["x", "img"], ["y", "z"], chain_inputs, 13),
    "fpn": (fpn_detector, ["input"], ["logits", "prob"], image((1, 3, 64, 64)), 13),
}
CONST_VARIANTS = ["mobilenet_v2", "lstm_vad", "transformer", "nhwc_cnn"]
# Re-saved at a newer opset by upgrade_opset (torch 1.13 exports up to 17).
OPSET_VARIANTS = {"transformer_op18": ("transformer", 18),
                  "silero_vad_op18": ("silero_vad", 18),
                  "mobilenet_v3_op21": ("mobilenet_v3", 21),
                  "nhwc_cnn_op21": ("nhwc_cnn", 21)}
# Assembled with onnx.helper around exported subgraphs.
BUILT = ["vad_if"]
# Models added after the _const variants come after them, so that every
# earlier model keeps its seed (1000 + its index here) and its bytes.
LATER = ["fpn"]
ALL = [n for n in MODELS if n not in LATER] + [n + "_const" for n in CONST_VARIANTS] + LATER + \
    list(OPSET_VARIANTS) + BUILT


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def initializers_to_constants(model):
    """Moves every initializer into a Constant node at the graph's start."""
    g = model.graph
    consts = [helper.make_node("Constant", [], [t.name], name=f"const_{i}", value=t)
              for i, t in enumerate(g.initializer)]
    inits = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    del g.initializer[:]
    del g.input[:]
    g.input.extend(inputs)
    nodes = consts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


# Opset 18 made `axes` an input of every Reduce* op but ReduceSum (which
# took it at 13).
REDUCE_AXES_INPUT_AT_18 = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}
# The IR version ONNX released with each opset.
IR_VERSION = {17: 8, 18: 8, 19: 9, 20: 9, 21: 10}


def upgrade_opset(model, opset):
    """Re-saves an opset-17 model at `opset` (18 to 21), rewriting the
    signatures that changed on the way for the ops torch 1.13 exports:

    - Reduce* (but ReduceSum) at 18: the `axes` attribute becomes an int64
      input (a Constant node beside the op);
    - Split at 18 gains `num_outputs`: an equal split of a constant `split`
      input becomes `num_outputs` with no `split` input, as newer exporters
      write it;

    and bumps the default domain's opset and the IR version. Nothing else
    torch 1.13 writes changed meaning up to 21 (19-21 widened types: float8,
    int4; GroupNormalization's 21 semantics and Resize's 18 attributes are
    not used here); python3-onnx 1.12 knows opset 17 at most, so the result
    is checked by ONNX Runtime, not onnx.checker."""
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for node in g.node:
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    nodes = []
    for node in g.node:
        attrs = {a.name: a for a in node.attribute}
        if node.op_type in REDUCE_AXES_INPUT_AT_18 and "axes" in attrs:
            axes = list(helper.get_attribute_value(attrs["axes"]))
            name = f"{node.output[0]}_axes"
            nodes.append(helper.make_node("Constant", [], [name], name=f"{node.name}_axes",
                                          value=numpy_helper.from_array(
                                              np.array(axes, np.int64), name)))
            node.attribute.remove(attrs["axes"])
            node.input.append(name)
        elif node.op_type == "Split" and len(node.input) == 2 and node.input[1] in consts:
            split = consts[node.input[1]]
            if len(set(split.tolist())) == 1:
                del node.input[1]
                node.attribute.append(helper.make_attribute("num_outputs", len(split)))
        nodes.append(node)
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    kept = [t for t in g.initializer if t.name in used or t.name in {i.name for i in g.output}]
    del g.initializer[:]
    g.initializer.extend(kept)
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = opset
    model.ir_version = IR_VERSION[opset]


def export_module(module, args, in_names, out_names, opset, fold=True):
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buf, input_names=in_names, output_names=out_names,
                          opset_version=opset, do_constant_folding=fold)
    return onnx.load_from_string(buf.getvalue())


def branch_graph(model, prefix, outer_inputs, output):
    """An exported model's graph as an If branch: its inputs become
    references to the outer graph's values of the same names, every other
    name gets `prefix` (names are unique across a model's scopes), and its
    one output is renamed `output`."""
    g = model.graph
    keep = set(outer_inputs)
    old_out = g.output[0].name
    def rename(n):
        if not n or n in keep:
            return n
        return output if n == old_out else prefix + n
    for t in g.initializer:
        t.name = rename(t.name)
    for node in g.node:
        node.name = prefix + node.name
        for i, n in enumerate(node.input):
            node.input[i] = rename(n)
        for i, n in enumerate(node.output):
            node.output[i] = rename(n)
    out = helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, 16, 1])
    return helper.make_graph(list(g.node), prefix + "branch", [], [out], list(g.initializer))


def build_vad_if(seed):
    """vad_if: a VAD that branches on its sample-rate input, as Silero VAD
    v4 does: `sr` (int64 [1]) == 16000 runs one model (a wider 5-tap
    Conv1d front end), anything else another (3 taps), each exported by
    torch and wrapped as an If branch. Opset 17."""
    torch.manual_seed(seed)
    x = torch.from_numpy(np.random.RandomState(seed).standard_normal((1, 16, 40)).astype(np.float32))
    hi = export_module(VADBranch(64, 5).eval(), (x,), ["x"], ["prob"], 17)
    lo = export_module(VADBranch(32, 3).eval(), (x,), ["x"], ["prob"], 17)
    then_g = branch_graph(hi, "sr16k_", ["x"], "prob_16k")
    else_g = branch_graph(lo, "sr8k_", ["x"], "prob_8k")
    nodes = [
        helper.make_node("Constant", [], ["sr_16000"], name="sr_16000",
                         value=numpy_helper.from_array(np.array([16000], np.int64), "sr_16000")),
        helper.make_node("Equal", ["sr", "sr_16000"], ["is_16k_1"], name="is_16k"),
        helper.make_node("Squeeze", ["is_16k_1"], ["is_16k"], name="is_16k_scalar"),
        helper.make_node("If", ["is_16k"], ["prob"], name="by_sample_rate",
                         then_branch=then_g, else_branch=else_g),
    ]
    graph = helper.make_graph(
        nodes, "vad_if",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 40]),
         helper.make_tensor_value_info("sr", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 16, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="make_exported.py")
    model.ir_version = 8
    return model


def export(name, seed, opset=None):
    if name == "vad_if":
        model = build_vad_if(seed)
        onnx.checker.check_model(model)
        return model, vad_if_inputs
    if name in OPSET_VARIANTS:
        base, opset = OPSET_VARIANTS[name]
        model, make_inputs = export(base, seed, opset=17)
        upgrade_opset(model, opset)
        return model, make_inputs
    const = name.endswith("_const")
    base = name[:-len("_const")] if const else name
    factory, in_names, out_names, make_inputs, base_opset = MODELS[base]
    if opset is None:
        opset = base_opset
    if const:
        opset = 17 if opset == 13 else 13
    torch.manual_seed(seed)
    module = factory()
    module.eval()
    example = make_inputs(np.random.RandomState(seed))
    args = tuple(torch.from_numpy(example[n]) for n in in_names)
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buf, input_names=in_names, output_names=out_names,
                          opset_version=opset, do_constant_folding=not const)
    model = onnx.load_from_string(buf.getvalue())
    if const:
        initializers_to_constants(model)
    onnx.checker.check_model(model)
    return model, make_inputs


def seed_of(name):
    """An opset variant shares its base's seed: the same weights and samples."""
    base = OPSET_VARIANTS[name][0] if name in OPSET_VARIANTS else name
    return 1000 + ALL.index(base)


def write_samples(folder, make_inputs, rng, count, prefix):
    for i in range(count):
        d = os.path.join(folder, f"{prefix}{i:02d}")
        os.makedirs(d, exist_ok=True)
        for k, v in make_inputs(rng).items():
            np.save(os.path.join(d, k + ".npy"), v)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("outdir")
    p.add_argument("--only", default=",".join(ALL))
    p.add_argument("--calibration", type=int, default=16, help="calibration samples per model")
    p.add_argument("--eval", type=int, default=4, help="held-out inputs per model")
    a = p.parse_args()
    names = [n for n in a.only.split(",") if n]
    for n in names:
        if n not in ALL:
            sys.exit(f"make_exported: unknown model {n} (models: {', '.join(ALL)})")
    torch.set_num_threads(1)
    os.makedirs(a.outdir, exist_ok=True)
    for i, n in enumerate(names):
        seed = seed_of(n)
        model, make_inputs = export(n, seed)
        onnx.save(model, os.path.join(a.outdir, n + ".onnx"))
        rng = np.random.RandomState(seed + 1)
        write_samples(os.path.join(a.outdir, n, "calibration"), make_inputs, rng, a.calibration, "s")
        write_samples(os.path.join(a.outdir, n, "eval"), make_inputs, rng, a.eval, "e")
        ops = sorted({node.op_type for node in model.graph.node})
        print(f"{n}: opset {model.opset_import[0].version}, {len(model.graph.node)} nodes, "
              f"{len(model.graph.initializer)} initializers: {' '.join(ops)}")


if __name__ == "__main__":
    main()
