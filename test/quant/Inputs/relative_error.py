"""Mean relative L2 error of the w8a8 and smooth builds against fp32.

  relative_error.py DIR N [NEED [AUTO_RATIO]]
      (DIR/{w8a8,smooth,fp32}/out<i>/last_hidden_state.npy, and DIR/auto
       with AUTO_RATIO)

Exits 1 unless SmoothQuant (DIR/smooth) cuts the error at least NEED times
(default 2), and, with AUTO_RATIO, unless the `--smoothquant auto` build's
error is at most AUTO_RATIO times DIR/smooth's.
"""
import sys

import numpy as np

root, n = sys.argv[1], int(sys.argv[2])
need = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
auto_ratio = float(sys.argv[4]) if len(sys.argv) > 4 else None


def error(variant):
    errs = []
    for i in range(n):
        got = np.load(f"{root}/{variant}/out{i}/last_hidden_state.npy").astype(np.float64)
        want = np.load(f"{root}/fp32/out{i}/last_hidden_state.npy").astype(np.float64)
        errs.append(np.linalg.norm(got - want) / np.linalg.norm(want))
    return float(np.mean(errs))


plain, smooth = error("w8a8"), error("smooth")
print(f"w8a8: relative L2 error {plain:.3g}")
print(f"smoothquant: relative L2 error {smooth:.3g}")
ratio = plain / smooth if smooth > 0 else float("inf")
ok = smooth > 0 and ratio >= need
print(f"smoothquant cuts the error {ratio:.2f}x: {'ok' if ok else f'FAIL (need {need:g}x)'}")
if auto_ratio is not None:
    auto = error("auto")
    print(f"smoothquant auto: relative L2 error {auto:.3g}")
    within = smooth > 0 and auto <= auto_ratio * smooth
    print(f"auto / fixed alpha: {auto / smooth if smooth > 0 else float('inf'):.3f}: "
          f"{'ok' if within else f'FAIL (need <= {auto_ratio:g})'}")
    ok = ok and within
sys.exit(0 if ok else 1)
