#!/usr/bin/python3
"""Deterministic generators for q8's test and benchmark models.

Writes ONNX models, and one set of sample inputs per model, into OUTDIR:

    OUTDIR/NAME.onnx
    OUTDIR/NAME/inputs/INPUT.npy      (one .npy per graph input, named after it)

Models:
    matmul        MatMul [128,768] x constant [768,3072] (benchmark shape)
    encoder       BERT-like encoder, opset 17, written the way torch exports it;
                  sized by --layers/--hidden/--heads/--ffn/--seq/--vocab
                  (the defaults are the benchmark model)
    encoder_tiny  the same graph at hidden 64, heads 4, ffn 128, seq 16, 2 layers
    encoder_small the same graph at hidden 256, heads 4, ffn 1024, seq 64, 2 layers
    cnn           small ResNet/MobileNetV2-like CNN, opset 13, input [1,3,32,32]

Every model draws its weights and inputs from its own numpy RandomState with a
fixed seed, so rerunning writes byte-identical files. Run it with Debian's
interpreter, which has python3-onnx and numpy:

    /usr/bin/python3 test/models/make_models.py OUTDIR [--only NAME[,NAME...]]

--outlier-channels N --outlier-scale S (or LO:HI, spread over the N channels)
multiply N LayerNorm gamma channels (the
same N in every LayerNorm of every encoder model) by S: the activation outliers
that SmoothQuant exists for.
"""

import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

IR_VERSION = 8


# --------------------------------------------------------------------------
# Graph building helpers
# --------------------------------------------------------------------------

class GraphBuilder:
    """Collects nodes and initializers; hands out unique tensor names."""

    def __init__(self, rng):
        self.rng = rng
        self.nodes = []
        self.initializers = []
        self.counter = 0

    def fresh(self, hint):
        """Returns a new unique tensor name starting with `hint`."""
        self.counter += 1
        return f"{hint}_{self.counter}"

    def node(self, op, inputs, hint=None, name=None, **attrs):
        """Adds one node with one output and returns the output's name."""
        out = self.fresh(hint or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=name or f"{op}_{self.counter}", **attrs))
        return out

    def node_to(self, op, inputs, output, **attrs):
        """Adds one node writing the given output name."""
        self.nodes.append(helper.make_node(op, inputs, [output], name=f"{op}_{output}", **attrs))
        return output

    def init(self, name, array):
        """Adds an initializer and returns its name."""
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def const(self, array, hint="const"):
        """Adds a Constant node (how torch exports scalars and small shapes)."""
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(
            "Constant", [], [out], name=f"Constant_{self.counter}",
            value=numpy_helper.from_array(np.asarray(array), out)))
        return out

    def normal(self, shape, std):
        """float32 normal(0, std) weights."""
        return self.rng.normal(0.0, std, size=shape).astype(np.float32)


