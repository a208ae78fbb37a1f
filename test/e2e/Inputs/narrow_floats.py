"""Bit-exact f16/bf16 conversions of compiled models (q8-expand-narrow-floats).

usage: narrow_floats.py make OUT_DIR      writes OUT_DIR/model.onnx and inputs
       narrow_floats.py check OUT_DIR RESULT_DIR
                                          compares q8-run's outputs with numpy

The model casts f32 -> f16, f16 -> f32, f64 -> f16 and f32 -> bf16 -> f32
(bf16 -> f32 is exact, so the f32 result shows the bf16 rounding). Inputs:
every f16 bit pattern; f32 values at and next to every f16 rounding
boundary (ties to even, subnormals, overflow to infinity), random f32 and
f64 bit patterns, NaN and infinities. numpy's float16 casts round to nearest
even; bf16 is rounded here by the same rule on the bits.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def f32_inputs():
    halves = np.arange(0, 1 << 16, dtype=np.uint32).astype(np.uint16)
    h = halves.view(np.float16)
    finite = h[np.isfinite(h)].astype(np.float32)
    # Midpoints between consecutive f16 values (exact in f32) and the f32
    # values on either side of them.
    ordered = np.unique(finite)
    mid = ((ordered[:-1].astype(np.float64) + ordered[1:]) / 2).astype(np.float32)
    bits = mid.view(np.uint32)
    near = np.concatenate([bits - 1, bits + 1]).view(np.float32)
    rng = np.random.default_rng(3)
    random = rng.integers(0, 1 << 32, 200000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504, 65519.996, 65520,
                        -65520, 1e-8, 2.0 ** -25, 2.0 ** -24, 3 * 2.0 ** -26,
                        3.4e38], dtype=np.float32)
    return np.concatenate([finite, mid, near, random, special]).astype(np.float32)


def bf16_round(x):
    u = x.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    out = r.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), out)


def make(out):
    os.makedirs(out, exist_ok=True)
    x32 = f32_inputs()
    h16 = np.arange(0, 1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    rng = np.random.default_rng(5)
    x64 = np.concatenate([
        rng.integers(0, 1 << 63, 100000, dtype=np.uint64).view(np.float64),
        # f64 values just off f16 ties, where rounding twice (f64 -> f32 ->
        # f16, each to nearest) would go wrong.
        (x32[np.isfinite(x32)].astype(np.float64) * (1 + 2.0 ** -40)),
        (x32[np.isfinite(x32)].astype(np.float64) * (1 - 2.0 ** -40)),
    ])
    n32, n16, n64 = len(x32), len(h16), len(x64)
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x32"], ["to_f16"], to=TensorProto.FLOAT16),
         helper.make_node("Cast", ["h16"], ["to_f32"], to=TensorProto.FLOAT),
         helper.make_node("Cast", ["x64"], ["d_to_f16"], to=TensorProto.FLOAT16),
         helper.make_node("Cast", ["x32"], ["b"], to=TensorProto.BFLOAT16),
         helper.make_node("Cast", ["b"], ["bf16_as_f32"], to=TensorProto.FLOAT)],
        "narrow_floats",
        [helper.make_tensor_value_info("x32", TensorProto.FLOAT, [n32]),
         helper.make_tensor_value_info("h16", TensorProto.FLOAT16, [n16]),
         helper.make_tensor_value_info("x64", TensorProto.DOUBLE, [n64])],
        [helper.make_tensor_value_info("to_f16", TensorProto.FLOAT16, [n32]),
         helper.make_tensor_value_info("to_f32", TensorProto.FLOAT, [n16]),
         helper.make_tensor_value_info("d_to_f16", TensorProto.FLOAT16, [n64]),
         helper.make_tensor_value_info("bf16_as_f32", TensorProto.FLOAT, [n32])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "x32.npy"), x32)
    np.save(os.path.join(out, "h16.npy"), h16)
    np.save(os.path.join(out, "x64.npy"), x64)


def same_bits(name, got, want):
    """Equal bits, or both NaN. Prints and returns the number of mismatches."""
    gb = got.view(np.uint16 if got.dtype == np.float16 else np.uint32)
    wb = want.view(np.uint16 if want.dtype == np.float16 else np.uint32)
    bad = (gb != wb) & ~(np.isnan(got) & np.isnan(want))
    n = int(bad.sum())
    print(f"{name}: {n} of {len(got)} differ")
    if n:
        i = int(np.argmax(bad))
        print(f"  first at {i}: got {got[i]!r} ({gb[i]:#x}), want {want[i]!r} ({wb[i]:#x})")
    return n


def check(out, results):
    x32 = np.load(os.path.join(out, "x32.npy"))
    h16 = np.load(os.path.join(out, "h16.npy"))
    x64 = np.load(os.path.join(out, "x64.npy"))
    load = lambda n: np.load(os.path.join(results, n + ".npy"))
    with np.errstate(over="ignore", invalid="ignore"):
        bad = same_bits("f32 -> f16", load("to_f16"), x32.astype(np.float16))
        bad += same_bits("f16 -> f32", load("to_f32"), h16.astype(np.float32))
        bad += same_bits("f64 -> f16", load("d_to_f16"), x64.astype(np.float16))
        bad += same_bits("f32 -> bf16", load("bf16_as_f32"), bf16_round(x32))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
