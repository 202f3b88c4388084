#!/usr/bin/python3
"""Train and export the zoo: plainly trained, user-style networks fheq was NOT tuned on.

    /usr/bin/python3 models/zoo/train_zoo.py            # every zoo model
    /usr/bin/python3 models/zoo/train_zoo.py --model cnn_bn_maxpool

Each network is written the way a PyTorch user writes one (nn.Sequential / a small nn.Module,
BatchNorm, MaxPool, Dropout, GELU/Tanh, padding, a residual add, concatenated branches, a gated
product, a permute), trained the usual way (Adam,
lr 1e-3, a few epochs, default initialisation, no FHE-aware regularisation, no weight grid) and
exported at opset 17 with torch.onnx.export's defaults. Nothing here knows about fheq: the zoo is
the honest check of what a user's own model does under fheq's default options (bench/zoo.sh).

Writes, next to this script: <name>.onnx and zoo.json (float test accuracy, training facts).
Only Debian's /usr/bin/python3 (torch 1.13, onnx 1.12) is supported.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import datasets  # noqa: E402  (models/datasets.py: the split rule the C++ loaders mirror)

OPSET = 17
SEED = 7


class ResidualCnn(nn.Module):
    """A small ResNet-style network: stem, one residual block with an identity skip, max pool, linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                   nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8))
        self.head = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.2), nn.Linear(8 * 7 * 7, 10))

    def forward(self, x):
        h = self.stem(x)
        h = torch.relu(h + self.block(h))
        return self.head(h)


class BranchGatedCnn(nn.Module):
    """Two conv branches concatenated, average pooling, a gated product value·sigmoid(gate) of two
    encrypted tensors, and a channels-last permute before the classifier."""

    def __init__(self):
        super().__init__()
        self.left = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU())
        self.right = nn.Sequential(nn.Conv2d(1, 4, 5, stride=2, padding=2), nn.ReLU())
        self.pool = nn.AvgPool2d(2)
        self.value = nn.Conv2d(8, 8, 3, padding=1)
        self.gate = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(7 * 7 * 8, 10)

    def forward(self, x):
        h = self.pool(torch.cat([self.left(x), self.right(x)], dim=1))
        h = self.value(h) * torch.sigmoid(self.gate(h))
        return self.head(h.permute(0, 2, 3, 1).flatten(1))


def cnn_bn_maxpool():
    # The CNN of issue #8, as a user writes it.
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def cnn_tanh_avgpool():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, stride=2, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 12, 3, padding=1), nn.BatchNorm2d(12), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(12 * 3 * 3, 10))


def mlp_gelu_dropout():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.GELU(), nn.Dropout(0.2),
                         nn.Linear(128, 64), nn.GELU(), nn.Dropout(0.2), nn.Linear(64, 10))


def mlp_bn_tanh():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.BatchNorm1d(100), nn.Tanh(), nn.Linear(100, 10))


def digits_mlp_relu_bn():
    return nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))


# name: builder, dataset, kind ("mlp" | "cnn": the accuracy targets differ), epochs, batch
ZOO = {
    "cnn_bn_maxpool": dict(build=cnn_bn_maxpool, dataset="fashion_mnist", kind="cnn", epochs=3, batch=64),
    "cnn_branches_gated": dict(build=BranchGatedCnn, dataset="fashion_mnist", kind="cnn", epochs=3, batch=64),
    "cnn_residual": dict(build=ResidualCnn, dataset="fashion_mnist", kind="cnn", epochs=3, batch=64),
    "cnn_tanh_avgpool": dict(build=cnn_tanh_avgpool, dataset="fashion_mnist", kind="cnn", epochs=3, batch=64),
    "mlp_gelu_dropout": dict(build=mlp_gelu_dropout, dataset="fashion_mnist", kind="mlp", epochs=5, batch=128),
    "mlp_bn_tanh": dict(build=mlp_bn_tanh, dataset="fashion_mnist", kind="mlp", epochs=5, batch=128),
    "digits_mlp_relu_bn": dict(build=digits_mlp_relu_bn, dataset="digits", kind="mlp", epochs=40, batch=32),
}


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            correct += int((model(torch.from_numpy(x[start:start + batch])).argmax(1).numpy()
                            == y[start:start + batch]).sum())
    return correct / len(x)


def train(model, x, y, epochs, batch):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(x), generator=generator).split(batch):
            optimizer.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            optimizer.step()


def build_one(name):
    spec = ZOO[name]
    torch.manual_seed(SEED)
    x_train, y_train = datasets.load(spec["dataset"], "train")
    x_test, y_test = datasets.load(spec["dataset"], "test")
    model = spec["build"]()
    started = time.process_time()
    train(model, x_train, y_train, spec["epochs"], spec["batch"])
    cpu = time.process_time() - started
    acc = accuracy(model, x_test, y_test)
    model.eval()
    path = os.path.join(HERE, f"{name}.onnx")
    tmp = path + ".tmp"
    torch.onnx.export(model, torch.from_numpy(x_test[:1]), tmp, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(tmp))
    os.replace(tmp, path)
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: float test accuracy {acc:.4f}, {params} parameters, {cpu:.0f} s CPU, ops {ops}", flush=True)
    return {"dataset": spec["dataset"].replace("_", "-"), "kind": spec["kind"], "float_accuracy": round(acc, 4),
            "parameters": params, "onnx_ops": ops, "opset": OPSET,
            "training": {"optimizer": "Adam", "lr": 1e-3, "epochs": spec["epochs"], "batch": spec["batch"],
                         "seed": SEED, "cpu_seconds": round(cpu, 1), "torch": torch.__version__}}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(ZOO), action="append")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    table_path = os.path.join(HERE, "zoo.json")
    table = json.load(open(table_path)) if os.path.exists(table_path) else {}
    for name in args.model or sorted(ZOO):
        table[name] = build_one(name)
        with open(table_path + ".tmp", "w") as f:
            json.dump(dict(sorted(table.items())), f, indent=2)
            f.write("\n")
        os.replace(table_path + ".tmp", table_path)


if __name__ == "__main__":
    np.random.seed(SEED)
    main()
