"""Compares q8's outputs with ONNX Runtime's, output by output.

    compare.py REFDIR GOTDIR [--rtol R] [--atol A]

For every REFDIR/<name>.npy, GOTDIR/<name>.npy must have the same shape and
satisfy |got - ref| <= max(rtol * |ref|, atol) elementwise. Prints, per
output, the max absolute error and the max relative error
(|got - ref| / max(|ref|, atol / rtol), so that values near zero are held
to the absolute floor), and exits 1 if any output fails.
"""
import argparse
import os
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("refdir")
    parser.add_argument("gotdir")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()

    names = sorted(f[:-4] for f in os.listdir(args.refdir) if f.endswith(".npy"))
    if not names:
        sys.exit(f"compare.py: no outputs in {args.refdir}")
    ok = True
    for name in names:
        ref = np.load(os.path.join(args.refdir, name + ".npy")).astype(np.float64)
        got_path = os.path.join(args.gotdir, name + ".npy")
        if not os.path.exists(got_path):
            print(f"{name}: FAIL: q8 wrote no {got_path}")
            ok = False
            continue
        got = np.load(got_path).astype(np.float64)
        if got.shape != ref.shape:
            print(f"{name}: FAIL: shape {got.shape}, ONNX Runtime {ref.shape}")
            ok = False
            continue
        if not np.all(np.isfinite(got)):
            print(f"{name}: FAIL: non-finite values")
            ok = False
            continue
        err = np.abs(got - ref)
        rel = err / np.maximum(np.abs(ref), args.atol / args.rtol)
        passed = bool(np.all(err <= np.maximum(args.rtol * np.abs(ref), args.atol)))
        ok &= passed
        print(f"{name}: {'ok' if passed else 'FAIL'}: {ref.size} values, "
              f"max abs error {err.max():.3g}, max rel error {rel.max():.3g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
