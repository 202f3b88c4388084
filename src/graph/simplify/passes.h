// Graph simplification passes run by the importer after the raw ONNX import. Each pass keeps
// the graph valid (topological order, names) and throws fheq::Error naming the file and node
// when the graph cannot be simplified into the form fheq supports.
#pragma once

#include "graph/graph.h"

namespace fheq::graph::simplify {

// Identity and inference-mode Dropout: consumers read the input directly.
void remove_identities(Graph& graph);

// Folds every node whose inputs are all constants, and Shape nodes whose input shape is known
// except for the batch dim. The batch dim travels through the Shape→Gather→Unsqueeze→Concat
// chain as a marker and lands in a Reshape's target shape as 0 ("copy the input dim"), which
// ONNX defines and which keeps the Reshape batch-size independent. Needs graph.value_shapes.
void fold_constants(Graph& graph);

// Pad with constant value 0 on the two spatial axes of a 4-D tensor, read only by Conv or
// AveragePool (count_include_pad = 1, or no pads of its own), moves into the readers' `pads`;
// a Pad of zero width is removed. Other Pads stay (and are refused later if unsupported).
// Needs constant pads, so it runs after fold_constants.
void fold_zero_pads(Graph& graph);

// BatchNormalization whose input comes only from a Conv or Gemm with constant weights is folded
// into that node's weights and bias (Ioffe & Szegedy 2015, eq. in §3.2 applied at inference):
//   W' = W · γ/√(σ²+ε)  (per output channel),  b' = (b − μ) · γ/√(σ²+ε) + β.
// Not into weights on a model quantizer's grid (graph.grid_scales). Every other inference BatchNormalization
// becomes Mul(x, γ/√(σ²+ε)) → Add(·, β − μ·γ/√(σ²+ε)) with per-channel constants.
void fold_batch_norm(Graph& graph);

// Model quantizers to fheq's canonical FakeQuant (graph/ops/quantize.h): QONNX Quant, and ONNX
// QuantizeLinear [→ Clip with constant bounds]* → DequantizeLinear with equal scale, zero point and axis (a
// QuantizeLinear read by several DequantizeLinear gives one FakeQuant per reader). Runs after fold_constants, so
// quantized weights are constants by then. Throws naming the node for a QuantizeLinear whose integers reach
// anything but a DequantizeLinear, a DequantizeLinear of a computed tensor without its QuantizeLinear, or
// quantizer parameters that are not constants.
void canonicalize_quantizers(Graph& graph);

// Re-fuses the chains torch exports for Gelu (Div/Erf/Add/Mul/Mul), Softsign (Abs/Add/Div) and,
// below opset 14, HardSwish (HardSigmoid/Mul) into single Gelu / Softsign / HardSwish nodes: one
// function of one tensor instead of a product of two.
void fuse_exported_patterns(Graph& graph);

// A non-decreasing activation (Relu, LeakyRelu with alpha ≥ 0, Sigmoid, Tanh, Softplus, Softsign, Elu, Celu, Selu,
// HardSigmoid, Clip with constant bounds) read only by a MaxPool (and not a graph output) moves after it: max
// commutes with a non-decreasing function (bit for bit for the piecewise-linear ones, up to last-place rounding
// for the others), and the activation runs on the pooled tensor (a quarter of the table lookups behind a 2×2
// pool). Keeps graph.value_shapes up to date.
void pool_before_activation(Graph& graph);

// Softmax / LogSoftmax are accepted only as final ops (their outputs are graph outputs and feed
// nothing else); they are moved to the end of `nodes` and counted in graph.client_side_tail.
void mark_client_side_tail(Graph& graph);

// Drops constants no node reads (and that are not graph outputs).
void remove_unused_constants(Graph& graph);

// Computes graph.value_shapes by running the float executor on zero inputs with batch 1 and
// batch 2: dims that differ depend on the batch and are recorded as -1. Shape errors surface
// here, at load time, naming the node.
void infer_shapes(Graph& graph);

// Checks graph.value_shapes as given (e.g. written by hand in a test, or edited by a tool) against
// what infer_shapes computes from the nodes' attributes, and throws fheq::Error naming the first
// value whose recorded shape disagrees (or that no node, input or constant defines). Consumers
// such as the quantizer size their ops from value_shapes, so a stale entry would otherwise
// silently give them a different geometry than the float reference.
void check_value_shapes(const Graph& graph);

}  // namespace fheq::graph::simplify
