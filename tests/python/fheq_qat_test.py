#!/usr/bin/python3
"""fheq_qat (python/fheq_qat) against its definitions: the training forward equals the QONNX IntQuant formula
evaluated independently in NumPy, weight codes stay in their narrow signed range, and the accumulator bound holds
for the worst-case input. Run by ctest (tests/CMakeLists.txt) with Debian's /usr/bin/python3; the seed is
printed and FHEQ_TEST_SEED replays it."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import fheq_qat as q  # noqa: E402


def intquant_numpy(x, scale, bits, signed, narrow):
    lo, hi = (-(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1 - narrow)
    return np.clip(np.round(x / scale), lo, hi) * scale  # np.round: half to even, as QONNX ROUND


def main():
    seed = int(os.environ.get("FHEQ_TEST_SEED", int.from_bytes(os.urandom(4), "little")))
    print(f"[ seed ] FHEQ_TEST_SEED={seed}", flush=True)
    torch.manual_seed(seed)
    failures = []

    x = torch.randn(1000, dtype=torch.float64) * 3
    for bits, signed, narrow in [(2, False, 0), (4, False, 0), (3, True, 1), (8, True, 0)]:
        scale = torch.tensor(0.37, dtype=torch.float64)
        got = q.fake_quant(x, scale, bits, signed, bool(narrow)).numpy()
        want = intquant_numpy(x.numpy(), 0.37, bits, signed, narrow)
        if not np.array_equal(got, want):
            failures.append(f"fake_quant {bits}-bit signed={signed} narrow={narrow}: {np.abs(got - want).max()}")

    for in_features, acc_bits, input_bits in [(784, 16, 4), (64, 10, 2), (128, 12, 3)]:
        layer = q.QuantLinear(in_features, 16, weight_bits=4, accumulator_bits=acc_bits, input_bits=input_bits)
        with torch.no_grad():
            layer.weight.mul_(20)  # large weights: the bound, not the weight range, must decide
        w = layer.quant_weight().detach()
        scale = q._weight_scale(layer.weight, 4, acc_bits, input_bits, False).reshape(-1, 1)
        codes = torch.round(w / scale)
        if codes.abs().max() > 7:
            failures.append(f"weight codes beyond the narrow 4-bit range: {codes.abs().max()}")
        worst = codes.abs().sum(dim=1) * (2 ** input_bits)  # the largest |accumulator| any input can give
        if worst.max() > 2 ** (acc_bits - 1) - 1:
            failures.append(f"{in_features} inputs, {acc_bits}-bit bound: worst accumulator {worst.max()}")

    for failure in failures:
        print("FAIL:", failure)
    print(f"fheq_qat: {4 + 3 - len(failures)} of 7 checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
