// What every integer op header (src/quant/ops/*.h) builds on: value ids, integer ranges, the per-op context
// (its input and output shapes), the clear-run options and the helpers for worst-case ranges.
//
// An integer op is a struct with (checked for every registered op by the IntegerOp concept below):
//   static constexpr int32_t kTag          stable serialization tag (never reused; independent of variant order)
//   static constexpr OpClass kClass        kLinear (rows of a LinearForm) or kTableLookup (one PBS per element)
//   static constexpr int kFieldCount       its data fields, in order (serialization and the integer-only proof
//                                          reflect over them: quant/integer_fields.h)
//   ValueId output;  std::vector<ValueId> inputs() const;
//   std::string kind() const                  "Dense", "Conv2d", ... (reports)
//   std::string describe(const Namer&) const  one line of maths for `fheq inspect`
//   void validate(const OpContext&) const     throws fheq::Error naming the failed condition
//   IntRange range(const std::vector<IntRange>& inputs, const OpContext&) const   worst case of the output
//   void run_ref(const OpContext&, const std::vector<const int64_t*>& inputs, int64_t* out,
//                const ClearRunOptions&) const   one sample, straight from the definition (the _ref semantics)
//   double multiply_adds(const OpContext&) const   clear work per sample (sizes the auto-rounding search)
//   LinearForm linear_form(const OpContext&) const   (kLinear only) the same function as rows
// Adding an op: docs/ADDING_AN_OP.md.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/window2d.h"
#include "fheq/tensor.h"
#include "quant/linear_form.h"

namespace fheq::quant {

using core::Window2d;

// Index of a value in IntegerGraph::values.
using ValueId = int32_t;

// A closed integer interval [min, max].
struct IntRange {
  int64_t min = 0;
  int64_t max = 0;
  static constexpr int kFieldCount = 2;
  int64_t span() const { return max - min; }
  bool operator==(const IntRange&) const = default;
};

// The hook for RoundingMode::kApproximate: given acc and k, returns the rounded index. The clear executor
// has no default for it (it is not deterministic in FHE); the simulate mode supplies its error model.
using ApproximateRounding = std::function<int64_t(int64_t acc, int64_t shift)>;

struct ClearRunOptions {
  // Needed only when a TLU uses RoundingMode::kApproximate (else fheq::Error).
  ApproximateRounding approximate_rounding;
};

// The shapes an op reads and writes (per sample, batch excluded), and its output's name for messages.
struct OpContext {
  std::vector<Shape> inputs;
  Shape output;
  std::string output_name;
  int64_t input_elements(size_t i) const { return shape_size(inputs.at(i)); }
  int64_t output_elements() const { return shape_size(output); }
};

// Quotes a value's name (for describe()).
using Namer = std::function<std::string(ValueId)>;

enum class OpClass { kLinear, kTableLookup };

// A malformed graph is a compiler bug when it comes from lowering, and a corrupt or hand-edited file when it
// comes from circuit.bin: both get one error line naming the failed condition (never an abort or a crash).
#define FHEQ_GRAPH_REQUIRE(condition, ...) \
  FHEQ_REQUIRE(condition, "malformed integer graph: " #condition __VA_OPT__(, " (", ) __VA_ARGS__ __VA_OPT__(, ")"))

namespace range_math {

using Wide = __int128;
inline constexpr Wide kLimit = Wide{1} << 62;

inline IntRange narrow(Wide lo, Wide hi, const std::string& what) {
  FHEQ_REQUIRE(lo > -kLimit && hi < kLimit, "integer graph: worst-case range of '", what,
               "' exceeds 62 bits; reduce n_bits");
  return IntRange{static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
}

inline IntRange join(const IntRange& r, int64_t v) { return IntRange{std::min(r.min, v), std::max(r.max, v)}; }

// The range of one tap's input: [lo, hi] joined with the pad value when the window reads padding.
inline IntRange with_pad(const IntRange& r, const Window2d& w, int64_t pad_value) {
  return w.reads_padding() ? join(r, pad_value) : r;
}

// Σ_i w_i·x_i + bias over x_i ∈ [x.min, x.max]: min and max.
inline void dot_bounds(const int64_t* w, int64_t count, int64_t bias, const IntRange& x, Wide& lo, Wide& hi) {
  lo = bias;
  hi = bias;
  for (int64_t i = 0; i < count; ++i) {
    const Wide a = Wide{w[i]} * x.min, b = Wide{w[i]} * x.max;
    lo += std::min(a, b);
    hi += std::max(a, b);
  }
}

// The union over rows of dot_bounds: rows × count weights, row-major.
inline IntRange rows_range(const std::vector<int64_t>& weights, const std::vector<int64_t>& bias, int64_t count,
                           const IntRange& x, const std::string& what) {
  Wide lo_all = 0, hi_all = 0;
  for (size_t o = 0; o < bias.size(); ++o) {
    Wide lo, hi;
    dot_bounds(weights.data() + static_cast<int64_t>(o) * count, count, bias[o], x, lo, hi);
    lo_all = o == 0 ? lo : std::min(lo_all, lo);
    hi_all = o == 0 ? hi : std::max(hi_all, hi);
  }
  return narrow(lo_all, hi_all, what);
}

}  // namespace range_math

// [C, H, W] planes of a window op.
inline void check_window_shapes(const Window2d& w, const OpContext& c, int64_t in_channels, int64_t out_channels) {
  const Shape& in = c.inputs.at(0);
  const Shape& out = c.output;
  FHEQ_GRAPH_REQUIRE(in.size() == 3 && out.size() == 3, "window ops read and write [C, H, W]");
  FHEQ_GRAPH_REQUIRE(in[0] == in_channels && in[1] == w.in_h && in[2] == w.in_w, "input shape ", shape_to_string(in));
  FHEQ_GRAPH_REQUIRE(out[0] == out_channels && out[1] == w.out_h && out[2] == w.out_w, "output shape ",
                     shape_to_string(out));
  FHEQ_GRAPH_REQUIRE(w.kernel_h >= 1 && w.kernel_w >= 1 && w.stride_h >= 1 && w.stride_w >= 1 && w.dilation_h >= 1 &&
                     w.dilation_w >= 1 && w.pad_top >= 0 && w.pad_left >= 0 && w.pad_bottom >= 0 && w.pad_right >= 0);
  // Bounded before anything multiplies them (a corrupt circuit file must not overflow index arithmetic).
  constexpr int64_t kMaxKernel = int64_t{1} << 12, kMaxExtent = int64_t{1} << 20;
  FHEQ_GRAPH_REQUIRE(w.kernel_h <= kMaxKernel && w.kernel_w <= kMaxKernel && w.stride_h <= kMaxExtent &&
                     w.stride_w <= kMaxExtent && w.dilation_h <= kMaxExtent && w.dilation_w <= kMaxExtent &&
                     w.pad_top <= kMaxExtent && w.pad_left <= kMaxExtent && w.pad_bottom <= kMaxExtent &&
                     w.pad_right <= kMaxExtent);
}

// x[c, ih, iw] of one sample's [C, in_h, in_w] planes, or pad_value outside the plane.
inline int64_t read_padded(const int64_t* x, int64_t c, int64_t ih, int64_t iw, const Window2d& w, int64_t pad_value) {
  if (!w.inside(ih, iw)) return pad_value;
  return x[(c * w.in_h + ih) * w.in_w + iw];
}


}  // namespace fheq::quant
