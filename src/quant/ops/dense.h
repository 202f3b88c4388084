// Dense: y[o] = bias[o] + Σ_i weights[o·in_features + i] · x[i]   (x flattened per sample).
#pragma once

#include <sstream>

#include "quant/ops/op_support.h"

namespace fheq::quant {

struct DenseOp {
  static constexpr int32_t kTag = 1;
  static constexpr OpClass kClass = OpClass::kLinear;
  ValueId input = -1;
  ValueId output = -1;
  int64_t in_features = 0;
  int64_t out_features = 0;
  std::vector<int64_t> weights;  // out_features × in_features, row-major
  std::vector<int64_t> bias;     // out_features clear constants (zero-point terms, quantized float bias)
  static constexpr int kFieldCount = 6;

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "Dense"; }
  std::string describe(const Namer& name) const {
    std::ostringstream out;
    out << name(input) << " · W[" << out_features << "×" << in_features << "] + b";
    return out.str();
  }
  void validate(const OpContext& c) const {
    FHEQ_GRAPH_REQUIRE(c.input_elements(0) == in_features && c.output_elements() == out_features);
    FHEQ_GRAPH_REQUIRE(static_cast<__int128>(weights.size()) == static_cast<__int128>(in_features) * out_features);
    FHEQ_GRAPH_REQUIRE(static_cast<int64_t>(bias.size()) == out_features);
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext& c) const {
    return range_math::rows_range(weights, bias, in_features, in[0], c.output_name);
  }
  void run_ref(const OpContext&, const std::vector<const int64_t*>& in, int64_t* y, const ClearRunOptions&) const {
    for (int64_t o = 0; o < out_features; ++o) {
      int64_t acc = bias[static_cast<size_t>(o)];
      for (int64_t i = 0; i < in_features; ++i) acc += weights[static_cast<size_t>(o * in_features + i)] * in[0][i];
      y[o] = acc;
    }
  }
  double multiply_adds(const OpContext&) const {
    return static_cast<double>(in_features) * static_cast<double>(out_features);
  }
  LinearForm linear_form(const OpContext&) const {
    LinearFormBuilder b(in_features, out_features);
    for (int64_t o = 0; o < out_features; ++o) {
      for (int64_t i = 0; i < in_features; ++i) b.term(i, weights[static_cast<size_t>(o * in_features + i)]);
      b.end_row(bias[static_cast<size_t>(o)]);
    }
    return b.finish();
  }
};

}  // namespace fheq::quant
