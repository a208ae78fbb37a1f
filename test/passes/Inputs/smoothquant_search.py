"""An independent numpy oracle for q8-smoothquant's auto-alpha search.

  smoothquant_search.py OUT

Writes OUT/table.json (a calibration table with reservoirs), OUT/model.mlir
(four activations: "a" feeds a matmul and a transB gemm with alpha 2, and
has outlier channels; "b" lies exactly on its uint8 grid with integer
weights, so no smoothing is exact; "c" has no reservoir; "d" feeds a 1x2
convolution, scored as its taps' matmuls of the channel vectors with one
int8 scale per output channel over both taps; "e" the same for a depthwise
one, whose taps are block diagonal), and
OUT/checks.txt: FileCheck lines for the alpha numpy finds best, under the
prefixes A (minmax, 8-bit weights) and B (ema, weight-bits 7).

The score is computed here from the definitions (passes/QuantMath.h's
formulas, re-derived in numpy, float32 where q8 uses float): for alpha =
i * 0.05, s_j = amax_x^alpha / amax_w^(1 - alpha); x / s quantized uint8
per tensor from the method range of x / s bounded per channel; W s int8
symmetric per output channel; the sum of squared output errors against
fp32 over the reservoir rows and both consumers. No smoothing is scored
too and wins ties, then the smaller alpha.
"""
import base64
import json
import os
import sys

import numpy as np

f32 = np.float32
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
K = 8


def u8_params(lo, hi):
    lo, hi = min(f32(lo), f32(0)), max(f32(hi), f32(0))
    if not hi > lo:
        return f32(1), 0
    scale = f32((np.float64(hi) - np.float64(lo)) / 255.0)
    zp = int(np.clip(np.rint(-np.float64(lo) / np.float64(scale)), 0, 255))
    return scale, zp


def quant(x, scale, zp, qmin, qmax):
    q = np.rint(x.astype(np.float64) / np.float64(scale)) + zp
    return np.clip(q, qmin, qmax).astype(np.int64)


def scales(ax, aw, alpha):
    s = np.ones(K, dtype=f32)
    a = np.float64(f32(alpha))
    for j in range(K):
        x, w = np.float64(abs(ax[j])), np.float64(abs(aw[j]))
        if x > 0 and w > 0:
            s[j] = f32(np.clip(x ** a / w ** (1.0 - a), 1e-5, 1e5))
    return s


def effective(c, s):
    """alpha * (stored * s) as [K, N] float32, as q8 computes it; a conv's
    weight [M, C, 1, T] as its taps side by side: [C, M * T], column
    m * T + t holding tap t of output channel m."""
    if c.get("conv"):
        w = c["stored"]
        groups = c.get("groups", 1)
        m_out, c_in, taps = w.shape[0], w.shape[1] * groups, w.shape[2] * w.shape[3]
        stored = np.zeros((c_in, m_out * taps), dtype=f32)
        for m in range(m_out):  # block diagonal: m reads its group's channels
            g = m // (m_out // groups)
            for ci in range(w.shape[1]):
                stored[g * w.shape[1] + ci, m * taps:(m + 1) * taps] = w[m, ci].reshape(-1)
        if s is not None:
            stored = (stored * s[:, None]).astype(f32)
        return stored.astype(f32)
    stored = c["stored"].T if c["transB"] else c["stored"]
    if s is not None:
        stored = (stored * s[:, None]).astype(f32)
    return (f32(c["alpha"]) * stored).astype(f32)


def score(rows, consumers, s, rng_lo, rng_hi, qmax):
    x = rows if s is None else (rows * (f32(1) / s)[None, :]).astype(f32)
    sx, zx = u8_params(rng_lo, rng_hi)
    qx = quant(x, sx, zx, 0, 255) - zx
    total = 0.0
    for c in consumers:
        w = effective(c, s)
        absmax = np.abs(w).max(axis=0)
        if c.get("conv"):  # one int8 scale per output channel, over its taps
            taps = c["stored"].shape[2] * c["stored"].shape[3]
            absmax = np.repeat(absmax.reshape(-1, taps).max(axis=1), taps)
        sw = np.where(absmax > 0, (absmax / f32(qmax)).astype(f32), f32(1))
        qw = np.clip(np.rint(w.astype(np.float64) / sw.astype(np.float64)),
                     -qmax, qmax)
        got = np.float64(sx) * sw.astype(np.float64) * (qx.astype(np.float64) @ qw)
        want = rows.astype(np.float64) @ effective(c, None).astype(np.float64)
        total += float(((got - want) ** 2).sum())
    return total


