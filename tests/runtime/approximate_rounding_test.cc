// Approximate rounding in real FHE against the simulate mode's error model (c1's run_circuit_simulate):
// the rate at which a PBS reads the nearest rounded index ± 1, measured on a few thousand real KS+PBS,
// must lie inside the binomial confidence interval around simulate's rate.
//
// The circuit is hand-made so the index each PBS read is visible after decryption: input codes → Dense →
// TLU whose table is the identity on the accumulator (so the re-rounded table j ↦ T[j·2^k] is injective) →
// output. TOY_NOISY_P2 (a deliberately noisy 2-bit TOY set, test-only) with inputs under the big key, so the
// keyswitch noise and the modulus switch both act, and off-by-ones are frequent enough to measure.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "compiler/compile_circuit.h"
#include "compiler/simulate.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using testing::identity_tlu_network;
using testing::random_codes;
using testing::test_seed;


TEST(ApproximateRounding, ExecuteOffByOneRateInsideSimulateInterval) {
  const uint64_t seed = test_seed("ApproximateRounding.ExecuteOffByOneRateInsideSimulateInterval");
  std::mt19937_64 rng(seed);
  const quant::QuantizedNetwork network = identity_tlu_network(rng);
  compiler::CircuitOptions options;
  options.rounding_bits = 2;
  options.rounding_mode = quant::RoundingMode::kApproximate;
  options.fixed_params = tfhe::params_toy_noisy();
  options.input_on_small_key = false;
  compiler::FheCircuit circuit = compiler::compile_circuit(network, options);
  ASSERT_EQ(circuit.tlus.size(), 1u);
  const compiler::TluEncoding& t = circuit.tlus[0];
  ASSERT_GT(t.rounding_shift, 0);
  // The index statistics do not depend on the table's contents, so the test makes the FHE table injective
  // (j ↦ j − 2^(p−1), small signed values every output encoding of ≥ 2 bits above padding decodes); execute
  // and simulate both read circuit.tlus[0].tables.
  ASSERT_LE(circuit.output.log2_delta, 61u);
  for (size_t j = 0; j < t.tables[0].size(); ++j)
    circuit.tlus[0].tables[0][j] = static_cast<int64_t>(j) - static_cast<int64_t>(t.tables[0].size() / 2);
  std::map<int64_t, int64_t> index_of;  // table value → index (the table must be injective)
  for (size_t j = 0; j < t.tables[0].size(); ++j) index_of[t.tables[0][j]] = static_cast<int64_t>(j);
  ASSERT_EQ(index_of.size(), t.tables[0].size()) << "re-rounded identity table is not injective";

  // Simulate: many samples.
  const IntTensor sim_codes = random_codes(rng, 4000);
  compiler::SimulationStats stats;
  compiler::SimulateOptions sim;
  sim.seed = seed;
  compiler::run_circuit_simulate(circuit, sim_codes, sim, &stats);
  const double p_sim = static_cast<double>(stats.off_by_one) / static_cast<double>(stats.pbs);

  // Execute: real keys, KS + PBS on every element.
  const int64_t batch = 120;
  const IntTensor codes = random_codes(rng, batch);
  const IntTensor decrypted = testing::encrypt_run_decrypt(circuit, make_client_spec(circuit, network), codes, seed);
  quant::ClearRunOptions nearest;  // only the Dense accumulator is used below
  nearest.approximate_rounding = [](int64_t a, int64_t k) { return quant::round_shift_exact(a, k); };
  const std::vector<IntTensor> clear = quant::run_integer_graph_all(circuit.graph, codes, nearest);
  const IntTensor& acc = clear[static_cast<size_t>(t.input)];
  int64_t n = 0, off_by_one = 0, other = 0;
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t nearest = quant::round_shift_exact(acc[i] + t.input_offset, t.rounding_shift);
    const auto found = index_of.find(decrypted[i]);
    ++n;
    if (found == index_of.end()) {
      ++other;  // a wrapped (negated) entry: counted apart, like simulate's larger errors
      continue;
    }
    const int64_t diff = found->second - nearest;
    if (diff == 1 || diff == -1) ++off_by_one;
    else if (diff != 0) ++other;
  }
  const double p_exec = static_cast<double>(off_by_one) / static_cast<double>(n);
  // Two binomial proportions: execute (n draws) vs simulate (stats.pbs draws); 4.5 sigma ≈ 1e-5 false alarms.
  const double sigma = std::sqrt(p_sim * (1 - p_sim) * (1.0 / static_cast<double>(n) + 1.0 / static_cast<double>(stats.pbs)));
  std::printf("simulate: %lld / %lld off by one (%.4f), %lld larger; execute: %lld / %lld (%.4f), %lld other; "
              "k = %lld, p = %u, sigma %.4f\n",
              static_cast<long long>(stats.off_by_one), static_cast<long long>(stats.pbs), p_sim,
              static_cast<long long>(stats.larger_errors), static_cast<long long>(off_by_one), static_cast<long long>(n),
              p_exec, static_cast<long long>(other), static_cast<long long>(t.rounding_shift), t.precision, sigma);
  ASSERT_GT(p_sim, 0.005) << "the setting must produce measurable off-by-ones for this test to mean anything";
  EXPECT_LE(std::abs(p_exec - p_sim), 4.5 * sigma);
}

}  // namespace
}  // namespace fheq::runtime
