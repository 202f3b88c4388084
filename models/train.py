#!/usr/bin/python3
"""Train, export and check one reference model.

    /usr/bin/python3 models/train.py --model fmnist_mlp_sigmoid

Writes, next to this script:
  <name>.onnx            opset 14, input "input" [batch, ...], output "logits" [batch, classes]
  <name>.pt              float state_dict (loaded by bench/torch_ptq.py)
  <name>.ref_input.npy   float32, the first 16 test samples
  <name>.ref_output.npy  float32, PyTorch logits for them
  models.json            merged entry {dataset, input_shape, float_accuracy, onnx, ...}

The export is checked twice: onnx.checker, and an independent NumPy run of the .onnx file
(models/onnx_numpy.py) that must reproduce the PyTorch logits.
Only Debian's /usr/bin/python3 (torch 1.13, onnx 1.12) is supported.
"""
import argparse
import datetime
import fcntl
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import architectures  # noqa: E402
import datasets  # noqa: E402
import onnx_numpy  # noqa: E402

OPSET = 14
REF_SAMPLES = 16
SEED = 20240601
# float64 NumPy vs float32 PyTorch: differences come from float32 rounding of ~800-term sums.
ONNX_CHECK_ATOL = 1e-4


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[start:start + batch]))
            correct += int((logits.argmax(dim=1).numpy() == y[start:start + batch]).sum())
    return correct / len(x)


def train(model, recipe, x_train, y_train, forward=None, penalty_weight=0.0, weight_decay=0.0):
    """Adam + cosine schedule over shuffled mini-batches. `forward(x) -> (logits, penalty)` replaces
    model(x) when given (FHE-friendly training: the loss becomes cross-entropy + penalty_weight *
    penalty); the defaults are the plain recipe of the conventional models."""
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe["lr"], weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=recipe["epochs"])
    loss_fn = nn.CrossEntropyLoss()
    x_all, y_all = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for epoch in range(recipe["epochs"]):
        model.train()
        order = torch.randperm(len(x_all), generator=generator)
        total_loss, total_penalty = 0.0, 0.0
        for start in range(0, len(order), recipe["batch"]):
            idx = order[start:start + recipe["batch"]]
            optimizer.zero_grad()
            logits, penalty = forward(x_all[idx]) if forward else (model(x_all[idx]), None)
            loss = loss_fn(logits, y_all[idx])
            (loss if penalty is None else loss + penalty_weight * penalty).backward()
            optimizer.step()
            total_loss += float(loss) * len(idx)
            if penalty is not None:
                total_penalty += float(penalty) * len(idx)
        schedule.step()
        line = f"  epoch {epoch + 1}/{recipe['epochs']}: train loss {total_loss / len(order):.4f}"
        if forward:
            line += f", range penalty {total_penalty / len(order):.4f}"
        print(line, flush=True)


# ---------------------------------------------------------------------------------------------
# FHE-friendly training (fmnist_mlp_fhe, fmnist_cnn_fhe): same architecture and ONNX ops as the
# normally trained model, different loss/forward.
#
# Why: fheq evaluates every activation as a table lookup (one PBS) whose input window is the
# CALIBRATED accumulator range of the whole layer (min/max over the calibration images, +-5 %),
# cut into 2^R uniform steps when only the R most significant bits are kept (`--rounding R`,
# docs/COMPILER.md 1-2). R sets the TFHE polynomial size (R=4 -> N=2048, R=5 -> 4096, R>=6 ->
# 8192), i.e. the latency. A normally trained MLP has first-layer pre-activations spread over
# about [-64, 64] while the sigmoid only varies on ~[-6, 6]: with R=5 one step is ~4 units and
# the activation is reduced to a few levels. Values beyond the window cannot simply be clipped:
# in FHE they wrap (negacyclic PBS returns -T[...]), so the window must hold the real extremes.
# Three tricks make the network fit that grid (all act only during training; the exported
# graph is the plain Flatten/Gemm/act/Gemm/act/Gemm model, or the plain CNN whose TLUs are the
# ReLUs after each Conv: AveragePool, Flatten and the last Gemm are linear, no TLU):
#  1. range regularisation: a squared hinge on every pre-activation outside [lower, upper],
#     penalty * sum_neurons (relu(z - upper) + relu(lower - z))^2 averaged over the batch, so the
#     layer's extremes (which set the window) sit near the bounds. (For ReLU an asymmetric
#     interval [-1, 4] was tried, since levels below 0 all give 0: it cost 2 points of float
#     accuracy and the negative tail of the test set still reached -2.2, so the bounds are symmetric);
#  2. rounding-aware noise: each pre-activation gets uniform noise of one grid step,
#     U(-step/2, step/2), step = (batch range of the layer) * (1 + 2*margin) / 2^R, which is the
#     error of rounding to that grid at an arbitrary phase (the clear bias of each neuron shifts
#     the grid by a different fraction of a step, so a fixed fake-quant grid would be wrong).
#     The network learns weights whose decision does not hinge on sub-step differences.
#  3. low-bit weights (weight_bits > 0): every Linear/Conv2d runs with its weights fake-quantized on
#     fheq's symmetric per-tensor grid (straight-through estimator), and the quantized weights are
#     what is shipped. Why: the TFHE parameters depend on the 2-norm of the integer weights feeding
#     each TLU; with 3-bit weight codes (--n-bits-weights 3) the compiler picks a one-level PBS
#     decomposition at N = 1024 instead of two levels (estimated latency 0.9 s instead of 1.3 s per
#     image), and PTQ finds exactly the trained codes, so it costs no accuracy.
# Measured effect: models/README.md, "FHE-friendly training".
# ---------------------------------------------------------------------------------------------