def make_model(builder, name, inputs, outputs, opset):
    """Wraps the builder's nodes into a checked ModelProto."""
    graph = helper.make_graph(builder.nodes, name, inputs, outputs, builder.initializers)
    model = helper.make_model(
        graph, producer_name="q8-make_models", producer_version="1",
        opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------
# matmul
# --------------------------------------------------------------------------

def build_matmul(m=128, k=768, n=3072, seed=1):
    """MatMul of an input [m,k] by a constant [k,n]; returns (model, inputs)."""
    rng = np.random.RandomState(seed)
    b = GraphBuilder(rng)
    w = b.init("weight", b.normal((k, n), 0.02))
    b.node_to("MatMul", ["x", w], "y")
    model = make_model(
        b, "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], opset=17)
    inputs = {"x": rng.normal(0.0, 1.0, size=(m, k)).astype(np.float32)}
    return model, inputs


# --------------------------------------------------------------------------
# encoder (BERT-like, opset 17)
# --------------------------------------------------------------------------

ENCODER_DEFAULTS = dict(layers=2, hidden=768, heads=12, ffn=3072, seq=128, vocab=1000)
ENCODER_TINY = dict(layers=2, hidden=64, heads=4, ffn=128, seq=16, vocab=1000)
ENCODER_SMALL = dict(layers=2, hidden=256, heads=4, ffn=1024, seq=64, vocab=1000)
MAX_POSITIONS = 512


def layer_norm_params(b, prefix, hidden, outliers):
    """LayerNorm gamma ~ 1 and beta ~ 0 with small noise; outlier channels scaled."""
    gamma = (1.0 + b.rng.normal(0.0, 0.02, size=hidden)).astype(np.float32)
    beta = b.rng.normal(0.0, 0.02, size=hidden).astype(np.float32)
    channels, scales = outliers
    if len(channels):
        gamma[channels] *= np.asarray(scales, dtype=np.float32)
    return b.init(f"{prefix}.weight", gamma), b.init(f"{prefix}.bias", beta)


def layer_norm(b, x, prefix, hidden, outliers):
    """LayerNormalization over the last axis (the opset-17 op, as torch exports)."""
    gamma, beta = layer_norm_params(b, prefix, hidden, outliers)
    return b.node("LayerNormalization", [x, gamma, beta], hint=prefix, axis=-1, epsilon=1e-12)


def linear(b, x, prefix, fan_in, fan_out):
    """MatMul by a [fan_in,fan_out] weight then Add of the bias (torch's Linear)."""
    w = b.init(f"{prefix}.weight", b.normal((fan_in, fan_out), 0.02))
    bias = b.init(f"{prefix}.bias", b.normal((fan_out,), 0.02))
    y = b.node("MatMul", [x, w], hint=f"{prefix}.matmul")
    return b.node("Add", [y, bias], hint=f"{prefix}.add")


def dim_of(b, x, axis):
    """Shape(x)[axis] as a 1-element int64 tensor: Shape -> Gather -> Unsqueeze."""
    shape = b.node("Shape", [x])
    d = b.node("Gather", [shape, b.const(np.array(axis, dtype=np.int64))], axis=0)
    return b.node("Unsqueeze", [d, b.const(np.array([0], dtype=np.int64))])


def reshape_dynamic(b, x, tail):
    """Reshape x to [B, S, *tail], B and S read from x's shape at run time."""
    parts = [dim_of(b, x, 0), dim_of(b, x, 1)]
    parts += [b.const(np.array([t], dtype=np.int64)) for t in tail]
    shape = b.node("Concat", parts, hint="shape", axis=0)
    return b.node("Reshape", [x, shape])


def attention(b, x, mask_bias, prefix, cfg):
    """Multi-head self-attention as torch exports BertSelfAttention + output dense."""
    h, heads = cfg["hidden"], cfg["heads"]
    d = h // heads
    q = linear(b, x, f"{prefix}.query", h, h)
    k = linear(b, x, f"{prefix}.key", h, h)
    v = linear(b, x, f"{prefix}.value", h, h)
    q = b.node("Transpose", [reshape_dynamic(b, q, [heads, d])], perm=[0, 2, 1, 3])
    k = b.node("Transpose", [reshape_dynamic(b, k, [heads, d])], perm=[0, 2, 3, 1])
    v = b.node("Transpose", [reshape_dynamic(b, v, [heads, d])], perm=[0, 2, 1, 3])
    scores = b.node("MatMul", [q, k], hint=f"{prefix}.scores")
    scores = b.node("Div", [scores, b.const(np.array(math.sqrt(d), dtype=np.float32))])
    scores = b.node("Add", [scores, mask_bias])
    probs = b.node("Softmax", [scores], axis=-1)
    ctx = b.node("MatMul", [probs, v], hint=f"{prefix}.context")
    ctx = b.node("Transpose", [ctx], perm=[0, 2, 1, 3])
    ctx = reshape_dynamic(b, ctx, [h])
    return linear(b, ctx, f"{prefix}.output", h, h)


def gelu(b, x):
    """x * 0.5 * (1 + Erf(x / sqrt(2))), in torch's export order."""
    e = b.node("Div", [x, b.const(np.array(math.sqrt(2.0), dtype=np.float32))])
    e = b.node("Erf", [e])
    e = b.node("Add", [e, b.const(np.array(1.0, dtype=np.float32))])
    half = b.node("Mul", [x, b.const(np.array(0.5, dtype=np.float32))])
    return b.node("Mul", [half, e], hint="gelu")


def encoder_layer(b, x, mask_bias, i, cfg, outliers):
    """One post-LN BERT layer: attention, residual, LN, FFN with GELU, residual, LN."""
    p = f"encoder.layer.{i}"
    h = cfg["hidden"]
    a = attention(b, x, mask_bias, f"{p}.attention", cfg)
    x = layer_norm(b, b.node("Add", [a, x]), f"{p}.attention.LayerNorm", h, outliers)
    f = gelu(b, linear(b, x, f"{p}.intermediate", h, cfg["ffn"]))
    f = linear(b, f, f"{p}.output", cfg["ffn"], h)
    return layer_norm(b, b.node("Add", [f, x]), f"{p}.output.LayerNorm", h, outliers)


def embeddings(b, cfg, outliers):
    """Word + position embeddings (positions via Shape->Gather->Range), then LN."""
    h = cfg["hidden"]
    words = b.init("embeddings.word_embeddings.weight", b.normal((cfg["vocab"], h), 0.02))
    positions = b.init("embeddings.position_embeddings.weight", b.normal((MAX_POSITIONS, h), 0.02))
    seq_len = b.node("Gather", [b.node("Shape", ["input_ids"]), b.const(np.array(1, dtype=np.int64))], axis=0)
    pos_ids = b.node("Range", [b.const(np.array(0, dtype=np.int64)), seq_len,
                               b.const(np.array(1, dtype=np.int64))], hint="position_ids")
    pos_ids = b.node("Unsqueeze", [pos_ids, b.const(np.array([0], dtype=np.int64))])
    x = b.node("Add", [b.node("Gather", [words, "input_ids"], axis=0),
                       b.node("Gather", [positions, pos_ids], axis=0)])
    return layer_norm(b, x, "embeddings.LayerNorm", h, outliers)


def mask_bias(b):
    """(1 - mask) * -10000 as [B,1,1,S] float: Unsqueeze, Cast, Sub, Mul."""
    m = b.node("Unsqueeze", ["attention_mask", b.const(np.array([1, 2], dtype=np.int64))])
    m = b.node("Cast", [m], to=TensorProto.FLOAT)
    m = b.node("Sub", [b.const(np.array(1.0, dtype=np.float32)), m])
    return b.node("Mul", [m, b.const(np.array(-10000.0, dtype=np.float32))], hint="mask_bias")


def outlier_scales(count, scale):
    """Per-channel scales: `scale` a number (all alike) or "LO:HI" (spread
    evenly from LO to HI over the channels, in channel order)."""
    text = str(scale)
    if ":" not in text:
        return np.full(count, float(text))
    lo, hi = (float(v) for v in text.split(":"))
    return np.linspace(lo, hi, count) if count > 1 else np.full(count, hi)


def outlier_channels(cfg, count, scale, seed):
    """The LayerNorm channels to scale (the same in every LayerNorm) and
    their scales."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rng = np.random.RandomState(seed)
    channels = np.sort(rng.choice(cfg["hidden"], size=count, replace=False))
    return channels, outlier_scales(count, scale)


def encoder_inputs(rng, cfg):
    """input_ids within the vocabulary; a mask whose last eighth is padding."""
    s = cfg["seq"]
    ids = rng.randint(0, cfg["vocab"], size=(1, s)).astype(np.int64)
    mask = np.ones((1, s), dtype=np.int64)
    mask[:, s - max(1, s // 8):] = 0
    return {"input_ids": ids, "attention_mask": mask}


def build_encoder(name, cfg, outliers=(0, 1.0), seed=2):
    """BERT-like encoder, opset 17; returns (model, inputs)."""
    if cfg["hidden"] % cfg["heads"]:
        sys.exit(f"make_models: --hidden {cfg['hidden']} is not a multiple of --heads {cfg['heads']}")
    if cfg["seq"] > MAX_POSITIONS:
        sys.exit(f"make_models: --seq {cfg['seq']} exceeds {MAX_POSITIONS} positions")
    rng = np.random.RandomState(seed)
    b = GraphBuilder(rng)
    chosen = outlier_channels(cfg, outliers[0], outliers[1], seed + 100)
    x = embeddings(b, cfg, chosen)
    bias = mask_bias(b)
    for i in range(cfg["layers"]):
        x = encoder_layer(b, x, bias, i, cfg, chosen)
    b.node_to("Identity", [x], "last_hidden_state")
    s, h = cfg["seq"], cfg["hidden"]
    model = make_model(
        b, name,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, s]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [1, s])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [1, s, h])],
        opset=17)
    return model, encoder_inputs(rng, cfg)


# --------------------------------------------------------------------------
# cnn (ResNet/MobileNetV2-like, opset 13)
# --------------------------------------------------------------------------

def conv_bn(b, x, prefix, cin, cout, k, stride=1, group=1):
    """Conv (He-init, no bias, as torch exports conv+BN) then BatchNormalization."""
    fan_in = (cin // group) * k * k
    w = b.init(f"{prefix}.conv.weight",
               b.normal((cout, cin // group, k, k), math.sqrt(2.0 / fan_in)))
    y = b.node("Conv", [x, w], hint=f"{prefix}.conv", kernel_shape=[k, k],
               pads=[k // 2] * 4, strides=[stride, stride], group=group)
    scale = b.init(f"{prefix}.bn.weight", (1.0 + b.rng.normal(0, 0.1, cout)).astype(np.float32))
    bias = b.init(f"{prefix}.bn.bias", b.rng.normal(0, 0.1, cout).astype(np.float32))
    mean = b.init(f"{prefix}.bn.running_mean", b.rng.normal(0, 0.1, cout).astype(np.float32))
    var = b.init(f"{prefix}.bn.running_var", b.rng.uniform(0.5, 1.5, cout).astype(np.float32))
    return b.node("BatchNormalization", [y, scale, bias, mean, var], hint=f"{prefix}.bn", epsilon=1e-5)


def relu6(b, x):
    """Clip(x, 0, 6): opset 13 takes min and max as inputs."""
    return b.node("Clip", [x, b.const(np.array(0.0, dtype=np.float32)),
                           b.const(np.array(6.0, dtype=np.float32))])


def basic_block(b, x, prefix, c):
    """ResNet basic block: conv-bn-relu, conv-bn, residual Add, Relu."""
    y = b.node("Relu", [conv_bn(b, x, f"{prefix}.0", c, c, 3)])
    y = conv_bn(b, y, f"{prefix}.1", c, c, 3)
    return b.node("Relu", [b.node("Add", [y, x])])


def inverted_residual(b, x, prefix, c, expand):
    """MobileNetV2 block: 1x1 expand, depthwise 3x3, ReLU6s, 1x1 project, residual."""
    e = c * expand
    y = relu6(b, conv_bn(b, x, f"{prefix}.expand", c, e, 1))
    y = relu6(b, conv_bn(b, y, f"{prefix}.depthwise", e, e, 3, group=e))
    y = conv_bn(b, y, f"{prefix}.project", e, c, 1)
    return b.node("Add", [y, x])


def build_cnn(seed=3):
    """A small CNN on [1,3,32,32] to 10 classes; returns (model, inputs)."""
    rng = np.random.RandomState(seed)
    b = GraphBuilder(rng)
    x = b.node("Relu", [conv_bn(b, "input", "stem", 3, 16, 3)])
    x = basic_block(b, x, "layer1", 16)
    x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = inverted_residual(b, x, "layer2", 16, 4)
    x = b.node("Relu", [conv_bn(b, x, "layer3", 16, 32, 3, stride=2)])
    x = b.node("Flatten", [b.node("GlobalAveragePool", [x])], axis=1)
    w = b.init("fc.weight", b.normal((10, 32), math.sqrt(2.0 / 32)))
    bias = b.init("fc.bias", np.zeros(10, dtype=np.float32))
    b.node_to("Gemm", [x, w, bias], "logits", transB=1)
    model = make_model(
        b, "cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])], opset=13)
    inputs = {"input": rng.normal(0.0, 1.0, size=(1, 3, 32, 32)).astype(np.float32)}
    return model, inputs


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def write(outdir, name, model, inputs):
    """Writes OUTDIR/NAME.onnx and OUTDIR/NAME/inputs/*.npy."""
    with open(os.path.join(outdir, f"{name}.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    input_dir = os.path.join(outdir, name, "inputs")
    os.makedirs(input_dir, exist_ok=True)
    for input_name, array in inputs.items():
        np.save(os.path.join(input_dir, f"{input_name}.npy"), array)


def parse_args(argv):
    """Command line: OUTDIR, --only, encoder sizes and outlier options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir")
    p.add_argument("--only", help="comma-separated model names (default: all)")
    for key, value in ENCODER_DEFAULTS.items():
        p.add_argument(f"--{key}", type=int, default=value, help=f"encoder {key} (default {value})")
    p.add_argument("--outlier-channels", type=int, default=0,
                   help="LayerNorm gamma channels to scale, in every encoder model")
    p.add_argument("--outlier-scale", default="30",
                   help="their scale, or LO:HI to spread the channels' scales evenly (default 30)")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    outliers = (args.outlier_channels, args.outlier_scale)
    encoder_cfg = {k: getattr(args, k) for k in ENCODER_DEFAULTS}
    builders = {
        "matmul": build_matmul,
        "encoder": lambda: build_encoder("encoder", encoder_cfg, outliers),
        "encoder_tiny": lambda: build_encoder("encoder_tiny", ENCODER_TINY, outliers),
        "encoder_small": lambda: build_encoder("encoder_small", ENCODER_SMALL, outliers),
        "cnn": build_cnn,
    }
    names = args.only.split(",") if args.only else list(builders)
    unknown = [n for n in names if n not in builders]
    if unknown:
        sys.exit(f"make_models: unknown model {', '.join(unknown)} (models: {', '.join(builders)})")
    os.makedirs(args.outdir, exist_ok=True)
    for name in names:
        model, inputs = builders[name]()
        write(args.outdir, name, model, inputs)


if __name__ == "__main__":
    main(sys.argv[1:])
