// Normalizations: BatchNormalization (inference form), LayerNormalization (opset 17),
// Softmax and LogSoftmax (opset >= 13: over one axis, default -1).
#include <algorithm>
#include <cmath>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

// y = scale · (x − mean) / sqrt(var + ε) + bias, per channel (axis 1).
std::vector<FloatTensor> batch_norm(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  FHEQ_REQUIRE(x.rank() >= 2, node.describe(), ": input must be N×C×..., got ", shape_to_string(x.shape));
  FHEQ_REQUIRE(node.attr_int("training_mode", 0) == 0, node.describe(), ": training_mode=1 is not supported");
  const int64_t channels = x.dim(1);
  const FloatTensor* params[4];
  const char* names[4] = {"scale", "B", "mean", "var"};
  for (size_t i = 0; i < 4; ++i) {
    params[i] = &input(node, inputs, i + 1);
    FHEQ_REQUIRE(params[i]->size() == channels, node.describe(), ": ", names[i], " has ", params[i]->size(),
                 " values, expected ", channels);
  }
  const double epsilon = node.attr_float("epsilon", 1e-5);
  const int64_t inner = x.size() / std::max<int64_t>(1, x.dim(0) * channels);
  FloatTensor y(x.shape);
  for (int64_t n = 0; n < x.dim(0); ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const double factor = (*params[0])[c] / std::sqrt((*params[3])[c] + epsilon);
      const double mean = (*params[2])[c], shift = (*params[1])[c];
      const int64_t base = (n * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) y[base + i] = factor * (x[base + i] - mean) + shift;
    }
  }
  return {std::move(y)};
}

std::vector<FloatTensor> layer_norm(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const FloatTensor& scale = input(node, inputs, 1);
  const FloatTensor* bias = optional_input(inputs, 2);
  FHEQ_REQUIRE(node.outputs.size() <= 1, node.describe(), ": Mean / InvStdDev outputs are not supported");
  const int64_t axis = normalize_axis(node, node.attr_int("axis", -1), x.rank());
  const double epsilon = node.attr_float("epsilon", 1e-5);
  int64_t inner = 1;
  for (int64_t d = axis; d < x.rank(); ++d) inner *= x.dim(d);
  FHEQ_REQUIRE(inner > 0 && x.size() % inner == 0, node.describe(), ": empty normalized dims");
  // Scale and bias broadcast over the normalized dims.
  Shape normalized(x.shape.begin() + axis, x.shape.end());
  FloatTensor ones(normalized, std::vector<double>(static_cast<size_t>(inner), 1.0));
  FloatTensor scale_full = broadcast_binary(node, ones, scale, [](double, double s) { return s; });
  FloatTensor bias_full = bias ? broadcast_binary(node, ones, *bias, [](double, double b) { return b; })
                               : FloatTensor(normalized);
  FHEQ_REQUIRE(scale_full.size() == inner && bias_full.size() == inner, node.describe(),
               ": scale / bias do not broadcast to ", shape_to_string(normalized));
  FloatTensor y(x.shape);
  for (int64_t o = 0; o < x.size() / inner; ++o) {
    const double* in = x.data.data() + o * inner;
    double mean = 0.0, var = 0.0;
    for (int64_t i = 0; i < inner; ++i) mean += in[i];
    mean /= static_cast<double>(inner);
    for (int64_t i = 0; i < inner; ++i) var += (in[i] - mean) * (in[i] - mean);
    var /= static_cast<double>(inner);
    const double inv_std = 1.0 / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < inner; ++i) y[o * inner + i] = (in[i] - mean) * inv_std * scale_full[i] + bias_full[i];
  }
  return {std::move(y)};
}

// Softmax / LogSoftmax over one axis, shifted by the max for stability.
std::vector<FloatTensor> softmax(const Node& node, const Inputs& inputs, bool log) {
  const FloatTensor& x = input(node, inputs, 0);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", -1), x.rank());
  const int64_t len = x.dim(axis);
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  const int64_t outer = len * inner == 0 ? 0 : x.size() / (len * inner);
  FloatTensor y(x.shape);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      double max = x[base];
      for (int64_t k = 1; k < len; ++k) max = std::max(max, x[base + k * inner]);
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(x[base + k * inner] - max);
      for (int64_t k = 0; k < len; ++k) {
        const double shifted = x[base + k * inner] - max;
        y[base + k * inner] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
  }
  return {std::move(y)};
}

}  // namespace

void register_normalization_ops(KernelTable& t) {
  t["BatchNormalization"] = batch_norm;
  t["LayerNormalization"] = layer_norm;
  t["Softmax"] = [](const Node& n, const Inputs& in) { return softmax(n, in, false); };
  t["LogSoftmax"] = [](const Node& n, const Inputs& in) { return softmax(n, in, true); };
}

}  // namespace fheq::graph::ops
