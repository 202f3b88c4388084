// ONNX Conv for 1-D and 2-D inputs (groups, pads, strides, dilations, auto_pad), one sample at a time.
#include "graph/ops/kernels.h"
#include "graph/ops/op_kernel.h"
#include "graph/ops/window.h"

namespace fheq::graph::ops {
namespace {

std::vector<FloatTensor> conv(const Node& node, const Inputs& inputs) {
  const FloatTensor& x = input(node, inputs, 0);
  const FloatTensor& w = input(node, inputs, 1);
  const FloatTensor* b = optional_input(inputs, 2);
  FHEQ_REQUIRE(x.rank() == 3 || x.rank() == 4, node.describe(), ": input must be N×C×L or N×C×H×W, got ",
               shape_to_string(x.shape));
  FHEQ_REQUIRE(w.rank() == x.rank(), node.describe(), ": weight shape ", shape_to_string(w.shape),
               " does not match input rank ", x.rank());
  ConvShape shape;
  shape.groups = node.attr_int("group", 1);
  shape.in_channels = x.dim(1);
  shape.out_channels = w.dim(0);
  FHEQ_REQUIRE(shape.groups >= 1 && shape.in_channels % shape.groups == 0 && shape.out_channels % shape.groups == 0,
               node.describe(), ": group ", shape.groups, " does not divide channels in=", shape.in_channels,
               " out=", shape.out_channels);
  FHEQ_REQUIRE(w.dim(1) * shape.groups == shape.in_channels, node.describe(), ": weight shape ",
               shape_to_string(w.shape), " expects ", w.dim(1) * shape.groups, " input channels, input has ",
               shape.in_channels);
  FHEQ_REQUIRE(b == nullptr || b->size() == shape.out_channels, node.describe(), ": bias has ",
               b ? b->size() : 0, " values, expected ", shape.out_channels);
  Shape spatial(x.shape.begin() + 2, x.shape.end());
  std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (node.has_attr("kernel_shape")) {
    FHEQ_REQUIRE(node.attr_ints("kernel_shape", {}) == kernel, node.describe(), ": kernel_shape attribute disagrees with weight shape ",
                 shape_to_string(w.shape));
  }
  shape.window = resolve_window(node, spatial, kernel, false);
  const Window2d& win = shape.window;

  Shape out_shape{x.dim(0), shape.out_channels};
  if (x.rank() == 4) out_shape.push_back(win.out_h);
  out_shape.push_back(win.out_w);
  FloatTensor y(out_shape);
  const int64_t in_sample = shape.in_channels * win.in_h * win.in_w;
  const int64_t out_sample = shape.out_channels * win.out_h * win.out_w;
  for (int64_t n = 0; n < x.dim(0); ++n) {
    conv2d(shape, x.data.data() + n * in_sample, w.data.data(), b ? b->data.data() : nullptr,
           y.data.data() + n * out_sample);
  }
  return {std::move(y)};
}

}  // namespace

void register_conv_ops(KernelTable& t) { t["Conv"] = conv; }

}  // namespace fheq::graph::ops
