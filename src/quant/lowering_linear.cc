// Gemm / MatMul / Conv → integer linear ops (Jacob et al. 2018, eq. 7, with symmetric weights Zw = 0):
//   y_o = Σ_i w_oi·x_i + b_o,  x_i = s·(q_i − o_i),  w_oi ≈ Sw_o·qw_oi
//       ≈ s·Sw_o · (Σ_i qw_oi·q_i + c_o),  c_o = b_o / (s·Sw_o) − Σ_i qw_oi·o_i.
// Only Σ qw·q touches encrypted data; round(c_o) is the op's clear bias. The result is affine with scale
// s·Sw_o and offset 0 (the rounding of c_o, at most half an accumulator step, is dropped so per-tensor
// weights keep one table per tensor) — except for a quantization-aware model's own weights, whose channels keep
// round(c_o) − c_o as their offset, so the tables reproduce the model's forward. Rescale, activation and the next
// quantizer go into the next TLU.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "graph/ops/window.h"
#include "quant/lowering.h"

namespace fheq::quant {

namespace {

// Groups of a linear op's output: one per distinct output scale and offset; element e belongs to channel e / plane.
// `offsets` (empty: all 0) keep the part of each channel's clear bias the integer bias dropped.
void output_groups(const std::vector<double>& scales, const std::vector<double>& offsets, double input_scale,
                   int64_t plane, QValue& y) {
  std::vector<int32_t> group_of_channel(scales.size());
  for (size_t c = 0; c < scales.size(); ++c) {
    const double s = input_scale * scales[c];
    const double offset = offsets.empty() ? 0.0 : offsets[c];
    int32_t g = -1;
    for (size_t k = 0; k < y.groups.size(); ++k)
      if (y.groups[k].scale == s && y.groups[k].offset == offset) g = static_cast<int32_t>(k);
    if (g < 0) {
      y.groups.push_back(AffineGroup{s, offset, {}});
      g = static_cast<int32_t>(y.groups.size() - 1);
    }
    group_of_channel[c] = g;
  }
  y.element_group.resize(scales.size() * static_cast<size_t>(plane));
  for (size_t e = 0; e < y.element_group.size(); ++e) y.element_group[e] = group_of_channel[e / static_cast<size_t>(plane)];
}

}  // namespace

bool Lowering::weights_on_model_grid(const std::vector<double>& grid, const std::vector<double>& w, int64_t rows,
                                     int64_t cols, std::vector<int64_t>& q, std::vector<double>& scales) const {
  q.resize(w.size());
  scales.assign(static_cast<size_t>(rows), 0.0);
  std::vector<double> candidates = grid;
  std::sort(candidates.rbegin(), candidates.rend());  // the largest fitting scale gives the smallest integers
  for (int64_t r = 0; r < rows; ++r) {
    const size_t begin = static_cast<size_t>(r * cols);
    for (double s : candidates) {
      bool fits = s > 0.0;
      for (int64_t c = 0; c < cols && fits; ++c) {
        const double k = w[begin + static_cast<size_t>(c)] / s;
        // A model quantizer's weight is (q − z)·s, exact in double; 1e-6 allows for a float32 product.
        fits = std::abs(k) <= 65536.0 && std::abs(k - std::nearbyint(k)) <= 1e-6;
      }
      if (!fits) continue;
      scales[static_cast<size_t>(r)] = s;
      for (int64_t c = 0; c < cols; ++c)
        q[begin + static_cast<size_t>(c)] = static_cast<int64_t>(std::nearbyint(w[begin + static_cast<size_t>(c)] / s));
      break;
    }
    if (scales[static_cast<size_t>(r)] == 0.0) return false;
  }
  return true;
}

int Lowering::weight_bits(const graph::Node& node) {
  const auto it = options_.layer_weight_bits.find(node.name);
  if (it == options_.layer_weight_bits.end()) return options_.n_bits.weights;
  layer_bits_used_.insert(node.name);
  return it->second;
}

void Lowering::note_calibrated_layer(const graph::Node& node, ValueId output, bool model_weights) {
  if (!model_weights) net_.calibrated_layers.push_back({output, node.name, weight_bits(node)});
}

bool Lowering::quantize_weights(const graph::Node& node, const std::string& weight, double factor,
                                const std::vector<double>& w, int64_t rows, int64_t cols, std::vector<int64_t>& q,
                                std::vector<double>& scales) {
  const auto grid = graph_.grid_scales.find(weight);
  if (grid != graph_.grid_scales.end()) {
    std::vector<double> scaled = grid->second;
    for (double& s : scaled) s *= std::abs(factor);
    if (weights_on_model_grid(scaled, w, rows, cols, q, scales)) {
      int64_t largest = 0;
      for (int64_t v : q) largest = std::max(largest, std::abs(v));
      net_.grids.push_back({"weights", node.name, true,
                            "integers up to " + std::to_string(largest) + ", " + std::to_string(scaled.size()) +
                                (scaled.size() == 1 ? " scale" : " scales")});
      return true;
    }
  }
  const QuantOptions symmetric{.is_signed = true, .is_symmetric = true, .is_narrow = true};
  const int bits = weight_bits(node);
  CalibrationOptions weight_calibration;
  weight_calibration.method =
      options_.calibration.method == CalibrationMethod::kMse ? CalibrationMethod::kMse : CalibrationMethod::kMinMax;
  auto params_of = [&](const double* begin, size_t count) {
    Calibrator calibrator(weight_calibration);
    calibrator.observe(begin, count);
    return calibrator.params(bits, symmetric);
  };
  q.resize(w.size());
  scales.assign(static_cast<size_t>(rows), 0.0);
  QuantParams shared;
  if (!options_.per_channel) shared = params_of(w.data(), w.size());
  for (int64_t r = 0; r < rows; ++r) {
    const size_t begin = static_cast<size_t>(r * cols);
    const QuantParams p = options_.per_channel ? params_of(w.data() + begin, static_cast<size_t>(cols)) : shared;
    FHEQ_CHECK(p.zero_point == 0 && p.scale > 0.0, "weight quantizer must be symmetric, got Z = ", p.zero_point);
    scales[static_cast<size_t>(r)] = p.scale;
    for (int64_t c = 0; c < cols; ++c) q[begin + static_cast<size_t>(c)] = quantize_value(w[begin + static_cast<size_t>(c)], p);
  }
  net_.grids.push_back({"weights", node.name, false,
                        grid != graph_.grid_scales.end()
                            ? "re-quantized: no single grid scale per output row (per-input-channel scales?)"
                            : "calibrated, " + std::to_string(bits) + "-bit " +
                                  (options_.per_channel ? "per-channel" : "per-tensor")});
  return false;
}

QValue Lowering::dense(const graph::Node& node, const QValue& x_in, const std::string& weight, double factor,
                       const std::vector<double>& w, const std::vector<double>& bias, int64_t out_features,
                       const std::string& out_name) {
  const QValue x = x_in.is_affine() && x_in.uniform_scale() ? x_in : requantize(x_in, node.inputs[0] + "/requant");
  const int64_t in_features = net_.graph.elements(x.id);
  std::vector<int64_t> qw;
  std::vector<double> sw;
  const bool model_weights = quantize_weights(node, weight, factor, w, out_features, in_features, qw, sw);
  std::vector<double> offsets;  // a model's own weights: keep the exact bias, as its fake-quant forward does
  const double s = x.groups[0].scale;
  DenseOp op;
  op.input = x.id;
  op.in_features = in_features;
  op.out_features = out_features;
  op.bias.resize(static_cast<size_t>(out_features));
  for (int64_t o = 0; o < out_features; ++o) {
    double c = bias[static_cast<size_t>(o)] / (s * sw[static_cast<size_t>(o)]);
    for (int64_t i = 0; i < in_features; ++i)
      c -= static_cast<double>(qw[static_cast<size_t>(o * in_features + i)]) *
           x.groups[static_cast<size_t>(x.element_group[static_cast<size_t>(i)])].offset;
    op.bias[static_cast<size_t>(o)] = static_cast<int64_t>(round_half_to_even(c));
    if (model_weights) offsets.push_back(static_cast<double>(op.bias[static_cast<size_t>(o)]) - c);
  }
  op.weights = std::move(qw);
  QValue y;
  y.id = op.output = net_.graph.add_value(fresh_name(out_name), Shape{out_features});
  append(std::move(op));
  note_calibrated_layer(node, y.id, model_weights);
  output_groups(sw, offsets, s, 1, y);
  return y;
}

void Lowering::lower_gemm(const graph::Node& node) {
  const QValue& a = encrypted(node, node.inputs.at(0));
  if (node.inputs.size() < 2 || !graph_.is_constant(node.inputs[1])) unsupported(node, "B must be a constant");
  if (node.attr_int("transA", 0) != 0) unsupported(node, "transA = 1 is not supported");
  const Shape& sample = net_.graph.value(a.id).shape;
  if (sample.size() != 1) unsupported(node, "input must be [N, K], got per-sample shape " + shape_to_string(sample));
  const FloatTensor& b = graph_.constant(node.inputs[1]);
  const bool trans_b = node.attr_int("transB", 0) != 0;
  const double alpha = node.attr_float("alpha", 1.0), beta = node.attr_float("beta", 1.0);
  FHEQ_REQUIRE(b.rank() == 2 && b.dim(trans_b ? 1 : 0) == sample[0], graph_.source, ": ", node.describe(),
               ": B has shape ", shape_to_string(b.shape), ", input has ", sample[0], " features");
  const int64_t k = sample[0], m = b.dim(trans_b ? 0 : 1);
  std::vector<double> w(static_cast<size_t>(m * k));
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < k; ++i) w[static_cast<size_t>(o * k + i)] = alpha * (trans_b ? b[o * k + i] : b[i * m + o]);
  std::vector<double> bias(static_cast<size_t>(m), 0.0);
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    if (!graph_.is_constant(node.inputs[2])) unsupported(node, "C must be a constant");
    const FloatTensor& c = graph_.constant(node.inputs[2]);
    if (c.size() != 1 && c.size() != m) unsupported(node, "C of shape " + shape_to_string(c.shape) + " is not per-output");
    for (int64_t o = 0; o < m; ++o) bias[static_cast<size_t>(o)] = beta * c[c.size() == 1 ? 0 : o];
  }
  qvalues_[node.outputs.at(0)] = dense(node, a, node.inputs[1], alpha, w, bias, m, node.outputs[0]);
}

