// The geometry of a 2-D sliding window (convolution, pooling, a pooling window's single tap) over one
// [in_h, in_w] plane: the ONE definition used by the float kernels, the attribute parser
// (graph/ops/window.h: kernel_shape, strides, dilations, pads, auto_pad, ceil_mode) and every integer op.
//
// Output position (oh, ow) reads, at kernel tap (kh, kw), the input position
//   ih = oh·stride_h − pad_top + kh·dilation_h,   iw = ow·stride_w − pad_left + kw·dilation_w,
// which lies in the padding when it falls outside [0, in_h) × [0, in_w) (ONNX Conv / *Pool semantics).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

namespace fheq::core {

struct Window2d {
  int64_t in_h = 1, in_w = 1;    // input plane
  int64_t out_h = 1, out_w = 1;  // output plane
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  static constexpr int kFieldCount = 14;  // for the integer graph's field reflection (quant/integer_fields.h)

  int64_t kernel_size() const { return kernel_h * kernel_w; }
  int64_t input_row(int64_t oh, int64_t kh) const { return oh * stride_h - pad_top + kh * dilation_h; }
  int64_t input_col(int64_t ow, int64_t kw) const { return ow * stride_w - pad_left + kw * dilation_w; }
  bool inside(int64_t ih, int64_t iw) const { return ih >= 0 && ih < in_h && iw >= 0 && iw < in_w; }
  // Row-major index in the plane of the input read by (oh, ow) at tap (kh, kw), or −1 in the padding.
  int64_t source(int64_t oh, int64_t ow, int64_t kh, int64_t kw) const {
    const int64_t ih = input_row(oh, kh), iw = input_col(ow, kw);
    return inside(ih, iw) ? ih * in_w + iw : -1;
  }
  // Output rows [first, second) whose tap kh reads inside the input (so loops over them need no bounds checks).
  std::pair<int64_t, int64_t> valid_rows(int64_t kh) const { return valid(out_h, in_h, stride_h, kh * dilation_h - pad_top); }
  std::pair<int64_t, int64_t> valid_cols(int64_t kw) const { return valid(out_w, in_w, stride_w, kw * dilation_w - pad_left); }
  // True when some tap of some output position reads the padding.
  bool reads_padding() const {
    return pad_top > 0 || pad_left > 0 || input_row(out_h - 1, kernel_h - 1) >= in_h || input_col(out_w - 1, kernel_w - 1) >= in_w;
  }
  // True when no two windows share an input element (stride ≥ kernel extent in both directions).
  bool non_overlapping() const {
    return stride_h >= (kernel_h - 1) * dilation_h + 1 && stride_w >= (kernel_w - 1) * dilation_w + 1;
  }
  bool operator==(const Window2d&) const = default;

 private:
  // Positions o ∈ [0, out) with o·stride + shift ∈ [0, in).
  static std::pair<int64_t, int64_t> valid(int64_t out, int64_t in, int64_t stride, int64_t shift) {
    int64_t lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    int64_t hi = in - shift <= 0 ? 0 : (in - shift - 1) / stride + 1;
    lo = std::min(lo, out);
    hi = std::clamp(hi, lo, out);
    return {lo, hi};
  }
};

}  // namespace fheq::core
