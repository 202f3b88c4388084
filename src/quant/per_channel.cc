// Per-tensor and per-output-channel weight quantization (docs/QUANTIZATION.md §5).
#include "quant/per_channel.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace fheq::quant {
namespace {

// Product of the dims after `axis`: the stride of one step along it in a row-major tensor.
int64_t inner_size(const Shape& shape, int64_t axis) {
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  return inner;
}

void require_params_per_channel(const Shape& shape, int64_t axis, size_t params_count) {
  FHEQ_REQUIRE(static_cast<int64_t>(params_count) == shape[static_cast<size_t>(axis)],
               "per-channel quantization: ", params_count, " parameter sets for ", shape[static_cast<size_t>(axis)],
               " channels (axis ", axis, " of shape ", shape_to_string(shape), ")");
}

}  // namespace

QuantOptions default_weight_options() {
  QuantOptions options;
  options.is_signed = true;
  options.is_symmetric = true;
  return options;
}

int64_t normalize_axis(const Shape& shape, int64_t axis) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  FHEQ_REQUIRE(axis >= -rank && axis < rank, "per-channel quantization: axis ", axis,
               " is out of range for shape ", shape_to_string(shape));
  return axis < 0 ? axis + rank : axis;
}

QuantParams per_tensor_params(const FloatTensor& weights, int n_bits, const QuantOptions& options) {
  FHEQ_REQUIRE(weights.size() > 0, "per-tensor quantization: tensor of shape ", shape_to_string(weights.shape),
               " is empty");
  return compute_quant_params(n_bits, min_max_stats(weights.data), options);
}

std::vector<QuantParams> per_channel_params(const FloatTensor& weights, int64_t axis, int n_bits,
                                            const QuantOptions& options) {
  axis = normalize_axis(weights.shape, axis);
  const int64_t channels = weights.shape[static_cast<size_t>(axis)];
  FHEQ_REQUIRE(weights.size() > 0, "per-channel quantization: tensor of shape ", shape_to_string(weights.shape),
               " is empty");
  const int64_t inner = inner_size(weights.shape, axis);
  std::vector<CalibrationStats> stats(static_cast<size_t>(channels));
  std::vector<bool> seen(static_cast<size_t>(channels), false);
  for (int64_t i = 0; i < weights.size(); ++i) {
    const double w = weights[i];
    FHEQ_REQUIRE(!std::isnan(w), "per-channel quantization: weight #", i, " is NaN");
    const size_t c = static_cast<size_t>((i / inner) % channels);
    if (!seen[c]) {
      stats[c] = {w, w};
      seen[c] = true;
    } else {
      stats[c].min = std::min(stats[c].min, w);
      stats[c].max = std::max(stats[c].max, w);
    }
  }
  std::vector<QuantParams> params;
  params.reserve(stats.size());
  for (const CalibrationStats& s : stats) params.push_back(compute_quant_params(n_bits, s, options));
  return params;
}

IntTensor quantize_per_channel(const FloatTensor& weights, int64_t axis, const std::vector<QuantParams>& params) {
  axis = normalize_axis(weights.shape, axis);
  require_params_per_channel(weights.shape, axis, params.size());
  const int64_t channels = weights.shape[static_cast<size_t>(axis)];
  const int64_t inner = inner_size(weights.shape, axis);
  IntTensor codes(weights.shape);
  for (int64_t i = 0; i < weights.size(); ++i)
    codes[i] = quantize_value(weights[i], params[static_cast<size_t>((i / inner) % channels)]);
  return codes;
}

FloatTensor dequantize_per_channel(const IntTensor& codes, int64_t axis, const std::vector<QuantParams>& params) {
  axis = normalize_axis(codes.shape, axis);
  require_params_per_channel(codes.shape, axis, params.size());
  const int64_t channels = codes.shape[static_cast<size_t>(axis)];
  const int64_t inner = inner_size(codes.shape, axis);
  FloatTensor values(codes.shape);
  for (int64_t i = 0; i < codes.size(); ++i)
    values[i] = dequantize_value(codes[i], params[static_cast<size_t>((i / inner) % channels)]);
  return values;
}

}  // namespace fheq::quant
