#!/usr/bin/python3
"""Writes a QDQ copy of an fp32 ONNX model for ONNX Runtime's int8 runner.

    /usr/bin/python3 bench/make_qdq.py MODEL.onnx TABLE.json OUT.onnx [--method minmax]

Every MatMul (and Gemm without transA) whose weight is a constant 2-D
tensor, and every Conv whose weight is constant (any group and rank: 1-D,
2-D; depthwise ones only with --all-convs, since q8 keeps them fp32 by
default), whose activation has an entry in TABLE (the calibration
table `q8c --calibrate DIR --calibration-table TABLE` writes;
passes/calibration/Table.h) gets what ONNX Runtime's quantizer writes in
QDQ format:

    x -> QuantizeLinear(x_scale, x_zp: uint8) -> DequantizeLinear -> MatMul/Gemm/Conv
    W_quantized (int8 initializer) -> DequantizeLinear(W_scale[N], W_zp[N], axis) -> MatMul/Gemm/Conv

A constant weight is an initializer or a `Constant` node's value (exports
with weights as Constant nodes). The output-channel axis is 1 for MatMul's
[K, N], 0 or 1 for Gemm's B (transB), and 0 for Conv's [M, C/group, k...],
as in passes/Quantize.cpp. Nodes inside subgraphs (If branches, Loop
bodies) are rewritten too, by the same names: a branch's Q/DQ pairs live in
that branch, their scales and the int8 weights at the top (outer-scope
initializers are visible in every subgraph). ConvTranspose, which q8 keeps in fp32, is left
alone. Biases stay fp32 (q8 rounds them to int32 at s_x * s_w: a
difference far below int8's). A Conv with DQ inputs and no Q after it is
not fused by ONNX Runtime into QLinearConv: ORT runs it as a float Conv on
the dequantized values, which computes the same products exactly
(|x_q * w_q| sums stay far inside f32's 24 bits for these sizes), so the
error it measures is the scheme's, not a kernel's.

activations uint8 asymmetric per tensor from the table's METHOD range, weights
int8 symmetric per output channel: the same scheme, the same ranges and the
same arithmetic as q8's W8A8 (passes/QuantMath.cpp: asymmetricU8,
symmetricI8, quantize; rounding half to even), so both compilers quantize the
same layers the same way. One Q/DQ pair per activation, shared by its
consumers. Activation x activation MatMuls (attention scores and context) get
Q/DQ on both inputs, as q8 quantizes them: the lhs uint8 as above, the rhs
int8 symmetric per tensor. Deterministic: the same inputs give the same bytes.
"""

import argparse
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def asymmetric_u8(lo, hi):
    """passes/QuantMath.cpp asymmetricU8: (scale, zero point) for [lo, hi]."""
    lo, hi = min(np.float32(lo), np.float32(0)), max(np.float32(hi), np.float32(0))
    if not hi > lo:
        return np.float32(1), 0
    scale = np.float32((np.float64(hi) - np.float64(lo)) / 255.0)
    zero = np.rint(-np.float64(lo) / np.float64(scale))
    return scale, int(np.clip(zero, 0, 255))


def symmetric_i8(weight, axis):
    """passes/QuantMath.cpp symmetricI8 + quantize, per channel along `axis`
    (the output channel): int8 values in [-127, 127] and float32 scales."""
    reduce_axes = tuple(a for a in range(weight.ndim) if a != axis)
    absmax = np.abs(weight).max(axis=reduce_axes).astype(np.float32)
    scale = np.where((absmax > 0) & np.isfinite(absmax), absmax / np.float32(127), np.float32(1))
    scale = scale.astype(np.float32)
    shape = [1] * weight.ndim
    shape[axis] = -1
    q = np.rint(weight.astype(np.float64) / scale.astype(np.float64).reshape(shape))
    return np.clip(q, -127, 127).astype(np.int8), scale


