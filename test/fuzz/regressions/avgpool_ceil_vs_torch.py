"""AveragePool with ceil_mode=1 and count_include_pad=1 whose last window
overhangs the padded input: q8 against PyTorch (what exporters follow).

  avgpool_ceil_vs_torch.py Q8C Q8RUN WORKDIR

PyTorch divides a window by its extent within the padded input; ONNX
Runtime's MLAS kernel divides by the whole kernel (fuzz seed 33108: 0.171
where PyTorch and q8 give 0.257). Prints one line per case.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

q8c, q8run, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
rng = np.random.RandomState(33108)
cases = [  # (input shape, kernel, stride, pad)
    ((1, 1, 2), [3], [2], 1),
    ((1, 2, 5), [3], [2], 1),
    ((1, 2, 6, 5), [3, 3], [2, 2], 1),
    ((1, 1, 4, 4), [2, 2], [3, 3], 1),
]
failed = 0
for k, (shape, kernel, strides, pad) in enumerate(cases):
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    pool = torch.nn.functional.avg_pool1d if len(kernel) == 1 else torch.nn.functional.avg_pool2d
    want = pool(torch.tensor(x), kernel, stride=strides, padding=pad, ceil_mode=True,
                count_include_pad=True).numpy()
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=kernel, strides=strides,
                            pads=[pad] * (2 * len(kernel)), ceil_mode=1, count_include_pad=1)
    graph = helper.make_graph([node], "avgpool", [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(want.shape))])
    d = os.path.join(work, str(k))
    os.makedirs(d, exist_ok=True)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(d, "m.onnx"))
    np.save(os.path.join(d, "x.npy"), x)
    subprocess.run([q8c, os.path.join(d, "m.onnx"), "--emit=shared", "-o", os.path.join(d, "m")],
                   check=True)
    subprocess.run([q8run, os.path.join(d, "m.so"), "--input", "x=" + os.path.join(d, "x.npy"),
                    "--output-dir", os.path.join(d, "out")], check=True, stdout=subprocess.DEVNULL)
    got = np.load(os.path.join(d, "out", "y.npy"))
    err = float(np.abs(got - want).max())
    ok = got.shape == want.shape and err <= 1e-6
    failed += not ok
    print(f"case {k} {list(shape)} kernel {kernel} stride {strides} pad {pad}: "
          f"{'ok' if ok else 'MISMATCH'} (max abs err {err:.2g})")
sys.exit(1 if failed else 0)
