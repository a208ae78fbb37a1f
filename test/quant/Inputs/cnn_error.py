"""The CNN under W8A8 (test/quant/cnn-w8a8.test).

  cnn_error.py inputs DIR   writes DIR/calibration/input.npy (16 stacked
                            [1, 3, 32, 32] images) and DIR/held-out/h<i>.npy
                            (8 others, another seed)
  cnn_error.py check DIR    compares DIR/{w8a8,fp32}/out<i>/logits.npy:
                            relative L2 error (mean and worst) and top-1
                            agreement; exits 1 past the bounds below
"""
import sys

import numpy as np

HELD_OUT = 8
MEAN_BOUND, WORST_BOUND, MIN_TOP1 = 2e-2, 4e-2, 7


def inputs(root):
    import os
    os.makedirs(f"{root}/calibration", exist_ok=True)
    os.makedirs(f"{root}/held-out", exist_ok=True)
    cal = np.random.RandomState(5).normal(0.0, 1.0, (16, 1, 3, 32, 32))
    np.save(f"{root}/calibration/input.npy", cal.astype(np.float32))
    rng = np.random.RandomState(9)
    for i in range(HELD_OUT):
        np.save(f"{root}/held-out/h{i}.npy",
                rng.normal(0.0, 1.0, (1, 3, 32, 32)).astype(np.float32))


def check(root):
    errors, top1 = [], 0
    for i in range(HELD_OUT):
        got = np.load(f"{root}/w8a8/out{i}/logits.npy").astype(np.float64)
        want = np.load(f"{root}/fp32/out{i}/logits.npy").astype(np.float64)
        errors.append(np.linalg.norm(got - want) / np.linalg.norm(want))
        top1 += int(got.argmax() == want.argmax())
    mean, worst = float(np.mean(errors)), float(np.max(errors))
    ok = mean < MEAN_BOUND and worst < WORST_BOUND and top1 >= MIN_TOP1
    print(f"w8a8 vs fp32: relative L2 error mean {mean:.3g} worst {worst:.3g}, "
          f"top-1 {top1}/{HELD_OUT}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    mode, root = sys.argv[1], sys.argv[2]
    sys.exit(inputs(root) if mode == "inputs" else check(root))
