"""Converts between TensorProto .pb and .npy files for q8-run's tests.

  tensors.py to-npy IN.pb OUT.npy [--dtype D] [--shape A,B,...]
  tensors.py to-pb IN.npy OUT.pb NAME [--scale S]
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main(argv):
    mode, src, dst = argv[:3]
    if mode == "to-npy":
        a = numpy_helper.to_array(onnx.load_tensor(src))
        opts = dict(zip(argv[3::2], argv[4::2]))
        if "--dtype" in opts:
            a = a.astype(opts["--dtype"])
        if "--shape" in opts:
            a = np.resize(a, [int(d) for d in opts["--shape"].split(",")])
        np.save(dst, a)
    else:
        a = np.load(src)
        opts = dict(zip(argv[4::2], argv[5::2]))
        if "--scale" in opts:
            a = (a * float(opts["--scale"])).astype(a.dtype)
        onnx.save_tensor(numpy_helper.from_array(a, argv[3]), dst)


if __name__ == "__main__":
    main(sys.argv[1:])
