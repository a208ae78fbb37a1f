#!/usr/bin/python3
"""Trains the bundled example model: a small CNN on scikit-learn's 8x8 digits.

Writes, next to this script:
  digits_cnn.onnx     the trained model (opset 13, input "image" [1,1,8,8]
                      float in [0,1], output "logits" [1,10])
  test_images.npy     the held-out split, float32 [N,1,8,8]
  test_labels.npy     its labels, int64 [N]
  sample_input.pb     test_images[0] as an ONNX TensorProto named "image"
  calibration/image.npy  64 training images, float32 [64,1,1,8,8]: the
                      samples `q8c --calibrate` reads for the int8 build
                      (stacked: docs/calibration.md)

Run it with Debian's interpreter (/usr/bin/python3), which has python3-torch
and python3-sklearn; nothing in q8's build or tests needs torch. It is
deterministic: fixed seeds, a fixed split, single-threaded CPU training.
"""

import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 0
EPOCHS = 30
BATCH = 32


class DigitsCNN(nn.Module):
    """Three 3x3 convs (one with BatchNorm), a max pool, global pooling, Gemm."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),  # exports as GlobalAveragePool
            nn.Flatten(),
        )
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        return self.classifier(self.features(x))


def load_split():
    digits = load_digits()
    # Pixels are integers in [0, 16]; the model sees [0, 1].
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    return train_test_split(images, labels, test_size=0.2,
                            stratify=labels, random_state=SEED)


def train(model, x_train, y_train):
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(x_train)
    y = torch.from_numpy(y_train)
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for start in range(0, len(x), BATCH):
            idx = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1}: train loss {total / len(x):.4f}")


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(images)).argmax(dim=1).numpy()
    return float((predicted == labels).mean())


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), path,
                      input_names=["image"], output_names=["logits"],
                      opset_version=13, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path), full_check=True)


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    x_train, x_test, y_train, y_test = load_split()
    model = DigitsCNN()
    train(model, x_train, y_train)
    acc = accuracy(model, x_test, y_test)
    print(f"held-out accuracy: {acc:.4f} "
          f"({round(acc * len(y_test))}/{len(y_test)})")
    if acc < 0.95:
        sys.exit("accuracy below 95%; not writing the model")

    export(model, os.path.join(HERE, "digits_cnn.onnx"))
    np.save(os.path.join(HERE, "test_images.npy"), x_test)
    np.save(os.path.join(HERE, "test_labels.npy"), y_test)
    os.makedirs(os.path.join(HERE, "calibration"), exist_ok=True)
    np.save(os.path.join(HERE, "calibration", "image.npy"), x_train[:64][:, None])
    sample = onnx.numpy_helper.from_array(x_test[:1], name="image")
    with open(os.path.join(HERE, "sample_input.pb"), "wb") as f:
        f.write(sample.SerializeToString())


if __name__ == "__main__":
    main()
