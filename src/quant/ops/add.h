// Add / Sub of two encrypted tensors: y = lhs + rhs_sign · rhs, elementwise on equal shapes (rhs_sign ±1).
#pragma once

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct AddOp {
  static constexpr int32_t kTag = 5;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId lhs = -1;
  ValueId rhs = -1;
  ValueId output = -1;
  int64_t rhs_sign = 1;
  static constexpr int kFieldCount = 4;

  std::vector<ValueId> inputs() const { return {lhs, rhs}; }
  std::string kind() const { return rhs_sign >= 0 ? "Add" : "Sub"; }
  std::string describe(const Namer& name) const { return name(lhs) + (rhs_sign > 0 ? " + " : " − ") + name(rhs); }
  void validate(const OpContext& c) const {
    FHEQ_GRAPH_REQUIRE(c.inputs.at(0) == c.inputs.at(1) && c.inputs.at(0) == c.output);
    FHEQ_GRAPH_REQUIRE(rhs_sign == 1 || rhs_sign == -1);
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext& c) const {
    using range_math::Wide;
    const IntRange a = in[0], b = in[1];
    if (rhs_sign > 0) return range_math::narrow(Wide{a.min} + b.min, Wide{a.max} + b.max, c.output_name);
    return range_math::narrow(Wide{a.min} - b.max, Wide{a.max} - b.min, c.output_name);
  }
  void run_ref(const OpContext& c, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    for (int64_t i = 0; i < c.output_elements(); ++i) y[i] = rhs_sign > 0 ? in[0][i] + in[1][i] : in[0][i] - in[1][i];
  }
  double multiply_adds(const OpContext& c) const { return static_cast<double>(c.output_elements()); }
  LinearForm linear_form(const OpContext& c) const {
    const int64_t n = c.output_elements();
    LinearFormBuilder b(2 * n, n);
    for (int64_t e = 0; e < n; ++e) {
      b.term(e, 1);
      b.term(n + e, rhs_sign);
      b.end_row(0);
    }
    return b.finish();
  }
};

}  // namespace fheq::quant
