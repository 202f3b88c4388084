#!/usr/bin/python3
"""fheq from Python: compile a shipped model, check its simulated accuracy, then run a few images encrypted with
the client and the server apart (only bytes pass between them).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py
"""
import os
import tempfile
import time

import numpy as np

import fheq

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
start = time.time()

# 1. Compile: post-training quantization on the training split, rounding and parameters chosen by fheq.
x_train, y_train = fheq.load_dataset("fashion-mnist", "train")
x_test, y_test = fheq.load_dataset("fashion-mnist", "test")
model = fheq.compile_onnx(os.path.join(ROOT, "models", "fmnist_mlp_fhe.onnx"), x_train, calibration_y=y_train)
report = model.report()
print(f"compiled: {report['pbs_count']} PBS per image, parameters {report['params']['name']}, "
      f"estimated {report['estimated_latency_ms']:.0f} ms per image")

# 2. Accuracy of the FHE circuit, simulated (clear integers plus the parameters' sampled noise).
simulated = model.forward(x_test, fhe="simulate")
print(f"simulated accuracy on {len(y_test)} test images: {np.mean(simulated.argmax(1) == y_test):.4f}")

# 3. Encrypted: the client keeps the secret key; the server sees evaluation keys and ciphertexts only.
with tempfile.TemporaryDirectory() as tmp:
    model.save(os.path.join(tmp, "ART"))
    client = fheq.Client(os.path.join(tmp, "ART"))
    client.keygen()
    evaluation_keys = client.evaluation_keys()
    ciphertexts = client.encrypt(x_test[:8])

    server = fheq.Server(os.path.join(tmp, "ART"))
    result = server.run(ciphertexts, evaluation_keys)

    predictions = client.decrypt(result).argmax(1)
    print(f"encrypted: {np.sum(predictions == y_test[:8])}/8 correct, "
          f"{server.last_report['ms_per_sample']:.0f} ms per image on the server "
          f"({len(evaluation_keys) / 2**20:.1f} MiB of evaluation keys, {len(ciphertexts) / 2**10:.0f} KiB in, "
          f"{len(result) / 2**10:.0f} KiB out)")
print(f"done in {time.time() - start:.1f} s")
