#!/usr/bin/python3
"""Compiles one of make_exported.py's models fp32 and W8A8 and checks it.

  exported.py --q8c Q8C --q8-run Q8RUN --ort-run ORT_RUN_JS --compare COMPARE_PY
              DIR NAME [--variants V,V...] [--bound B] [--random-bound B]
              [--bound-for VARIANT=B ...]

For the model DIR/NAME.onnx (samples in DIR/NAME/{calibration,eval}):

  fp32   q8c NAME.onnx --emit=shared; every held-out input run by q8-run and
         by ONNX Runtime, compared by test/e2e/Inputs/compare.py (|q8 - ort|
         <= max(1e-4 |ort|, 1e-5) per element, the e2e tests' tolerance);
  int8   each variant is q8c --quantize w8a8 and
           w8a8         --calibrate DIR/NAME/calibration
           random       --calibrate random
           smoothquant  --calibrate DIR/NAME/calibration --smoothquant
           auto         --calibrate DIR/NAME/calibration --smoothquant auto
         or, with an "@table" suffix (smoothquant@table, auto@table), the
         same on w8a8's calibration table (--calibration-table: no
         calibration or layer-error run; for the larger models, after
         w8a8). Each is run on the held-out inputs and compared with q8's
         own fp32 build: the relative L2 error ||int8 - fp32|| / ||fp32|| of
         every output, the worst over outputs and inputs, must be at most
         --bound (default 0.05), or --random-bound (default 0.5) for the
         random variant, whose N(0, 1) inputs need not look like the model's,
         or a variant's own --bound-for VARIANT=B.

No command may crash: an exit status of 128 or more (or a signal), or
"Stack dump" / "PLEASE submit" on stderr, fails the model whatever its
outputs; so does any other non-zero exit. Prints one line for fp32 and one
per variant ("ok" or "FAIL", with the compile time), the reasons on stderr;
exits 1 on any failure.
"""
import argparse
import glob
import os
import subprocess
import sys
import time

import numpy as np

VARIANTS = {
    "w8a8": ["--calibrate", "{cal}", "--quantize", "w8a8"],
    "random": ["--calibrate", "random", "--quantize", "w8a8"],
    "smoothquant": ["--calibrate", "{cal}", "--quantize", "w8a8", "--smoothquant"],
    "auto": ["--calibrate", "{cal}", "--quantize", "w8a8", "--smoothquant", "auto"],
}


def crashed(rc, stderr):
    return rc < 0 or rc >= 128 or "Stack dump" in stderr or "PLEASE submit" in stderr


def run(cmd, what, failures):
    """Runs `cmd`: its time in seconds, or None after recording why it failed."""
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - start
    if p.returncode != 0 or crashed(p.returncode, p.stderr):
        kind = "CRASH" if crashed(p.returncode, p.stderr) else "ERROR"
        tail = "\n    ".join(p.stderr.strip().splitlines()[-8:])
        failures.append(f"{what}: {kind} (exit {p.returncode}): {' '.join(cmd)}\n    {tail}")
        return None
    return elapsed


def samples(folder):
    return sorted(d for d in glob.glob(os.path.join(folder, "*")) if os.path.isdir(d))


def input_args(sample):
    args = []
    for f in sorted(glob.glob(os.path.join(sample, "*.npy"))):
        args += ["--input", f"{os.path.basename(f)[:-4]}={f}"]
    return args


def run_all(tool, model, evals, out, what, failures):
    """Runs `model` on every held-out input, outputs in out/<i>/."""
    for i, s in enumerate(evals):
        if run([tool, model] + input_args(s) + ["--output-dir", f"{out}/{i}"],
               what, failures) is None:
            return False
    return True


def rel_l2(root, variant, count):
    """The worst relative L2 error of any output of `variant` against fp32."""
    worst = 0.0
    for i in range(count):
        for ref in sorted(glob.glob(f"{root}/fp32/out/{i}/*.npy")):
            want = np.load(ref).astype(np.float64)
            got = np.load(f"{root}/{variant}/out/{i}/{os.path.basename(ref)}").astype(np.float64)
            norm = np.linalg.norm(want)
            err = np.linalg.norm(got - want) / norm if norm > 0 else np.linalg.norm(got)
            worst = max(worst, float(err) if np.isfinite(err) else float("inf"))
    return worst


