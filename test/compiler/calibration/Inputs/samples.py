"""Writes calibration samples for the encoder presets of make_models.py.

  samples.py OUT_DIR --count N [--seed S] [--layout files|npz|stacked]

files:    OUT_DIR/s<i>.input_ids.npy and OUT_DIR/s<i>.attention_mask.npy
npz:      OUT_DIR/s<i>.npz with both arrays
stacked:  OUT_DIR/batch.npz holding [N, 1, seq] arrays
dirs:     OUT_DIR/s<i>/input_<k>.pb TensorProtos named after the inputs
          (ONNX's test_data_set layout)
manifest: OUT_DIR/manifest.json mapping inputs to OUT_DIR/data/<name><i>.npy
The ids are uniform over the vocabulary; masks zero a random tail.
"""
import argparse
import json
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--count", type=int, default=4)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--seq", type=int, default=16)
p.add_argument("--vocab", type=int, default=1000)
p.add_argument("--layout", default="files",
               choices=["files", "npz", "stacked", "dirs", "manifest"])
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(a.seed)
ids = rng.integers(0, a.vocab, size=(a.count, 1, a.seq), dtype=np.int64)
mask = np.ones((a.count, 1, a.seq), np.int64)
for i in range(a.count):
    mask[i, 0, a.seq - rng.integers(0, a.seq // 2):] = 0
if a.layout == "stacked":
    np.savez(os.path.join(a.out, "batch.npz"), input_ids=ids, attention_mask=mask)
if a.layout == "manifest":
    os.makedirs(os.path.join(a.out, "data"))
    samples = []
    for i in range(a.count):
        np.save(os.path.join(a.out, "data", f"ids{i}.npy"), ids[i])
        np.save(os.path.join(a.out, "data", f"mask{i}.npy"), mask[i])
        samples.append({"input_ids": f"data/ids{i}.npy", "attention_mask": f"data/mask{i}.npy"})
    json.dump({"samples": samples}, open(os.path.join(a.out, "manifest.json"), "w"))
for i in range(a.count):
    if a.layout == "dirs":
        from onnx import numpy_helper
        d = os.path.join(a.out, f"s{i}")
        os.makedirs(d)
        for k, (name, arr) in enumerate([("input_ids", ids[i]), ("attention_mask", mask[i])]):
            with open(os.path.join(d, f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(arr, name).SerializeToString())
    elif a.layout == "files":
        np.save(os.path.join(a.out, f"s{i}.input_ids.npy"), ids[i])
        np.save(os.path.join(a.out, f"s{i}.attention_mask.npy"), mask[i])
    elif a.layout == "npz":
        np.savez_compressed(os.path.join(a.out, f"s{i}.npz"), input_ids=ids[i],
                            attention_mask=mask[i])
