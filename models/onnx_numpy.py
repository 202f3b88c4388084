"""A tiny, independent NumPy evaluator for the ONNX ops our reference models use.

onnx 1.12 has no onnx.reference and onnxruntime is not installed, so after export we run the
.onnx file through this to check that the exported graph (not just the PyTorch module) gives the
logits we ship as models/<name>.ref_output.npy. Semantics follow the ONNX operator spec
(https://github.com/onnx/onnx/blob/main/docs/Operators.md). Anything not needed is rejected.
"""
import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _reject_unknown(node, attrs, allowed):
    unknown = set(attrs) - set(allowed)
    if unknown:
        raise NotImplementedError(f"node '{node.name}' ({node.op_type}): unsupported attributes {sorted(unknown)}")


def _gemm(node, a, b, c=None):
    at = _attrs(node)
    _reject_unknown(node, at, ["alpha", "beta", "transA", "transB"])
    if at.get("transA", 0):
        a = a.T
    if at.get("transB", 0):
        b = b.T
    y = at.get("alpha", 1.0) * (a.astype(np.float64) @ b.astype(np.float64))
    if c is not None:
        y = y + at.get("beta", 1.0) * c
    return y


def _conv(node, x, w, b=None):
    at = _attrs(node)
    _reject_unknown(node, at, ["dilations", "group", "kernel_shape", "pads", "strides"])
    if at.get("group", 1) != 1 or any(d != 1 for d in at.get("dilations", [1, 1])):
        raise NotImplementedError(f"node '{node.name}': only group=1, dilation=1")
    top, left, bottom, right = at.get("pads", [0, 0, 0, 0])
    sh, sw = at.get("strides", [1, 1])
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, h, wd = x.shape
    m, c, kh, kw = w.shape
    oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    y = np.zeros((n, m, oh, ow), dtype=np.float64)
    for i in range(kh):  # sum of shifted, strided slices: direct definition of cross-correlation
        for j in range(kw):
            patch = x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw].astype(np.float64)
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j].astype(np.float64))
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _average_pool(node, x):
    at = _attrs(node)
    _reject_unknown(node, at, ["kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad"])
    if any(at.get("pads", [0, 0, 0, 0])) or at.get("ceil_mode", 0):
        raise NotImplementedError(f"node '{node.name}': only unpadded floor-mode pooling")
    kh, kw = at["kernel_shape"]
    sh, sw = at.get("strides", [1, 1])
    n, c, h, w = x.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    y = np.zeros((n, c, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            y += x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    return y / (kh * kw)


def _flatten(node, x):
    axis = _attrs(node).get("axis", 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


OPS = {
    "Gemm": _gemm,
    "Conv": _conv,
    "AveragePool": _average_pool,
    "Flatten": _flatten,
    "Relu": lambda node, x: np.maximum(x, 0.0),
    "Sigmoid": lambda node, x: 1.0 / (1.0 + np.exp(-x)),
}


def run(model_path, inputs):
    """Runs the graph in float64 on a dict {input_name: array}; returns the list of graph outputs."""
    model = onnx.load(model_path)
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values.update({k: v.astype(np.float64) for k, v in inputs.items()})
    for node in model.graph.node:
        if node.op_type not in OPS:
            raise NotImplementedError(f"node '{node.name}': op {node.op_type} not supported")
        args = [values[name] for name in node.input if name]
        values[node.output[0]] = OPS[node.op_type](node, *args)
    return [values[o.name] for o in model.graph.output]


def op_types(model_path):
    return [node.op_type for node in onnx.load(model_path).graph.node]