def check_fp32(a, model, root, evals, failures):
    name = a.name
    t = run([a.q8c, model, "--emit=shared", "-o", f"{root}/fp32/model"], f"{name}: fp32", failures)
    if t is None or not run_all(a.q8_run, f"{root}/fp32/model.so", evals, f"{root}/fp32/out",
                                f"{name}: fp32", failures):
        return f"{name}: fp32: FAIL", False
    worst, ok = 0.0, True
    for i, s in enumerate(evals):
        if run(["node", a.ort_run, model] + input_args(s) + ["--output-dir", f"{root}/ort/{i}"],
               f"{name}: ONNX Runtime", failures) is None:
            return f"{name}: fp32: FAIL", False
        p = subprocess.run([sys.executable, a.compare, f"{root}/ort/{i}", f"{root}/fp32/out/{i}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout.splitlines():
            if "max rel error" in line:
                worst = max(worst, float(line.split("max rel error")[1].split()[0].strip(",:")))
        if p.returncode != 0:
            failures.append(f"{name}: fp32 vs ONNX Runtime on {s}: {p.stdout.strip()}")
            ok = False
    return (f"{name}: fp32: {len(evals)} inputs vs ONNX Runtime, max rel error {worst:.2g}: "
            f"{'ok' if ok else 'FAIL'} [compile {t:.1f} s]"), ok


def check_variant(a, variant, model, root, evals, failures):
    base, _, source = variant.partition("@")
    if base not in VARIANTS or source not in ("", "table"):
        sys.exit(f"exported.py: unknown variant {variant}")
    flags = [f.replace("{cal}", f"{root}/calibration") for f in VARIANTS[base]]
    if source == "table":
        flags = ["--calibration-table", f"{root}/w8a8/model.calib.json"] + flags[2:]
    what = f"{a.name}: {variant}"
    out = variant.replace("@", "-")
    t = run([a.q8c, model] + flags + ["--emit=shared", "-o", f"{root}/{out}/model"], what, failures)
    if t is None or not run_all(a.q8_run, f"{root}/{out}/model.so", evals, f"{root}/{out}/out",
                                what, failures):
        return f"{what}: FAIL"
    err = rel_l2(root, out, len(evals))
    bound = a.bound_for.get(variant, a.random_bound if base == "random" else a.bound)
    if err > bound:
        failures.append(f"{what}: relative L2 error {err:.3g} above {bound:g}")
    return (f"{what}: relative L2 error vs fp32 {err:.2g} (bound {bound:g}): "
            f"{'ok' if err <= bound else 'FAIL'} [compile {t:.1f} s]")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--q8c", required=True)
    p.add_argument("--q8-run", required=True)
    p.add_argument("--ort-run", required=True)
    p.add_argument("--compare", required=True)
    p.add_argument("--variants", default="w8a8,random,smoothquant,auto")
    p.add_argument("--bound", type=float, default=0.05)
    p.add_argument("--random-bound", type=float, default=0.5)
    p.add_argument("--bound-for", action="append", default=[], metavar="VARIANT=B",
                   help="the bound of one variant")
    p.add_argument("dir")
    p.add_argument("name")
    a = p.parse_args()
    a.bound_for = {k: float(v) for k, v in (b.split("=", 1) for b in a.bound_for)}
    model = os.path.join(a.dir, a.name + ".onnx")
    root = os.path.join(a.dir, a.name)
    evals = samples(os.path.join(root, "eval"))
    failures = []
    line, ok = check_fp32(a, model, root, evals, failures)
    print(line, flush=True)
    if ok:
        for variant in a.variants.split(","):
            print(check_variant(a, variant, model, root, evals, failures), flush=True)
    for f in failures:
        print(f"FAILED {f}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
