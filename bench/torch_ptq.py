#!/usr/bin/python3
"""PyTorch's own static int8 post-training quantization of our reference models: the accuracy peer
for fheq's PTQ.

    /usr/bin/python3 bench/torch_ptq.py [--models fmnist_mlp_sigmoid fmnist_mlp_relu] [--json]

For each model: load the float state_dict (models/<name>.pt, written by models/train.py), wrap it
as QuantStub -> float body -> DeQuantStub (eager mode), fuse Linear/Conv + ReLU, calibrate on the
first 1000 training samples, convert, and evaluate on the whole test split with two engines:
  * qnnpack: get_default_qconfig('qnnpack') = uint8 activations (HistogramObserver), int8 weights
             per-tensor symmetric (MinMaxObserver);
  * onednn:  get_default_qconfig('onednn')  = same activations, int8 weights per-channel symmetric.
(fbgemm / x86 kernels are not built into Debian's torch 1.13; `torch.backends.quantized.supported_engines`
lists qnnpack, onednn.) Sigmoid stays a float module: on a quantized tensor it runs the quantized
sigmoid kernel with PyTorch's fixed output qparams (scale 1/256, zero point 0).

--low-bits 8 6 4 3 2: PyTorch has no int kernels below 8 bits, so the low-bit peer uses its
fake-quantization modules (torch.ao.quantization.prepare_qat, no training step): calibrate the
observers on the same 1000 samples, freeze them, evaluate. Network input and every hidden activation
(sigmoid outputs included, calibrated instead of PyTorch's fixed 8-bit sigmoid grid) are unsigned
b-bit affine (HistogramObserver); weights are signed b-bit symmetric narrow-range [-(2^(b-1)-1),
2^(b-1)-1], per-tensor or per-channel; the logits stay 8-bit (fheq decrypts the last accumulator
rather than requantizing it; b-bit logits would mostly measure argmax ties).
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.ao.quantization as tq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, "models")
sys.path.insert(0, MODELS_DIR)
import architectures  # noqa: E402
import datasets  # noqa: E402

ENGINES = [("qnnpack", "per-tensor"), ("onednn", "per-channel")]


class QuantWrapped(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.quant = tq.QuantStub()
        self.body = body
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def fusable_groups(body):
    """Names of [Linear|Conv2d, ReLU] pairs inside the Sequential body, for tq.fuse_modules."""
    names = list(body._modules)
    groups = []
    for first, second in zip(names, names[1:]):
        if isinstance(body._modules[first], (nn.Linear, nn.Conv2d)) and isinstance(body._modules[second], nn.ReLU):
            groups.append([f"body.{first}", f"body.{second}"])
    return groups


def predictions(model, x, batch=1000):
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[start:start + batch])).argmax(dim=1).numpy())
    return np.concatenate(out)


def quantize(float_body, engine, calibration):
    torch.backends.quantized.engine = engine
    model = QuantWrapped(copy.deepcopy(float_body)).eval()
    groups = fusable_groups(model.body)
    if groups:
        model = tq.fuse_modules(model, groups)
    model.qconfig = tq.get_default_qconfig(engine)
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for start in range(0, len(calibration), 250):
            model(torch.from_numpy(calibration[start:start + 250]))
    tq.convert(model, inplace=True)
    return model


def low_bit_qconfig(bits, per_channel, activation_bits=None):
    activation_bits = activation_bits or bits
    activation = tq.FakeQuantize.with_args(
        observer=tq.HistogramObserver, quant_min=0, quant_max=2 ** activation_bits - 1,
        dtype=torch.quint8, qscheme=torch.per_tensor_affine, reduce_range=False)
    weight_limit = 2 ** (bits - 1) - 1
    if per_channel:
        weight = tq.FakeQuantize.with_args(
            observer=tq.PerChannelMinMaxObserver, quant_min=-weight_limit, quant_max=weight_limit,
            dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=0)
    else:
        weight = tq.FakeQuantize.with_args(
            observer=tq.MinMaxObserver, quant_min=-weight_limit, quant_max=weight_limit,
            dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
    return tq.QConfig(activation=activation, weight=weight)


def fake_quantize(float_body, bits, per_channel, calibration):
    model = QuantWrapped(copy.deepcopy(float_body)).train()  # prepare_qat wants train mode; no BN/dropout
    groups = fusable_groups(model.body)
    if groups:
        model = tq.fuse_modules_qat(model, groups)
    model.qconfig = low_bit_qconfig(bits, per_channel)
    tq.prepare_qat(model, inplace=True)
    b_bit_activation = low_bit_qconfig(bits, per_channel).activation
    for module in model.body.modules():
        if isinstance(getattr(module, "activation_post_process", None), tq.FixedQParamsFakeQuantize):
            module.activation_post_process = b_bit_activation()  # sigmoid: calibrated b-bit, not fixed 8-bit
    last_layer = [m for m in model.body.modules() if hasattr(m, "weight_fake_quant")][-1]
    last_layer.activation_post_process = low_bit_qconfig(bits, per_channel, activation_bits=8).activation()
    with torch.no_grad():
        for start in range(0, len(calibration), 250):
            model(torch.from_numpy(calibration[start:start + 250]))
    model.apply(tq.disable_observer)
    return model.eval()


def run_low_bits(names, bit_widths, calibration_size):
    rows = []
    for name in names:
        spec = architectures.MODELS[name]
        body = spec["build"]()
        body.load_state_dict(torch.load(os.path.join(MODELS_DIR, f"{name}.pt")))
        body.eval()
        x_train, _ = datasets.load(spec["dataset"], "train")
        x_test, y_test = datasets.load(spec["dataset"], "test")
        calibration = np.ascontiguousarray(x_train[:calibration_size])
        float_acc = float((predictions(body, x_test) == y_test).mean())
        for bits in bit_widths:
            for per_channel in (False, True):
                acc = float((predictions(fake_quantize(body, bits, per_channel, calibration), x_test) == y_test).mean())
                rows.append({"model": name, "bits": bits,
                             "weights": "per-channel" if per_channel else "per-tensor",
                             "float_accuracy": round(float_acc, 4), "fake_quant_accuracy": round(acc, 4),
                             "drop_points": round(100 * (float_acc - acc), 2)})
    return rows


def print_low_bit_table(rows):
    header = f"{'model':<20} {'bits':>4} {'weights':<11} {'float acc':>9} {'b-bit acc':>9} {'drop (pt)':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['model']:<20} {r['bits']:>4} {r['weights']:<11} {100 * r['float_accuracy']:>8.2f}% "
              f"{100 * r['fake_quant_accuracy']:>8.2f}% {r['drop_points']:>9.2f}")


def run(names, calibration_size):
    rows = []
    for name in names:
        spec = architectures.MODELS[name]
        body = spec["build"]()
        body.load_state_dict(torch.load(os.path.join(MODELS_DIR, f"{name}.pt")))
        body.eval()
        x_train, _ = datasets.load(spec["dataset"], "train")
        x_test, y_test = datasets.load(spec["dataset"], "test")
        calibration = np.ascontiguousarray(x_train[:calibration_size])
        float_pred = predictions(body, x_test)
        float_acc = float((float_pred == y_test).mean())
        for engine, scheme in ENGINES:
            started = time.monotonic()
            qmodel = quantize(body, engine, calibration)
            calib_seconds = time.monotonic() - started
            started = time.monotonic()
            int8_pred = predictions(qmodel, x_test)
            eval_seconds = time.monotonic() - started
            int8_acc = float((int8_pred == y_test).mean())
            rows.append({
                "model": name, "engine": engine, "weights": f"int8 {scheme} symmetric",
                "activations": "uint8 per-tensor affine (HistogramObserver)",
                "calibration_samples": len(calibration), "test_samples": len(x_test),
                "float_accuracy": round(float_acc, 4), "int8_accuracy": round(int8_acc, 4),
                "drop_points": round(100 * (float_acc - int8_acc), 2),
                "argmax_agreement": round(float((int8_pred == float_pred).mean()), 4),
                "calibrate_convert_s": round(calib_seconds, 1), "int8_eval_s": round(eval_seconds, 2),
            })
    return rows


def print_table(rows):
    header = f"{'model':<20} {'engine':<8} {'weights':<10} {'float acc':>9} {'int8 acc':>9} {'drop (pt)':>9} {'agree':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        scheme = r["weights"].split()[1]
        print(f"{r['model']:<20} {r['engine']:<8} {scheme:<10} {100 * r['float_accuracy']:>8.2f}% "
              f"{100 * r['int8_accuracy']:>8.2f}% {r['drop_points']:>9.2f} {100 * r['argmax_agreement']:>6.2f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["fmnist_mlp_sigmoid", "fmnist_mlp_relu"],
                        choices=sorted(architectures.MODELS))
    parser.add_argument("--calibration", type=int, default=1000, help="first N training samples")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--low-bits", type=int, nargs="*", default=[], metavar="B",
                        help="also run the fake-quantized b-bit peer for these bit widths (2..8)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args()
    if any(b < 2 or b > 8 for b in args.low_bits):
        parser.error("--low-bits: bit widths must be in 2..8")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)  # HistogramObserver is deterministic; set anyway so reruns match
    rows = run(args.models, args.calibration)
    low_bit_rows = run_low_bits(args.models, args.low_bits, args.calibration) if args.low_bits else []
    if args.json:
        print(json.dumps({"torch": torch.__version__, "rows": rows, "low_bit_rows": low_bit_rows}, indent=2))
    else:
        print_table(rows)
        if low_bit_rows:
            print()
            print_low_bit_table(low_bit_rows)


if __name__ == "__main__":
    main()
