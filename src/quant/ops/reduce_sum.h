// ReduceSum over a contiguous block of axes: the per-sample input, read as [outer, reduced, inner] (row-major),
// gives y[a, c] = Σ_b x[a, b, c]. ReduceSum and ReduceMean (its 1/reduced folded into the next rescale) on any
// axes lower to it, after an IndexMap transpose when the reduced axes are not adjacent.
#pragma once

#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct ReduceSumOp {
  static constexpr int32_t kTag = 9;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  int64_t outer = 1;
  int64_t reduced = 1;
  int64_t inner = 1;
  static constexpr int kFieldCount = 5;

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "ReduceSum"; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << "Σ " << name(input) << " over " << reduced << " elements (" << outer << " × [" << reduced << "] × "
        << inner << ")";
    return out.str();
  }
  void validate(const OpContext& c) const {
    FHEQ_GRAPH_REQUIRE(outer >= 1 && reduced >= 1 && inner >= 1);
    FHEQ_GRAPH_REQUIRE(static_cast<__int128>(outer) * reduced * inner == c.input_elements(0) &&
                       static_cast<__int128>(outer) * inner == c.output_elements());
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext& c) const {
    const range_math::Wide k = reduced;
    return range_math::narrow(k * in[0].min, k * in[0].max, c.output_name);
  }
  void run_ref(const OpContext&, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t acc = 0;
        for (int64_t b = 0; b < reduced; ++b) acc += in[0][(a * reduced + b) * inner + i];
        y[a * inner + i] = acc;
      }
  }
  double multiply_adds(const OpContext& c) const {
    return static_cast<double>(c.output_elements()) * static_cast<double>(reduced);
  }
  LinearForm linear_form(const OpContext&) const {
    LinearFormBuilder b(outer * reduced * inner, outer * inner);
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t i = 0; i < inner; ++i) {
        for (int64_t r = 0; r < reduced; ++r) b.term((a * reduced + r) * inner + i, 1);
        b.end_row(0);
      }
    return b.finish();
  }
};

}  // namespace fheq::quant
