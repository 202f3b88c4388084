#include "compiler/noise_analysis.h"

#include <cmath>

#include "core/check.h"

namespace fheq::compiler {
namespace {

using quant::Window2d;

// Index of input row/col read by output position o and kernel tap t, or −1 in the padding.
int64_t window_source(int64_t o, int64_t t, int64_t stride, int64_t dilation, int64_t pad, int64_t extent) {
  const int64_t i = o * stride - pad + t * dilation;
  return (i >= 0 && i < extent) ? i : -1;
}

// Accumulates one term w·x_i of an output element: Σ w²·Var for independent inputs, (Σ |w|·σ)² otherwise.
struct Accumulator {
  bool independent;
  double sum = 0;
  void add(double w, double variance) {
    if (independent) sum += w * w * variance;
    else sum += std::abs(w) * std::sqrt(variance);
  }
  double variance() const { return independent ? sum : sum * sum; }
};

std::vector<double> dense(const quant::DenseOp& op, const std::vector<double>& x, bool independent) {
  std::vector<double> y(static_cast<size_t>(op.out_features), 0.0);
  for (int64_t o = 0; o < op.out_features; ++o) {
    Accumulator acc{independent};
    const int64_t* w = op.weights.data() + o * op.in_features;
    for (int64_t i = 0; i < op.in_features; ++i) acc.add(static_cast<double>(w[i]), x[static_cast<size_t>(i)]);
    y[static_cast<size_t>(o)] = acc.variance();
  }
  return y;
}

std::vector<double> conv(const quant::Conv2dOp& op, const std::vector<double>& x, bool independent) {
  const Window2d& w = op.window;
  const int64_t icpg = op.in_channels / op.groups, ocpg = op.out_channels / op.groups;
  std::vector<double> y(static_cast<size_t>(op.out_channels * w.out_h * w.out_w), 0.0);
  for (int64_t oc = 0; oc < op.out_channels; ++oc) {
    const int64_t group = oc / ocpg;
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        Accumulator acc{independent};
        for (int64_t icl = 0; icl < icpg; ++icl) {
          const int64_t ic = group * icpg + icl;
          for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
            const int64_t ih = window_source(oh, kh, w.stride_h, w.dilation_h, w.pad_top, w.in_h);
            if (ih < 0) continue;
            for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
              const int64_t iw = window_source(ow, kw, w.stride_w, w.dilation_w, w.pad_left, w.in_w);
              if (iw < 0) continue;
              const double wt = static_cast<double>(
                  op.weights[static_cast<size_t>(((oc * icpg + icl) * w.kernel_h + kh) * w.kernel_w + kw)]);
              acc.add(wt, x[static_cast<size_t>((ic * w.in_h + ih) * w.in_w + iw)]);
            }
          }
        }
        y[static_cast<size_t>((oc * w.out_h + oh) * w.out_w + ow)] = acc.variance();
      }
  }
  return y;
}

// SumPool (every tap, weight 1) or WindowTap (one tap).
std::vector<double> window_op(const Window2d& w, int64_t channels, const std::vector<double>& x, int64_t tap_h,
                              int64_t tap_w, bool all_taps, bool independent) {
  std::vector<double> y(static_cast<size_t>(channels * w.out_h * w.out_w), 0.0);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t oh = 0; oh < w.out_h; ++oh)
      for (int64_t ow = 0; ow < w.out_w; ++ow) {
        Accumulator acc{independent};
        for (int64_t kh = all_taps ? 0 : tap_h; kh < (all_taps ? w.kernel_h : tap_h + 1); ++kh) {
          const int64_t ih = window_source(oh, kh, w.stride_h, w.dilation_h, w.pad_top, w.in_h);
          if (ih < 0) continue;
          for (int64_t kw = all_taps ? 0 : tap_w; kw < (all_taps ? w.kernel_w : tap_w + 1); ++kw) {
            const int64_t iw = window_source(ow, kw, w.stride_w, w.dilation_w, w.pad_left, w.in_w);
            if (iw >= 0) acc.add(1.0, x[static_cast<size_t>((c * w.in_h + ih) * w.in_w + iw)]);
          }
        }
        y[static_cast<size_t>((c * w.out_h + oh) * w.out_w + ow)] = acc.variance();
      }
  return y;
}

// Windows that never share an input element (stride ≥ kernel extent in both directions).
bool non_overlapping(const Window2d& w) {
  return w.stride_h >= (w.kernel_h - 1) * w.dilation_h + 1 && w.stride_w >= (w.kernel_w - 1) * w.dilation_w + 1;
}

}  // namespace

std::vector<std::vector<double>> propagate_variances(const quant::IntegerGraph& graph, const SourceVariances& sources) {
  std::vector<std::vector<double>> var(graph.values.size());
  // independent[v]: the errors of different elements of v are independent (no shared source).
  std::vector<char> independent(graph.values.size(), 0);
  var[static_cast<size_t>(graph.input)].assign(static_cast<size_t>(graph.elements(graph.input)), sources.input);
  independent[static_cast<size_t>(graph.input)] = 1;
  for (const quant::IntOp& any : graph.ops) {
    const quant::ValueId out = quant::op_output(any);
    std::vector<double>& y = var[static_cast<size_t>(out)];
    char& y_independent = independent[static_cast<size_t>(out)];
    std::visit(
        [&](const auto& op) {
          using Op = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<Op, quant::AddOp>) {
            const auto& l = var[static_cast<size_t>(op.lhs)];
            const auto& r = var[static_cast<size_t>(op.rhs)];
            y.resize(l.size());
            for (size_t e = 0; e < l.size(); ++e) {
              const double s = std::sqrt(l[e]) + std::sqrt(r[e]);
              y[e] = s * s;
            }
            y_independent = independent[static_cast<size_t>(op.lhs)] && independent[static_cast<size_t>(op.rhs)];
          } else if constexpr (std::is_same_v<Op, quant::TluOp>) {
            y.assign(static_cast<size_t>(graph.elements(out)), sources.pbs_output);
            y_independent = 1;
          } else {
            const bool in_independent = independent[static_cast<size_t>(op.input)] != 0;
            const std::vector<double>& x = var[static_cast<size_t>(op.input)];
            if constexpr (std::is_same_v<Op, quant::DenseOp>) {
              y = dense(op, x, in_independent);
              y_independent = 0;
            } else if constexpr (std::is_same_v<Op, quant::Conv2dOp>) {
              y = conv(op, x, in_independent);
              y_independent = 0;
            } else if constexpr (std::is_same_v<Op, quant::SumPool2dOp>) {
              y = window_op(op.window, op.channels, x, 0, 0, true, in_independent);
              y_independent = in_independent && non_overlapping(op.window);
            } else if constexpr (std::is_same_v<Op, quant::WindowTapOp>) {
              y = window_op(op.window, op.channels, x, op.tap_h, op.tap_w, false, in_independent);
              y_independent = in_independent;  // distinct outputs read distinct inputs (or padding)
            } else if constexpr (std::is_same_v<Op, quant::ReshapeOp>) {
              y = x;
              y_independent = in_independent;
            }
          }
        },
        any);
    FHEQ_CHECK(static_cast<int64_t>(y.size()) == graph.elements(out), "value ", out, ": ", y.size(), " variances");
  }
  return var;
}

}  // namespace fheq::compiler
