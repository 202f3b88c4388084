"""The Python package fheq (python/fheq, build/python) against the CLI on the same artifacts, its bytes round
trips, and its errors. Run by ctest with PYTHONPATH=build/python and FHEQ_CLI=the fheq binary."""

import json
import os
import re
import signal
import subprocess

import numpy as np
import pytest

import fheq

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("FHEQ_CLI", os.path.join(ROOT, "build", "tools", "fheq", "fheq"))
DIGITS = os.path.join(ROOT, "models", "digits_mlp.onnx")


def cli(*args, env=None):
    run = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, f"fheq {' '.join(map(str, args))}: {run.stderr}"
    return run.stdout


@pytest.fixture(scope="module")
def digits():
    x, y = fheq.load_dataset("digits", "train")
    xt, yt = fheq.load_dataset("digits", "test")
    return x, y, xt, yt


@pytest.fixture(scope="module")
def default_model(digits):
    x, y, _, _ = digits
    return fheq.compile_onnx(DIGITS, x, calibration_y=y)


def test_default_compile_is_the_clis_circuit_and_simulate_its_accuracy(digits, default_model, tmp_path):
    _, _, xt, yt = digits
    fingerprint = default_model.save(tmp_path / "ART")
    written = cli("compile", DIGITS, "--dataset", "digits", "-o", tmp_path / "ART_CLI")
    assert f"circuit {fingerprint:016x}" in written
    report = default_model.report()
    assert report["pbs_count"] > 0 and report["params"]["name"].startswith(("CONCRETE", "DERIVED", "TFHERS"))
    evaluated = json.loads(cli("eval", DIGITS, "--dataset", "digits", "--mode", "simulate", "--json"))
    simulated = default_model.forward(xt, fhe="simulate", seed=1)
    assert simulated.shape == (xt.shape[0], 10)
    assert np.mean(simulated.argmax(1) == yt) == evaluated["fhe_accuracy"]


def test_server_on_bytes_computes_what_the_cli_computes_on_files(default_model, digits, tmp_path):
    _, _, xt, _ = digits
    art, keys = tmp_path / "ART", tmp_path / "KEYS"
    default_model.save(art)
    cli("keygen", art, "-o", keys)
    client = fheq.Client(art)
    client.load_secret_key(keys / "secret.key")
    ciphertexts = client.encrypt(xt[:3])
    (tmp_path / "IN.ct").write_bytes(ciphertexts)
    cli("run", art, tmp_path / "IN.ct", "--eval-keys", keys / "eval.keys", "-o", tmp_path / "OUT.ct")
    server = fheq.Server(art)
    result = server.run(ciphertexts, (keys / "eval.keys").read_bytes())
    assert result == (tmp_path / "OUT.ct").read_bytes()
    assert server.last_report["samples"] == 3 and server.last_report["pbs"] == 3 * report_pbs(default_model)
    decrypted = json.loads(cli("decrypt", art, tmp_path / "OUT.ct", "--key", keys / "secret.key", "--json"))
    assert client.decrypt_accumulators(result).reshape(-1).tolist() == decrypted["accumulators"]
    assert np.allclose(client.decrypt(result).reshape(-1), decrypted["outputs"], rtol=0, atol=1e-9)


def report_pbs(model):
    return model.report()["pbs_count"]


def test_encrypted_round_trip_on_bytes_equals_the_clear_circuit(digits, tmp_path):
    # Exact rounding on a TOY set (tests only): the decrypted outputs equal the clear circuit's exactly.
    x, y, xt, _ = digits
    model = fheq.compile_onnx(DIGITS, x, n_bits=2, calibration_y=y, rounding_mode="exact", params="TOY_P7")
    assert np.array_equal(model.forward(xt[:5], fhe="execute"), model.forward(xt[:5], fhe="disable"))
    model.save(tmp_path / "ART")
    client = fheq.Client(tmp_path / "ART", allow_toy_params=True)
    client.keygen()
    server = fheq.Server(tmp_path / "ART", allow_toy_params=True)
    out = server.run(client.encrypt(xt[:4]), client.evaluation_keys())
    assert np.array_equal(client.decrypt(out), model.forward(xt[:4], fhe="disable"))
    # The result decrypts only under its own key pair.
    other = fheq.Client(tmp_path / "ART", allow_toy_params=True)
    other.keygen()
    with pytest.raises(fheq.Error, match="ciphertext bytes: made with key pair"):
        other.decrypt(out)


