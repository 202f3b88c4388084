// WindowTap, one tap of a sliding window: y[c, oh, ow] = x[c, ih, iw] at tap (tap_h, tap_w) (pad_value
// outside). Free in FHE (it only selects ciphertexts). MaxPool = taps folded with a + relu(b − a).
#pragma once

#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct WindowTapOp {
  static constexpr int32_t kTag = 4;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  int64_t channels = 0;
  Window2d window;
  int64_t tap_h = 0;
  int64_t tap_w = 0;
  int64_t pad_value = 0;
  static constexpr int kFieldCount = 7;

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "WindowTap"; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << name(input) << " tap (" << tap_h << "," << tap_w << ") of " << window.kernel_h << "×" << window.kernel_w
        << " windows";
    return out.str();
  }
  void validate(const OpContext& c) const {
    check_window_shapes(window, c, channels, channels);
    FHEQ_GRAPH_REQUIRE(tap_h >= 0 && tap_h < window.kernel_h && tap_w >= 0 && tap_w < window.kernel_w);
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext&) const {
    return range_math::with_pad(in[0], window, pad_value);
  }
  void run_ref(const OpContext&, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    const Window2d& w = window;
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow)
          y[(ch * w.out_h + oh) * w.out_w + ow] =
              read_padded(in[0], ch, w.input_row(oh, tap_h), w.input_col(ow, tap_w), w, pad_value);
  }
  double multiply_adds(const OpContext& c) const { return static_cast<double>(c.output_elements()); }
  LinearForm linear_form(const OpContext&) const {
    const Window2d& w = window;
    const int64_t plane_in = w.in_h * w.in_w;
    LinearFormBuilder b(channels * plane_in, channels * w.out_h * w.out_w);
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          const int64_t pos = w.source(oh, ow, tap_h, tap_w);
          if (pos >= 0) b.term(ch * plane_in + pos, 1);
          b.end_row(pos < 0 ? pad_value : 0);
        }
    return b.finish();
  }
};

}  // namespace fheq::quant
