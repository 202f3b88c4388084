#!/usr/bin/python3
"""The Python package's encrypted path against the CLI's on one artifact (issue #12's target: forward(fhe="execute")
within 5 % of `fheq run`). Same machine, same artifact, same evaluation keys, same threads.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_vs_cli.py [--count 20] [--threads 2] [--repeat 3]

Prints the machine, the parameters, and per image: the server's evaluation (CLI `fheq run` vs fheq.Server.run on
the same ciphertext bytes) and the whole client + server round trip (CLI encrypt + run + decrypt as processes vs
CompiledModel.forward(fhe="execute") with its keys made once)."""
import argparse
import json
import os
import platform
import subprocess
import tempfile
import time

import numpy as np

import fheq

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CLI = os.environ.get("FHEQ_CLI", os.path.join(ROOT, "build", "tools", "fheq", "fheq"))
MODEL = os.path.join(ROOT, "models", "fmnist_mlp_fhe.onnx")


def cli(*args):
    run = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, check=True)
    return run.stdout + run.stderr


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    x, y = fheq.load_dataset("fashion-mnist", "train")
    xt, _ = fheq.load_dataset("fashion-mnist", "test")
    batch = xt[: a.count]
    model = fheq.compile_onnx(MODEL, x, calibration_y=y)
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; threads {a.threads}; {a.count} images; best of {a.repeat}")
    print(f"model: {MODEL}; parameters {model.report()['params']['name']}; {model.report()['pbs_count']} PBS per image")
    with tempfile.TemporaryDirectory() as tmp:
        art, keys = os.path.join(tmp, "ART"), os.path.join(tmp, "KEYS")
        model.save(art)
        cli("keygen", art, "-o", keys)
        np.save(os.path.join(tmp, "x.npy"), batch)
        cli("encrypt", art, "--key", os.path.join(keys, "secret.key"), "--data", os.path.join(tmp, "x.npy"),
            "-o", os.path.join(tmp, "IN.ct"))
        with open(os.path.join(tmp, "IN.ct"), "rb") as f:
            ciphertexts = f.read()
        with open(os.path.join(keys, "eval.keys"), "rb") as f:
            evaluation_keys = f.read()

        cli_eval, cli_round_trip = [], []
        for _ in range(a.repeat):
            out = cli("run", art, os.path.join(tmp, "IN.ct"), "--eval-keys", os.path.join(keys, "eval.keys"),
                      "-o", os.path.join(tmp, "OUT.ct"), "--threads", a.threads)
            cli_eval.append(float(out.split("ms evaluation (")[1].split(" ms/sample")[0]))
            start = time.perf_counter()
            cli("encrypt", art, "--key", os.path.join(keys, "secret.key"), "--data", os.path.join(tmp, "x.npy"),
                "-o", os.path.join(tmp, "IN2.ct"))
            cli("run", art, os.path.join(tmp, "IN2.ct"), "--eval-keys", os.path.join(keys, "eval.keys"),
                "-o", os.path.join(tmp, "OUT2.ct"), "--threads", a.threads)
            cli("decrypt", art, os.path.join(tmp, "OUT2.ct"), "--key", os.path.join(keys, "secret.key"), "--json")
            cli_round_trip.append((time.perf_counter() - start) * 1e3 / a.count)

        server = fheq.Server(art, threads=a.threads)
        server.run(ciphertexts, evaluation_keys)  # expands the keys once, as the CLI's run does before its timer
        py_eval = []
        for _ in range(a.repeat):
            server.run(ciphertexts, evaluation_keys)
            py_eval.append(server.last_report["ms_per_sample"])
        model.forward(batch[:1], fhe="execute", threads=a.threads)  # keys made once
        py_round_trip = []
        for _ in range(a.repeat):
            start = time.perf_counter()
            model.forward(batch, fhe="execute", threads=a.threads)
            py_round_trip.append((time.perf_counter() - start) * 1e3 / a.count)

    rows = [("server evaluation", min(cli_eval), min(py_eval)),
            ("round trip (encrypt, run, decrypt)", min(cli_round_trip), min(py_round_trip))]
    print(f"{'ms per image':36s} {'CLI':>9s} {'Python':>9s} {'Python/CLI':>10s}")
    for name, c, py in rows:
        print(f"{name:36s} {c:9.1f} {py:9.1f} {py / c:10.3f}")
    print(json.dumps({name: {"cli_ms": c, "python_ms": py} for name, c, py in rows}))


if __name__ == "__main__":
    main()
