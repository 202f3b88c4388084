// Pools and sums of two encrypted tensors.
//   AveragePool: y = (1/k)·Σ x = (s/k)·(Σ q − k·o): an integer SumPool2d, its 1/k and k·o folded into
//     the representation (so into the next TLU or the next linear layer's rescale).
//   MaxPool: max over the window as a chain m ← m + relu(tap − m) (one TLU per tap after the first), on
//     integers of one positive scale per channel (codes, or a convolution's accumulator), where max commutes
//     with dequantization.
//   Add/Sub of two encrypted tensors: both operands are requantized by TLUs to one common scale S (that of
//     the sum, calibrated), then added as integers.
#include <cmath>

#include "core/check.h"
#include "graph/ops/window.h"
#include "quant/lowering.h"

namespace fheq::quant {

namespace {

// The pool's window, from the attribute parser the float executor uses (auto_pad, asymmetric pads, ceil_mode).
Window2d pool_window(const graph::Node& node, const Shape& in, const Shape& out, bool global) {
  Window2d w;
  if (global) {
    w.in_h = w.kernel_h = in[1];
    w.in_w = w.kernel_w = in[2];
  } else {
    w = graph::ops::resolve_window(node, Shape{in[1], in[2]}, node.attr_ints("kernel_shape", {}),
                                   node.attr_int("ceil_mode", 0) != 0);
  }
  FHEQ_REQUIRE(w.out_h == out[1] && w.out_w == out[2], node.describe(), ": output shape ", shape_to_string(out),
               " does not match the window's ", w.out_h, "×", w.out_w);
  return w;
}

// True when a ceil_mode window reaches past the padded input (ONNX then divides by fewer taps).
bool overhangs(const Window2d& w) {
  return w.input_row(w.out_h - 1, w.kernel_h - 1) >= w.in_h + w.pad_bottom ||
         w.input_col(w.out_w - 1, w.kernel_w - 1) >= w.in_w + w.pad_right;
}

// Output element → group, when each channel of the input has one group.
std::vector<int32_t> channel_groups(const QValue& x, int64_t channels, int64_t out_plane) {
  const size_t in_plane = x.element_group.size() / static_cast<size_t>(channels);
  std::vector<int32_t> groups(static_cast<size_t>(channels * out_plane));
  for (size_t e = 0; e < groups.size(); ++e) groups[e] = x.element_group[(e / static_cast<size_t>(out_plane)) * in_plane];
  return groups;
}

}  // namespace

void Lowering::lower_average_pool(const graph::Node& node, bool global) {
  const QValue& x_in = encrypted(node, node.inputs.at(0));
  const Shape in = net_.graph.value(x_in.id).shape;
  const Shape out = sample_shape(node.outputs.at(0));
  if (in.size() != 3 || out.size() != 3) unsupported(node, "only 2-D pooling ([N, C, H, W]) is supported");
  const Window2d window = pool_window(node, in, out, global);
  if (overhangs(window))
    unsupported(node, "ceil_mode windows past the padded input divide by fewer taps; not supported");
  const bool pads = window.reads_padding();
  if (pads && node.attr_int("count_include_pad", 0) == 0)
    unsupported(node, "padding with count_include_pad = 0 divides border windows by fewer taps; not supported");
  const int64_t channels = in[0];
  const bool usable = x_in.is_affine() && x_in.per_channel_groups(channels) &&
                      (!pads || (x_in.uniform_offset() && x_in.groups[0].offset == std::round(x_in.groups[0].offset)));
  const QValue x = usable ? x_in : requantize(x_in, node.inputs[0] + "/requant");
  const int64_t k = window.kernel_size();
  SumPool2dOp op;
  op.input = x.id;
  op.channels = channels;
  op.window = window;
  op.pad_value = pads ? static_cast<int64_t>(x.groups[0].offset) : 0;
  QValue y;
  y.id = op.output = net_.graph.add_value(fresh_name(node.outputs[0]), out);
  append(std::move(op));
  for (const AffineGroup& g : x.groups) y.groups.push_back(AffineGroup{g.scale / static_cast<double>(k), g.offset * static_cast<double>(k), {}});
  y.element_group = channel_groups(x, channels, out[1] * out[2]);
  qvalues_[node.outputs[0]] = std::move(y);
}

void Lowering::lower_max_pool(const graph::Node& node) {
  const QValue& x_in = encrypted(node, node.inputs.at(0));
  if (node.outputs.size() > 1 && !node.outputs[1].empty()) unsupported(node, "the Indices output is not supported");
  const Shape in = net_.graph.value(x_in.id).shape;
  const Shape out = sample_shape(node.outputs.at(0));
  if (in.size() != 3 || out.size() != 3) unsupported(node, "only 2-D pooling ([N, C, H, W]) is supported");
  // ceil_mode windows may reach past the input: those taps read the pad value, below every real element.
  const Window2d window = pool_window(node, in, out, false);
  const int64_t channels = in[0];
  // Max commutes with x = s·(q − o) only for s > 0. A wide input (a convolution's accumulator, when the
  // import moved the ReLU after the pool) is pooled as it is: the difference tables then round like any other
  // table, which costs less accuracy than requantizing every element before the pool costs PBS.
  bool usable = x_in.is_affine() && x_in.per_channel_groups(channels);
  for (const AffineGroup& g : x_in.groups) usable = usable && g.scale > 0.0;
  const QValue x = usable ? x_in : requantize(x_in, node.inputs[0] + "/requant");
  const int64_t pad_value = worst_[static_cast<size_t>(x.id)].min;  // never above a real element
  const std::string base = node.outputs[0];
  ValueId current = -1;
  int64_t tap_index = 0;
  for (int64_t th = 0; th < window.kernel_h; ++th) {
    for (int64_t tw = 0; tw < window.kernel_w; ++tw, ++tap_index) {
      const ValueId tap = net_.graph.add_value(fresh_name(base + "/tap" + std::to_string(tap_index)), out);
      append(WindowTapOp{x.id, tap, channels, window, th, tw, pad_value});
      if (current < 0) {
        current = tap;
        continue;
      }
      const ValueId diff = net_.graph.add_value(fresh_name(base + "/diff" + std::to_string(tap_index)), out);
      append(AddOp{tap, current, diff, -1});
      QValue d;
      d.id = diff;
      d.groups = {AffineGroup{1.0, 0.0, {}}};
      d.element_group.assign(static_cast<size_t>(shape_size(out)), 0);
      const ValueId relu = build_tlu(d, base + "/relu" + std::to_string(tap_index), table_budget(),
                                     [](size_t, double v, int64_t) { return v > 0.0 ? static_cast<int64_t>(v) : int64_t{0}; });
      const ValueId sum = net_.graph.add_value(fresh_name(base + "/max" + std::to_string(tap_index)), out);
      append(AddOp{current, relu, sum, 1});
      current = sum;
    }
  }
  QValue y;
  y.id = current;
  y.groups = x.groups;
  y.element_group = channel_groups(x, channels, out[1] * out[2]);
  qvalues_[node.outputs[0]] = std::move(y);
}

void Lowering::lower_add_encrypted(const graph::Node& node, int64_t sign) {
  QValue a = encrypted(node, node.inputs.at(0));
  QValue b = encrypted(node, node.inputs.at(1));
  const Shape shape = net_.graph.value(a.id).shape;
  if (net_.graph.value(b.id).shape != shape)
    unsupported(node, "encrypted operands of different shapes (" + shape_to_string(shape) + ", " +
                          shape_to_string(net_.graph.value(b.id).shape) + ") are not supported");
  // Operands on one model grid (a quantization-aware residual: both quantized with the same scale) add exactly,
  // without tables: s·(qa − oa) ± s·(qb − ob) = s·((qa ± qb) − (oa ± ob)).
  auto grid_of = [this](const QValue& v) { return v.is_affine() && v.uniform_scale() ? v.groups[0].scale : model_grid(v); };
  if (const double grid = grid_of(a); grid > 0.0 && grid == grid_of(b)) {
    if (!a.is_affine()) a = requantize(a, node.inputs[0] + "/requant");
    if (!b.is_affine()) b = requantize(b, node.inputs[1] + "/requant");
  }
  if (a.is_affine() && b.is_affine() && a.uniform_scale() && b.uniform_scale() && a.uniform_offset() &&
      b.uniform_offset() && a.groups[0].scale == b.groups[0].scale) {
    QValue y;
    y.id = net_.graph.add_value(fresh_name(node.outputs.at(0)), shape);
    append(AddOp{a.id, b.id, y.id, sign});
    y.groups = {AffineGroup{a.groups[0].scale, a.groups[0].offset + static_cast<double>(sign) * b.groups[0].offset, {}}};
    y.element_group.assign(static_cast<size_t>(shape_size(shape)), 0);
    qvalues_[node.outputs[0]] = std::move(y);
    return;
  }
  std::vector<double> fa = calibration_floats(a);
  const std::vector<double> fb = calibration_floats(b);
  for (size_t i = 0; i < fa.size(); ++i) fa[i] += static_cast<double>(sign) * fb[i];
  Calibrator calibrator(options_.calibration);
  calibrator.observe(fa);
  const double scale = calibrator.params(options_.n_bits.activations, QuantOptions{}).scale;
  auto to_common_scale = [scale](size_t, double v, int64_t) { return static_cast<int64_t>(round_half_to_even(v / scale)); };
  const ValueId lhs = build_tlu(a, node.inputs[0] + "/rescaled", table_budget(), to_common_scale);
  const ValueId rhs = build_tlu(b, node.inputs[1] + "/rescaled", table_budget(), to_common_scale);
  QValue y;
  y.id = net_.graph.add_value(fresh_name(node.outputs.at(0)), shape);
  append(AddOp{lhs, rhs, y.id, sign});
  y.groups = {AffineGroup{scale, 0.0, {}}};
  y.element_group.assign(static_cast<size_t>(shape_size(shape)), 0);
  qvalues_[node.outputs[0]] = std::move(y);
}

}  // namespace fheq::quant
