// Model quantizers (see quantize.h for the definitions and sources).
#include "graph/ops/quantize.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/rounding.h"
#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {

QuantRounding quant_rounding(const Node& node, const char* fallback) {
  std::string mode = node.attr_string("rounding_mode", fallback);
  std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::toupper(c); });
  if (mode == "ROUND") return QuantRounding::kHalfEven;
  if (mode == "FLOOR") return QuantRounding::kFloor;
  if (mode == "CEIL") return QuantRounding::kCeil;
  if (mode == "ROUND_TO_ZERO") return QuantRounding::kTowardZero;
  FHEQ_THROW(node.describe(), ": rounding_mode '", mode, "' is not supported (ROUND, FLOOR, CEIL, ROUND_TO_ZERO)");
}

double apply_rounding(double x, QuantRounding mode) {
  switch (mode) {
    case QuantRounding::kHalfEven: return core::round_half_to_even(x);
    case QuantRounding::kFloor: return std::floor(x);
    case QuantRounding::kCeil: return std::ceil(x);
    case QuantRounding::kTowardZero: return std::trunc(x);
  }
  return x;
}

CodeInterval bit_width_interval(const Node& node, double bit_width, bool is_signed, bool narrow) {
  FHEQ_REQUIRE(bit_width == std::floor(bit_width) && bit_width >= 1 && bit_width <= 16, node.describe(),
               ": bit width ", bit_width, " is not supported (integers 1..16)");
  const auto b = static_cast<int>(bit_width);
  CodeInterval codes = is_signed ? CodeInterval{-(int64_t{1} << (b - 1)), (int64_t{1} << (b - 1)) - 1}
                                 : CodeInterval{0, (int64_t{1} << b) - 1};
  if (narrow) (is_signed ? codes.min : codes.max) += is_signed ? 1 : -1;
  FHEQ_REQUIRE(codes.max > codes.min, node.describe(), ": a ", b, "-bit narrow quantizer has a single code");
  return codes;
}

CodeInterval zero_point_type_interval(const Node& node) {
  const std::string type = node.attr_string("zero_point_type", "uint8");
  if (type == "uint8") return {0, 255};
  if (type == "int8") return {-128, 127};
  if (type == "uint16") return {0, 65535};
  if (type == "int16") return {-32768, 32767};
  if (type == "int32") return {INT32_MIN, INT32_MAX};
  FHEQ_THROW(node.describe(), ": zero point type ", type, " is not supported (uint8, int8, uint16, int16, int32)");
}

FloatTensor broadcast_along_axis(const Node& node, const FloatTensor& parameter, int64_t axis, int64_t rank) {
  if (parameter.size() == 1) return FloatTensor({}, {parameter[0]});
  FHEQ_REQUIRE(parameter.rank() == 1, node.describe(), ": a per-axis scale or zero point must be 1-D, got shape ",
               shape_to_string(parameter.shape));
  const int64_t a = normalize_axis(node, axis, rank);
  Shape shape(static_cast<size_t>(rank - a), 1);
  shape[0] = parameter.size();
  return FloatTensor(shape, parameter.data);
}

