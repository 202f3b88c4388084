// Sliding-window geometry (ONNX Conv / AveragePool / MaxPool attribute semantics).
#include "graph/ops/window.h"

#include "core/check.h"

namespace fheq::graph::ops {
namespace {

struct Axis {
  int64_t in, kernel, stride, dilation, pad_begin, pad_end, out;
};

int64_t output_size(const Node& node, Axis& a, bool ceil_mode) {
  const int64_t extent = (a.kernel - 1) * a.dilation + 1;
  const int64_t span = a.in + a.pad_begin + a.pad_end - extent;
  FHEQ_REQUIRE(span >= 0, node.describe(), ": window of extent ", extent, " does not fit input size ", a.in,
               " with pads ", a.pad_begin, "+", a.pad_end);
  int64_t out = (ceil_mode ? (span + a.stride - 1) / a.stride : span / a.stride) + 1;
  if (ceil_mode && (out - 1) * a.stride >= a.in + a.pad_begin) --out;
  return out;
}

}  // namespace

Window2d resolve_window(const Node& node, const Shape& spatial, const std::vector<int64_t>& kernel, bool ceil_mode) {
  const size_t dims = spatial.size();
  FHEQ_REQUIRE(dims == 1 || dims == 2, node.describe(), ": only 1-D and 2-D windows are supported, input has ", dims,
               " spatial dims");
  FHEQ_REQUIRE(kernel.size() == dims, node.describe(), ": kernel_shape has ", kernel.size(), " dims, expected ", dims);
  auto strides = node.attr_ints("strides", std::vector<int64_t>(dims, 1));
  auto dilations = node.attr_ints("dilations", std::vector<int64_t>(dims, 1));
  auto pads = node.attr_ints("pads", std::vector<int64_t>(2 * dims, 0));
  FHEQ_REQUIRE(strides.size() == dims, node.describe(), ": strides has ", strides.size(), " values, expected ", dims);
  FHEQ_REQUIRE(dilations.size() == dims, node.describe(), ": dilations has ", dilations.size(), " values, expected ", dims);
  FHEQ_REQUIRE(pads.size() == 2 * dims, node.describe(), ": pads has ", pads.size(), " values, expected ", 2 * dims);
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");

  std::vector<Axis> axes(dims);
  for (size_t i = 0; i < dims; ++i) {
    Axis& a = axes[i];
    a = {spatial[i], kernel[i], strides[i], dilations[i], pads[i], pads[i + dims], 0};
    FHEQ_REQUIRE(a.in > 0, node.describe(), ": spatial dim ", i, " is ", a.in, ", expected a known positive size");
    FHEQ_REQUIRE(a.kernel > 0 && a.stride > 0 && a.dilation > 0, node.describe(),
                 ": kernel, stride and dilation must be positive");
    FHEQ_REQUIRE(a.pad_begin >= 0 && a.pad_end >= 0, node.describe(), ": negative pads are not supported");
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      // Output = ceil(in / stride); the total padding needed is split, the extra one at the end
      // (SAME_UPPER) or the beginning (SAME_LOWER).
      const int64_t out = (a.in + a.stride - 1) / a.stride;
      const int64_t total = std::max<int64_t>(0, (out - 1) * a.stride + (a.kernel - 1) * a.dilation + 1 - a.in);
      a.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.pad_end = total - a.pad_begin;
    } else if (auto_pad == "VALID") {
      a.pad_begin = a.pad_end = 0;
    } else {
      FHEQ_REQUIRE(auto_pad == "NOTSET", node.describe(), ": auto_pad '", auto_pad, "' is not supported");
    }
    a.out = output_size(node, a, ceil_mode);
  }
  if (dims == 1) axes.insert(axes.begin(), Axis{1, 1, 1, 1, 0, 0, 1});

  Window2d w;
  w.in_h = axes[0].in, w.in_w = axes[1].in;
  w.out_h = axes[0].out, w.out_w = axes[1].out;
  w.kernel_h = axes[0].kernel, w.kernel_w = axes[1].kernel;
  w.stride_h = axes[0].stride, w.stride_w = axes[1].stride;
  w.dilation_h = axes[0].dilation, w.dilation_w = axes[1].dilation;
  w.pad_top = axes[0].pad_begin, w.pad_bottom = axes[0].pad_end;
  w.pad_left = axes[1].pad_begin, w.pad_right = axes[1].pad_end;
  return w;
}

}  // namespace fheq::graph::ops
