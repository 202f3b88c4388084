#include "runtime/linear_map.h"

#include <type_traits>

#include "core/check.h"

namespace fheq::runtime {
namespace {

using quant::Conv2dOp;
using quant::DenseOp;
using quant::ReshapeOp;
using quant::SumPool2dOp;
using quant::Window2d;
using quant::WindowTapOp;

// Builds rows one at a time.
class MapBuilder {
 public:
  MapBuilder(int64_t inputs, int64_t outputs) {
    map_.input_count = inputs;
    map_.output_count = outputs;
    map_.row_start.reserve(static_cast<size_t>(outputs) + 1);
    map_.row_start.push_back(0);
    map_.constant.reserve(static_cast<size_t>(outputs));
  }
  void term(int64_t input, int64_t weight) {
    if (weight == 0) return;
    FHEQ_CHECK(input >= 0 && input < map_.input_count, "input ", input, " of ", map_.input_count);
    map_.index.push_back(static_cast<int32_t>(input));
    map_.weight.push_back(weight);
  }
  void end_row(int64_t constant) {
    map_.constant.push_back(constant);
    map_.row_start.push_back(static_cast<int64_t>(map_.index.size()));
  }
  LinearMap finish() {
    FHEQ_CHECK(static_cast<int64_t>(map_.constant.size()) == map_.output_count);
    return std::move(map_);
  }

 private:
  LinearMap map_;
};

// Input position read by output (oh, ow) at kernel tap (kh, kw), or -1 when it falls in the padding.
int64_t window_position(const Window2d& w, int64_t oh, int64_t ow, int64_t kh, int64_t kw) {
  const int64_t ih = oh * w.stride_h - w.pad_top + kh * w.dilation_h;
  const int64_t iw = ow * w.stride_w - w.pad_left + kw * w.dilation_w;
  if (ih < 0 || ih >= w.in_h || iw < 0 || iw >= w.in_w) return -1;
  return ih * w.in_w + iw;
}

LinearMap dense_map(const DenseOp& op) {
  MapBuilder b(op.in_features, op.out_features);
  for (int64_t o = 0; o < op.out_features; ++o) {
    for (int64_t i = 0; i < op.in_features; ++i) b.term(i, op.weights[static_cast<size_t>(o * op.in_features + i)]);
    b.end_row(op.bias[static_cast<size_t>(o)]);
  }
  return b.finish();
}

LinearMap conv_map(const Conv2dOp& op) {
  const Window2d& w = op.window;
  const int64_t plane_in = w.in_h * w.in_w;
  const int64_t in_per_group = op.in_channels / op.groups;
  const int64_t out_per_group = op.out_channels / op.groups;
  MapBuilder b(op.in_channels * plane_in, op.out_channels * w.out_h * w.out_w);
  for (int64_t oc = 0; oc < op.out_channels; ++oc) {
    const int64_t group = oc / out_per_group;
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        int64_t constant = op.bias[static_cast<size_t>(oc)];
        for (int64_t icg = 0; icg < in_per_group; ++icg) {
          const int64_t ic = group * in_per_group + icg;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh)
            for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const int64_t weight =
                  op.weights[static_cast<size_t>(((oc * in_per_group + icg) * w.kernel_h + kh) * w.kernel_w + kw)];
              const int64_t pos = window_position(w, oh, ow, kh, kw);
              if (pos < 0)
                constant += weight * op.pad_value;
              else
                b.term(ic * plane_in + pos, weight);
            }
        }
        b.end_row(constant);
      }
  }
  return b.finish();
}

LinearMap sum_pool_map(const SumPool2dOp& op) {
  const Window2d& w = op.window;
  const int64_t plane_in = w.in_h * w.in_w;
  MapBuilder b(op.channels * plane_in, op.channels * w.out_h * w.out_w);
  for (int64_t c = 0; c < op.channels; ++c)
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        int64_t constant = 0;
        for (int64_t kh = 0; kh < w.kernel_h; ++kh)
          for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
            const int64_t pos = window_position(w, oh, ow, kh, kw);
            if (pos < 0)
              constant += op.pad_value;
            else
              b.term(c * plane_in + pos, 1);
          }
        b.end_row(constant);
      }
  return b.finish();
}

LinearMap window_tap_map(const WindowTapOp& op) {
  const Window2d& w = op.window;
  const int64_t plane_in = w.in_h * w.in_w;
  MapBuilder b(op.channels * plane_in, op.channels * w.out_h * w.out_w);
  for (int64_t c = 0; c < op.channels; ++c)
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        const int64_t pos = window_position(w, oh, ow, op.tap_h, op.tap_w);
        if (pos < 0) {
          b.end_row(op.pad_value);
        } else {
          b.term(c * plane_in + pos, 1);
          b.end_row(0);
        }
      }
  return b.finish();
}

LinearMap identity_map(int64_t elements) {
  MapBuilder b(elements, elements);
  for (int64_t e = 0; e < elements; ++e) {
    b.term(e, 1);
    b.end_row(0);
  }
  return b.finish();
}

}  // namespace

int64_t LinearMap::row_norm2_squared(int64_t o) const {
  int64_t sum = 0;
  for (int64_t j = row_start[static_cast<size_t>(o)]; j < row_start[static_cast<size_t>(o) + 1]; ++j)
    sum += weight[static_cast<size_t>(j)] * weight[static_cast<size_t>(j)];
  return sum;
}

LinearMap linear_map_of(const quant::IntegerGraph& graph, const quant::IntOp& op) {
  return std::visit(
      [&](const auto& o) -> LinearMap {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, DenseOp>) {
          return dense_map(o);
        } else if constexpr (std::is_same_v<T, Conv2dOp>) {
          return conv_map(o);
        } else if constexpr (std::is_same_v<T, SumPool2dOp>) {
          return sum_pool_map(o);
        } else if constexpr (std::is_same_v<T, WindowTapOp>) {
          return window_tap_map(o);
        } else if constexpr (std::is_same_v<T, ReshapeOp>) {
          return identity_map(graph.elements(o.input));
        } else {
          FHEQ_CHECK(false, "linear_map_of: op ", quant::op_kind(op), " is not a one-input linear op");
          return {};
        }
      },
      op);
}

std::vector<int64_t> apply_linear_map(const LinearMap& map, const std::vector<int64_t>& input) {
  FHEQ_CHECK(static_cast<int64_t>(input.size()) == map.input_count, input.size(), " vs ", map.input_count);
  std::vector<int64_t> out(static_cast<size_t>(map.output_count));
  for (int64_t o = 0; o < map.output_count; ++o) {
    uint64_t acc = static_cast<uint64_t>(map.constant[static_cast<size_t>(o)]);
    for (int64_t j = map.row_start[static_cast<size_t>(o)]; j < map.row_start[static_cast<size_t>(o) + 1]; ++j)
      acc += static_cast<uint64_t>(map.weight[static_cast<size_t>(j)]) *
             static_cast<uint64_t>(input[static_cast<size_t>(map.index[static_cast<size_t>(j)])]);
    out[static_cast<size_t>(o)] = static_cast<int64_t>(acc);
  }
  return out;
}

}  // namespace fheq::runtime
