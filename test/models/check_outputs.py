#!/usr/bin/python3
"""Prints each .npy output in DIR as `NAME: SHAPE DTYPE finite|NOT FINITE`.

    /usr/bin/python3 test/models/check_outputs.py DIR

Used by the model tests on ONNX Runtime's outputs (ort-run.js --output-dir):
FileCheck then checks the names, shapes and that every value is finite.
Exits 1 if DIR holds no .npy file or any value is NaN or infinite.
"""

import os
import sys

import numpy as np


def describe(path):
    """One line for one .npy file, and whether all its values are finite."""
    array = np.load(path)
    finite = bool(np.isfinite(array).all())
    shape = "x".join(str(d) for d in array.shape)
    name = os.path.splitext(os.path.basename(path))[0]
    return f"{name}: {shape} {array.dtype} {'finite' if finite else 'NOT FINITE'}", finite


def main(argv):
    if len(argv) != 1:
        sys.exit("usage: check_outputs.py DIR")
    files = sorted(f for f in os.listdir(argv[0]) if f.endswith(".npy"))
    if not files:
        sys.exit(f"check_outputs: no .npy files in {argv[0]}")
    ok = True
    for f in files:
        line, finite = describe(os.path.join(argv[0], f))
        print(line)
        ok = ok and finite
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
