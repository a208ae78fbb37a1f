"""Recomputes q8c's layer error from dumped tensors and compares.

  check_layer_error.py LAYERS.json FP32_DIR INT8_DIR SAMPLES

FP32_DIR/s<i>/<name>.npy and INT8_DIR/s<i>/<name>.npy are the tensors the
fp32 and the quantized builds returned on sample i (q8-run --output-dir).
SQNR and cosine are summed over every element of every sample, in float64,
and must agree with the JSON to 1e-3 relative (1 - cosine to 1e-2).
"""
import json
import math
import sys

import numpy as np

report = json.load(open(sys.argv[1]))
fp32_dir, int8_dir, samples = sys.argv[2], sys.argv[3], int(sys.argv[4])
assert report["format"] == "q8-layer-error" and report["version"] == 1
assert report["samples"] == samples, report["samples"]
assert report["mode"] == "end-to-end"

bad = 0
tensors = report["layers"] + report["outputs"]
for t in tensors:
    sig = noise = dot = qq = 0.0
    count = 0
    for i in range(samples):
        r = np.load("%s/s%d/%s.npy" % (fp32_dir, i, t["name"])).astype(np.float64)
        q = np.load("%s/s%d/%s.npy" % (int8_dir, i, t["name"])).astype(np.float64)
        assert list(r.shape) == t["shape"], (t["name"], r.shape)
        e = r - q
        sig += float((r * r).sum())
        noise += float((e * e).sum())
        dot += float((r * q).sum())
        qq += float((q * q).sum())
        count += r.size
    sqnr = 10 * math.log10(sig / noise)
    cos = dot / math.sqrt(sig * qq)
    got_sqnr, got_cos = t["sqnr_db"], t["cosine"]
    problems = []
    if got_sqnr is None or not math.isfinite(got_sqnr):
        problems.append("SQNR not finite")
    elif abs(got_sqnr - sqnr) > 1e-3 * abs(sqnr):
        problems.append("SQNR %.6f, recomputed %.6f" % (got_sqnr, sqnr))
    if got_cos is None or abs((1 - got_cos) - (1 - cos)) > 1e-2 * (1 - cos):
        problems.append("cosine %r, recomputed %r" % (got_cos, cos))
    if t["count"] != count or t["non_finite"] != 0:
        problems.append("count %d (non-finite %d), dumped %d" %
                        (t["count"], t["non_finite"], count))
    # Quantization must have changed something, and not broken it.
    if not 10 < sqnr < 90:
        problems.append("SQNR %.2f dB is implausible for W8A8" % sqnr)
    if problems:
        bad += 1
        print("%s: DIFFERS: %s" % (t["name"], "; ".join(problems)))
    else:
        print("%s: ok: SQNR %.2f dB, cosine %.6f" % (t["name"], sqnr, cos))
print("%d layers, %d outputs: %d agree, %d differ" %
      (len(report["layers"]), len(report["outputs"]), len(tensors) - bad, bad))
sys.exit(1 if bad else 0)
