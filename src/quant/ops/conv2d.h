// Conv2d, ONNX Conv (cross-correlation) on integers:
//   y[oc, oh, ow] = bias[oc] + Σ_{ic in group(oc), kh, kw} w[oc, ic', kh, kw] · x[ic, ih, iw]
// with (ih, iw) the window's input position (core/window2d.h) and x = pad_value outside the input.
#pragma once

#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct Conv2dOp {
  static constexpr int32_t kTag = 2;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
  Window2d window;
  int64_t pad_value = 0;
  std::vector<int64_t> weights;  // out_channels × (in_channels/groups) × kernel_h × kernel_w
  std::vector<int64_t> bias;     // out_channels
  static constexpr int kFieldCount = 9;

  int64_t taps() const { return (in_channels / groups) * window.kernel_size(); }
  int64_t weight(int64_t oc, int64_t icg, int64_t kh, int64_t kw) const {
    return weights[static_cast<size_t>(((oc * (in_channels / groups) + icg) * window.kernel_h + kh) * window.kernel_w + kw)];
  }

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "Conv2d"; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << name(input) << " ⊛ W[" << out_channels << "×" << in_channels / groups << "×" << window.kernel_h << "×"
        << window.kernel_w << "] + b, stride " << window.stride_h << "×" << window.stride_w << ", pad "
        << window.pad_top << "," << window.pad_left << " (value " << pad_value << ")";
    return out.str();
  }
  void validate(const OpContext& c) const {
    check_window_shapes(window, c, in_channels, out_channels);
    FHEQ_GRAPH_REQUIRE(groups >= 1 && in_channels % groups == 0 && out_channels % groups == 0);
    FHEQ_GRAPH_REQUIRE(static_cast<__int128>(weights.size()) == static_cast<__int128>(out_channels) * taps());
    FHEQ_GRAPH_REQUIRE(static_cast<int64_t>(bias.size()) == out_channels);
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext& c) const {
    return range_math::rows_range(weights, bias, taps(), range_math::with_pad(in[0], window, pad_value), c.output_name);
  }
  void run_ref(const OpContext&, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    const Window2d& w = window;
    const int64_t cin_g = in_channels / groups, cout_g = out_channels / groups;
    for (int64_t oc = 0; oc < out_channels; ++oc)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          int64_t acc = bias[static_cast<size_t>(oc)];
          for (int64_t icg = 0; icg < cin_g; ++icg)
            for (int64_t kh = 0; kh < w.kernel_h; ++kh)
              for (int64_t kw = 0; kw < w.kernel_w; ++kw)
                acc += weight(oc, icg, kh, kw) * read_padded(in[0], (oc / cout_g) * cin_g + icg, w.input_row(oh, kh),
                                                             w.input_col(ow, kw), w, pad_value);
          y[(oc * w.out_h + oh) * w.out_w + ow] = acc;
        }
  }
  double multiply_adds(const OpContext& c) const {
    return static_cast<double>(c.output_elements()) * static_cast<double>(in_channels / groups) *
           static_cast<double>(window.kernel_size());
  }
  LinearForm linear_form(const OpContext&) const {
    const Window2d& w = window;
    const int64_t plane_in = w.in_h * w.in_w, cin_g = in_channels / groups, cout_g = out_channels / groups;
    LinearFormBuilder b(in_channels * plane_in, out_channels * w.out_h * w.out_w);
    for (int64_t oc = 0; oc < out_channels; ++oc)
      for (int64_t oh = 0; oh < w.out_h; ++oh)
        for (int64_t ow = 0; ow < w.out_w; ++ow) {
          int64_t constant = bias[static_cast<size_t>(oc)];
          for (int64_t icg = 0; icg < cin_g; ++icg) {
            const int64_t ic = (oc / cout_g) * cin_g + icg;
            for (int64_t kh = 0; kh < w.kernel_h; ++kh)
              for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
                const int64_t pos = w.source(oh, ow, kh, kw);
                if (pos < 0) constant += weight(oc, icg, kh, kw) * pad_value;
                else b.term(ic * plane_in + pos, weight(oc, icg, kh, kw));
              }
          }
          b.end_row(constant);
        }
    return b.finish();
  }
};

}  // namespace fheq::quant
