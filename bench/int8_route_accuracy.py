#!/usr/bin/python3
"""How far W8A8 with 8-bit and with 7-bit weights lands from fp32, per
model: the accuracy half of choosing AVX2's default int8 route
(docs/int8-kernels.md; bench/gemm_peak.sh is the speed half).

    /usr/bin/python3 bench/int8_route_accuracy.py [--zoo DIR] [--only A,B]
        [--bench DIR] [--bin DIR] [--work DIR]

Models: every NAME.onnx in the zoo's work dir (test/models/zoo.py's,
default build/zoo: calibrated on NAME/calibration, evaluated on the held-out
NAME/eval inputs) and the bench encoder (build/bench/encoder.onnx,
calibrated and evaluated on its one sample input, as bench/int8.sh does).
Per model, q8c compiles fp32, W8A8 (8-bit weights) and W8A8 --weight-bits 7
for the generic target (every target gives the generic target's bytes, so
the error is the same whatever the route), q8-run runs them, and the line
is the relative L2 error ||int8 - fp32|| / ||fp32|| of the worst output over
all evaluation inputs, as zoo.py reports it, for both weight widths, and
their ratio (7-bit / 8-bit).
"""
import argparse
import glob
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
# The zoo's own helpers: its input flags and its error, so that the numbers
# here are the zoo table's.
sys.path.insert(0, os.path.join(ROOT, "test", "models"))
sys.path.insert(0, os.path.join(ROOT, "test", "models", "Inputs"))
from exported import input_args  # noqa: E402
from zoo import rel_l2  # noqa: E402


def check(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])}: exit {p.returncode}: "
                           + " ".join(p.stderr.strip().splitlines()[-2:]))
    return p


def measure(a, name, model, calibration, evals):
    work = os.path.join(a.work, name)
    os.makedirs(work, exist_ok=True)
    table = os.path.join(work, "calib.json")
    modes = {"fp32": [], "w8": ["--quantize", "w8a8"],
             "w7": ["--quantize", "w8a8", "--weight-bits", "7"]}
    for mode, flags in modes.items():
        cal = []
        if mode != "fp32":
            cal = (["--calibrate", calibration, "--calibration-table", table]
                   if mode == "w8" else ["--calibration-table", table])
        check([a.q8c, model] + cal + flags +
              ["--target=generic", "--emit=shared", "-o", f"{work}/{mode}/model"])
        for i, sample in enumerate(evals):
            check([a.q8_run, f"{work}/{mode}/model.so"] + input_args(sample)
                  + ["--output-dir", f"{work}/{mode}/out/{i}"])
    e8 = rel_l2(f"{work}/fp32/out", f"{work}/w8/out", len(evals))
    e7 = rel_l2(f"{work}/fp32/out", f"{work}/w7/out", len(evals))
    return e8, e7


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--zoo", default=os.path.join(ROOT, "build", "zoo"))
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "bench"))
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench",
                                                  "route-accuracy"))
    p.add_argument("--only", default="")
    a = p.parse_args()
    a.q8c = os.path.join(a.bin, "q8c")
    a.q8_run = os.path.join(a.bin, "q8-run")
    only = set(filter(None, a.only.split(",")))
    models = []
    encoder = os.path.join(a.bench, "encoder.onnx")
    if os.path.exists(encoder):
        sample = os.path.join(a.bench, "encoder")
        models.append(("encoder", encoder, sample, [os.path.join(sample, "inputs")]))
    for model in sorted(glob.glob(os.path.join(a.zoo, "*.onnx"))):
        name = os.path.basename(model)[:-5]
        d = os.path.join(a.zoo, name)
        evals = sorted(x for x in glob.glob(os.path.join(d, "eval", "*"))
                       if os.path.isdir(x))
        if os.path.isdir(os.path.join(d, "calibration")) and evals:
            models.append((name, model, os.path.join(d, "calibration"), evals))
    print(f"{'model':20s} {'8-bit weights':>14s} {'7-bit weights':>14s} {'7/8':>6s}")
    failed = 0
    for name, model, calibration, evals in models:
        if only and name not in only:
            continue
        try:
            e8, e7 = measure(a, name, model, calibration, evals)
        except RuntimeError as e:
            print(f"{name:20s} failed: {e}")
            failed += 1
            continue
        print(f"{name:20s} {e8:14.3g} {e7:14.3g} {e7 / e8 if e8 else 0:6.2f}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