def search(rows, absmax, consumers, lo, hi, qmax):
    aw = np.zeros(K, dtype=f32)
    for c in consumers:
        aw = np.maximum(aw, np.abs(effective(c, None)).max(axis=1))
    errors = [("none", score(rows, consumers, None, lo, hi, qmax))]
    for i in range(21):
        alpha = f32(i * 0.05)
        s = scales(absmax, aw, alpha)
        inv = (f32(1) / s).astype(f32)
        blo = (np.maximum(f32(lo), -absmax) * inv).astype(f32)
        bhi = (np.minimum(f32(hi), absmax) * inv).astype(f32)
        slo, shi = min(f32(0), blo.min()), max(f32(0), bhi.max())
        errors.append((alpha, score(rows, consumers, s, slo, shi, qmax)))
    best = min(range(len(errors)), key=lambda i: (errors[i][1], i))
    return errors, best


# "a": outliers on channels 1 and 5; a matmul [8, 6] and a gemm B [3, 8].
rows_a = rng.standard_normal((32, K)).astype(f32)
rows_a[:, 1] *= 30
rows_a[:, 5] *= 12
wa = rng.standard_normal((K, 6)).astype(f32) * f32(0.5)
ba = rng.standard_normal((3, K)).astype(f32) * f32(0.25)
ba[:, 3] *= 8
cons_a = [dict(stored=wa, transB=False, alpha=1.0),
          dict(stored=ba, transB=True, alpha=2.0)]
# "b": x on the grid of [-8, 7.9375] (scale 1/16, zero point 128), integer
# weights with every column reaching 127: with no smoothing, exact.
rows_b = ((rng.integers(0, 256, (32, K)) - 128) / 16.0).astype(f32)
wb = rng.integers(-127, 128, (K, 4)).astype(f32)
wb[0, :] = 127
cons_b = [dict(stored=wb, transB=False, alpha=1.0)]
rows_b[0, :] = -8
rows_b[1, :] = 7.9375


# "d": a 1x2 convolution (group 1, weight [3, 8, 1, 2]) of channel vectors
# with outliers on channels 2 and 6: each tap is a matmul of the reservoir's
# channel vectors, the int8 scale per output channel spans both taps.
rows_d = rng.standard_normal((32, K)).astype(f32)
rows_d[:, 2] *= 25
rows_d[:, 6] *= 10
wd = (rng.standard_normal((3, K, 1, 2)) * 0.5).astype(f32)
wd[:, 4, :, :] *= 6
cons_d = [dict(stored=wd, conv=True)]
# "e": a depthwise 1x2 convolution (group 8, weight [8, 1, 1, 2]) of
# channel vectors with outliers on channels 0 and 3.
rows_e = rng.standard_normal((32, K)).astype(f32)
rows_e[:, 0] *= 20
rows_e[:, 3] *= 8
we = (rng.standard_normal((K, 1, 1, 2)) * 0.5).astype(f32)
we[5] *= 10
cons_e = [dict(stored=we, conv=True, groups=K)]

def entry(name, rows, reservoir=True, shape=(2, K)):
    absmax = np.abs(rows).max(axis=0).astype(f32)
    lo, hi = f32(rows.min()), f32(rows.max())
    ema = [f32(0.75) * lo, f32(0.75) * hi]
    e = {"name": name, "shape": list(shape), "axis": 1, "observations": 1,
         "count": int(rows.size), "nan": 0, "inf": 0,
         "min": float(lo), "max": float(hi),
         "ema_min": float(ema[0]), "ema_max": float(ema[1]),
         "ranges": {"minmax": [float(lo), float(hi)],
                    "ema": [float(ema[0]), float(ema[1])]},
         "channel_absmax": [float(v) for v in absmax]}
    if reservoir:
        e["reservoir"] = {
            "rows": rows.shape[0], "row_length": K, "rows_seen": rows.shape[0],
            "f32le_base64": base64.b64encode(rows.astype("<f4").tobytes()).decode()}
    return e, absmax, (lo, hi), (f32(ema[0]), f32(ema[1]))


ea, absmax_a, mm_a, ema_a = entry("a", rows_a)
eb, absmax_b, mm_b, ema_b = entry("b", rows_b)
ec, _, _, _ = entry("c", rows_a, reservoir=False)
ed, absmax_d, mm_d, ema_d = entry("d", rows_d, shape=(1, K, 2, 3))
ee, absmax_e, mm_e, ema_e = entry("e", rows_e, shape=(1, K, 2, 3))
table = {"format": "q8-calibration", "version": 1, "samples": 1,
         "source": "test/passes/Inputs/smoothquant_search.py",
         "settings": {"histogram_bins": 0, "reservoir_rows": 32,
                      "ema_constant": 0.01, "seed": 0, "percentile": 99.99},
         "tensors": [ea, eb, ec, ed, ee]}
with open(f"{out}/table.json", "w") as f:
    json.dump(table, f)


def dense(a):
    a = np.asarray(a, dtype=f32)
    return "[" + ", ".join(
        "[" + ", ".join("%.9e" % v for v in row) + "]" for row in a) + "]"


