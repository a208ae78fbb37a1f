#!/usr/bin/python3
"""The model zoo: every model of make_exported.py compiled by q8 in fp32,
W8A8 and W8A8 + SmoothQuant auto, for several targets, with q8's int8 error
held against ONNX Runtime's int8 on the same model and calibration table.

    /usr/bin/python3 test/models/zoo.py WORKDIR [--only NAME,...]
        [--modes fp32,w8a8,auto] [--targets host,generic,avx2,avx512-vnni]
        [--eval N] [--bin DIR | --q8c Q8C --q8-run Q8RUN] [--asm-model NAME] [--markdown docs/zoo.md]
        [--max-ratio R] [--bound-for NAME=B ...]

Per model NAME (generated into WORKDIR by make_exported.py unless there):

  fp32 host    q8c --emit=shared, every held-out input run by q8-run and by
               ONNX Runtime (test/ort/ort-run.js), compared with
               test/e2e/Inputs/compare.py (1e-4 relative, 1e-5 absolute);
  w8a8 host    q8c --calibrate NAME/calibration --quantize w8a8; its
               "quantize: N layers int8, M kept fp32"; the q8 int8 error is
               the relative L2 error ||int8 - fp32|| / ||fp32|| of q8's int8
               outputs against q8's fp32 ones over all held-out inputs (the
               worst output). bench/make_qdq.py writes the same model as QDQ
               from the calibration table q8c wrote, with as many layers as
               q8 quantized (or the model fails); the ORT int8 error is
               ORT's QDQ outputs against ORT's fp32 ones, the same way. The
               ratio q8 / ORT must be at most --max-ratio (1.5);
  auto host    the same with --smoothquant auto (q8's error only: ORT has no
               SmoothQuant);
  other        targets (generic, avx2, avx512-vnni): compile only, --emit=obj,
               the int8 modes from w8a8's calibration table
               (--calibration-table: no calibration or layer-error run).

With --asm-model NAME, that model's w8a8 avx512-vnni object is disassembled
(llvm-objdump) and must hold vpdpbusd. A model q8c refuses with an ordinary
error saying the opset is too new or an op (If, Loop) is not supported is
reported "refused" (not a failure: the importer does not take it yet), and
so is any ordinary q8c error (exit 1, no crash) on a model of opset 18 or
newer or with If/Loop/Scan, while that support is being written (--strict
turns that gate off); a crash, any other q8c error, fp32 off ONNX Runtime, an int8 error above its
bound (--bound-for NAME=B, default 1.0: garbage) or a ratio above
--max-ratio fails the model. Prints one line per check; with --markdown,
rewrites the table between the "zoo-table" markers of that file. Exits 1
if any model failed.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "Inputs"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from exported import crashed, input_args, samples  # noqa: E402
import make_qdq  # noqa: E402

MODES = {
    "fp32": [],
    "w8a8": ["--quantize", "w8a8"],
    "auto": ["--quantize", "w8a8", "--smoothquant", "auto"],
}
REFUSED = re.compile(r"newer than the newest q8 supports|op '(If|Loop|Scan)' .*is not supported")
OBJDUMP = "/usr/lib/llvm-22/bin/llvm-objdump"


class Result:
    def __init__(self, name):
        self.name = name
        self.ops = ""
        self.opset = 0
        self.refused = None
        self.failures = []
        self.layers = None      # (int8, fp32) from q8c
        self.qdq_layers = None
        self.fp32_err = None    # max rel error vs ORT
        self.q8_err = {}        # mode -> relative L2 vs q8 fp32
        self.ort_err = None
        self.seconds = {}       # (mode, target) -> compile seconds
        self.gated = False      # opset > 17 or control flow: q8 may not take it yet


def run(cmd):
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, time.monotonic() - start


def graph_ops(graph, ops):
    for node in graph.node:
        if node.op_type not in ("Constant", "Identity"):
            ops.add(node.op_type)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                graph_ops(a.g, ops)
    return ops


def run_outputs(cmd_prefix, evals, out):
    """Runs a model on every held-out input into out/<i>/: None, or why not."""
    for i, s in enumerate(evals):
        p, _ = run(cmd_prefix + input_args(s) + ["--output-dir", f"{out}/{i}"])
        if p.returncode != 0:
            return f"{' '.join(cmd_prefix[:2])}: exit {p.returncode}: " + \
                " ".join(p.stderr.strip().splitlines()[-3:])
    return None


def rel_l2(ref_dir, got_dir, count):
    """Worst output's ||got - ref|| / ||ref|| over all `count` inputs."""
    worst = 0.0
    for ref in sorted(glob.glob(f"{ref_dir}/0/*.npy")):
        name = os.path.basename(ref)
        num = den = 0.0
        for i in range(count):
            want = np.load(f"{ref_dir}/{i}/{name}").astype(np.float64)
            got = np.load(f"{got_dir}/{i}/{name}").astype(np.float64)
            num += float(np.sum((got - want) ** 2))
            den += float(np.sum(want ** 2))
        err = np.sqrt(num / den) if den > 0 else np.sqrt(num)
        worst = max(worst, float(err) if np.isfinite(err) else float("inf"))
    return worst