def quantize_weight(weight, bits):
    """Symmetric per-tensor narrow-range grid, as fheq's PTQ quantizes weights (docs/PTQ.md 2):
    scale = max|w| / (2^(bits-1) - 1), codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1], w_q = scale * code."""
    levels = 2 ** (bits - 1) - 1
    scale = weight.detach().abs().max().clamp_min(1e-12) / levels
    return torch.clamp(torch.round(weight / scale), -levels, levels) * scale


def _weighted_layer(module, h, weight_bits):
    """Linear or Conv2d on h; with weight_bits > 0 its weights are fake-quantized to that grid
    (straight-through estimator: the float weights get the gradient of the quantized ones)."""
    weight = module.weight
    weight = weight + (quantize_weight(weight, weight_bits) - weight).detach()
    if isinstance(module, nn.Linear):
        return nn.functional.linear(h, weight, module.bias)
    return nn.functional.conv2d(h, weight, module.bias, module.stride, module.padding,
                                module.dilation, module.groups)


def tlu_inputs_regularised_forward(model, x, friendly, noise_generator):
    """Run the nn.Sequential on x; for every Linear or Conv2d followed by an activation (a TLU in
    FHE: one PBS per output element; pooling, Flatten and the final Linear are linear, no TLU), add
    the range penalty and the rounding noise. With weight_bits > 0 every Linear and Conv2d uses its
    weights fake-quantized to that grid. Returns (logits, penalty)."""
    modules = list(model)
    penalty = x.new_zeros(())
    h = x
    for i, module in enumerate(modules):
        weighted = isinstance(module, (nn.Linear, nn.Conv2d))
        if weighted and friendly.get("weight_bits", 0) > 0:
            h = _weighted_layer(module, h, friendly["weight_bits"])
        else:
            h = module(h)
        feeds_activation = (weighted and i + 1 < len(modules)
                            and not isinstance(modules[i + 1], nn.Linear))
        if not feeds_activation:
            continue
        excess = torch.relu(h - friendly["upper"]) + torch.relu(friendly["lower"] - h)
        # Sum over every pre-activation of the sample (a Conv2d output is [batch, C, H, W]); for a
        # Linear this is the plain sum over dim 1, so the MLP recipes are unchanged bit for bit.
        squared = excess * excess
        if squared.dim() > 2:
            squared = squared.flatten(1)
        penalty = penalty + squared.sum(dim=1).mean()
        if friendly["rounding_bits"] > 0:
            span = (h.max() - h.min()).detach() * (1 + 2 * friendly["margin"])
            step = span / 2 ** friendly["rounding_bits"]
            noise = torch.rand(h.shape, generator=noise_generator) - 0.5
            h = h + noise * step
    return h, penalty


