"""Checks a calibration table against activations dumped by q8-run.

  check_table.py TABLE.json DUMP_DIR...   (one folder per sample, NAME.npy)

For every tensor: observations = samples, the finite count, min and max
equal the dumped values' (rtol 1e-5: the dump comes from a build with more
outputs, whose fusion may round differently), the per-channel absmax along
the table's axis too, every range lies in [min, max] and holds 0, the
histogram counts add up to the count, and the percentile range lies inside
the min/max one.
"""
import json
import sys

import numpy as np

table = json.load(open(sys.argv[1]))
dumps = sys.argv[2:]
failures = 0


def close(a, b):
    return abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-6)


for t in table["tensors"]:
    name = t["name"]
    arrays = [np.load(f"{d}/{name}.npy") for d in dumps]
    x = np.stack(arrays).astype(np.float64)
    problems = []
    if t["observations"] != len(dumps):
        problems.append(f"observations {t['observations']} != {len(dumps)}")
    finite = x[np.isfinite(x)]
    if t["count"] != finite.size:
        problems.append(f"count {t['count']} != {finite.size}")
    if not close(t["min"], finite.min()) or not close(t["max"], finite.max()):
        problems.append(f"min/max {t['min']}/{t['max']} != {finite.min()}/{finite.max()}")
    if "axis" in t:
        axis = t["axis"] + 1  # the stacked sample dim comes first
        other = tuple(d for d in range(x.ndim) if d != axis)
        absmax = np.abs(x).max(axis=other)
        got = np.array(t["channel_absmax"])
        if got.shape != absmax.shape or not np.allclose(got, absmax, rtol=1e-5, atol=1e-7):
            problems.append("channel_absmax differs")
    hist = sum(c for _, c in t["histogram"]["counts"])
    if hist != t["count"]:
        problems.append(f"histogram holds {hist} of {t['count']}")
    for method, (lo, hi) in t["ranges"].items():
        if not (lo <= 0 <= hi):
            problems.append(f"{method} range [{lo}, {hi}] does not hold 0")
        if lo < min(t["min"], 0) * (1 + 1e-6) - 1e-12 or hi > max(t["max"], 0) * (1 + 1e-6) + 1e-12:
            problems.append(f"{method} range [{lo}, {hi}] exceeds [{t['min']}, {t['max']}]")
    if problems:
        failures += 1
        print(f"{name}: FAIL: " + "; ".join(problems))
    else:
        print(f"{name}: ok: {finite.size} values in [{finite.min():.6g}, {finite.max():.6g}]")
print(f"{len(table['tensors']) - failures} tensors match, {failures} differ")
sys.exit(1 if failures else 0)