def compile_model(a, r, model, mode, target, root, extra):
    """q8c for one mode and target: the q8c process, or None after noting
    a refusal or failure."""
    emit = "shared" if target == "host" else "obj"
    out = f"{root}/{mode}-{target}/model"
    cmd = [a.q8c, model] + extra + MODES[mode] + [f"--target={target}", f"--emit={emit}",
                                                  "-o", out]
    p, t = run(cmd)
    if p.returncode != 0 or crashed(p.returncode, p.stderr):
        if not crashed(p.returncode, p.stderr) and (REFUSED.search(p.stderr) or r.gated):
            r.refused = p.stderr.strip().splitlines()[-1]
            return None
        kind = "CRASH" if crashed(p.returncode, p.stderr) else "ERROR"
        tail = "\n    ".join(p.stderr.strip().splitlines()[-6:])
        r.failures.append(f"{mode} {target}: q8c {kind} (exit {p.returncode}): "
                          f"{' '.join(cmd)}\n    {tail}")
        return None
    r.seconds[(mode, target)] = t
    return p


def check_model(a, name):
    r = Result(name)
    model = os.path.join(a.workdir, name + ".onnx")
    root = os.path.join(a.workdir, name)
    if not os.path.exists(model):
        r.failures.append(f"make_exported.py wrote no {model}")
        return r
    m = onnx.load(model)
    r.ops = " ".join(sorted(graph_ops(m.graph, set())))
    r.opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    r.gated = not a.strict and (r.opset > 17 or bool({"If", "Loop", "Scan"} & set(r.ops.split())))
    evals = samples(os.path.join(root, "eval"))
    cal = os.path.join(root, "calibration")
    ort = ["node", a.ort_run]

    # ONNX Runtime fp32: the reference of fp32 and of ORT's int8.
    why = run_outputs(ort + [model], evals, f"{root}/ort-fp32")
    if why:
        r.failures.append(f"ONNX Runtime fp32: {why}")
        return r

    if "fp32" in a.modes and "host" in a.targets:
        if compile_model(a, r, model, "fp32", "host", root, []) is None:
            return r
        why = run_outputs([a.q8_run, f"{root}/fp32-host/model.so"], evals, f"{root}/fp32-host/out")
        if why:
            r.failures.append(f"fp32 host: {why}")
            return r
        worst, ok = 0.0, True
        for i in range(len(evals)):
            p, _ = run([sys.executable, a.compare, f"{root}/ort-fp32/{i}",
                        f"{root}/fp32-host/out/{i}"])
            for line in p.stdout.splitlines():
                if "max rel error" in line:
                    worst = max(worst, float(line.split("max rel error")[1].split()[0]))
            ok &= p.returncode == 0
        r.fp32_err = worst
        if not ok:
            r.failures.append(f"fp32 host: off ONNX Runtime (max rel error {worst:.3g})")

    table = f"{root}/w8a8-host/model.calib.json"
    for mode in [m for m in ("w8a8", "auto") if m in a.modes and "host" in a.targets]:
        p = compile_model(a, r, model, mode, "host", root, ["--calibrate", cal])
        if p is None:
            return r
        if mode == "w8a8":
            got = re.search(r"quantize: (\d+) layers int8, (\d+) kept fp32", p.stdout + p.stderr)
            r.layers = (int(got.group(1)), int(got.group(2))) if got else (0, 0)
        why = run_outputs([a.q8_run, f"{root}/{mode}-host/model.so"], evals,
                          f"{root}/{mode}-host/out")
        if why:
            r.failures.append(f"{mode} host: {why}")
            continue
        if r.fp32_err is not None:
            r.q8_err[mode] = rel_l2(f"{root}/fp32-host/out", f"{root}/{mode}-host/out", len(evals))
        if mode == "w8a8":
            qdq = onnx.load(model)
            with open(table) as f:
                r.qdq_layers = make_qdq.make_qdq(qdq, json.load(f), "minmax")
            onnx.save(qdq, f"{root}/qdq.onnx")
            why = run_outputs(ort + [f"{root}/qdq.onnx"], evals, f"{root}/ort-qdq")
            if why:
                r.failures.append(f"ONNX Runtime QDQ: {why}")
            else:
                r.ort_err = rel_l2(f"{root}/ort-fp32", f"{root}/ort-qdq", len(evals))

    for target in [t for t in a.targets if t != "host"]:
        for mode in a.modes:
            extra = [] if mode == "fp32" else ["--calibration-table", table]
            if mode != "fp32" and not os.path.exists(table):
                p, _ = run([a.q8c, model, "--calibrate", cal, "--emit=none",
                            "--calibration-table", table])
                if p.returncode != 0:
                    r.failures.append(f"calibration: exit {p.returncode}")
                    return r
            if compile_model(a, r, model, mode, target, root, extra) is None:
                return r

    bound = a.bound_for.get(name, 1.0)
    for mode, err in r.q8_err.items():
        if err > bound:
            r.failures.append(f"{mode}: q8 int8 error {err:.3g} above {bound:g}")
    if r.layers and r.qdq_layers is not None and r.layers[0] != r.qdq_layers:
        r.failures.append(f"w8a8: q8 quantized {r.layers[0]} layers, the QDQ model "
                          f"{r.qdq_layers}: not the same model (bench/make_qdq.py)")
    if "w8a8" in r.q8_err and r.ort_err and r.q8_err["w8a8"] > a.max_ratio * r.ort_err:
        r.failures.append(f"w8a8: q8 int8 error {r.q8_err['w8a8']:.3g} is "
                          f"{r.q8_err['w8a8'] / r.ort_err:.2f}x ORT's {r.ort_err:.3g} "
                          f"(at most {a.max_ratio:g}x)")
    int8 = [m for m in a.modes if m != "fp32"]
    if a.asm_model == name and "avx512-vnni" in a.targets and int8:
        p, _ = run([OBJDUMP, "-d", "--no-show-raw-insn", f"{root}/{int8[0]}-avx512-vnni/model.o"])
        r.vpdpbusd = (int8[0], p.stdout.count("vpdpbusd"))
        if not r.vpdpbusd[1]:
            r.failures.append(f"{int8[0]} avx512-vnni: no vpdpbusd in the object")
    return r