namespace {

const FloatTensor kZero({}, {0.0});

// y = (clamp(R(x / s) + z, codes) − z) · s over numpy broadcasting of x, s and z.
FloatTensor fake_quantize_tensor(const Node& node, const FloatTensor& x, const FloatTensor& scale,
                                 const FloatTensor& zero_point, CodeInterval codes, QuantRounding mode) {
  // Scale and zero point are checked where they are known to be constants (canonicalize_quantizers): shape
  // inference runs this kernel on zero inputs, where a scale computed from the data is 0.
  const FloatTensor rounded = broadcast_binary(node, x, scale, [mode](double v, double s) { return apply_rounding(v / s, mode); });
  const FloatTensor centred = broadcast_binary(node, rounded, zero_point, [codes](double r, double z) {
    return std::clamp(r + z, static_cast<double>(codes.min), static_cast<double>(codes.max)) - z;
  });
  return broadcast_binary(node, centred, scale, [](double q, double s) { return q * s; });
}

double scalar_input(const Node& node, const Inputs& inputs, size_t index, const char* what) {
  return scalar_value(node, input(node, inputs, index), what);
}

// QuantizeLinear / DequantizeLinear's scale and optional zero point, broadcast along their `axis` (default 1).
struct AxisParameters {
  FloatTensor scale, zero_point;
};
AxisParameters axis_parameters(const Node& node, const Inputs& inputs) {
  const int64_t axis = node.attr_int("axis", 1), rank = input(node, inputs, 0).rank();
  const FloatTensor* z = optional_input(inputs, 2);
  return {broadcast_along_axis(node, input(node, inputs, 1), axis, rank),
          z ? broadcast_along_axis(node, *z, axis, rank) : kZero};
}

std::vector<FloatTensor> quantize_linear(const Node& node, const Inputs& inputs) {
  const AxisParameters p = axis_parameters(node, inputs);
  const CodeInterval codes = zero_point_type_interval(node);
  // Codes, not values: R(x / s) + z saturated to the integer type.
  const FloatTensor rounded = broadcast_binary(node, input(node, inputs, 0), p.scale,
                                               [](double v, double s) { return core::round_half_to_even(v / s); });
  return {broadcast_binary(node, rounded, p.zero_point, [codes](double r, double zp) {
    return std::clamp(r + zp, static_cast<double>(codes.min), static_cast<double>(codes.max));
  })};
}

std::vector<FloatTensor> dequantize_linear(const Node& node, const Inputs& inputs) {
  const AxisParameters p = axis_parameters(node, inputs);
  const FloatTensor centred =
      broadcast_binary(node, input(node, inputs, 0), p.zero_point, [](double q, double zp) { return q - zp; });
  return {broadcast_binary(node, centred, p.scale, [](double q, double s) { return q * s; })};
}

std::vector<FloatTensor> qonnx_quant(const Node& node, const Inputs& inputs) {
  const CodeInterval codes = bit_width_interval(node, scalar_input(node, inputs, 3, "bit_width"),
                                                node.attr_int("signed", 1) != 0, node.attr_int("narrow", 0) != 0);
  return {fake_quantize_tensor(node, input(node, inputs, 0), input(node, inputs, 1), input(node, inputs, 2), codes,
                               quant_rounding(node))};
}

std::vector<FloatTensor> fake_quant(const Node& node, const Inputs& inputs) {
  const CodeInterval codes{node.attr_int("qmin", 0), node.attr_int("qmax", 255)};
  return {fake_quantize_tensor(node, input(node, inputs, 0), input(node, inputs, 1), input(node, inputs, 2), codes,
                               quant_rounding(node))};
}

std::vector<FloatTensor> bipolar_quant(const Node& node, const Inputs& inputs) {
  return {broadcast_binary(node, input(node, inputs, 0), input(node, inputs, 1),
                           [](double v, double s) { return v >= 0.0 ? s : -s; })};
}

// Trunc v1: y = (R(round(x / s + z) / 2^(in − out)) − z) · s, R the rounding mode (default FLOOR).
std::vector<FloatTensor> trunc_quant(const Node& node, const Inputs& inputs) {
  const double s = scalar_input(node, inputs, 1, "scale"), z = scalar_input(node, inputs, 2, "zero point");
  const double in_bits = scalar_input(node, inputs, 3, "input bit width");
  const double out_bits = scalar_input(node, inputs, 4, "output bit width");
  FHEQ_REQUIRE(in_bits == std::floor(in_bits) && out_bits == std::floor(out_bits) && out_bits >= 1 &&
                   in_bits >= out_bits && in_bits <= 32,
               node.describe(), ": bit widths ", in_bits, " → ", out_bits, " are not supported (integers, 1 ≤ out ≤ in ≤ 32)");
  const double divisor = std::ldexp(1.0, static_cast<int>(in_bits - out_bits));
  const QuantRounding mode = quant_rounding(node, "FLOOR");
  const FloatTensor& x = input(node, inputs, 0);
  FloatTensor y(x.shape);
  for (int64_t i = 0; i < x.size(); ++i)
    y[i] = (apply_rounding(core::round_half_to_even(x[i] / s + z) / divisor, mode) - z) * s;
  return {std::move(y)};
}

}  // namespace

void register_quantize_ops(KernelTable& t) {
  t["QuantizeLinear"] = quantize_linear;
  t["DequantizeLinear"] = dequantize_linear;
  t["Quant"] = qonnx_quant;
  t["FakeQuant"] = fake_quant;
  t["BipolarQuant"] = bipolar_quant;
  t["Trunc"] = trunc_quant;
}

}  // namespace fheq::graph::ops