with open(f"{out}/model.mlir", "w") as f:
    f.write(f"""func.func @a(%x: tensor<2x{K}xf32> {{q8.name = "a"}}) -> (tensor<2x6xf32>, tensor<2x3xf32>) {{
  %w = q8.constant dense<{dense(wa)}> : tensor<{K}x6xf32>
  %b = q8.constant dense<{dense(ba)}> : tensor<3x{K}xf32>
  %y = q8.matmul %x, %w : (tensor<2x{K}xf32>, tensor<{K}x6xf32>) -> tensor<2x6xf32>
  %z = q8.gemm %x, %b {{alpha = 2.0 : f32, transB = true}} : (tensor<2x{K}xf32>, tensor<3x{K}xf32>) -> tensor<2x3xf32>
  return %y, %z : tensor<2x6xf32>, tensor<2x3xf32>
}}
func.func @b(%x: tensor<2x{K}xf32> {{q8.name = "b"}}) -> tensor<2x4xf32> {{
  %w = q8.constant dense<{dense(wb)}> : tensor<{K}x4xf32>
  %y = q8.matmul %x, %w : (tensor<2x{K}xf32>, tensor<{K}x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}}
func.func @d(%x: tensor<1x{K}x2x3xf32> {{q8.name = "d"}}) -> tensor<1x3x2x2xf32> {{
  %w = q8.constant dense<[{", ".join("[" + ", ".join(dense(wd[m, c]) for c in range(K)) + "]" for m in range(3))}]> : tensor<3x{K}x1x2xf32>
  %y = q8.conv %x, %w {{strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}} : (tensor<1x{K}x2x3xf32>, tensor<3x{K}x1x2xf32>) -> tensor<1x3x2x2xf32>
  return %y : tensor<1x3x2x2xf32>
}}
func.func @e(%x: tensor<1x{K}x2x3xf32> {{q8.name = "e"}}) -> tensor<1x{K}x2x2xf32> {{
  %w = q8.constant dense<[{", ".join("[" + dense(we[m, 0]) + "]" for m in range(K))}]> : tensor<{K}x1x1x2xf32>
  %y = q8.conv %x, %w {{strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = {K}}} : (tensor<1x{K}x2x3xf32>, tensor<{K}x1x1x2xf32>) -> tensor<1x{K}x2x2xf32>
  return %y : tensor<1x{K}x2x2xf32>
}}
func.func @c(%x: tensor<2x{K}xf32> {{q8.name = "c"}}) -> tensor<2x6xf32> {{
  %w = q8.constant dense<{dense(wa)}> : tensor<{K}x6xf32>
  %y = q8.matmul %x, %w : (tensor<2x{K}xf32>, tensor<{K}x6xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}}
""")

checks = []
for prefix, pick, qmax in (("A", 0, 127), ("B", 1, 63)):
    for name, rows, absmax, cons, rngs in (
            ("a", rows_a, absmax_a, cons_a, (mm_a, ema_a)),
            ("b", rows_b, absmax_b, cons_b, (mm_b, ema_b)),
            ("d", rows_d, absmax_d, cons_d, (mm_d, ema_d)),
            ("e", rows_e, absmax_e, cons_e, (mm_e, ema_e))):
        lo, hi = rngs[pick]
        errors, best = search(rows, absmax, cons, lo, hi, qmax)
        ranked = sorted(e for _, e in errors)
        gap = (ranked[1] - ranked[0]) / max(ranked[1], 1e-30)
        label = errors[best][0]
        print(f"{prefix} {name}: best {label if label == 'none' else '%.2f' % label}"
              f" (error {errors[best][1]:.6g}, next {ranked[1]:.6g})")
        if gap < 1e-4 and ranked[0] > 0:
            sys.exit(f"{prefix} {name}: the best two alphas are within {gap:g}; "
                     "pick data with a clear winner")
        checks.append(f"{prefix}-LABEL: func @{name}")
        if label == "none":
            checks.append(f"{prefix}-NOT: q8.mul")
            checks.append(f"{prefix}: q8.{'conv' if name in 'de' else 'matmul'} %arg0")
        else:
            # MLIR prints an f32 attribute short when that reads back as the
            # same double, else with 9 significant digits (0.9f: 0.899999976).
            spellings = "|".join(sorted(
                v.replace(".", "\\.").replace("+", "\\+")
                for v in {"%.6e" % label, "%.9g" % label}))
            checks.append(f"{prefix}: q8.mul %arg0, %{{{{.*}}}} {{q8.smoothquant = "
                          f"{{alpha = {{{{({spellings})}}}} : f32, ranges")
        if name == "b" and prefix == "A" and label != "none":
            sys.exit("b: no smoothing should be exact and win")
    checks.append(f"{prefix}-LABEL: func @c")
    checks.append(f"{prefix}: q8.smoothquant = {{alpha = 5.000000e-01 : f32")
with open(f"{out}/checks.txt", "w") as f:
    f.write("\n".join(checks) + "\n")
