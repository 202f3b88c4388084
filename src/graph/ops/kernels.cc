// Matrix product and 2-D convolution kernels with their reference twins.
#include "graph/ops/kernels.h"

#include <algorithm>
#include <vector>

namespace fheq::graph::ops {

void matmul(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n, bool b_transposed) {
  if (b_transposed) {
    // Row of A against row of B: both contiguous.
    for (int64_t i = 0; i < m; ++i) {
      const double* row = a + i * k;
      for (int64_t j = 0; j < n; ++j) {
        const double* col = b + j * k;
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p) acc += row[p] * col[p];
        c[i * n + j] = acc;
      }
    }
    return;
  }
  // i-p-j order: the inner loop runs over contiguous rows of B and C (vectorizes), and each
  // C entry still accumulates its products in increasing p.
  for (int64_t i = 0; i < m; ++i) {
    double* out = c + i * n;
    std::fill(out, out + n, 0.0);
    for (int64_t p = 0; p < k; ++p) {
      const double av = a[i * k + p];
      const double* brow = b + p * n;
      for (int64_t j = 0; j < n; ++j) out[j] += av * brow[j];
    }
  }
}

void matmul_ref(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n, bool b_transposed) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * (b_transposed ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = acc;
    }
  }
}

void conv2d(const ConvShape& shape, const double* x, const double* w, const double* bias, double* y) {
  // im2col: for each group, row p = (ic, kh, kw) of `cols` holds the input value each output
  // position sees through that kernel tap (0 in the padding). Then every output plane is
  // bias + Σ_p w[oc, p] · cols[p], accumulated in increasing p like the reference, with a long
  // contiguous inner loop over the output plane that vectorizes.
  const Window2d& win = shape.window;
  const int64_t in_per_group = shape.in_channels / shape.groups;
  const int64_t out_per_group = shape.out_channels / shape.groups;
  const int64_t in_plane = win.in_h * win.in_w, out_plane = win.out_h * win.out_w;
  const int64_t taps = in_per_group * win.kernel_h * win.kernel_w;
  thread_local std::vector<double> cols;
  cols.assign(static_cast<size_t>(taps * out_plane), 0.0);
  for (int64_t group = 0; group < shape.groups; ++group) {
    if (group > 0) std::fill(cols.begin(), cols.end(), 0.0);
    for (int64_t icg = 0; icg < in_per_group; ++icg) {
      const double* in = x + (group * in_per_group + icg) * in_plane;
      for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
        const auto [oh_lo, oh_hi] = win.valid_rows(kh);
        for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
          const auto [ow_lo, ow_hi] = win.valid_cols(kw);
          double* col = cols.data() + ((icg * win.kernel_h + kh) * win.kernel_w + kw) * out_plane;
          const int64_t col0 = win.input_col(0, kw);
          for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
            const double* in_row = in + win.input_row(oh, kh) * win.in_w;
            double* col_row = col + oh * win.out_w;
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) col_row[ow] = in_row[ow * win.stride_w + col0];
          }
        }
      }
    }
    for (int64_t ocg = 0; ocg < out_per_group; ++ocg) {
      const int64_t oc = group * out_per_group + ocg;
      double* out = y + oc * out_plane;
      std::fill(out, out + out_plane, bias ? bias[oc] : 0.0);
      const double* kernel = w + oc * taps;
      for (int64_t p = 0; p < taps; ++p) {
        const double weight = kernel[p];
        const double* col = cols.data() + p * out_plane;
        for (int64_t j = 0; j < out_plane; ++j) out[j] += weight * col[j];
      }
    }
  }
}

void conv2d_ref(const ConvShape& shape, const double* x, const double* w, const double* bias, double* y) {
  const Window2d& win = shape.window;
  const int64_t in_per_group = shape.in_channels / shape.groups;
  const int64_t out_per_group = shape.out_channels / shape.groups;
  for (int64_t oc = 0; oc < shape.out_channels; ++oc) {
    const int64_t group = oc / out_per_group;
    for (int64_t oh = 0; oh < win.out_h; ++oh) {
      for (int64_t ow = 0; ow < win.out_w; ++ow) {
        double acc = bias ? bias[oc] : 0.0;
        for (int64_t icg = 0; icg < in_per_group; ++icg) {
          const int64_t ic = group * in_per_group + icg;
          for (int64_t kh = 0; kh < win.kernel_h; ++kh) {
            for (int64_t kw = 0; kw < win.kernel_w; ++kw) {
              const int64_t ih = win.input_row(oh, kh), iw = win.input_col(ow, kw);
              if (!win.inside(ih, iw)) continue;  // zero padding
              acc += w[((oc * in_per_group + icg) * win.kernel_h + kh) * win.kernel_w + kw] *
                     x[(ic * win.in_h + ih) * win.in_w + iw];
            }
          }
        }
        y[(oc * win.out_h + oh) * win.out_w + ow] = acc;
      }
    }
  }
}

}  // namespace fheq::graph::ops
