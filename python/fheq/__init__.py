"""fheq: neural networks on encrypted data (TFHE), from Python.

    import fheq
    x, y = fheq.load_dataset("fashion-mnist", "train")
    m = fheq.compile_onnx("models/fmnist_mlp_fhe.onnx", x, calibration_y=y)
    m.forward(x_test[:10], fhe="simulate")          # float outputs; "disable" | "simulate" | "execute"
    m.save("ART")                                   # ART/client + ART/server, as `fheq compile -o ART`

    client = fheq.Client("ART"); client.keygen()
    out = fheq.Server("ART").run(client.encrypt(x_test[:4]), client.evaluation_keys())
    logits = client.decrypt(out)

    remote = fheq.RemoteServer("http://host:8080")      # a `fheq serve ART` elsewhere: the same run(), over HTTP
    out = remote.run(client.encrypt(x_test[:4]), client.evaluation_keys())   # keys uploaded only when missing

Every failure raises fheq.Error with one line naming the file, option or field at fault. The C++ core does the
work (the GIL is released meanwhile); nothing here is on the path from ONNX to the encrypted result that the C++
library does not also take.
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile
import weakref

import numpy as np

from . import _fheq
from ._fheq import Error, RemoteServer

__all__ = ["Error", "CompiledModel", "Client", "Server", "RemoteServer", "compile_onnx", "compile_torch",
           "load_dataset"]

_FHE_MODES = ("disable", "simulate", "execute")
_ROLES = ("inputs", "weights", "activations", "outputs")


def load_dataset(name, split):
    """(x, y) of a dataset fheq knows ("fashion-mnist", "digits", "iris", "wine", "breast-cancer"), as numpy."""
    return _fheq.load_dataset(name, split)


def _n_bits_options(n_bits):
    if isinstance(n_bits, dict):
        unknown = set(n_bits) - set(_ROLES)
        if unknown:
            raise Error(f"n_bits: unknown role {sorted(unknown)[0]!r} (roles: {', '.join(_ROLES)})")
        return {f"n_bits_{role}": int(bits) for role, bits in n_bits.items()}
    if isinstance(n_bits, (bool, float)) or not isinstance(n_bits, (int, np.integer)):
        raise Error(f"n_bits: expected an int or a dict of roles, got {type(n_bits).__name__}")
    return {"n_bits_inputs": int(n_bits), "n_bits_weights": int(n_bits), "n_bits_activations": int(n_bits)}


# Keyword argument → (C++ CompileOptions key, conversion); None keeps the library's default, as in the CLI.
_OPTION_KEYS = {
    "per_channel": ("per_channel", bool),
    "layer_weight_bits": ("layer_weight_bits", lambda d: {str(k): int(v) for k, v in dict(d).items()}),
    "calibration": ("calibration", str),
    "rounding": ("rounding", str),
    "rounding_mode": ("rounding_mode", str),
    "rounding_tolerance": ("rounding_tolerance", float),
    "p_error": ("p_error", float),
    "global_p_error": ("global_p_error", float),
    "threads": ("threads", int),
    "params": ("parameter_set", str),
}


def _options(n_bits, **kwargs):
    """The C++ CompileOptions keys for compile_onnx's keyword arguments."""
    o = {} if n_bits is None else _n_bits_options(n_bits)
    for name, value in kwargs.items():
        if value is not None:
            key, convert = _OPTION_KEYS[name]
            o[key] = convert(value)
    # As in the CLI: bits or a weight scale given by the user keep their meaning (no automatic bit allocation).
    if n_bits is not None or kwargs.get("per_channel") is not None or kwargs.get("layer_weight_bits") is not None:
        o["allocate_bits"] = False
    o["allow_toy_parameters"] = o.get("parameter_set", "").startswith("TOY")
    return o


def _as_float_array(x, what):
    try:
        a = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise Error(f"{what}: not a numeric array ({e})") from None
    if a.ndim < 1 or a.shape[0] == 0:
        raise Error(f"{what}: expected a batch [N, ...] with N ≥ 1, got shape {a.shape}")
    return a


def compile_onnx(path, calibration_x, n_bits=None, rounding=None, p_error=None, *, calibration_y=None,
                 per_channel=None, layer_weight_bits=None, calibration=None, rounding_mode=None,
                 rounding_tolerance=None, global_p_error=None, threads=None, params=None):
    """Quantizes (post-training, on calibration_x) and compiles an ONNX model; returns a CompiledModel.

    n_bits: int or {"inputs", "weights", "activations", "outputs": bits}; given (like per_channel), it is used
    as is, otherwise fheq allocates the weight bits. layer_weight_bits: {ONNX node name: bits} for single
    layers (also fixes the bits). rounding: "auto" | "none" | kept bits (int); the default
    is auto where an accumulator is wider than a PBS takes. calibration_y (labels) lets auto rounding bound the
    accuracy drop and the report predict accuracy. calibration: "minmax" | "percentile" | "mse".
    rounding_mode: "approximate" | "exact". p_error: per PBS (default 2^-40); global_p_error: per sample.
    threads: assumed by the latency estimate. params: force a named parameter set.
    """
    x = _as_float_array(calibration_x, "calibration_x")
    labels = [] if calibration_y is None else [int(v) for v in np.asarray(calibration_y).reshape(-1)]
    if labels and len(labels) != x.shape[0]:
        raise Error(f"calibration_y: {len(labels)} labels for {x.shape[0]} calibration samples")
    options = _options(n_bits, per_channel=per_channel, layer_weight_bits=layer_weight_bits,
                       calibration=calibration, rounding=rounding,
                       rounding_mode=rounding_mode, rounding_tolerance=rounding_tolerance, p_error=p_error,
                       global_p_error=global_p_error, threads=threads, params=params)
    core = _fheq.compile_onnx(os.fspath(path), x, labels, options)
    model = CompiledModel(core, allow_toy=options["allow_toy_parameters"])
    for note in model.report().get("notes", []):
        print(f"fheq: note: {note}", file=sys.stderr)
    return model


