"""Builds the If and Loop models of control-flow.test, and their inputs.

    control_flow.py DIR

Writes to DIR:
  if.onnx        a run-time If: a Conv + Relu + MatMul branch and a MatMul
                 branch that reads an outer activation, with a nested If
                 that folds; inputs c (bool), x [1, 2, 6, 6]
  loop.onnx      a Loop of 4 iterations (constant M, no condition input):
                 h = tanh(h @ W + x[i]), scan output of every h; input h0
  forever.onnx   a Loop with neither trip count nor condition (refused)
  c_true.npy, c_false.npy, c_true.pb, x.npy, h0.npy
  samples/       calibration samples of if.onnx that take both branches
  loop_samples/  calibration samples of loop.onnx
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path)


def model(graph):
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    os.makedirs(os.path.join(out, "loop_samples"), exist_ok=True)
    rng = np.random.default_rng(3)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)

    # if.onnx
    conv_w = nh.from_array(f32(4, 2, 3, 3) * 0.5, "conv_w")
    conv_b = nh.from_array(f32(4) * 0.1, "conv_b")
    w1 = nh.from_array(f32(64, 10) * 0.2, "w1")
    w2 = nh.from_array(f32(72, 10) * 0.2, "w2")
    shape = nh.from_array(np.array([1, -1], np.int64), "shape")
    inner_then = h.make_graph(
        [h.make_node("Sigmoid", ["y1"], ["s"])], "inner_then", [],
        [h.make_tensor_value_info("s", T.FLOAT, [1, 10])])
    inner_else = h.make_graph(
        [h.make_node("Tanh", ["y1"], ["s2"])], "inner_else", [],
        [h.make_tensor_value_info("s2", T.FLOAT, [1, 10])])
    then_g = h.make_graph([
        h.make_node("Conv", ["x", "conv_w", "conv_b"], ["cv"]),
        h.make_node("Relu", ["cv"], ["r"]),
        h.make_node("Reshape", ["r", "shape"], ["flat"]),
        h.make_node("MatMul", ["flat", "w1"], ["y1"]),
        h.make_node("Constant", [], ["k"], value=h.make_tensor("kv", T.BOOL, [], [True])),
        h.make_node("If", ["k"], ["t"], then_branch=inner_then, else_branch=inner_else),
    ], "then_g", [], [h.make_tensor_value_info("t", T.FLOAT, [1, 10])])
    else_g = h.make_graph([
        h.make_node("MatMul", ["xflat", "w2"], ["y2"]),
        h.make_node("Relu", ["y2"], ["e"]),
    ], "else_g", [], [h.make_tensor_value_info("e", T.FLOAT, [1, 10])])
    g = h.make_graph([
        h.make_node("Reshape", ["x", "shape"], ["xflat"]),
        h.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g),
    ], "if", [h.make_tensor_value_info("c", T.BOOL, []),
              h.make_tensor_value_info("x", T.FLOAT, [1, 2, 6, 6])],
        [h.make_tensor_value_info("y", T.FLOAT, [1, 10])],
        [conv_w, conv_b, w1, w2, shape])
    save(model(g), os.path.join(out, "if.onnx"))

    # loop.onnx
    wl = nh.from_array(f32(8, 8) * 0.3, "wl")
    xs = nh.from_array(f32(4, 8), "xs")
    m = nh.from_array(np.array(4, np.int64), "m")
    one = nh.from_array(np.array(1, np.int64), "one")
    axes = nh.from_array(np.array([0], np.int64), "axes")
    body = h.make_graph([
        h.make_node("Identity", ["cin"], ["cout"]),
        h.make_node("Add", ["i", "one"], ["end"]),
        h.make_node("Unsqueeze", ["i", "axes"], ["start1"]),
        h.make_node("Unsqueeze", ["end", "axes"], ["end1"]),
        h.make_node("Slice", ["xs", "start1", "end1"], ["xi"]),
        h.make_node("MatMul", ["hin", "wl"], ["hw"]),
        h.make_node("Add", ["hw", "xi"], ["pre"]),
        h.make_node("Tanh", ["pre"], ["hout"]),
        h.make_node("Identity", ["hout"], ["scan"]),
    ], "body", [h.make_tensor_value_info("i", T.INT64, []),
                h.make_tensor_value_info("cin", T.BOOL, []),
                h.make_tensor_value_info("hin", T.FLOAT, [1, 8])],
        [h.make_tensor_value_info("cout", T.BOOL, []),
         h.make_tensor_value_info("hout", T.FLOAT, [1, 8]),
         h.make_tensor_value_info("scan", T.FLOAT, [1, 8])])
    g = h.make_graph(
        [h.make_node("Loop", ["m", "", "h0"], ["h", "hs"], body=body)], "loop",
        [h.make_tensor_value_info("h0", T.FLOAT, [1, 8])],
        [h.make_tensor_value_info("h", T.FLOAT, [1, 8]),
         h.make_tensor_value_info("hs", T.FLOAT, [4, 1, 8])],
        [wl, xs, m, one, axes])
    save(model(g), os.path.join(out, "loop.onnx"))

    # forever.onnx
    body = h.make_graph([
        h.make_node("Identity", ["cin"], ["cout"]),
        h.make_node("Sigmoid", ["hin"], ["hout"]),
    ], "body", [h.make_tensor_value_info("i", T.INT64, []),
                h.make_tensor_value_info("cin", T.BOOL, []),
                h.make_tensor_value_info("hin", T.FLOAT, [2])],
        [h.make_tensor_value_info("cout", T.BOOL, []),
         h.make_tensor_value_info("hout", T.FLOAT, [2])])
    g = h.make_graph(
        [h.make_node("Loop", ["", "", "h0"], ["h"], body=body)], "forever",
        [h.make_tensor_value_info("h0", T.FLOAT, [2])],
        [h.make_tensor_value_info("h", T.FLOAT, [2])])
    save(model(g), os.path.join(out, "forever.onnx"))

    np.save(os.path.join(out, "c_true.npy"), np.array(True))
    np.save(os.path.join(out, "c_false.npy"), np.array(False))
    with open(os.path.join(out, "c_true.pb"), "wb") as f:
        f.write(nh.from_array(np.array(True), "c").SerializeToString())
    np.save(os.path.join(out, "x.npy"), f32(1, 2, 6, 6))
    np.save(os.path.join(out, "h0.npy"), f32(1, 8))
    for i in range(16):
        np.savez(os.path.join(out, "samples", f"s{i}.npz"),
                 c=np.array(i % 2 == 0), x=f32(1, 2, 6, 6))
        np.savez(os.path.join(out, "loop_samples", f"s{i}.npz"), h0=f32(1, 8))


if __name__ == "__main__":
    main()