def weight_axis(node):
    """The output-channel axis of node's stored weight, or None when the node
    is not one q8 quantizes from a constant weight."""
    if node.op_type == "MatMul":
        return 1
    if node.op_type == "Gemm":
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0):
            return None
        return 0 if attrs.get("transB", 0) else 1
    if node.op_type == "Conv":
        return 0
    return None


def constant_values(graph, values=None):
    """name -> numpy array of every initializer and Constant node value, in
    `graph` and the subgraphs (If branches, Loop bodies) inside it."""
    values = {} if values is None else values
    values.update({t.name: numpy_helper.to_array(t) for t in graph.initializer})
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                constant_values(a.g, values)
    return values


def used_names(graph, used=None):
    used = set() if used is None else used
    for node in graph.node:
        used.update(node.input)
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                used_names(a.g, used)
                used.update(o.name for o in a.g.output)
    return used


def group_of(node):
    """A Conv's group attribute (1 when absent)."""
    for a in node.attribute:
        if a.name == "group":
            return helper.get_attribute_value(a)
    return 1


def make_qdq(model, table, method, keep_faster_fp32=True):
    top = model.graph
    inits = {t.name for t in top.initializer}
    constants = constant_values(top)
    entries = {e["name"]: e for e in table["tensors"]}
    # A Transpose of a constant that the table does not list is one q8
    # folded into a constant (it only moves unit dims: a [1, K] weight of an
    # unfolded export), so q8 quantizes its MatMul with a constant weight;
    # the Transposes it listed stay activations (activation x activation).
    transposed = {}
    for node in top.node:
        if node.op_type == "Transpose" and node.input[0] in constants and \
                node.output[0] not in entries:
            perm = [list(helper.get_attribute_value(a)) for a in node.attribute
                    if a.name == "perm"]
            transposed[node.output[0]] = np.transpose(constants[node.input[0]],
                                                      perm[0] if perm else None)
    quantized = 0

    def add_init(array, name):
        # Outer-scope initializers are visible in every subgraph: all go on top.
        if name not in inits:
            top.initializer.append(numpy_helper.from_array(array, name))
            inits.add(name)

    def rewrite(graph, activation_dq):
        """Rewrites graph's nodes (and, recursively, its subgraphs');
        activation_dq maps an activation to its DequantizeLinear output in
        this scope (a branch sees its parent's, not its sibling's)."""
        nonlocal quantized
        nodes = []

        def add_qdq(x, scale, zp, tag=""):
            s_name, z_name = f"{x}{tag}_scale", f"{x}{tag}_zero_point"
            add_init(np.array(scale, np.float32), s_name)
            add_init(np.array(zp), z_name)
            q_out, dq_out = f"{x}{tag}_QuantizeLinear_Output", f"{x}{tag}_DequantizeLinear_Output"
            suffix = "" if graph is top else f"_{graph.name}"
            nodes.append(helper.make_node("QuantizeLinear", [x, s_name, z_name], [q_out + suffix],
                                          name=f"{x}{tag}_QuantizeLinear{suffix}"))
            nodes.append(helper.make_node("DequantizeLinear", [q_out + suffix, s_name, z_name],
                                          [dq_out + suffix],
                                          name=f"{x}{tag}_DequantizeLinear{suffix}"))
            return dq_out + suffix

        def quantize_activation(x, entry):
            """x -> QuantizeLinear -> DequantizeLinear (uint8), once per x."""
            if x not in activation_dq:
                lo, hi = entry["ranges"][method]
                scale, zp = asymmetric_u8(lo, hi)
                activation_dq[x] = add_qdq(x, scale, np.uint8(zp))
            return activation_dq[x]

        for node in graph.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    rewrite(a.g, dict(activation_dq))
            # Activation x activation MatMuls (attention's scores and context),
            # as q8-quantize does them: the lhs uint8 asymmetric, the rhs int8
            # symmetric per tensor (symmetricI8 of its range's absmax).
            if node.op_type == "MatMul" and not any(i in constants for i in node.input) and \
                    all(i in entries and method in entries[i]["ranges"] for i in node.input[:2]):
                a, b = node.input[0], node.input[1]
                lo, hi = entries[b]["ranges"][method]
                absmax = np.float32(max(abs(lo), abs(hi)))
                b_scale = absmax / np.float32(127) if absmax > 0 and np.isfinite(absmax) \
                    else np.float32(1)
                if b + "#i8" not in activation_dq:
                    activation_dq[b + "#i8"] = add_qdq(b, np.float32(b_scale), np.int8(0))
                node.input[0] = quantize_activation(a, entries[a])
                node.input[1] = activation_dq[b + "#i8"]
                nodes.append(node)
                quantized += 1
                continue
            axis = weight_axis(node)
            x, w = (node.input[0], node.input[1]) if axis is not None else (None, None)
            weight = constants.get(w)
            if weight is None:
                weight = transposed.get(w)
            entry = entries.get(x)
            want_ndim = (3, 4, 5) if node.op_type == "Conv" else (2,)
            # q8 keeps depthwise convolutions fp32 by default (their int8
            # form is slower: QuantizableOpInterface::isFasterInFp32), so
            # the QDQ model does too, unless told to quantize them.
            depthwise = node.op_type == "Conv" and weight is not None and weight.ndim > 1 and \
                weight.shape[1] == 1 and group_of(node) > 1
            if weight is None or weight.ndim not in want_ndim or weight.dtype != np.float32 or \
                    entry is None or method not in entry["ranges"] or \
                    (depthwise and keep_faster_fp32):
                nodes.append(node)
                continue
            quantize_activation(x, entry)
            q, scale = symmetric_i8(weight, axis)
            q_name, s_name, z_name = f"{w}_quantized", f"{w}_scale", f"{w}_zero_point"
            add_init(q, q_name)
            add_init(scale, s_name)
            add_init(np.zeros(scale.shape, np.int8), z_name)
            dq = f"{w}_DequantizeLinear_Output"
            if w + "#w" not in activation_dq:  # a weight shared by several nodes: one DQ
                suffix = "" if graph is top else f"_{graph.name}"
                dq += suffix
                nodes.append(helper.make_node("DequantizeLinear", [q_name, s_name, z_name], [dq],
                                              name=f"{w}_DequantizeLinear{suffix}", axis=axis))
                activation_dq[w + "#w"] = dq
            node.input[0] = activation_dq[x]
            node.input[1] = activation_dq[w + "#w"]
            nodes.append(node)
            quantized += 1
        del graph.node[:]
        graph.node.extend(nodes)

    rewrite(top, {})
    # Drop the fp32 weights nothing reads any more.
    used = used_names(top) | {o.name for o in top.output}

    def prune(graph):
        kept = [t for t in graph.initializer if t.name in used]
        del graph.initializer[:]
        graph.initializer.extend(kept)
        for node in graph.node:
            for a in node.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    prune(a.g)
    prune(top)
    # DequantizeLinear with axis needs opset 13.
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and opset.version < 13:
            opset.version = 13
    return quantized


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("table")
    parser.add_argument("output")
    parser.add_argument("--method", default="minmax",
                        help="the table's activation range (default minmax, as q8c's default)")
    parser.add_argument("--all-convs", action="store_true",
                        help="quantize depthwise convolutions too (q8c --keep-faster-fp32=false)")
    args = parser.parse_args(argv)
    model = onnx.load(args.model)
    with open(args.table) as f:
        table = json.load(f)
    if table.get("format") != "q8-calibration":
        sys.exit(f"make_qdq: {args.table} is not a q8 calibration table")
    quantized = make_qdq(model, table, args.method, keep_faster_fp32=not args.all_convs)
    if model.opset_import[0].version <= 17:  # python3-onnx 1.12 knows up to 17
        onnx.checker.check_model(model)
    onnx.save(model, args.output)
    print(f"make_qdq: {quantized} MatMul/Gemm/Conv with QDQ -> {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
