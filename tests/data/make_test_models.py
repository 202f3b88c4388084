#!/usr/bin/python3
"""Generates the small ONNX test models of tests/graph and their PyTorch reference outputs.

Run with the Debian interpreter (torch 1.13, onnx 1.12):
    /usr/bin/python3 tests/data/make_test_models.py

For each model NAME it writes tests/data/onnx/NAME.onnx (exported from float32 weights with a
dynamic batch dim), NAME.input.npy (float32 values) and NAME.output.npy: the same network
evaluated by PyTorch in float64 on the same input, so the C++ double-precision executor can be
held to a tight relative tolerance. Models whose import must fail are built with onnx.helper and
have no .npy files. Deterministic (fixed seeds).
"""
import io
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx")


def export(name, model, example, opset=13, randomize_bn=True, keep_batch_norm=False, dynamic_batch=True):
    """Exports `model` (eval mode) and stores the float64 reference output for `example`.

    keep_batch_norm: export with TrainingMode.PRESERVE, which skips torch's own eval-mode
    Conv+BatchNorm fusion, so the BatchNormalization nodes reach our importer.
    dynamic_batch=False: export with a fixed batch of 1 (the reference still covers all of `example`)."""
    model.eval()
    if randomize_bn:
        gen = torch.Generator().manual_seed(1234)
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.5)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.data.copy_(torch.randn(c, generator=gen))
                m.bias.data.copy_(torch.randn(c, generator=gen))
    buffer = io.BytesIO()
    torch.onnx.export(model, (example if dynamic_batch else example[:1],), buffer, opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None,
                      do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL)
    onnx_model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(onnx_model)
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(buffer.getvalue())
    with torch.no_grad():
        reference = model.double()(example.double())
    np.save(os.path.join(OUT, name + ".input.npy"), example.numpy().astype(np.float32))
    np.save(os.path.join(OUT, name + ".output.npy"), reference.numpy().astype(np.float64))
    ops = sorted({n.op_type for n in onnx_model.graph.node})
    print(f"{name}: opset {opset}, ops {ops}")


class MatMulBias(nn.Module):
    """x @ W + b on a 3-D input: exported as MatMul + Add (not Gemm)."""
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(6, 4))
        self.b = nn.Parameter(torch.randn(4))

    def forward(self, x):
        return x @ self.w + self.b


class Activations(nn.Module):
    """Each activation on the same input, concatenated (Concat on axis 1)."""
    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(num_parameters=1, init=0.3)

    def forward(self, x):
        outs = [F.relu(x), F.leaky_relu(x, 0.1), self.prelu(x), torch.sigmoid(x), torch.tanh(x),
                F.softplus(x), F.elu(x, 0.7), F.selu(x), F.hardsigmoid(x), F.hardswish(x),
                F.gelu(x), torch.clamp(x, -0.5, 0.8), F.relu6(x), F.celu(x, 1.3), F.softsign(x)]
        return torch.cat(outs, dim=1)


class MathOps(nn.Module):
    """Exp, Log, Abs, Neg, Sqrt, Pow, Div/Mul/Sub by constants, Erf."""
    def forward(self, x):
        outs = [torch.exp(x), torch.log(torch.abs(x) + 1.0), -x, torch.sqrt(torch.abs(x)), x ** 2, x ** 3,
                torch.pow(torch.abs(x), 1.5), x / 3.0, x * 2.5 - 1.0, torch.erf(x), 1.0 - x]
        return torch.cat(outs, dim=1)


class Broadcasting(nn.Module):
    """numpy broadcasting against constants of several ranks; product of two computed tensors."""
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.randn(4, 1))
        self.b = nn.Parameter(torch.randn(3, 1, 1))
        self.c = nn.Parameter(torch.randn(5))

    def forward(self, x):  # x: [N, 3, 4, 5]
        y = x + self.a
        y = y * self.b
        y = y - self.c
        return y * torch.sigmoid(x)


