#!/usr/bin/python3
"""Compiles a model with a dynamic extent once and runs it at every size.

    dynamic_extent.py --q8c Q8C --q8-run Q8RUN --ort-run ORT_RUN_JS
                      --compare COMPARE_PY WORK DIR MODEL
                      --input-shape NAME=DIMS [--input-shape ...]

DIR holds MODEL.onnx and MODEL/n<N>/<input>.npy (test/models/
make_dynamic_extent.py). MODEL is compiled twice with the --input-shape
flags (one bounded dynamic dim: compiler/DynamicExtent.h), once as an
object and once as a shared object; then:

  - the two objects are the same bytes (the compile is deterministic);
  - the shared object at each size against ONNX Runtime (compare.py,
    rtol 1e-4, atol 1e-5), one line per size with q8-run's output shapes;
  - every size run a second time, on 2 threads: the same bytes (nothing
    the result depends on is left unset, such as workspace past the
    size's rows, and the thread pool's split of run-time loops does not
    change a bit).

With --int8-bound B, W8A8 too, calibrated on the sizes' inputs (samples
of different sizes, one table): at each size the relative L2 error of
every output against q8's fp32 at most B, and at the second size the
dynamic int8 object gives the same bytes as a static one compiled for that
size with the same table.

Prints one line per check; exits 1 at the first failure.
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys

import numpy as np


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"dynamic_extent: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}")
    return p.stdout


def inputs_of(folder):
    names = sorted(f[:-4] for f in os.listdir(folder) if f.endswith(".npy"))
    return [a for n in names for a in ("--input", f"{n}={os.path.join(folder, n + '.npy')}")]


def same_files(a, b):
    names = sorted(os.listdir(a))
    return names == sorted(os.listdir(b)) and all(
        filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in names)


def main():
    p = argparse.ArgumentParser()
    for flag in ("--q8c", "--q8-run", "--ort-run", "--compare"):
        p.add_argument(flag, required=True)
    p.add_argument("--input-shape", action="append", default=[])
    p.add_argument("work")
    p.add_argument("dir")
    p.add_argument("model")
    p.add_argument("--int8-bound", type=float)
    a = p.parse_args()
    onnx_path = os.path.join(a.dir, a.model + ".onnx")
    shapes = [f"--input-shape={s}" for s in a.input_shape]
    sizes = sorted(int(d[1:]) for d in os.listdir(os.path.join(a.dir, a.model))
                   if d.startswith("n"))
    # The objects' symbols are named after -o's file name: the same name in
    # two folders.
    lib = os.path.join(a.work, a.model)
    objs = [os.path.join(a.work, f"{a.model}-obj{i}", a.model) for i in (1, 2)]
    run([a.q8c, onnx_path, "--emit=shared", "-o", lib] + shapes)
    for obj in objs:
        run([a.q8c, onnx_path, "-o", obj] + shapes)
    if not filecmp.cmp(objs[0] + ".o", objs[1] + ".o", shallow=False):
        sys.exit(f"dynamic_extent: {a.model}: two compiles give different objects")
    print(f"{a.model}: compiled twice: the same object")

    for n in sizes:
        ins = inputs_of(os.path.join(a.dir, a.model, f"n{n}"))
        out = os.path.join(a.work, f"{a.model}-n{n}")
        printed = ", ".join(s for s in run([a.q8_run, lib + ".so", "--output-dir", out] + ins)
                            .split("\n") if s)
        ref = os.path.join(a.work, f"{a.model}-ort-n{n}")
        run(["node", a.ort_run, onnx_path, "--output-dir", ref] + ins)
        run(["/usr/bin/python3", a.compare, ref, out, "--rtol", "1e-4", "--atol", "1e-5"])
        print(f"{a.model}: size {n} ({printed}) vs ONNX Runtime: ok")

    for n in sizes:
        ins = inputs_of(os.path.join(a.dir, a.model, f"n{n}"))
        out = os.path.join(a.work, f"{a.model}-again-n{n}")
        run([a.q8_run, lib + ".so", "--threads", "2", "--output-dir", out] + ins)
        if not same_files(os.path.join(a.work, f"{a.model}-n{n}"), out):
            sys.exit(f"dynamic_extent: {a.model}: size {n} run again gives other bytes")
    print(f"{a.model}: sizes {', '.join(map(str, sizes))} run again on 2 threads: the same bytes")
    if a.int8_bound is not None:
        check_int8(a, onnx_path, shapes, sizes)


def check_int8(a, onnx_path, shapes, sizes):
    """W8A8 over samples of every size (see the module comment)."""
    samples = os.path.join(a.work, f"{a.model}-samples")
    shutil.rmtree(samples, ignore_errors=True)
    for n in sizes:
        shutil.copytree(os.path.join(a.dir, a.model, f"n{n}"),
                        os.path.join(samples, f"s{n:04d}"))
    lib = os.path.join(a.work, f"{a.model}-int8")
    table = lib + ".calib.json"
    run([a.q8c, onnx_path, "--emit=shared", "-o", lib, "--quantize=w8a8",
         "--calibrate=" + samples, "--calibration-table=" + table] + shapes)
    for n in sizes:
        ins = inputs_of(os.path.join(a.dir, a.model, f"n{n}"))
        out = os.path.join(a.work, f"{a.model}-int8-n{n}")
        run([a.q8_run, lib + ".so", "--output-dir", out] + ins)
        ref = os.path.join(a.work, f"{a.model}-n{n}")
        worst = 0.0
        for f in sorted(os.listdir(ref)):
            want = np.load(os.path.join(ref, f)).astype(np.float64)
            got = np.load(os.path.join(out, f)).astype(np.float64)
            if got.shape != want.shape:
                sys.exit(f"dynamic_extent: {f}: int8 shape {got.shape}, fp32 {want.shape}")
            worst = max(worst, np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
        status = "ok" if worst <= a.int8_bound else "FAILED"
        print(f"{a.model}: int8 size {n} vs q8 fp32: relative L2 {worst:.3g}: {status}")
        if status != "ok":
            sys.exit(1)
    # A static object at the second size, from the same table.
    n = sizes[1]
    ins = inputs_of(os.path.join(a.dir, a.model, f"n{n}"))
    static_shapes = []
    for s in shapes:
        name, dims = s[len("--input-shape="):].split("=", 1)
        dims = [str(n) if ".." in d or d == "?" else d for d in dims.split(",")]
        static_shapes.append(f"--input-shape={name}={','.join(dims)}")
    static = os.path.join(a.work, f"{a.model}-int8-static")
    run([a.q8c, onnx_path, "--emit=shared", "-o", static, "--quantize=w8a8",
         "--calibration-table=" + table] + static_shapes)
    out = os.path.join(a.work, f"{a.model}-int8-static-n{n}")
    run([a.q8_run, static + ".so", "--output-dir", out] + ins)
    if not same_files(os.path.join(a.work, f"{a.model}-int8-n{n}"), out):
        sys.exit(f"dynamic_extent: {a.model}: int8 at size {n} differs from a static int8 object")
    print(f"{a.model}: int8 size {n} equals a static int8 object for that size: ok")


if __name__ == "__main__":
    main()
