// Pooling: AveragePool, MaxPool (1-D / 2-D, pads, strides, ceil_mode), GlobalAveragePool, GlobalMaxPool.
#include <algorithm>
#include <limits>

#include "graph/ops/op_kernel.h"
#include "graph/ops/window.h"

namespace fheq::graph::ops {
namespace {

enum class PoolKind { kAverage, kMax };

// One output of a pooling window. `interior` windows lie wholly inside the input (no bounds
// checks, every position counts); the others skip padding and count as PyTorch does.
template <PoolKind kind>
double pool_window(const Window2d& win, const double* in, int64_t oh, int64_t ow, bool count_include_pad) {
  const int64_t h0 = win.input_row(oh, 0), w0 = win.input_col(ow, 0);
  const int64_t h_last = h0 + (win.kernel_h - 1) * win.dilation_h, w_last = w0 + (win.kernel_w - 1) * win.dilation_w;
  double acc = kind == PoolKind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
  if (h0 >= 0 && w0 >= 0 && h_last < win.in_h && w_last < win.in_w) {
    for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
      const double* row = in + (h0 + kh * win.dilation_h) * win.in_w + w0;
      for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
        const double v = row[kw * win.dilation_w];
        acc = kind == PoolKind::kMax ? std::max(acc, v) : acc + v;
      }
    }
    return kind == PoolKind::kMax ? acc : acc / static_cast<double>(win.kernel_h * win.kernel_w);
  }
  int64_t valid = 0, in_padded_extent = 0;
  for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
    const int64_t ih = h0 + kh * win.dilation_h;
    for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
      const int64_t iw = w0 + kw * win.dilation_w;
      // Positions in the padded input count for count_include_pad (as in PyTorch, the part of
      // a ceil_mode window beyond the padding does not).
      if (ih < win.in_h + win.pad_bottom && iw < win.in_w + win.pad_right) ++in_padded_extent;
      if (!win.inside(ih, iw)) continue;
      const double v = in[ih * win.in_w + iw];
      acc = kind == PoolKind::kMax ? std::max(acc, v) : acc + v;
      ++valid;
    }
  }
  if (kind == PoolKind::kMax) return acc;
  const int64_t divisor = count_include_pad ? in_padded_extent : valid;
  return divisor > 0 ? acc / static_cast<double>(divisor) : 0.0;
}

template <PoolKind kind>
std::vector<FloatTensor> pool(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  FHEQ_REQUIRE(x.rank() == 3 || x.rank() == 4, node.describe(), ": input must be N×C×L or N×C×H×W, got ",
               shape_to_string(x.shape));
  FHEQ_REQUIRE(node.has_attr("kernel_shape"), node.describe(), ": kernel_shape attribute is required");
  FHEQ_REQUIRE(node.outputs.size() <= 1 || node.outputs[1].empty(), node.describe(),
               ": the Indices output of MaxPool is not supported");
  Shape spatial(x.shape.begin() + 2, x.shape.end());
  const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  const Window2d win = resolve_window(node, spatial, node.attr_ints("kernel_shape", {}), ceil_mode);
  const bool count_include_pad = node.attr_int("count_include_pad", 0) != 0;

  Shape out_shape{x.dim(0), x.dim(1)};
  if (x.rank() == 4) out_shape.push_back(win.out_h);
  out_shape.push_back(win.out_w);
  FloatTensor y(out_shape);
  const int64_t planes = x.dim(0) * x.dim(1);
  for (int64_t p = 0; p < planes; ++p) {
    const double* in = x.data.data() + p * win.in_h * win.in_w;
    double* out = y.data.data() + p * win.out_h * win.out_w;
    for (int64_t oh = 0; oh < win.out_h; ++oh)
      for (int64_t ow = 0; ow < win.out_w; ++ow)
        out[oh * win.out_w + ow] = pool_window<kind>(win, in, oh, ow, count_include_pad);
  }
  return {std::move(y)};
}

std::vector<FloatTensor> global_pool(const Node& node, const Inputs& inputs, PoolKind kind) {
  const FloatTensor& x = input(node, inputs, 0);
  FHEQ_REQUIRE(x.rank() >= 3, node.describe(), ": input must be N×C×spatial, got ", shape_to_string(x.shape));
  Shape out_shape(x.shape.size(), 1);
  out_shape[0] = x.dim(0);
  out_shape[1] = x.dim(1);
  FloatTensor y(out_shape);
  const int64_t plane = x.size() / (x.dim(0) * x.dim(1));
  for (int64_t p = 0; p < x.dim(0) * x.dim(1); ++p) {
    const double* in = x.data.data() + p * plane;
    double acc = kind == PoolKind::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t i = 0; i < plane; ++i) acc = kind == PoolKind::kMax ? std::max(acc, in[i]) : acc + in[i];
    y[p] = kind == PoolKind::kMax ? acc : acc / static_cast<double>(plane);
  }
  return {std::move(y)};
}

}  // namespace

void register_pool_ops(KernelTable& t) {
  t["AveragePool"] = pool<PoolKind::kAverage>;
  t["MaxPool"] = pool<PoolKind::kMax>;
  t["GlobalAveragePool"] = [](const Node& n, const Inputs& in) { return global_pool(n, in, PoolKind::kAverage); };
  t["GlobalMaxPool"] = [](const Node& n, const Inputs& in) { return global_pool(n, in, PoolKind::kMax); };
}

}  // namespace fheq::graph::ops
