"""fheq_qat: quantization-aware training for fheq, on Debian's PyTorch, exported as QONNX ``Quant`` nodes.

Drop-in modules replace ``nn.Linear`` / ``nn.Conv2d`` and put quantizers on activations; the exported ONNX carries
each quantizer's scale, zero point and bit width, which fheq takes as the model's integer grid instead of
calibrating (docs/QAT.md). Python is only needed to train and export; fheq's path from the ONNX file to an
encrypted result is C++.

    import fheq_qat as q
    model = nn.Sequential(q.QuantInput(bits=8), nn.Flatten(),
                          q.QuantLinear(784, 128, weight_bits=4), nn.ReLU(), q.QuantAct(bits=4),
                          q.QuantLinear(128, 10, weight_bits=4))
    ... train as usual ...
    q.export_qonnx(model, example_batch, "model.onnx")

Quantizer (QONNX IntQuant): y = (clamp(round(x / s + z), qmin, qmax) - z) * s, round half to even, with
straight-through gradients for x and learned-step-size gradients for s (Esser et al. 2020, "Learned Step Size
Quantization"). Weights are symmetric and narrow (z = 0, codes in [-(2^(b-1) - 1), 2^(b-1) - 1]) with one scale
per output channel taken from the weights themselves. The optional accumulator bound (as accumulator-aware
quantization, Colbert et al. 2023, "A2Q") caps each output channel's integer L1 norm so every accumulator of the
layer fits ``accumulator_bits`` signed bits for any input the previous quantizer can produce.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

QONNX_DOMAIN = "qonnx.custom_op.general"

__all__ = ["QuantInput", "QuantAct", "QuantReLU", "QuantLinear", "QuantConv2d", "range_penalty", "export_qonnx",
           "code_range"]


def code_range(bits, signed, narrow):
    """QONNX integer range of a quantizer."""
    if signed:
        return -(2 ** (bits - 1)) + (1 if narrow else 0), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - (1 if narrow else 0)


def _round_ste(x):
    # torch.round rounds half to even, as QONNX's ROUND and fheq do; the gradient passes straight through.
    return (torch.round(x) - x).detach() + x


class _QuantExport(torch.autograd.Function):
    """The forward of the quantizer, written to ONNX as one QONNX Quant node."""

    @staticmethod
    def forward(ctx, x, scale, zero_point, bit_width, signed, narrow):
        qmin, qmax = code_range(int(bit_width.item()), signed, narrow)
        return (torch.clamp(torch.round(x / scale + zero_point), qmin, qmax) - zero_point) * scale

    @staticmethod
    def symbolic(g, x, scale, zero_point, bit_width, signed, narrow):
        return g.op(QONNX_DOMAIN + "::Quant", x, scale, zero_point, bit_width,
                    signed_i=int(signed), narrow_i=int(narrow), rounding_mode_s="ROUND")


def fake_quant(x, scale, bits, signed, narrow):
    """Differentiable fake quantization (training) or the exported Quant node (inside torch.onnx.export)."""
    zero = torch.zeros((), dtype=x.dtype)
    if torch.onnx.is_in_onnx_export():
        return _QuantExport.apply(x, scale, zero, torch.tensor(float(bits)), signed, narrow)
    qmin, qmax = code_range(bits, signed, narrow)
    return torch.clamp(_round_ste(x / scale), qmin, qmax) * scale


class QuantAct(nn.Module):
    """Activation quantizer with a learned scale, initialised from the first training batch (max |x|)."""

    def __init__(self, bits=4, signed=False):
        super().__init__()
        self.bits, self.signed = bits, signed
        self.scale = nn.Parameter(torch.tensor(1.0))
        self.register_buffer("initialised", torch.tensor(False))

    def forward(self, x):
        if not bool(self.initialised):
            qmax = code_range(self.bits, self.signed, False)[1]
            with torch.no_grad():
                self.scale.copy_(x.detach().abs().max().clamp(min=1e-6) / qmax)
                self.initialised.fill_(True)
        return fake_quant(x, self.scale.abs() + 1e-8, self.bits, self.signed, False)


class QuantReLU(QuantAct):
    """ReLU followed by an unsigned activation quantizer, which also measures how far its input (the layer's
    accumulator) strays outside the window [-low * top, top], top = (2^bits - 0.5) * scale: the part of the
    accumulator's range where the output changes. fheq rounds each accumulator to a few bits over its whole range
    before the table lookup, so a range much wider than the window leaves too few steps inside it; add
    ``range_penalty(model)`` to the loss to keep the range near the window (as fheq's FHE-friendly models are
    trained, models/README.md)."""

    def __init__(self, bits=4, low=1.0, rounding_bits=None):
        super().__init__(bits, signed=False)
        self.low, self.rounding_bits = low, rounding_bits
        self.penalty = None

    def forward(self, x):
        if self.training and bool(self.initialised):
            top = (2 ** self.bits - 0.5) * (self.scale.abs() + 1e-8)
            outside = torch.relu(x - top) + torch.relu(-self.low * top - x)
            self.penalty = (outside / top).pow(2).mean()
            if self.rounding_bits is not None:
                # What fheq's rounding does to the accumulator: keep `rounding_bits` over the window (widened by
                # fheq's 25 % table margin per side), at an alignment the training cannot know (random offset).
                step = ((1 + self.low) * top * 1.5 / 2 ** self.rounding_bits).detach()
                offset = torch.rand(()) * step
                x = _round_ste((x - offset) / step) * step + offset
        return super().forward(torch.relu(x))


def range_penalty(model):
    """Sum of the QuantReLU window penalties of the last training forward (0 when there are none)."""
    terms = [m.penalty for m in model.modules() if isinstance(m, QuantReLU) and m.penalty is not None]
    return sum(terms) if terms else torch.zeros(())


class QuantInput(QuantAct):
    """The input quantizer: its grid is what fheq's client encrypts."""

    def __init__(self, bits=8, signed=False):
        super().__init__(bits, signed)


