// Noise propagation against the exact linear map, recovered by running the integer executor on basis vectors.
#include <gtest/gtest.h>

#include <random>

#include "../quant/quant_test_support.h"
#include "compiler/noise_analysis.h"
#include "quant/integer_executor.h"

namespace fheq::compiler {
namespace {

// The random test graph made purely linear: TLUs become identities.
quant::IntegerGraph linearized(quant::IntegerGraph g, bool) {
  for (quant::IntOp& op : g.ops)
    if (const auto* t = std::get_if<quant::TluOp>(&op)) op = quant::ReshapeOp{t->input, t->output};
  return g;
}

// Σ_i coef(i → e)² for every element e of every value: coefficients from executor runs on 0 and on each e_i.
std::vector<std::vector<double>> exact_norms(const quant::IntegerGraph& g) {
  const int64_t n = g.elements(g.input);
  Shape shape{n + 1};
  for (int64_t d : g.value(g.input).shape) shape.push_back(d);
  IntTensor basis(shape);
  for (int64_t i = 0; i < n; ++i) basis[(i + 1) * n + i] = 1;
  const std::vector<IntTensor> all = quant::run_integer_graph_all(g, basis);
  std::vector<std::vector<double>> out(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (all[v].size() == 0) continue;
    const int64_t m = g.elements(static_cast<quant::ValueId>(v));
    out[v].assign(static_cast<size_t>(m), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t e = 0; e < m; ++e) {
        const double c = static_cast<double>(all[v][(i + 1) * m + e] - all[v][e]);
        out[v][static_cast<size_t>(e)] += c * c;
      }
  }
  return out;
}

// Each linear op of the random graphs, fed directly by fresh (independent) inputs: exact.
TEST(NoiseAnalysis, EachLinearOpOnIndependentInputsIsExact) {
  const uint64_t seed = quant::testing::test_seed("NoiseAnalysis.EachLinearOpOnIndependentInputsIsExact");
  for (int trial = 0; trial < 30; ++trial) {
    std::mt19937_64 rng(seed + static_cast<uint64_t>(trial));
    const quant::IntegerGraph g = quant::testing::random_integer_graph(rng);
    for (const quant::IntOp& op : g.ops) {
      if (quant::is_tlu(op) || quant::op_inputs(op).size() != 1) continue;  // one fresh input per op here
      quant::IntegerGraph one;
      const quant::ValueId in = quant::op_inputs(op)[0], out = quant::op_output(op);
      one.values = g.values;
      one.ops = {op};
      one.input = in;
      one.output = out;
      const auto exact = exact_norms(one);
      const auto propagated = propagate_variances(one, SourceVariances{1.0, 1.0});
      for (size_t e = 0; e < exact[static_cast<size_t>(out)].size(); ++e)
        ASSERT_NEAR(propagated[static_cast<size_t>(out)][e], exact[static_cast<size_t>(out)][e],
                    1e-9 * (1 + exact[static_cast<size_t>(out)][e]))
            << "trial " << trial << " op " << quant::op_kind(op) << " element " << e;
    }
  }
}

// Whole random graphs made linear (TLUs → identities): outputs of Conv feed SumPool/taps/Add/Dense, so
// elements share sources; the propagation must never underestimate the exact variance.
TEST(NoiseAnalysis, CorrelatedChainsAreBoundedFromAbove) {
  const uint64_t seed = quant::testing::test_seed("NoiseAnalysis.CorrelatedChainsAreBoundedFromAbove");
  for (int trial = 0; trial < 30; ++trial) {
    std::mt19937_64 rng(seed + static_cast<uint64_t>(trial));
    const quant::IntegerGraph lin = linearized(quant::testing::random_integer_graph(rng), false);
    const auto exact = exact_norms(lin);
    const auto propagated = propagate_variances(lin, SourceVariances{1.0, 1.0});
    for (size_t v = 0; v < exact.size(); ++v)
      for (size_t e = 0; e < exact[v].size(); ++e)
        ASSERT_GE(propagated[v][e], exact[v][e] * (1 - 1e-12))
            << "trial " << trial << " value " << lin.value(static_cast<quant::ValueId>(v)).name << " element " << e;
  }
}

}  // namespace
}  // namespace fheq::compiler
