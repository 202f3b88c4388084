#include "compiler/noise_analysis.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace fheq::compiler {
namespace {

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

// The variances of a linear op's outputs from its rows. A row with terms from two different values adds their
// errors as if correlated (σ ≤ Σ|w|σ_i: the values may share sources, as in MaxPool's a + relu(b − a)); a row over
// one value with independent elements adds variances (Σ w²·Var). The output's elements are independent when
// `inputs_independent` (see the caller) and no input element feeds two outputs (an index map, a non-overlapping
// or global pool, an Add).
std::vector<double> linear(const quant::LinearForm& form, const std::vector<const std::vector<double>*>& inputs,
                           bool single_independent_input, bool inputs_independent, char& out_independent) {
  std::vector<double> x;
  x.reserve(static_cast<size_t>(form.input_count));
  for (const auto* v : inputs) x.insert(x.end(), v->begin(), v->end());
  FHEQ_CHECK(static_cast<int64_t>(x.size()) == form.input_count, x.size(), " variances for ", form.input_count, " inputs");
  std::vector<double> y(static_cast<size_t>(form.output_count), 0.0);
  std::vector<int32_t> readers(x.size(), 0);
  for (int64_t o = 0; o < form.output_count; ++o) {
    Accumulator acc{single_independent_input};
    for (int64_t j = form.row_start[static_cast<size_t>(o)]; j < form.row_start[static_cast<size_t>(o) + 1]; ++j) {
      const auto i = static_cast<size_t>(form.index[static_cast<size_t>(j)]);
      acc.add(static_cast<double>(form.weight[static_cast<size_t>(j)]), x[i]);
      ++readers[i];
    }
    y[static_cast<size_t>(o)] = acc.variance();
  }
  out_independent = inputs_independent && std::all_of(readers.begin(), readers.end(), [](int32_t r) { return r <= 1; });
  return y;
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
    if (quant::is_tlu(any)) {
      y.assign(static_cast<size_t>(graph.elements(out)), sources.pbs_output);
      y_independent = 1;
    } else {
      const std::vector<quant::ValueId> inputs = quant::op_inputs(any);
      std::vector<const std::vector<double>*> x;
      for (quant::ValueId v : inputs) x.push_back(&var[static_cast<size_t>(v)]);
      bool all_independent = true;
      for (quant::ValueId v : inputs) all_independent = all_independent && independent[static_cast<size_t>(v)] != 0;
      // Two values with independent elements may still share sources (a Concat of x and a reshape of x): only an
      // Add of two distinct ones keeps independence, the rule the noise model has always used for MaxPool's
      // a + relu(b − a) chains (a relu output is fresh PBS noise).
      const bool keeps = inputs.size() == 1 || (std::holds_alternative<quant::AddOp>(any) && inputs[0] != inputs[1]);
      y = linear(quant::op_linear_form(graph, any), x, inputs.size() == 1 && all_independent, all_independent && keeps,
                 y_independent);
    }
    FHEQ_CHECK(static_cast<int64_t>(y.size()) == graph.elements(out), "value ", out, ": ", y.size(), " variances");
  }
  return var;
}

}  // namespace fheq::compiler