def ratio(r):
    if "w8a8" not in r.q8_err or not r.ort_err:
        return None
    return r.q8_err["w8a8"] / r.ort_err


def report(a, r):
    n = r.name
    if r.refused:
        print(f"{n}: refused: {r.refused}")
    for (mode, target), t in sorted(r.seconds.items(), key=lambda kv: (a.targets.index(kv[0][1]),
                                                                         a.modes.index(kv[0][0]))):
        line = f"{n}: {mode} {target}: compiled [{t:.1f} s]"
        if target == "host" and mode == "fp32" and r.fp32_err is not None:
            line = f"{n}: fp32 host: vs ONNX Runtime max rel error {r.fp32_err:.2g} [{t:.1f} s]"
        if target == "host" and mode in r.q8_err:
            line = f"{n}: {mode} host: q8 int8 error {r.q8_err[mode]:.3g}"
            if mode == "w8a8":
                line += (f", {r.layers[0]} layers int8, {r.layers[1]} fp32; ORT QDQ "
                         f"({r.qdq_layers} layers) error "
                         + (f"{r.ort_err:.3g}, ratio {ratio(r):.2f}" if ratio(r) else "n/a"))
            line += f" [{t:.1f} s]"
        print(line)
    if hasattr(r, "vpdpbusd"):
        print(f"{n}: {r.vpdpbusd[0]} avx512-vnni: {r.vpdpbusd[1]} vpdpbusd")
    for f in r.failures:
        print(f"FAILED {n}: {f}", file=sys.stderr)
    print(f"{n}: {'FAIL' if r.failures else 'refused' if r.refused else 'ok'}", flush=True)


