"""Writes a C header for emu_main.c: the model input and the expected output
as float arrays, from .npy files (the expected one computed natively by
another target's build of the same model).

usage: emu_compare.py INPUT.npy EXPECTED.npy OUT.h
"""
import sys

import numpy as np

x, expected = (np.load(p).astype(np.float32).ravel() for p in sys.argv[1:3])


def array(name, values):
    # Bit patterns, so that the comparison is of exact bytes.
    words = values.view(np.uint32)
    rows = (", ".join("0x%08x" % w for w in words[i:i + 8]) for i in range(0, len(words), 8))
    return "static const unsigned %s[%d] = {\n  %s\n};\n" % (name, len(words), ",\n  ".join(rows))


with open(sys.argv[3], "w") as out:
    out.write(array("input_bits", x))
    out.write(array("expected_bits", expected))