class ShapeOps(nn.Module):
    """Transpose, Reshape via the Shape→Gather→Unsqueeze→Concat chain, Flatten, Pad, Concat."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2 * 4 * 6 + 2 * 6 * 8, 5)

    def forward(self, x):  # x: [N, 2, 4, 6]
        t = x.permute(0, 1, 3, 2)  # [N, 2, 6, 4]
        p = F.pad(t, (1, 3, 0, 0), mode="constant", value=0.25)  # [N, 2, 6, 8]
        a = x.view(x.size(0), -1)
        b = torch.flatten(p, 1)
        return self.fc(torch.cat([a, b], dim=1))


class PadModes(nn.Module):
    def forward(self, x):  # x: [N, 2, 4, 5]
        r = F.pad(x, (2, 1, 1, 2), mode="reflect")
        e = F.pad(x, (2, 1, 1, 2), mode="replicate")
        return torch.cat([r, e], dim=1)


class ZeroPads(nn.Module):
    """Zero padding the importer folds into the next Conv / AveragePool (ZeroPad2d, and the Pad
    torch writes for AvgPool2d), a zero-width pad (removed), and one that must stay (before Relu)."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)

    def forward(self, x):  # x: [N, 2, 6, 7]
        y = torch.tanh(self.conv(F.pad(x, (1, 2, 0, 1))))
        y = F.avg_pool2d(y, 2, padding=1, count_include_pad=True)
        y = F.max_pool2d(F.pad(y, (0, 0, 0, 0)), 2)
        return torch.relu(F.pad(y, (1, 0, 0, 1))).flatten(1)


class BatchNormNet(nn.Module):
    """BN directly on the input (not foldable), Conv→BN (foldable), Linear→BN1d (foldable)."""
    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(2)
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.bn_conv = nn.BatchNorm2d(4)
        self.conv_nobias = nn.Conv2d(4, 3, 3, bias=False)
        self.bn_nobias = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 4 * 4, 6)
        self.bn_fc = nn.BatchNorm1d(6)

    def forward(self, x):  # x: [N, 2, 6, 6]
        x = self.bn_in(x)
        x = F.relu(self.bn_conv(self.conv(x)))
        x = F.relu(self.bn_nobias(self.conv_nobias(x)))
        return self.bn_fc(self.fc(torch.flatten(x, 1)))


class SoftmaxTail(nn.Module):
    def __init__(self, log):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 4)
        self.log = log

    def forward(self, x):
        z = self.fc2(torch.relu(self.fc1(x)))
        return F.log_softmax(z, dim=1) if self.log else F.softmax(z, dim=1)


class SmallCnn(nn.Module):
    """The performance test's Fashion-MNIST-shaped CNN (random weights)."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class ViewLinear(nn.Module):
    """x.view(x.size(0), -1) then Linear; exported with a fixed batch of 1."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(24, 3)

    def forward(self, x):
        return self.fc(x.view(x.size(0), -1))


class Reductions(nn.Module):
    """torch.mean / sum / amax / amin over spatial and channel dims."""
    def forward(self, x):  # x: [N, 3, 4, 5]
        outs = [x.mean(dim=(2, 3)), x.sum(dim=1).flatten(1)[:, :3], x.amax(dim=(1, 3)), x.amin(dim=-1)[:, 0, :],
                x.mean(dim=1, keepdim=True).flatten(1)[:, 1:4]]
        return torch.cat(outs, dim=1)


class EinsumNet(nn.Module):
    def forward(self, x):
        return torch.einsum("bi,bj->bij", x, x)


def helper_model(name, nodes, inputs, outputs, initializers=(), opset=13, domains=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="fheq-tests")
    model.ir_version = 8
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
    print(f"{name}: (hand-built)")


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save_reference(name, onnx_bytes_or_path, x, y):
    np.save(os.path.join(OUT, name + ".input.npy"), np.asarray(x, dtype=np.float32))
    np.save(os.path.join(OUT, name + ".output.npy"), np.asarray(y, dtype=np.float64))
    print(f"{name}: quantization-aware reference, {len(x)} samples")


