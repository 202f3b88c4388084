#!/usr/bin/python3
"""Quantization-aware models for Fashion-MNIST, in the three formats fheq imports (docs/QAT.md).

    /usr/bin/python3 models/qat/train_qat.py                 # all of them
    /usr/bin/python3 models/qat/train_qat.py --model qat_mlp4

  qat_mlp4      QONNX (fheq_qat): 784-128-64-10, 4-bit weights and activations, 8-bit input
  qat_cnn3      QONNX (fheq_qat): Conv(1→8,3)-ReLU-MaxPool-Conv(8→16,3)-ReLU-MaxPool-Linear, 3-bit weights and
                activations, 8-bit input
  qdq_torch_mlp ONNX QDQ from torch.ao eager-mode QAT (FakeQuantize qconfig, fbgemm, version 0): 784-128-10, 8-bit
  qdq_ort_mlp   ONNX QDQ in onnxruntime's static layout, written with onnx.helper from a float 784-128-10 MLP:
                int8 per-channel weights, int32 biases, uint8 activations calibrated on 1,000 training images

Writes <name>.onnx and qat.json (accuracy of the model's own fake-quant forward on the test set) next to this
script. Only Debian's /usr/bin/python3 (torch 1.13, onnx 1.12) is supported.
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
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))
import datasets  # noqa: E402
import fheq_qat as q  # noqa: E402

SEED = 11
OPSET = 13


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            correct += int((model(torch.from_numpy(x[start:start + batch])).argmax(1).numpy() == y[start:start + batch]).sum())
    return correct / len(x)


def train(model, x, y, epochs, lr, batch=128, penalty=0.0):
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    x_all, y_all = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_all), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x_all[idx]), y_all[idx]) + penalty * q.range_penalty(model)
            loss.backward()
            optimizer.step()
            total += float(loss) * len(idx)
        schedule.step()
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(order):.4f}", flush=True)


def qat_mlp4():
    # QuantReLU + range_penalty: accumulators stay near the window where the 4-bit ReLU output changes, and the
    # training sees them rounded to 4 bits over it, as fheq's FHE rounding will (17 s → about 1 s per image).
    return nn.Sequential(q.QuantInput(8), nn.Flatten(),
                         q.QuantLinear(784, 128, weight_bits=4), q.QuantReLU(4, low=0.25, rounding_bits=4),
                         q.QuantLinear(128, 64, weight_bits=4, input_bits=4), q.QuantReLU(4, low=0.25, rounding_bits=4),
                         q.QuantLinear(64, 10, weight_bits=4, input_bits=4))


def qat_cnn3():
    return nn.Sequential(q.QuantInput(8),
                         q.QuantConv2d(1, 8, 3, weight_bits=3), q.QuantReLU(3, low=0.25, rounding_bits=4),
                         nn.MaxPool2d(2),
                         q.QuantConv2d(8, 16, 3, weight_bits=3, input_bits=3), q.QuantReLU(3, low=0.25, rounding_bits=4),
                         nn.MaxPool2d(2), nn.Flatten(),
                         q.QuantLinear(16 * 5 * 5, 10, weight_bits=3, input_bits=3))


class TorchQatMlp(nn.Module):
    def __init__(self):
        super().__init__()
        import torch.ao.quantization as tq
        self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
        self.flatten = nn.Flatten()
        self.fc1, self.relu, self.fc2 = nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)

    def forward(self, x):
        return self.dequant(self.fc2(self.relu(self.fc1(self.flatten(self.quant(x))))))


def export(model, name, opset=OPSET, custom=None):
    path = os.path.join(HERE, name + ".onnx")
    model.eval()
    torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), path, opset_version=opset, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      custom_opsets=custom or {})
    onnx.checker.check_model(onnx.load(path))
    return path


def build_qonnx(name, make, epochs, lr, x_train, y_train, x_test, y_test, penalty=1.0):
    torch.manual_seed(SEED)
    model = make()
    train(model, x_train, y_train, epochs, lr, penalty=penalty)
    acc = accuracy(model, x_test, y_test)
    export(model, name, custom={q.QONNX_DOMAIN: 1})
    return {"format": "QONNX (fheq_qat)", "qat_accuracy": acc, "epochs": epochs, "range_penalty": penalty}


def build_qdq_torch(x_train, y_train, x_test, y_test):
    import torch.ao.quantization as tq
    torch.manual_seed(SEED)
    model = TorchQatMlp()
    model.qconfig = tq.get_default_qat_qconfig("fbgemm", version=0)
    model.train()
    tq.prepare_qat(model, inplace=True)
    train(model, x_train, y_train, 3, 1e-3)
    model.apply(tq.disable_observer)  # the observers' in-place updates do not export
    acc = accuracy(model, x_test, y_test)
    export(model, "qdq_torch_mlp")
    return {"format": "ONNX QDQ (torch.ao QAT)", "qat_accuracy": acc, "epochs": 3}


def qdq_ort_forward(x, p):
    """NumPy reference of the onnxruntime-style QDQ graph written below (float64)."""
    def fq(v, s, z, lo, hi):
        return (np.clip(np.round(v / s) + z, lo, hi) - z) * s
    h = fq(x.reshape(len(x), -1), p["s_in"], p["z_in"], 0, 255)
    h = np.maximum(h @ (p["w1"] * p["sw1"][:, None]).T + p["b1"] * p["s_in"] * p["sw1"], 0)
    h = fq(h, p["s_h"], p["z_h"], 0, 255)
    return h @ (p["w2"] * p["sw2"][:, None]).T + p["b2"] * p["s_h"] * p["sw2"]


def build_qdq_ort(x_train, y_train, x_test, y_test):
    """Static QDQ as onnxruntime's quantizer writes it: QuantizeLinear→DequantizeLinear on activations (uint8,
    asymmetric), int8 per-channel symmetric weights and int32 biases as initializers read only by
    DequantizeLinear. The float model is trained here; scales are calibrated (min/max) on 1,000 training images."""
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    train(model, x_train, y_train, 3, 1e-3)
    w1, b1 = model[1].weight.detach().double().numpy(), model[1].bias.detach().double().numpy()
    w2, b2 = model[3].weight.detach().double().numpy(), model[3].bias.detach().double().numpy()
    calib = x_train[:1000].reshape(1000, -1).astype(np.float64)

    def uint8_params(v):
        lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
        s = np.float32((hi - lo) / 255.0)
        return s, np.uint8(np.clip(np.round(-lo / s), 0, 255))

    s_in, z_in = uint8_params(calib)
    sw1 = (np.abs(w1).max(1) / 127.0).astype(np.float32)
    sw2 = (np.abs(w2).max(1) / 127.0).astype(np.float32)
    qw1 = np.clip(np.round(w1 / sw1[:, None]), -127, 127).astype(np.int8)
    qw2 = np.clip(np.round(w2 / sw2[:, None]), -127, 127).astype(np.int8)
    h = np.maximum(calib @ w1.T + b1, 0)
    s_h, z_h = uint8_params(h)
    qb1 = np.round(b1 / (float(s_in) * sw1.astype(np.float64))).astype(np.int32)
    qb2 = np.round(b2 / (float(s_h) * sw2.astype(np.float64))).astype(np.int32)

    inits = [numpy_helper.from_array(a, n) for a, n in [
        (np.array(s_in, np.float32), "s_in"), (np.array(z_in, np.uint8), "z_in"),
        (np.array(s_h, np.float32), "s_h"), (np.array(z_h, np.uint8), "z_h"),
        (qw1.T.copy(), "w1_q"), (sw1, "w1_s"), (np.zeros(128, np.int8), "w1_z"),
        (qw2.T.copy(), "w2_q"), (sw2, "w2_s"), (np.zeros(10, np.int8), "w2_z"),
        (qb1, "b1_q"), ((np.float32(s_in) * sw1).astype(np.float32), "b1_s"), (np.zeros(128, np.int32), "b1_z"),
        (qb2, "b2_q"), ((np.float32(s_h) * sw2).astype(np.float32), "b2_s"), (np.zeros(10, np.int32), "b2_z"),
        (np.array([-1, 784], np.int64), "flat")]]
    nodes = [
        helper.make_node("Reshape", ["input", "flat"], ["x_flat"]),
        helper.make_node("QuantizeLinear", ["x_flat", "s_in", "z_in"], ["x_q"], name="input_q"),
        helper.make_node("DequantizeLinear", ["x_q", "s_in", "z_in"], ["x_dq"], name="input_dq"),
        # MatMul weights are [in, out]: the per-channel axis is 1.
        helper.make_node("DequantizeLinear", ["w1_q", "w1_s", "w1_z"], ["w1"], axis=1),
        helper.make_node("DequantizeLinear", ["b1_q", "b1_s", "b1_z"], ["b1"], axis=0),
        helper.make_node("MatMul", ["x_dq", "w1"], ["h_mm"]),
        helper.make_node("Add", ["h_mm", "b1"], ["h_pre"]),
        helper.make_node("Relu", ["h_pre"], ["h"]),
        helper.make_node("QuantizeLinear", ["h", "s_h", "z_h"], ["h_q"], name="hidden_q"),
        helper.make_node("DequantizeLinear", ["h_q", "s_h", "z_h"], ["h_dq"], name="hidden_dq"),
        helper.make_node("DequantizeLinear", ["w2_q", "w2_s", "w2_z"], ["w2"], axis=1),
        helper.make_node("DequantizeLinear", ["b2_q", "b2_s", "b2_z"], ["b2"], axis=0),
        helper.make_node("MatMul", ["h_dq", "w2"], ["o_mm"]),
        helper.make_node("Add", ["o_mm", "b2"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "qdq_ort_mlp",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])], inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, os.path.join(HERE, "qdq_ort_mlp.onnx"))
    params = dict(s_in=float(s_in), z_in=float(z_in), s_h=float(s_h), z_h=float(z_h), w1=qw1.astype(np.float64),
                  sw1=sw1.astype(np.float64), b1=qb1.astype(np.float64), w2=qw2.astype(np.float64),
                  sw2=sw2.astype(np.float64), b2=qb2.astype(np.float64))
    logits = qdq_ort_forward(x_test.astype(np.float64), params)
    acc = float((logits.argmax(1) == y_test).mean())
    return {"format": "ONNX QDQ (onnxruntime static layout)", "qat_accuracy": acc, "epochs": 3,
            "float_accuracy": accuracy(model, x_test, y_test)}


BUILDERS = {
    "qat_mlp4": lambda *d: build_qonnx("qat_mlp4", qat_mlp4, 10, 2e-3, *d),
    "qat_cnn3": lambda *d: build_qonnx("qat_cnn3", qat_cnn3, 10, 2e-3, *d),
    "qdq_torch_mlp": build_qdq_torch,
    "qdq_ort_mlp": build_qdq_ort,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(BUILDERS), action="append")
    args = parser.parse_args()
    torch.set_num_threads(2)
    x_train, y_train = datasets.load("fashion_mnist", "train")
    x_test, y_test = datasets.load("fashion_mnist", "test")
    summary_path = os.path.join(HERE, "qat.json")
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {}
    for name in args.model or sorted(BUILDERS):
        print(f"{name}:", flush=True)
        start = time.time()
        entry = BUILDERS[name](x_train, y_train, x_test, y_test)
        entry.update(dataset="fashion-mnist", onnx=name + ".onnx", train_seconds=round(time.time() - start, 1))
        print(f"  {entry}", flush=True)
        summary[name] = entry
        with open(summary_path, "w") as f:
            json.dump(summary, f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
