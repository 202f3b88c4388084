// Resolves the sliding-window attributes shared by Conv and the pooling ops (kernel_shape,
// strides, dilations, pads, auto_pad, ceil_mode) into a Window2d. 1-D ops map to a 1×L plane.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "graph/ops/kernels.h"

namespace fheq::graph::ops {

// `spatial` is the input's spatial shape (1 or 2 dims); `kernel` the kernel's spatial shape.
// ceil_mode follows PyTorch / ONNX Runtime: the last window must start inside the input or the
// leading padding.
Window2d resolve_window(const Node& node, const Shape& spatial, const std::vector<int64_t>& kernel, bool ceil_mode);

}  // namespace fheq::graph::ops