def test_the_server_refuses_a_secret_key_and_malformed_bytes(default_model, digits, tmp_path):
    _, _, xt, _ = digits
    art, keys = tmp_path / "ART", tmp_path / "KEYS"
    default_model.save(art)
    client = fheq.Client(art)
    client.keygen()
    client.save_keys(keys.with_suffix(".secret"), keys.with_suffix(".eval"))
    ciphertexts = client.encrypt(xt[:1])
    server = fheq.Server(art)
    with pytest.raises(fheq.Error, match="SECRET key"):
        server.run(ciphertexts, keys.with_suffix(".secret").read_bytes())
    with pytest.raises(fheq.Error, match="ciphertext bytes: not an fheq"):
        server.run(b"garbage", client.evaluation_keys())
    with pytest.raises(fheq.Error, match="ciphertext bytes: file is truncated"):
        server.run(ciphertexts[:-5], client.evaluation_keys())


def test_bad_arguments_raise_one_line_fheq_errors(digits, default_model, tmp_path):
    x, y, xt, _ = digits
    cases = [
        (lambda: fheq.compile_onnx(tmp_path / "missing.onnx", x), "missing.onnx"),
        (lambda: fheq.compile_onnx(DIGITS, x, n_bits={"weight": 3}), "n_bits: unknown role 'weight'"),
        (lambda: fheq.compile_onnx(DIGITS, x, rounding="x"), "rounding 'x'"),
        (lambda: fheq.compile_onnx(DIGITS, x, rounding_mode="up"), "rounding_mode 'up'"),
        (lambda: fheq.compile_onnx(DIGITS, x, calibration="median"), "median"),
        (lambda: fheq.compile_onnx(DIGITS, x, calibration_y=y[:3]), "calibration_y: 3 labels"),
        (lambda: fheq.compile_onnx(DIGITS, x[:0]), "calibration_x"),
        (lambda: fheq.compile_onnx(DIGITS, x, layer_weight_bits={"/1/Relu": 3}), "'/1/Relu', which is not a node"),
        (lambda: default_model.forward(xt[:2, :10]), "does not match the model input"),
        (lambda: default_model.forward(xt[:2], fhe="gpu"), "fhe='gpu'"),
        (lambda: fheq.Client(tmp_path / "nowhere"), "nowhere"),
    ]
    for call, fragment in cases:
        with pytest.raises(fheq.Error) as caught:
            call()
        message = str(caught.value)
        assert fragment in message and "\n" not in message, message


def test_layer_weight_bits_set_one_layer_and_fix_the_bits(digits):
    x, y, _, _ = digits
    model = fheq.compile_onnx(DIGITS, x, calibration_y=y, layer_weight_bits={"/2/Gemm": 3})
    report = model.report()
    assert "by layer: /2/Gemm=3" in report["quantization"], report["quantization"]
    assert "allocation" not in report  # given bits keep their meaning, as on the CLI


def test_compile_torch_exports_and_compiles_a_module(digits):
    torch = pytest.importorskip("torch")
    x, y, xt, _ = digits
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    # Trained briefly (full batch, as a user would): an untrained net's logits tie, and any rounding flips them.
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    inputs, labels = torch.from_numpy(x).float(), torch.from_numpy(y)
    for _ in range(150):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(inputs), labels).backward()
        optimizer.step()
    model = fheq.compile_torch(net, x, n_bits=8, calibration_y=y)
    with torch.no_grad():
        reference = net(torch.from_numpy(xt).float()).numpy()
    clear = model.forward(xt)
    assert clear.shape == reference.shape
    assert np.mean(clear.argmax(1) == reference.argmax(1)) >= 0.9
    assert net.training  # the module's mode is restored after the export


def test_remote_server_over_fheq_serve_equals_the_local_server(default_model, digits, tmp_path):
    _, _, xt, _ = digits
    art = tmp_path / "ART"
    default_model.save(art)
    client = fheq.Client(art)
    client.keygen()
    keys, ciphertexts = client.evaluation_keys(), client.encrypt(xt[:2])
    serve = subprocess.Popen([CLI, "serve", str(art), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)", serve.stdout.readline()).group(1)
        remote = fheq.RemoteServer(f"http://127.0.0.1:{port}")
        assert remote.healthy()
        assert fheq.RemoteServer.key_id(keys) not in (None, "")
        result = remote.run(ciphertexts, keys)  # uploads the keys on the first 404
        assert result == fheq.Server(art).run(ciphertexts, keys)
        with pytest.raises(fheq.Error, match="HTTP 400: ciphertext bytes: not an fheq"):
            remote.run(b"junk", keys)
    finally:
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=30) == 0
