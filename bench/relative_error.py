#!/usr/bin/python3
"""Relative L2 error between the .npy outputs of two runs of one model.

    /usr/bin/python3 bench/relative_error.py LABEL DIR REF_DIR [LABEL DIR REF_DIR ...]

For each triple prints "LABEL: relative L2 E" with E = |DIR - REF| / |REF|
over all of REF_DIR's outputs (files matched by name). bench/int8.sh uses it
to show that q8-int8 and ort-int8 quantize alike: each against fp32, and
against each other.
"""

import os
import sys

import numpy as np


def relative_l2(out_dir, ref_dir):
    num = den = 0.0
    for name in sorted(os.listdir(ref_dir)):
        ref = np.load(os.path.join(ref_dir, name)).astype(np.float64)
        got = np.load(os.path.join(out_dir, name)).astype(np.float64)
        if got.shape != ref.shape:
            sys.exit(f"relative_error: {out_dir}/{name} has shape {got.shape}, {ref_dir} has {ref.shape}")
        num += float(np.sum((got - ref) ** 2))
        den += float(np.sum(ref ** 2))
    return (num / den) ** 0.5 if den > 0 else float("inf")


def main(argv):
    if not argv or len(argv) % 3:
        sys.exit(__doc__.split("\n\n")[1])
    for i in range(0, len(argv), 3):
        print(f"{argv[i]}: relative L2 {relative_l2(argv[i + 1], argv[i + 2]):.3g}")


if __name__ == "__main__":
    main(sys.argv[1:])