def float32_scalars(values):
    """Scalar float32 initializers (quantizer scales, zero points, bit widths), one per name."""
    return [numpy_helper.from_array(np.array(v, np.float32), k) for k, v in values.items()]


def qat_test_models(rand):
    """Quantization-aware models (docs/QAT.md), one per producer, with their own fake-quant forward as reference:
    torch.ao eager QAT (QDQ), onnxruntime's static QDQ layout (onnx.helper; a QuantizeLinear shared by two
    DequantizeLinear, a Clip between Q and DQ, int32 biases), fheq_qat (QONNX Quant), and a hand-built QONNX model
    with per-channel weight Quant, Trunc after AveragePool and BipolarQuant (onnx.brevitas domain)."""
    import sys
    import torch.ao.quantization as tq
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                    "python"))
    import fheq_qat

    torch.manual_seed(5)

    class TorchQat(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant, self.dequant = tq.QuantStub(), tq.DeQuantStub()
            self.fc1, self.relu, self.fc2 = nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 4)

        def forward(self, x):
            return self.dequant(self.fc2(self.relu(self.fc1(self.quant(x)))))

    m = TorchQat()
    m.qconfig = tq.get_default_qat_qconfig("fbgemm", version=0)
    m.train()
    tq.prepare_qat(m, inplace=True)
    for _ in range(10):
        m(rand(64, 16))
    m.apply(tq.disable_observer)
    m.eval()
    x = rand(512, 16)
    torch.onnx.export(m, (x[:1],), os.path.join(OUT, "qdq_torch_small.onnx"), opset_version=13,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    with torch.no_grad():
        save_reference("qdq_torch_small", None, x.numpy(), m(x).numpy())

    cnn = nn.Sequential(fheq_qat.QuantInput(8), fheq_qat.QuantConv2d(1, 4, 3, weight_bits=4), nn.ReLU(),
                        fheq_qat.QuantAct(4), nn.MaxPool2d(2), nn.Flatten(),
                        fheq_qat.QuantLinear(36, 5, weight_bits=3, input_bits=4))
    cnn.train()
    cnn(rand(64, 1, 8, 8).abs())
    x = rand(512, 1, 8, 8).abs()
    fheq_qat.export_qonnx(cnn, x[:2], os.path.join(OUT, "qonnx_fheq_qat_small.onnx"))
    with torch.no_grad():
        save_reference("qonnx_fheq_qat_small", None, x.numpy(), cnn(x).numpy())

    # onnxruntime's static QDQ layout, by hand. h = Relu(x·W1 + b1) is quantized once (h_q) and dequantized by two
    # readers; the input quantizer is followed by a Clip to [0, 127] as torch's reduce_range writes it.
    gen = np.random.default_rng(7)
    s_in, z_in, s_h, z_h = np.float32(0.02), np.uint8(100), np.float32(0.05), np.uint8(3)
    w1 = gen.integers(-127, 128, size=(16, 12)).astype(np.int8)
    sw1 = (gen.random(12) * 0.01 + 0.002).astype(np.float32)
    b1 = gen.integers(-4000, 4000, size=12).astype(np.int32)
    w2 = gen.integers(-127, 128, size=(12, 4)).astype(np.int8)
    w3 = gen.integers(-127, 128, size=(12, 4)).astype(np.int8)
    sw2, sw3 = np.float32(0.004), np.float32(0.003)
    inits = [numpy_helper.from_array(a, n) for a, n in [
        (np.array(s_in), "s_in"), (np.array(z_in), "z_in"), (np.array(s_h), "s_h"), (np.array(z_h), "z_h"),
        (np.array(127, np.uint8), "clip_hi"), (w1, "w1_q"), (sw1, "w1_s"), (np.zeros(12, np.int8), "w1_z"),
        (b1, "b1_q"), ((s_in * sw1).astype(np.float32), "b1_s"), (w2, "w2_q"), (np.array(sw2), "w2_s"),
        (w3, "w3_q"), (np.array(sw3), "w3_s")]]
    nodes = [helper.make_node("QuantizeLinear", ["input", "s_in", "z_in"], ["x_q"], name="in_q"),
             helper.make_node("Clip", ["x_q", "", "clip_hi"], ["x_c"], name="in_clip"),
             helper.make_node("DequantizeLinear", ["x_c", "s_in", "z_in"], ["x_dq"], name="in_dq"),
             helper.make_node("DequantizeLinear", ["w1_q", "w1_s", "w1_z"], ["w1"], name="w1_dq", axis=1),
             helper.make_node("DequantizeLinear", ["b1_q", "b1_s"], ["b1"], name="b1_dq", axis=0),
             helper.make_node("MatMul", ["x_dq", "w1"], ["h_mm"], name="mm1"),
             helper.make_node("Add", ["h_mm", "b1"], ["h_pre"], name="bias1"),
             helper.make_node("Relu", ["h_pre"], ["h"], name="relu1"),
             helper.make_node("QuantizeLinear", ["h", "s_h", "z_h"], ["h_q"], name="h_q"),
             helper.make_node("DequantizeLinear", ["h_q", "s_h", "z_h"], ["h_a"], name="h_dq_a"),
             helper.make_node("DequantizeLinear", ["h_q", "s_h", "z_h"], ["h_b"], name="h_dq_b"),
             helper.make_node("DequantizeLinear", ["w2_q", "w2_s"], ["w2"], name="w2_dq"),
             helper.make_node("DequantizeLinear", ["w3_q", "w3_s"], ["w3"], name="w3_dq"),
             helper.make_node("MatMul", ["h_a", "w2"], ["o_a"], name="mm2"),
             helper.make_node("MatMul", ["h_b", "w3"], ["o_b"], name="mm3"),
             # both branches quantized on one grid before the sum (an exact add of codes)
             helper.make_node("QuantizeLinear", ["o_a", "s_o", "z_o"], ["oa_q"], name="oa_q"),
             helper.make_node("DequantizeLinear", ["oa_q", "s_o", "z_o"], ["oa"], name="oa_dq"),
             helper.make_node("QuantizeLinear", ["o_b", "s_o", "z_o"], ["ob_q"], name="ob_q"),
             helper.make_node("DequantizeLinear", ["ob_q", "s_o", "z_o"], ["ob"], name="ob_dq"),
             helper.make_node("Add", ["oa", "ob"], ["output"], name="sum")]
    inits += [numpy_helper.from_array(np.array(0.02, np.float32), "s_o"),
              numpy_helper.from_array(np.array(0, np.int8), "z_o")]
    helper_model("qdq_ort_small", nodes, [float_input("input", ["batch", 16])], [float_input("output", ["batch", 4])],
                 inits)

    def fq(v, s, z, lo, hi):
        return (np.clip(np.round(v / s) + z, lo, hi) - z) * s

    x = rand(512, 16).numpy().astype(np.float64) * 0.8
    h = fq(x, float(s_in), 100, 0, 127)
    h = np.maximum(h @ (w1 * sw1.astype(np.float64)) + b1 * (s_in * sw1).astype(np.float64), 0)
    h = fq(h, float(s_h), 3, 0, 255)
    s_o = float(np.float32(0.02))
    save_reference("qdq_ort_small", None, x,
                   fq(h @ (w2 * float(sw2)), s_o, 0, -128, 127) + fq(h @ (w3 * float(sw3)), s_o, 0, -128, 127))

    # Hand-built QONNX (onnx.brevitas): Quant input (8-bit unsigned), Conv with per-channel 4-bit narrow weights,
    # Relu, Quant 4-bit, AveragePool 2×2, Trunc (FLOOR, 6 → 4 bits), Flatten, MatMul (per-tensor 3-bit),
    # BipolarQuant, MatMul with float weights (calibrated by fheq: a mixed model).
    cw = gen.normal(size=(3, 1, 3, 3)).astype(np.float32)
    cs = (np.abs(cw).reshape(3, -1).max(1) / 7).astype(np.float32).reshape(3, 1, 1, 1)
    mw = gen.normal(size=(27, 6)).astype(np.float32)
    fw = gen.normal(size=(6, 3)).astype(np.float32)
    scalars = {"s_in": 1 / 255, "z0": 0.0, "b8": 8.0, "s_a": 0.25, "b4": 4.0, "b6": 6.0, "s_m": 0.3, "b3": 3.0,
               "s_bip": 1.0}
    inits = float32_scalars(scalars)
    inits += [numpy_helper.from_array(a, n) for a, n in [(cw, "cw"), (cs, "cs"), (mw, "mw"), (fw, "fw"),
                                                               (np.array([-1, 27], np.int64), "flat")]]
    dom = "onnx.brevitas"
    nodes = [helper.make_node("Quant", ["input", "s_in", "z0", "b8"], ["xq"], name="quant_in", domain=dom, signed=0),
             helper.make_node("Quant", ["cw", "cs", "z0", "b4"], ["cwq"], name="quant_cw", domain=dom, narrow=1),
             helper.make_node("Conv", ["xq", "cwq"], ["c"], name="conv"),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("Quant", ["r", "s_a", "z0", "b4"], ["rq"], name="quant_act", domain=dom, signed=0),
             helper.make_node("AveragePool", ["rq"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Trunc", ["p", "s_a", "z0", "b6", "b4"], ["t"], name="trunc", domain=dom),
             helper.make_node("Reshape", ["t", "flat"], ["f"], name="flatten"),
             helper.make_node("Quant", ["mw", "s_m", "z0", "b3"], ["mwq"], name="quant_mw", domain=dom,
                              rounding_mode="ROUND"),
             helper.make_node("MatMul", ["f", "mwq"], ["m"], name="mm"),
             helper.make_node("BipolarQuant", ["m", "s_bip"], ["b"], name="bipolar", domain=dom),
             helper.make_node("MatMul", ["b", "fw"], ["output"], name="mm_float")]
    helper_model("qonnx_brevitas_small", nodes, [float_input("input", ["batch", 1, 8, 8])],
                 [float_input("output", ["batch", 3])], inits, domains=[dom])

    x = np.abs(rand(512, 1, 8, 8).numpy().astype(np.float64)) * 0.5
    xq = fq(x, 1 / np.float32(255), 0, 0, 255)
    cwq = fq(cw.astype(np.float64), cs.astype(np.float64), 0, -7, 7)
    conv = np.zeros((len(x), 3, 6, 6))
    for o in range(3):
        for i in range(3):
            for j in range(3):
                conv[:, o] += cwq[o, 0, i, j] * xq[:, 0, i:i + 6, j:j + 6]
    rq = fq(np.maximum(conv, 0), 0.25, 0, 0, 15)
    p = rq.reshape(len(x), 3, 3, 2, 3, 2).mean(axis=(3, 5))
    t = np.floor(np.round(p / 0.25) / 4) * 0.25
    m = t.reshape(len(x), 27) @ fq(mw.astype(np.float64), np.float32(0.3), 0, -4, 3)
    b = np.where(m >= 0, 1.0, -1.0)
    save_reference("qonnx_brevitas_small", None, x, b @ fw.astype(np.float64))

    # ----- quantizers fheq must refuse with one line naming the node -----
    one = float32_scalars({"s": 0.1, "z": 0.0, "b": 4.0, "b17": 17.0, "b2": 2.0})
    io_ = ([float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])])

    def quant(inputs, name, **attrs):
        return helper.make_node("Quant", inputs, ["output"], name=name, domain="qonnx.custom_op.general", **attrs)

    helper_model("qonnx_bad_rounding", [quant(["input", "s", "z", "b"], "q_half_up", rounding_mode="HALF_UP")], *io_,
                 one, domains=["qonnx.custom_op.general"])
    helper_model("qonnx_bits17", [quant(["input", "s", "z", "b17"], "q_wide")], *io_, one,
                 domains=["qonnx.custom_op.general"])
    helper_model("qonnx_scale_from_input",
                 [helper.make_node("ReduceMax", ["input"], ["m"], name="running_max", keepdims=0),
                  quant(["input", "m", "z", "b"], "q_dynamic")], *io_, one, domains=["qonnx.custom_op.general"])
    helper_model("qonnx_float_quant",
                 [helper.make_node("FloatQuant", ["input", "s"], ["output"], name="fq", domain="qonnx.custom_op.general")],
                 *io_, one, domains=["qonnx.custom_op.general"])
    trunc = helper.make_node("Trunc", ["input", "s", "z", "b", "b2"], ["output"], name="trunc_v2",
                             domain="qonnx.custom_op.general")
    graph = helper.make_graph([trunc], "qonnx_trunc_v2", *io_, one)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("qonnx.custom_op.general", 2)])
    model.ir_version = 8
    with open(os.path.join(OUT, "qonnx_trunc_v2.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    zq = [numpy_helper.from_array(np.array(0.1, np.float32), "s"), numpy_helper.from_array(np.array(0.2, np.float32), "s2"),
          numpy_helper.from_array(np.array(128, np.uint8), "zp")]
    helper_model("qdq_integer_escapes",  # QuantizeLinear's integers are also a graph output
                 [helper.make_node("QuantizeLinear", ["input", "s", "zp"], ["codes"], name="q_in"),
                  helper.make_node("DequantizeLinear", ["codes", "s", "zp"], ["output"], name="dq_out")],
                 io_[0], io_[1] + [helper.make_tensor_value_info("codes", TensorProto.UINT8, ["batch", 4])], zq)
    # Signed input codes (a Brevitas-style 4-bit signed input quantizer): the client encrypts negative integers.
    sw = gen.normal(size=(6, 5)).astype(np.float32)
    sw2 = gen.normal(size=(5, 3)).astype(np.float32)
    inits = float32_scalars({"s_x": 0.25, "z0": 0.0, "b4": 4.0, "s_w": 0.5, "s_h": 0.2, "b3": 3.0})
    inits += [numpy_helper.from_array(sw, "w1"), numpy_helper.from_array(sw2, "w2")]
    dom = "qonnx.custom_op.general"
    nodes = [helper.make_node("Quant", ["input", "s_x", "z0", "b4"], ["xq"], name="quant_in", domain=dom, signed=1),
             helper.make_node("Quant", ["w1", "s_w", "z0", "b3"], ["w1q"], name="quant_w1", domain=dom, narrow=1),
             helper.make_node("MatMul", ["xq", "w1q"], ["h"], name="mm1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Quant", ["r", "s_h", "z0", "b3"], ["rq"], name="quant_h", domain=dom, signed=0),
             helper.make_node("Quant", ["w2", "s_w", "z0", "b3"], ["w2q"], name="quant_w2", domain=dom, narrow=1),
             helper.make_node("MatMul", ["rq", "w2q"], ["output"], name="mm2")]
    helper_model("qonnx_signed_input", nodes, [float_input("input", ["batch", 6])], [float_input("output", ["batch", 3])],
                 inits, domains=[dom])
    x = rand(256, 6).numpy().astype(np.float64)
    h = fq(x, 0.25, 0, -8, 7) @ fq(sw.astype(np.float64), 0.5, 0, -3, 3)
    save_reference("qonnx_signed_input", None, x,
                   fq(np.maximum(h, 0), np.float32(0.2), 0, 0, 7) @ fq(sw2.astype(np.float64), 0.5, 0, -3, 3))

    helper_model("qdq_requantize",  # dequantized with another scale than it was quantized with
                 [helper.make_node("QuantizeLinear", ["input", "s", "zp"], ["q"], name="q_in"),
                  helper.make_node("DequantizeLinear", ["q", "s2", "zp"], ["output"], name="dq_other_scale")],
                 *io_, zq)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(42)

    def rand(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g) * scale).float()

    export("gemm", nn.Sequential(nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3)), rand(4, 8), opset=13)
    export("matmul", MatMulBias(), rand(2, 3, 6), opset=17)
    export("conv", nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(),
                                 nn.Conv2d(4, 4, 3, stride=2, padding=2, dilation=2, groups=2),
                                 nn.Conv2d(4, 3, (2, 3), stride=(1, 2), padding=(1, 0))), rand(2, 2, 9, 8), opset=13)
    export("conv1d", nn.Sequential(nn.Conv1d(3, 4, 5, stride=2, padding=2), nn.Tanh()), rand(2, 3, 11), opset=15)
    export("pool", nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                                 nn.AvgPool2d(2, stride=1, padding=1, count_include_pad=True),
                                 nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.AdaptiveAvgPool2d(1)),
           rand(2, 3, 19, 17), opset=13)
    export("pool_ceil_avg", nn.Sequential(nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
                                          nn.MaxPool2d(2, stride=1, padding=1)), rand(2, 2, 8, 7), opset=13)
    export("activations", Activations(), rand(3, 7, scale=2.0), opset=14)
    export("math", MathOps(), rand(3, 5, scale=1.5), opset=13)
    export("broadcast", Broadcasting(), rand(2, 3, 4, 5), opset=13)
    export("shape_ops", ShapeOps(), rand(3, 2, 4, 6), opset=13)
    export("pad_modes", PadModes(), rand(2, 2, 4, 5), opset=13)
    export("batchnorm", BatchNormNet(), rand(3, 2, 6, 6), opset=15, keep_batch_norm=True)
    export("softmax", SoftmaxTail(log=False), rand(5, 6), opset=13)
    export("logsoftmax", SoftmaxTail(log=True), rand(5, 6), opset=17)
    export("small_cnn", SmallCnn(), rand(2, 1, 28, 28), opset=13)
    export("reduce", Reductions(), rand(2, 3, 4, 5), opset=13)
    export("static_batch", ViewLinear(), rand(3, 2, 3, 4), opset=13, dynamic_batch=False)
    export("layernorm", nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU()), rand(3, 6), opset=17)

    # opset 13 has no HardSwish op: torch writes x * HardSigmoid(x), which the importer re-fuses.
    export("hardswish13", nn.Sequential(nn.Linear(5, 6), nn.Hardswish()), rand(3, 5, scale=3.0), opset=13)
    export("zero_pads", ZeroPads(), rand(2, 2, 6, 7), opset=13)

    # ----- models whose import must fail -----
    buffer = io.BytesIO()
    torch.onnx.export(EinsumNet(), (rand(2, 3),), buffer, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    with open(os.path.join(OUT, "unsupported_einsum.onnx"), "wb") as f:
        f.write(buffer.getvalue())
    print("unsupported_einsum: (error case)")

    helper_model("custom_op",
                 [helper.make_node("Relu", ["input"], ["r"], name="relu"),
                  helper.make_node("FancyActivation", ["r"], ["output"], name="fancy", domain="com.example")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], domains=["com.example"])
    w = helper.make_tensor("w", TensorProto.FLOAT, [5, 7], np.ones(35, dtype=np.float32))
    helper_model("bad_gemm_shape",
                 [helper.make_node("Gemm", ["input", "w"], ["output"], name="fc", transB=1)],
                 [float_input("input", ["batch", 8])], [float_input("output", ["batch", 5])], [w])
    target = helper.make_tensor("target", TensorProto.INT64, [2], np.array([-1, 3], dtype=np.int64))
    helper_model("bad_reshape",
                 [helper.make_node("Reshape", ["input", "target"], ["output"], name="reshape_to_3")],
                 [float_input("input", ["batch", 8])], [float_input("output", ["batch", 3])], [target])
    helper_model("softmax_middle",
                 [helper.make_node("Softmax", ["input"], ["s"], name="early_softmax", axis=1),
                  helper.make_node("Relu", ["s"], ["output"], name="relu")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])])
    helper_model("old_opset", [helper.make_node("Relu", ["input"], ["output"], name="relu")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], opset=9)
    divisor_shape = helper.make_tensor("one", TensorProto.FLOAT, [1], np.ones(1, dtype=np.float32))
    helper_model("div_by_input",
                 [helper.make_node("Add", ["input", "one"], ["d"], name="plus_one"),
                  helper.make_node("Div", ["input", "d"], ["output"], name="div_by_tensor")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], [divisor_shape])

    # stride 0: libonnx's shape inference would divide by it (SIGFPE); the importer must refuse it first
    kernel = helper.make_tensor("k", TensorProto.FLOAT, [2, 1, 3, 3], np.ones(18, dtype=np.float32))
    helper_model("conv_stride0",
                 [helper.make_node("Conv", ["input", "k"], ["output"], name="conv0", strides=[0, 1])],
                 [float_input("input", ["batch", 1, 8, 8])], [float_input("output", ["batch", 2, 6, 6])], [kernel])

    # a constant 10^10 elements big, computed by ConstantOfShape: refused by size before it is allocated
    big_shape = helper.make_tensor("big_shape", TensorProto.INT64, [2], np.array([100000, 100000], dtype=np.int64))
    helper_model("huge_constant_of_shape",
                 [helper.make_node("ConstantOfShape", ["big_shape"], ["zeros"], name="make_zeros"),
                  helper.make_node("ReduceSum", ["zeros"], ["total"], name="sum_all", keepdims=0),
                  helper.make_node("Add", ["input", "total"], ["output"], name="add_total")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], [big_shape])
    # weights in a side file: refused with a message saying how to save the model self-contained
    external = TensorProto(name="w_ext", data_type=TensorProto.FLOAT, dims=[4, 4])
    external.data_location = TensorProto.EXTERNAL
    entry = external.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    helper_model("external_data",
                 [helper.make_node("MatMul", ["input", "w_ext"], ["output"], name="matmul_ext")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], [external])
    # a chain of 300 Relu: each would extend one fused table; refused past 256 instead of growing quadratically
    w4 = helper.make_tensor("w4", TensorProto.FLOAT, [4, 4], np.eye(4, dtype=np.float32).flatten())
    chain = [helper.make_node("MatMul", ["input", "w4"], ["r0"], name="mm")]
    chain += [helper.make_node("Relu", [f"r{i}"], [f"r{i + 1}"], name=f"relu{i}") for i in range(299)]
    chain += [helper.make_node("Relu", ["r299"], ["output"], name="relu299")]
    helper_model("relu_chain300", chain, [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])],
                 [w4])

    helper_model("checker_fail",  # reads a value nothing produces: the ONNX checker rejects it
                 [helper.make_node("Add", ["input", "nowhere"], ["output"], name="add_missing")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])])

    # ----- simplification cases (valid models built by hand) -----
    ratio = helper.make_tensor("ratio", TensorProto.FLOAT, [], np.array([0.5], dtype=np.float32))
    helper_model("identity_dropout",
                 [helper.make_node("Identity", ["input"], ["i1"], name="id_in"),
                  helper.make_node("Constant", [], ["slope"], name="const_slope", value_float=0.25),
                  helper.make_node("LeakyRelu", ["i1"], ["r"], name="leaky", alpha=0.25),
                  helper.make_node("Mul", ["r", "slope"], ["m"], name="scale"),
                  helper.make_node("Dropout", ["m", "ratio"], ["d"], name="drop"),
                  helper.make_node("Identity", ["d"], ["output"], name="id_out")],
                 [float_input("input", ["batch", 4])], [float_input("output", ["batch", 4])], [ratio])

    qat_test_models(rand)

    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total size of {OUT}: {total} bytes")


if __name__ == "__main__":
    main()