def compile_torch(module, calibration_x, *, opset=17, **kwargs):
    """Exports a torch.nn.Module to ONNX (torch.onnx, in-process, to a temporary file) and compiles it with
    compile_onnx's keyword arguments. Needs torch (Debian: python3-torch)."""
    try:
        import torch
    except ImportError:
        raise Error("compile_torch: torch does not import (Debian: apt-get install python3-torch)") from None
    x = _as_float_array(calibration_x, "calibration_x")
    with tempfile.TemporaryDirectory(prefix="fheq_torch_") as tmp:
        path = os.path.join(tmp, "model.onnx")
        was_training = module.training
        module.eval()
        try:
            torch.onnx.export(module, torch.from_numpy(x[:1]).float(), path, opset_version=opset,
                              input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        finally:
            module.train(was_training)
        return compile_onnx(path, x, **kwargs)


class CompiledModel:
    """A compiled model: forward() in the clear, simulated or encrypted; report(); save()."""

    def __init__(self, core, allow_toy=False):
        self._core = core
        self._allow_toy = allow_toy
        self._execution = None  # (artifact dir, Client with keys, Server): made on the first fhe="execute"

    def forward(self, x, fhe="disable", seed=1, threads=0):
        """Float outputs [N, ...] for inputs [N, ...] (numpy). fhe: "disable" (the integer circuit in the clear),
        "simulate" (the clear circuit plus the parameters' sampled noise, replayable from seed), "execute"
        (keys made on the first call and kept; encrypt, evaluate on `threads` (0: every core), decrypt)."""
        if fhe not in _FHE_MODES:
            raise Error(f"forward: fhe={fhe!r}: expected one of {', '.join(_FHE_MODES)}")
        a = _as_float_array(x, "forward")
        if fhe == "disable":
            return self._core.predict_clear(a)
        if fhe == "simulate":
            return self._core.predict_simulate(a, int(seed))
        client, server = self._executor(threads)
        result, _ = server.run(client.encrypt(a))
        return client.decrypt(result)

    def _executor(self, threads):
        if self._execution is None or self._execution[3] != threads:
            art = tempfile.mkdtemp(prefix="fheq_model_")
            weakref.finalize(self, shutil.rmtree, art, True)
            self._core.save(art)
            client = _fheq.Client(art, self._allow_toy)
            client.generate_keys()
            server = _fheq.Server(art, client.evaluation_keys(), threads, self._allow_toy)
            self._execution = (art, client, server, threads)
        return self._execution[1], self._execution[2]

    def report(self):
        """The compile report as a dict: PBS count, bit widths, parameters, p_error, estimated latency, ..."""
        return json.loads(self._core.report_json())

    def report_text(self):
        return self._core.report_text()

    def save(self, path):
        """Writes PATH/client and PATH/server (as `fheq compile -o PATH`); returns the circuit fingerprint."""
        return self._core.save(os.fspath(path))


class Client:
    """The key owner: loads ART/client, makes keys, encrypts and decrypts (bytes in and out)."""

    def __init__(self, artifact_dir, allow_toy_params=False):
        self._core = _fheq.Client(os.fspath(artifact_dir), allow_toy_params)

    def keygen(self):
        """New secret key and evaluation keys (randomness from the OS)."""
        self._core.generate_keys()

    def evaluation_keys(self):
        """The evaluation keys as bytes (the `fheq keygen` eval.keys file): what the server gets."""
        return self._core.evaluation_keys()

    def save_keys(self, secret_key_path, evaluation_keys_path):
        self._core.save_keys(os.fspath(secret_key_path), os.fspath(evaluation_keys_path))

    def load_secret_key(self, path):
        self._core.load_secret_key(os.fspath(path))

    def encrypt(self, x):
        """Float inputs [N, ...] → one ciphertext blob for the batch (the `fheq encrypt` file's bytes)."""
        return self._core.encrypt(_as_float_array(x, "encrypt"))

    def decrypt(self, ciphertexts):
        """Result bytes (the `fheq run` file's) → float outputs [N, ...]."""
        return self._core.decrypt(bytes(ciphertexts))

    def decrypt_accumulators(self, ciphertexts):
        """Result bytes → the output accumulators (integers) before dequantization."""
        return self._core.decrypt_accumulators(bytes(ciphertexts))

    @property
    def params_name(self):
        return self._core.params_name

    @property
    def circuit_fingerprint(self):
        return self._core.circuit_fingerprint


class Server:
    """The evaluator: loads ART/server; run(ciphertexts, evaluation_keys) → result bytes. It never accepts a
    secret key (refused by its header before it is parsed). The expanded keys of the last client are kept."""

    def __init__(self, artifact_dir, threads=0, allow_toy_params=False):
        self._dir = os.fspath(artifact_dir)
        self._threads = int(threads)
        self._allow_toy = allow_toy_params
        self._keys = None  # (sha256 of the key bytes, the C++ server with them expanded)
        self.last_report = None

    def run(self, ciphertexts, evaluation_keys):
        digest = hashlib.sha256(evaluation_keys).digest()
        if self._keys is None or self._keys[0] != digest:
            self._keys = (digest, _fheq.Server(self._dir, bytes(evaluation_keys), self._threads, self._allow_toy))
        result, self.last_report = self._keys[1].run(bytes(ciphertexts))
        return result