void Lowering::lower_matmul(const graph::Node& node) {
  if (is_encrypted(node.inputs.at(0)) && is_encrypted(node.inputs.at(1))) return lower_encrypted_matmul(node);
  const QValue& a = encrypted(node, node.inputs.at(0));
  if (!graph_.is_constant(node.inputs.at(1))) unsupported(node, "the second operand must be a constant matrix");
  const Shape& sample = net_.graph.value(a.id).shape;
  const FloatTensor& b = graph_.constant(node.inputs[1]);
  if (sample.size() != 1 || b.rank() != 2 || b.dim(0) != sample[0])
    unsupported(node, "only [N, K] × [K, M] is supported (per-sample shape " + shape_to_string(sample) + ", B " +
                          shape_to_string(b.shape) + ")");
  const int64_t k = b.dim(0), m = b.dim(1);
  std::vector<double> w(static_cast<size_t>(m * k));
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < k; ++i) w[static_cast<size_t>(o * k + i)] = b[i * m + o];
  qvalues_[node.outputs.at(0)] =
      dense(node, a, node.inputs[1], 1.0, w, std::vector<double>(static_cast<size_t>(m), 0.0), m, node.outputs[0]);
}

void Lowering::lower_conv(const graph::Node& node) {
  const QValue& x_in = encrypted(node, node.inputs.at(0));
  if (!graph_.is_constant(node.inputs.at(1))) unsupported(node, "weights must be a constant");
  const Shape in_shape = net_.graph.value(x_in.id).shape;
  const FloatTensor& wt = graph_.constant(node.inputs[1]);
  if (in_shape.size() != 3 || wt.rank() != 4) unsupported(node, "only 2-D convolutions ([N, C, H, W]) are supported");
  const int64_t groups = node.attr_int("group", 1);
  const Shape out_shape = sample_shape(node.outputs.at(0));
  FHEQ_REQUIRE(out_shape.size() == 3 && groups >= 1 && in_shape[0] % groups == 0 && wt.dim(1) * groups == in_shape[0],
               graph_.source, ": ", node.describe(), ": inconsistent Conv attributes or shapes");
  // The window parser the float executor uses: auto_pad and asymmetric pads included.
  const Window2d window = graph::ops::resolve_window(node, Shape{in_shape[1], in_shape[2]}, {wt.dim(2), wt.dim(3)}, false);
  FHEQ_REQUIRE(window.out_h == out_shape[1] && window.out_w == out_shape[2], graph_.source, ": ", node.describe(),
               ": output shape ", shape_to_string(out_shape), " does not match the window's ", window.out_h, "×",
               window.out_w);
  const bool pads_any = window.reads_padding();
  const bool usable = x_in.is_affine() && x_in.uniform_scale() && x_in.uniform_offset() &&
                      (!pads_any || x_in.groups[0].offset == std::round(x_in.groups[0].offset));
  const QValue x = usable ? x_in : requantize(x_in, node.inputs[0] + "/requant");
  const int64_t out_channels = wt.dim(0), taps = wt.dim(1) * wt.dim(2) * wt.dim(3);
  std::vector<int64_t> qw;
  std::vector<double> sw;
  const bool model_weights = quantize_weights(node, node.inputs[1], 1.0, wt.data, out_channels, taps, qw, sw);
  std::vector<double> offsets;  // a model's own weights: keep the exact bias, as its fake-quant forward does
  std::vector<double> bias(static_cast<size_t>(out_channels), 0.0);
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    const FloatTensor& b = graph_.constant(node.inputs[2]);
    FHEQ_REQUIRE(b.size() == out_channels, graph_.source, ": ", node.describe(), ": bias has ", b.size(), " values");
    bias = b.data;
  }
  const double s = x.groups[0].scale, offset = x.groups[0].offset;
  Conv2dOp op;
  op.input = x.id;
  op.in_channels = in_shape[0];
  op.out_channels = out_channels;
  op.groups = groups;
  op.window = window;
  op.pad_value = pads_any ? static_cast<int64_t>(offset) : 0;
  op.bias.resize(static_cast<size_t>(out_channels));
  for (int64_t oc = 0; oc < out_channels; ++oc) {
    int64_t weight_sum = 0;
    for (int64_t t = 0; t < taps; ++t) weight_sum += qw[static_cast<size_t>(oc * taps + t)];
    const double c = bias[static_cast<size_t>(oc)] / (s * sw[static_cast<size_t>(oc)]) - offset * static_cast<double>(weight_sum);
    op.bias[static_cast<size_t>(oc)] = static_cast<int64_t>(round_half_to_even(c));
    if (model_weights) offsets.push_back(static_cast<double>(op.bias[static_cast<size_t>(oc)]) - c);
  }
  op.weights = std::move(qw);
  QValue y;
  y.id = op.output = net_.graph.add_value(fresh_name(node.outputs[0]), out_shape);
  append(std::move(op));
  note_calibrated_layer(node, y.id, model_weights);
  output_groups(sw, offsets, s, out_shape[1] * out_shape[2], y);
  qvalues_[node.outputs[0]] = std::move(y);
}

}  // namespace fheq::quant
