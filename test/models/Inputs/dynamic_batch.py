#!/usr/bin/python3
"""Compiles a dynamic-batch model once and runs it at every batch size.

    dynamic_batch.py --q8c Q8C --q8-run Q8RUN --ort-run ORT_RUN_JS
                     --compare COMPARE_PY WORK DIR MODEL [--int8-bound B]

DIR holds MODEL.onnx and MODEL/b<N>/<input>.npy (test/models/
make_dynamic.py). One shared object per mode (fp32, and W8A8 calibrated on
MODEL/calibration when --int8-bound is given) serves every batch:

  - fp32 at each batch against ONNX Runtime (compare.py, rtol 1e-4);
  - int8 at each batch against q8's fp32 at that batch: relative L2 error
    of every output at most B;
  - per mode, the largest batch's first item run alone gives the same
    bytes as item 0 of the batched run (the batch is cut into items, not
    computed some other way).

Prints one line per check; exits 1 at the first failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"dynamic_batch: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}")
    return p.stdout


def inputs_of(folder):
    names = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".npy"))
    return [a for n in names for a in ("--input", f"{n}={os.path.join(folder, n + '.npy')}")]


def main():
    p = argparse.ArgumentParser()
    for flag in ("--q8c", "--q8-run", "--ort-run", "--compare"):
        p.add_argument(flag, required=True)
    p.add_argument("work")
    p.add_argument("dir")
    p.add_argument("model")
    p.add_argument("--int8-bound", type=float)
    a = p.parse_args()
    onnx_path = os.path.join(a.dir, a.model + ".onnx")
    # Each input's and output's batch dim: the one the model names.
    graph = onnx.load(onnx_path).graph
    batch_dim = {v.name: next(i for i, d in enumerate(v.type.tensor_type.shape.dim)
                              if d.dim_param)
                 for v in list(graph.input) + list(graph.output)}
    batches = sorted((int(d[1:]) for d in os.listdir(os.path.join(a.dir, a.model))
                      if d.startswith("b")))
    modes = {"fp32": []}
    if a.int8_bound is not None:
        modes["int8"] = ["--quantize=w8a8",
                         "--calibrate=" + os.path.join(a.dir, a.model, "calibration")]
    for mode, flags in modes.items():
        lib = os.path.join(a.work, f"{a.model}-{mode}")
        run([a.q8c, onnx_path, "--emit=shared", "-o", lib] + flags)
        for b in batches:
            ins = inputs_of(os.path.join(a.dir, a.model, f"b{b}"))
            out = os.path.join(a.work, f"{a.model}-{mode}-b{b}")
            shapes = run([a.q8_run, lib + ".so", "--output-dir", out] + ins).split("\n")
            shapes = ", ".join(s for s in shapes if s)
            if mode == "fp32":
                ref = os.path.join(a.work, f"{a.model}-ort-b{b}")
                run(["node", a.ort_run, onnx_path, "--output-dir", ref] + ins)
                run(["/usr/bin/python3", a.compare, ref, out, "--rtol", "1e-4", "--atol", "1e-5"])
                print(f"{a.model}: fp32 batch {b} ({shapes}) vs ONNX Runtime: ok")
            else:
                ref = os.path.join(a.work, f"{a.model}-fp32-b{b}")
                worst = 0.0
                for f in sorted(os.listdir(ref)):
                    want = np.load(os.path.join(ref, f)).astype(np.float64)
                    got = np.load(os.path.join(out, f)).astype(np.float64)
                    if got.shape != want.shape:
                        sys.exit(f"dynamic_batch: {f}: shape {got.shape}, fp32 has {want.shape}")
                    worst = max(worst, np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
                status = "ok" if worst <= a.int8_bound else "FAILED"
                print(f"{a.model}: int8 batch {b} vs q8 fp32: relative L2 {worst:.3g}: {status}")
                if status != "ok":
                    sys.exit(1)
        # The largest batch's item 0, alone: the same bytes.
        b = batches[-1]
        folder = os.path.join(a.dir, a.model, f"b{b}")
        alone = os.path.join(a.work, f"{a.model}-{mode}-alone")
        os.makedirs(alone, exist_ok=True)
        for f in os.listdir(folder):
            item = np.take(np.load(os.path.join(folder, f)), [0], axis=batch_dim[f[:-4]])
            np.save(os.path.join(alone, f), item)
        out = os.path.join(a.work, f"{a.model}-{mode}-alone-out")
        run([a.q8_run, lib + ".so", "--output-dir", out] + inputs_of(alone))
        batched = os.path.join(a.work, f"{a.model}-{mode}-b{b}")
        for f in sorted(os.listdir(out)):
            whole = np.load(os.path.join(batched, f))
            if not np.array_equal(np.load(os.path.join(out, f)),
                                  np.take(whole, [0], axis=batch_dim[f[:-4]])):
                sys.exit(f"dynamic_batch: {mode} {f}: item 0 alone differs from item 0 of batch {b}")
        print(f"{a.model}: {mode} item 0 alone equals item 0 of batch {b}: ok")


if __name__ == "__main__":
    main()