def train_fhe_friendly(model, recipe, x_train, y_train):
    """As train(), plus the FHE tricks above (recipe["fhe_friendly"]) and optional Adam weight decay
    (weight_decay; 0 in the shipped recipe: not explored)."""
    friendly = recipe["fhe_friendly"]
    noise_generator = torch.Generator().manual_seed(SEED + 1)
    train(model, recipe, x_train, y_train,
          forward=lambda x: tlu_inputs_regularised_forward(model, x, friendly, noise_generator),
          penalty_weight=friendly["penalty"], weight_decay=friendly["weight_decay"])
    if friendly.get("weight_bits", 0) > 0:
        # Ship the weights the network was trained with: fheq's PTQ at weight_bits then finds the
        # same scale (max|w| is a grid point) and the same codes, so quantizing weights costs nothing.
        with torch.no_grad():
            for module in model:
                if isinstance(module, (nn.Linear, nn.Conv2d)):
                    module.weight.copy_(quantize_weight(module.weight, friendly["weight_bits"]))


def export(model, name, example):
    path = os.path.join(HERE, f"{name}.onnx")
    model.eval()
    torch.onnx.export(model, example, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path))
    return path


def update_models_json(name, entry):
    """Read-modify-write under an exclusive lock: build_all.sh may train models in parallel."""
    path = os.path.join(HERE, "models.json")
    lock = os.open(HERE, os.O_RDONLY)  # lock the directory itself: no stray lock file to ship
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = {}
        if os.path.exists(path):
            with open(path) as f:
                table = json.load(f)
        table[name] = entry
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(dict(sorted(table.items())), f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    finally:
        os.close(lock)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=sorted(architectures.MODELS))
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (fixed so float reductions, hence weights, are reproducible)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    spec = architectures.MODELS[args.model]
    x_train, y_train = datasets.load(spec["dataset"], "train")
    x_test, y_test = datasets.load(spec["dataset"], "test")
    print(f"{args.model}: {spec['dataset']} train {len(x_train)}, test {len(x_test)}", flush=True)

    model = spec["build"]()
    started, started_cpu = time.monotonic(), time.process_time()
    (train_fhe_friendly if "fhe_friendly" in spec else train)(model, spec, x_train, y_train)
    # Wall time depends on what else the shared machine runs; CPU time is the comparable figure.
    train_seconds, train_cpu_seconds = time.monotonic() - started, time.process_time() - started_cpu
    test_acc = accuracy(model, x_test, y_test)
    print(f"  float test accuracy {test_acc:.4f} (training: {train_seconds:.1f} s wall, "
          f"{train_cpu_seconds:.1f} s CPU)", flush=True)

    torch.save(model.state_dict(), os.path.join(HERE, f"{args.model}.pt"))
    ref_input = np.ascontiguousarray(x_test[:REF_SAMPLES])
    with torch.no_grad():
        ref_output = model(torch.from_numpy(ref_input)).numpy().astype(np.float32)
    np.save(os.path.join(HERE, f"{args.model}.ref_input.npy"), ref_input)
    np.save(os.path.join(HERE, f"{args.model}.ref_output.npy"), ref_output)

    onnx_path = export(model, args.model, torch.from_numpy(ref_input[:1]))
    (numpy_logits,) = onnx_numpy.run(onnx_path, {"input": ref_input})
    worst = float(np.abs(numpy_logits - ref_output).max())
    if worst > ONNX_CHECK_ATOL:
        raise SystemExit(f"{onnx_path}: NumPy run of the ONNX graph differs from PyTorch by {worst:g}")
    ops = onnx_numpy.op_types(onnx_path)
    print(f"  exported {os.path.basename(onnx_path)}: ops {ops}; numpy-vs-torch max |diff| {worst:.2e}")

    training = {"epochs": spec["epochs"], "optimizer": "Adam", "lr": spec["lr"],
                "schedule": "cosine", "batch": spec["batch"], "seed": SEED,
                "torch_threads": args.threads, "wall_seconds": round(train_seconds, 1),
                "cpu_seconds": round(train_cpu_seconds, 1),
                "torch": torch.__version__,
                "date": datetime.date.today().isoformat()}
    if "fhe_friendly" in spec:
        training["fhe_friendly"] = dict(spec["fhe_friendly"])
    update_models_json(args.model, {
        "dataset": spec["dataset"],
        "input_shape": ["batch"] + spec["input_shape"],
        "num_classes": int(ref_output.shape[1]),
        "float_accuracy": round(test_acc, 4),
        "test_samples": len(x_test),
        "onnx": f"{args.model}.onnx",
        "state_dict": f"{args.model}.pt",
        "ref_input": f"{args.model}.ref_input.npy",
        "ref_output": f"{args.model}.ref_output.npy",
        "onnx_ops": ops,
        "opset": OPSET,
        "training": training,
    })


if __name__ == "__main__":
    main()
