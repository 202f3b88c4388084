// Model quantizers: the float semantics of ONNX QuantizeLinear / DequantizeLinear (opsets 13-17,
// https://onnx.ai/onnx/operators/), QONNX Quant (IntQuant), BipolarQuant and Trunc v1
// (https://github.com/fastmachinelearning/qonnx, docs/qonnx-custom-ops), and fheq's canonical form of all
// fake quantizers, FakeQuant, which the importer makes of Quant and of QuantizeLinear [→ Clip] → DequantizeLinear:
//   FakeQuant(x, scale, zero_point; qmin, qmax, rounding_mode) = (clamp(R(x / scale) + zero_point, qmin, qmax)
//                                                                 − zero_point) · scale
// with scale and zero_point numpy-broadcastable to x and R the rounding mode. docs/QAT.md explains the import.
#pragma once

#include <cstdint>
#include <string>

#include "graph/graph.h"

namespace fheq::graph::ops {

enum class QuantRounding { kHalfEven, kFloor, kCeil, kTowardZero };

// The node's rounding_mode attribute (default ROUND = half to even; ROUND, FLOOR, CEIL, ROUND_TO_ZERO in
// either case); any other mode throws fheq::Error naming the node.
QuantRounding quant_rounding(const Node& node, const char* fallback = "ROUND");
double apply_rounding(double x, QuantRounding mode);

struct CodeInterval {
  int64_t min = 0;
  int64_t max = 0;
};
// QONNX integer range of a bit width: signed [−2^(b−1) + narrow, 2^(b−1) − 1], unsigned [0, 2^b − 1 − narrow].
// Throws unless bit_width is an integer in 1..16.
CodeInterval bit_width_interval(const Node& node, double bit_width, bool is_signed, bool narrow);
// Range of the integer type QuantizeLinear writes, named by the importer from its zero point's data type
// (attribute "zero_point_type": uint8 when absent, int8, uint16, int16, int32).
CodeInterval zero_point_type_interval(const Node& node);

// A per-axis parameter (1-D of the axis' length, or one value) reshaped to broadcast against a tensor of
// `rank` along `axis`: [C] → [C, 1, …, 1] with rank − axis dims.
FloatTensor broadcast_along_axis(const Node& node, const FloatTensor& parameter, int64_t axis, int64_t rank);

}  // namespace fheq::graph::ops
