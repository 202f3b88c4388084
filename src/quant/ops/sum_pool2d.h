// SumPool2d, AveragePool without the division: y[c, oh, ow] = Σ_{window} x (pad_value outside). The 1/k is
// folded into whatever reads y (the next TLU or the next linear layer's rescale).
#pragma once

#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct SumPool2dOp {
  static constexpr int32_t kTag = 3;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  int64_t channels = 0;
  Window2d window;
  int64_t pad_value = 0;
  static constexpr int kFieldCount = 5;

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "SumPool2d"; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << "Σ " << name(input) << " over " << window.kernel_h << "×" << window.kernel_w << " windows";
    return out.str();
  }
  void validate(const OpContext& c) const { check_window_shapes(window, c, channels, channels); }
  IntRange range(const std::vector<IntRange>& in, const OpContext& c) const {
    const IntRange x = range_math::with_pad(in[0], window, pad_value);
    const range_math::Wide k = window.kernel_size();
    return range_math::narrow(k * x.min, k * x.max, c.output_name);
  }
  void run_ref(const OpContext&, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    const Window2d& w = window;
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          int64_t acc = 0;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh)
            for (int64_t kw = 0; kw < w.kernel_w; ++kw)
              acc += read_padded(in[0], ch, w.input_row(oh, kh), w.input_col(ow, kw), w, pad_value);
          y[(ch * w.out_h + oh) * w.out_w + ow] = acc;
        }
  }
  double multiply_adds(const OpContext& c) const {
    return static_cast<double>(c.output_elements()) * static_cast<double>(window.kernel_size());
  }
  LinearForm linear_form(const OpContext&) const {
    const Window2d& w = window;
    const int64_t plane_in = w.in_h * w.in_w;
    LinearFormBuilder b(channels * plane_in, channels * w.out_h * w.out_w);
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          int64_t constant = 0;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh)
            for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const int64_t pos = w.source(oh, ow, kh, kw);
              if (pos < 0) constant += pad_value;
              else b.term(ch * plane_in + pos, 1);
            }
          b.end_row(constant);
        }
    return b.finish();
  }
};

}  // namespace fheq::quant
