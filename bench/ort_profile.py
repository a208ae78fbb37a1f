#!/usr/bin/python3
"""Which kernels ONNX Runtime ran: the check that bench/int8.sh's ort-int8
runner really runs int8.

    /usr/bin/python3 bench/ort_profile.py enable MODEL.onnx OUT.onnx [--opt-level LEVEL]
    /usr/bin/python3 bench/ort_profile.py check QDQ_MODEL.onnx PROFILE.json

onnxruntime-node 1.20's binding has no enableProfiling (nor `extra`), but ORT
reads session options from a model's `ort_config` metadata when the
environment has ORT_LOAD_CONFIG_FROM_MODEL=1. `enable` writes a copy of MODEL
with {"session_options": {"enable_profiling": 1, "graph_optimization_level":
LEVEL}} there (LEVEL disabled|basic|extended|all, default all: with this
config ORT takes the level from the model, not from ort-run's --opt-level);
run it with `ORT_LOAD_CONFIG_FROM_MODEL=1 node test/ort/ort-run.js OUT.onnx
...` and ORT writes onnxruntime_profile_*.json into the working directory.

`check` reads such a profile and prints the kernels that ran per run (op type:
count), then checks that every MatMul/Gemm of QDQ_MODEL whose weight comes
from a DequantizeLinear ran as an int8 kernel (MatMulIntegerToFloat,
QLinearMatMul, QGemm, DynamicQuantizeMatMul, MatMulInteger): the number of
such kernel calls per run must be at least the number of those MatMuls. Exit
status 1, with the reason, when it is not: ORT then ran some of them in fp32
(as it does when a transformer such as MatMulAddFusion turns DQ -> MatMul +
Add into an fp32 Gemm before the QDQ fusions see it).
"""

import collections
import json
import sys

import onnx

INT8_KERNELS = ("MatMulIntegerToFloat", "QLinearMatMul", "QGemm",
                "DynamicQuantizeMatMul", "MatMulInteger")


OPT_LEVELS = {"disabled": 0, "basic": 1, "extended": 2, "all": 99}


def enable(model_path, out_path, level):
    model = onnx.load(model_path)
    for prop in list(model.metadata_props):
        if prop.key == "ort_config":
            model.metadata_props.remove(prop)
    entry = model.metadata_props.add()
    entry.key = "ort_config"
    entry.value = json.dumps({"session_options": {
        "enable_profiling": 1, "graph_optimization_level": OPT_LEVELS[level]}})
    onnx.save(model, out_path)


def qdq_matmuls(model_path):
    """MatMul/Gemm nodes whose weight (input 1) a DequantizeLinear produces."""
    graph = onnx.load(model_path, load_external_data=False).graph
    dq_outputs = {o for n in graph.node if n.op_type == "DequantizeLinear" for o in n.output}
    return sum(1 for n in graph.node
               if n.op_type in ("MatMul", "Gemm") and len(n.input) > 1 and n.input[1] in dq_outputs)


def check(model_path, profile_path):
    with open(profile_path) as f:
        events = json.load(f)
    runs = sum(1 for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")
    if runs == 0:
        print(f"ort_profile: {profile_path} records no model_run")
        return 1
    kernels = collections.Counter(
        e["args"]["op_name"] for e in events
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"))
    per_run = {op: n / runs for op, n in kernels.items()}
    listing = ", ".join(f"{op} {n:g}" for op, n in sorted(per_run.items(), key=lambda kv: (-kv[1], kv[0])))
    print(f"ort kernels per run ({runs} runs): {listing}")
    expected = qdq_matmuls(model_path)
    int8 = sum(per_run.get(op, 0) for op in INT8_KERNELS)
    if expected == 0 or int8 < expected:
        print(f"ort_profile: ORT ran {int8:g} int8 matmul kernels per run for the "
              f"{expected} QDQ MatMul/Gemm of {model_path}: the rest ran in fp32")
        return 1
    print(f"ort int8: {int8:g} int8 matmul kernels per run for {expected} QDQ MatMul/Gemm: ok")
    return 0


def main(argv):
    if argv[:1] == ["enable"] and len(argv) in (3, 5) and \
            (len(argv) == 3 or (argv[3] == "--opt-level" and argv[4] in OPT_LEVELS)):
        enable(argv[1], argv[2], argv[4] if len(argv) == 5 else "all")
        return 0
    if len(argv) == 3 and argv[0] == "check":
        return check(argv[1], argv[2])
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