def _weight_scale(w, bits, accumulator_bits, input_bits, input_signed):
    """Per-output-channel symmetric scale; with an accumulator bound, large enough that the integer L1 norm of
    each row stays within the bound: sum |round(w/s)| <= sum |w|/s + cols/2 <= T."""
    rows = w.reshape(w.shape[0], -1)
    qmax = 2 ** (bits - 1) - 1
    scale = rows.abs().max(dim=1).values.clamp(min=1e-8) / qmax
    if accumulator_bits is not None:
        largest_input = 2 ** input_bits if not input_signed else 2 ** (input_bits - 1)
        budget = (2 ** (accumulator_bits - 1) - 1) / largest_input - rows.shape[1] / 2
        if budget <= 0:
            raise ValueError(f"accumulator_bits={accumulator_bits} is too small for {rows.shape[1]} inputs "
                             f"of {input_bits} bits")
        scale = torch.maximum(scale, rows.abs().sum(dim=1) / budget)
    return scale.detach()


class _QuantWeights:
    def quant_weight(self):
        scale = _weight_scale(self.weight, self.weight_bits, self.accumulator_bits, self.input_bits, self.input_signed)
        shape = [-1] + [1] * (self.weight.dim() - 1)
        return fake_quant(self.weight, scale.reshape(shape), self.weight_bits, True, True)


class QuantLinear(nn.Linear, _QuantWeights):
    """nn.Linear with n-bit per-channel weights (bias stays float: fheq folds it into the next table)."""

    def __init__(self, in_features, out_features, bias=True, weight_bits=4, accumulator_bits=None, input_bits=8,
                 input_signed=False):
        super().__init__(in_features, out_features, bias)
        self.weight_bits, self.accumulator_bits = weight_bits, accumulator_bits
        self.input_bits, self.input_signed = input_bits, input_signed

    def forward(self, x):
        return F.linear(x, self.quant_weight(), self.bias)


class QuantConv2d(nn.Conv2d, _QuantWeights):
    """nn.Conv2d with n-bit per-channel weights."""

    def __init__(self, *args, weight_bits=4, accumulator_bits=None, input_bits=8, input_signed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight_bits, self.accumulator_bits = weight_bits, accumulator_bits
        self.input_bits, self.input_signed = input_bits, input_signed

    def forward(self, x):
        return self._conv_forward(x, self.quant_weight(), self.bias)


def export_qonnx(model, example, path, opset=13):
    """Writes `model` (eval mode) with QONNX Quant nodes; dynamic batch; input 'input', output 'output'."""
    import onnx

    model.eval()
    torch.onnx.export(model, (example,), path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      custom_opsets={QONNX_DOMAIN: 1}, do_constant_folding=False)
    onnx.checker.check_model(onnx.load(path))