def markdown(a, results):
    def secs(r, target):
        got = [r.seconds.get((m, target)) for m in ("fp32", "w8a8", "auto")]
        return " / ".join("-" if s is None else f"{s:.1f}" for s in got)
    rows = ["| model | ops | opset | layers int8 / fp32 | q8 int8 err | ORT int8 err | q8/ORT "
            "| q8 auto err | " + " | ".join(f"{t} s" for t in a.targets) + " |",
            "|---|---|---|---|---|---|---|---|" + "---|" * len(a.targets)]
    for r in results:
        if r.refused:
            why = r.refused.split(": ", 2)[-1]
            rows.append(f"| {r.name} | {r.ops} | {r.opset} | refused: {why} | | | | | "
                        + " | ".join(secs(r, t) for t in a.targets) + " |")
            continue
        fmt = lambda v: "-" if v is None else f"{v:.3g}"
        q = ratio(r)
        rows.append(f"| {r.name}{' (FAIL)' if r.failures else ''} | {r.ops} | {r.opset} | "
                    f"{'%d / %d' % r.layers if r.layers else '-'} | {fmt(r.q8_err.get('w8a8'))} | "
                    f"{fmt(r.ort_err)} | {'-' if q is None else f'{q:.2f}'} | "
                    f"{fmt(r.q8_err.get('auto'))} | "
                    + " | ".join(secs(r, t) for t in a.targets) + " |")
    with open(a.markdown) as f:
        text = f.read()
    begin, end = "<!-- zoo-table begin -->", "<!-- zoo-table end -->"
    if begin not in text or end not in text:
        sys.exit(f"zoo.py: {a.markdown} has no {begin} ... {end} markers")
    head, rest = text.split(begin, 1)
    old, tail = rest.split(end, 1)
    # Rows of models not run this time stay (a partial run updates its own),
    # in make_exported.py's order, when the columns are the same.
    old_rows = [l for l in old.strip().splitlines() if l.startswith("| ")]
    if old_rows and old_rows[0] == rows[0]:
        def key(row):
            return row.split("|")[1].strip().split(" ")[0]
        merged = {key(r): r for r in old_rows[1:]}
        merged.update({key(r): r for r in rows[2:]})
        order = {n: i for i, n in enumerate(a.all_models)}
        rows = rows[:2] + sorted(merged.values(), key=lambda r: order.get(key(r), len(order)))
    table = "\n".join(rows)
    with open(a.markdown, "w") as f:
        f.write(f"{head}{begin}\n{table}\n{end}{tail}")


def main():
    sys.path.insert(0, HERE)
    import make_exported
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workdir")
    p.add_argument("--only", default=",".join(make_exported.ALL))
    p.add_argument("--modes", default="fp32,w8a8,auto")
    p.add_argument("--targets", default="host,generic,avx2,avx512-vnni")
    p.add_argument("--eval", type=int, default=4, help="held-out inputs per model")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                   help="where q8c and q8-run are (default build/bin)")
    p.add_argument("--q8c", help="q8c (default BIN/q8c)")
    p.add_argument("--q8-run", help="q8-run (default BIN/q8-run)")
    p.add_argument("--asm-model", default="")
    p.add_argument("--markdown")
    p.add_argument("--max-ratio", type=float, default=1.5)
    p.add_argument("--strict", action="store_true",
                   help="no gate: an ordinary q8c error on an opset 18+ or If/Loop model fails it")
    p.add_argument("--bound-for", action="append", default=[], metavar="NAME=B")
    a = p.parse_args()
    a.q8c = a.q8c or os.path.join(a.bin, "q8c")
    a.q8_run = a.q8_run or os.path.join(a.bin, "q8-run")
    a.ort_run = os.path.join(ROOT, "test", "ort", "ort-run.js")
    a.compare = os.path.join(ROOT, "test", "e2e", "Inputs", "compare.py")
    a.modes, a.targets = a.modes.split(","), a.targets.split(",")
    a.bound_for = {k: float(v) for k, v in (b.split("=", 1) for b in a.bound_for)}
    names = [n for n in a.only.split(",") if n]
    a.all_models = make_exported.ALL
    for n in names:
        if n not in make_exported.ALL:
            sys.exit(f"zoo.py: unknown model {n}")
    os.makedirs(a.workdir, exist_ok=True)
    missing = [n for n in names if not os.path.exists(os.path.join(a.workdir, n + ".onnx"))]
    if missing:  # one torch import for all of them
        p, _ = run([sys.executable, os.path.join(HERE, "make_exported.py"), a.workdir,
                    "--only", ",".join(missing), "--eval", str(a.eval)])
        if p.returncode != 0:
            sys.exit(f"zoo.py: make_exported.py failed: {p.stderr.strip()[-600:]}")
    results = []
    for n in names:
        r = check_model(a, n)
        report(a, r)
        results.append(r)
    if a.markdown:
        markdown(a, results)
    failed = [r.name for r in results if r.failures]
    refused = [r.name for r in results if r.refused and not r.failures]
    print(f"zoo: {len(results) - len(failed) - len(refused)} ok, {len(refused)} refused, "
          f"{len(failed)} failed{': ' + ', '.join(failed) if failed else ''}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
