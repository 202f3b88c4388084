// Reshape: same data, new per-sample shape (row-major order unchanged): Flatten, Reshape, Squeeze, Unsqueeze.
#pragma once

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct ReshapeOp {
  static constexpr int32_t kTag = 7;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  static constexpr int kFieldCount = 2;

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "Reshape"; }
  std::string describe(const Namer& name) const { return "reshape " + name(input); }
  void validate(const OpContext& c) const { FHEQ_GRAPH_REQUIRE(c.input_elements(0) == c.output_elements()); }
  IntRange range(const std::vector<IntRange>& in, const OpContext&) const { return in[0]; }
  void run_ref(const OpContext& c, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    for (int64_t i = 0; i < c.output_elements(); ++i) y[i] = in[0][i];
  }
  double multiply_adds(const OpContext& c) const { return static_cast<double>(c.output_elements()); }
  LinearForm linear_form(const OpContext& c) const {
    LinearFormBuilder b(c.output_elements(), c.output_elements());
    for (int64_t e = 0; e < c.output_elements(); ++e) {
      b.term(e, 1);
      b.end_row(0);
    }
    return b.finish();
  }
};

}  // namespace fheq::quant
