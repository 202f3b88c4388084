// The compute-heavy float kernels (matrix product, 2-D convolution), each with a slow,
// obviously correct `_ref` twin that tests compare against (tests/graph/kernels_test.cc).
#pragma once

#include <cstdint>

#include "core/window2d.h"

namespace fheq::graph::ops {

// C (m×n) = A (m×k) · B, where B is k×n, or n×k when b_transposed (as torch's Linear weight).
// Row-major, C is overwritten. Each C entry sums its k products in index order, like the reference.
void matmul(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n, bool b_transposed);
void matmul_ref(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n, bool b_transposed);

using core::Window2d;  // one window geometry for every layer (core/window2d.h)

// Grouped 2-D convolution (ONNX Conv, cross-correlation as in every DL framework) for ONE sample:
//   y[oc, oh, ow] = bias[oc] + Σ_{ic ∈ group(oc), kh, kw} w[oc, ic', kh, kw] · x[ic, oh·s_h − p_t + kh·d_h, ow·s_w − p_l + kw·d_w]
// x: in_channels × in_h × in_w; w: out_channels × (in_channels/groups) × kernel_h × kernel_w;
// bias may be null; y: out_channels × out_h × out_w (overwritten). Terms outside x are zero padding.
struct ConvShape {
  Window2d window;
  int64_t in_channels = 1, out_channels = 1, groups = 1;
};
void conv2d(const ConvShape& shape, const double* x, const double* w, const double* bias, double* y);
void conv2d_ref(const ConvShape& shape, const double* x, const double* w, const double* bias, double* y);

}  // namespace fheq::graph::ops
