// Compiler tests on hand-made and random integer graphs: encodings and Δ invariants, clear vs simulate,
// the simulated off-by-one rate against the Gaussian CDF, seeds, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "compiler/compile_circuit.h"
#include "compiler/simulate.h"
#include "compiler/tlu_rounding.h"
#include "../quant/quant_test_support.h"
#include "window_check.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "tfhe/commons/parameter_selection.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::compiler {
namespace {

using quant::testing::random_vector;
using quant::testing::test_seed;
using quant::testing::uniform;

// input [16] codes in [0, x_max] → Dense 16→8 (weights in [−w_max, w_max]) → TLU (f(t) = t mod 7 − 3 over the
// worst-case domain) → Dense 8→3.
quant::QuantizedNetwork small_network(std::mt19937_64& rng, int64_t w_max = 7, int64_t x_max = 15) {
  quant::QuantizedNetwork net;
  quant::IntegerGraph& g = net.graph;
  g.input = g.add_value("x", Shape{16});
  quant::DenseOp d1;
  d1.input = g.input;
  d1.in_features = 16;
  d1.out_features = 8;
  d1.weights = random_vector(rng, 16 * 8, -w_max, w_max);
  d1.bias = random_vector(rng, 8, -20, 20);
  d1.output = g.add_value("d1", Shape{8});
  g.ops.push_back(d1);
  net.input_range = {0, x_max};
  const quant::IntRange acc = quant::worst_case_ranges(g, net.input_range)[static_cast<size_t>(d1.output)];
  quant::TluOp t;
  t.input = d1.output;
  quant::LookupTable table;
  table.input_min = acc.min;
  for (int64_t a = acc.min; a <= acc.max; ++a) table.values.push_back(((a % 7) + 7) % 7 - 3);
  t.tables = {table};
  t.output = g.add_value("act", Shape{8});
  g.ops.push_back(t);
  quant::DenseOp d2;
  d2.input = t.output;
  d2.in_features = 8;
  d2.out_features = 3;
  d2.weights = random_vector(rng, 8 * 3, -5, 5);
  d2.bias = random_vector(rng, 3, -9, 9);
  d2.output = g.add_value("out", Shape{3});
  g.ops.push_back(d2);
  g.output = d2.output;
  quant::validate(g);
  return net;
}

IntTensor random_codes(const quant::IntegerGraph& g, int64_t batch, std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return quant::testing::random_input(g, batch, rng, lo, hi);
}

// The invariants every compiled circuit must satisfy, checked from first principles.
void expect_encoding_invariants(const FheCircuit& c, const std::vector<IntTensor>& clear_values) {
  validate_circuit(c, "test");
  for (const TluEncoding& t : c.tlus) {
    // Δ_in·2^s·2^k = Δ_p: the PBS reads round(u / 2^k) of the scaled input.
    EXPECT_EQ(t.input_log2_delta + t.input_scale_log2 + t.rounding_shift + t.precision, 63u);
    const auto& op = std::get<quant::TluOp>(c.graph.ops[t.op_index]);
    const quant::IntRange d = op.domain();
    // The whole table domain lies in the window, so its rounded maximum stays < 2^p (padding bit free).
    EXPECT_GE(d.min - t.window_start, 0);
    EXPECT_LT(d.max - t.window_start, int64_t{1} << t.precision);
    // Table entries are the op's clamped lookups.
    for (size_t k = 0; k < t.tables.size(); ++k)
      for (size_t j = 0; j < t.tables[k].size(); ++j)
        ASSERT_EQ(t.tables[k][j], quant::lookup_clamped(op.tables[k], t.window_start + static_cast<int64_t>(j)));
    // Every observed accumulator in the domain maps below the padding bit: (a + offset)·Δ < 2^63.
    const IntTensor& acc = clear_values[static_cast<size_t>(t.input)];
    for (int64_t a : acc.data) {
      const int64_t r = quant::round_shift_exact(a, t.rounding_shift);
      if (r < d.min || r > d.max) continue;  // clamped by the table: outside the FHE window's promise
      const int64_t u = a + t.input_offset;
      ASSERT_GE(quant::round_shift_exact(u, t.rounding_shift), 0);
      ASSERT_LT(quant::round_shift_exact(u, t.rounding_shift), int64_t{1} << t.precision);
    }
  }
  // Output: bits + padding + margin above Δ_out.
  EXPECT_LE(c.output.bits + 2 + c.output.log2_delta, 64u);
}

TEST(Circuit, SmallNetworkEncodingsAndClearMatchesPtqExact) {
  std::mt19937_64 rng(test_seed("Circuit.SmallNetworkEncodingsAndClearMatchesPtqExact"));
  const quant::QuantizedNetwork net = small_network(rng, 1, 3);  // ≤ 8-bit accumulators: no rounding needed
  CircuitOptions options;
  options.rounding_mode = quant::RoundingMode::kExact;
  const FheCircuit c = compile_circuit(net, options);
  ASSERT_EQ(c.tlus.size(), 1u);
  EXPECT_EQ(c.tlus[0].rounding_shift, 0);
  EXPECT_EQ(c.pbs_count, 8);
  EXPECT_EQ(c.input.key, LweKeyKind::kSmall);  // the first op reads the input directly
  EXPECT_FALSE(c.tlus[0].keyswitch);
  EXPECT_FALSE(c.params.is_toy());
  EXPECT_LE(c.p_error, options.p_error);
  const IntTensor codes = random_codes(net.graph, 200, rng, 0, 3);
  expect_encoding_invariants(c, quant::run_integer_graph_all(c.graph, codes));
  // Exact mode without rounding: the circuit's clear run is the PTQ graph's.
  const IntTensor ptq = quant::run_integer_graph(net.graph, codes);
  EXPECT_EQ(run_circuit_clear(c, codes).data, ptq.data);
  // Output decoding: decode_output inverts encode_integer over the whole output range (with small noise).
  for (int64_t v = c.output.range.min; v <= c.output.range.max; v += std::max<int64_t>(1, c.output.range.span() / 97)) {
    const tfhe::Torus delta = tfhe::Torus{1} << c.output.log2_delta;
    EXPECT_EQ(decode_output(c.output, encode_integer(v, c.output.log2_delta) + delta / 3), v);
    EXPECT_EQ(decode_output(c.output, encode_integer(v, c.output.log2_delta) - delta / 3), v);
  }
}

TEST(Circuit, RandomGraphsInvariantsAndNoiselessSimulateEqualsClearInWindow) {
  const uint64_t seed = test_seed("Circuit.RandomGraphsInvariantsAndNoiselessSimulateEqualsClearInWindow");
  for (int trial = 0; trial < 20; ++trial) {
    std::mt19937_64 rng(seed + static_cast<uint64_t>(trial));
    quant::QuantizedNetwork net;
    net.graph = quant::testing::random_integer_graph(rng);
    net.input_range = {-8, 8};
    CircuitOptions options;
    options.fixed_params = tfhe::params_toy(8);
    options.rounding_bits = 5;
    const FheCircuit c = compile_circuit(net, options);
    const IntTensor codes = random_codes(net.graph, 30, rng, -8, 8);
    const std::vector<IntTensor> all = quant::run_integer_graph_all(c.graph, codes,
        quant::ClearRunOptions{[](int64_t a, int64_t k) { return quant::round_shift_exact(a, k); }});
    expect_encoding_invariants(c, all);
    for (const TluEncoding& t : c.tlus) EXPECT_LE(t.precision, 8u);
    // With zero noise the simulated PBS reads round(u/2^k) and, in the window, equals the clear run. Samples
    // whose accumulators leave a window (random tables do not cover them) wrap instead: skip those.
    SimulateOptions so;
    so.noise_scale = 0;
    const IntTensor sim = run_circuit_simulate(c, codes, so);
    const IntTensor& clear = all[static_cast<size_t>(c.graph.output)];
    const int64_t per = c.graph.elements(c.graph.output);
    for (int64_t s = 0; s < codes.dim(0); ++s) {
      if (!testing::sample_inside_every_window(c, all, s)) continue;
      for (int64_t e = 0; e < per; ++e) ASSERT_EQ(sim[s * per + e], clear[s * per + e]) << "trial " << trial;
    }
  }
}

// Simulate's off-by-one rate on many PBS against an independent computation from the Gaussian CDF:
// j = nearest + ⌊frac + σz + 1/2⌋ differs from nearest with probability 1 − [Φ((1/2 − frac)/σ) − Φ((−1/2 − frac)/σ)].
TEST(Circuit, SimulatedRoundingErrorRateMatchesGaussianCdf) {
  const uint64_t seed = test_seed("Circuit.SimulatedRoundingErrorRateMatchesGaussianCdf");
  std::mt19937_64 rng(seed);
  const quant::QuantizedNetwork net = small_network(rng);
  CircuitOptions options;
  options.rounding_bits = 4;  // drops several low bits: approximate rounding
  const FheCircuit c = compile_circuit(net, options);
  ASSERT_GT(c.tlus[0].rounding_shift, 0);
  const IntTensor codes = random_codes(net.graph, 4000, rng, 0, 15);
  const IntTensor acc = quant::run_integer_graph_all(net.graph, codes)[static_cast<size_t>(c.tlus[0].input)];
  for (double scale : {0.0, 1.0, 3.0}) {
    // σ in steps: scale the real prediction so the test sees both rare and frequent errors.
    SimulateOptions so;
    so.seed = seed;
    so.noise_scale = scale == 0 ? 0 : scale * 0.15 / std::sqrt(c.tlus[0].max_input_variance * std::ldexp(1.0, 2 * (c.tlus[0].precision + 1)));
    SimulationStats stats;
    run_circuit_simulate(c, codes, so, &stats);
    const TluEncoding& t = c.tlus[0];
    double expected = 0, variance = 0;
    for (int64_t i = 0; i < acc.size(); ++i) {
      const int64_t u = acc[i] + t.input_offset;
      const int64_t nearest = quant::round_shift_exact(u, t.rounding_shift);
      const double frac = static_cast<double>(u - nearest * (int64_t{1} << t.rounding_shift)) / std::ldexp(1.0, static_cast<int>(t.rounding_shift));
      const double sigma = std::sqrt(t.input_variance[static_cast<size_t>(i % 8)]) * std::ldexp(so.noise_scale, static_cast<int>(t.precision) + 1);
      double p = 0;
      if (sigma > 0) {
        auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
        p = 1.0 - (phi((0.5 - frac) / sigma) - phi((-0.5 - frac) / sigma));
      }
      expected += p;
      variance += p * (1 - p);
    }
    const double observed = static_cast<double>(stats.off_by_one + stats.larger_errors);
    // The library's analytic helper (for the runtime's confidence intervals) agrees with this computation.
    const ExpectedErrors helper = expected_decision_errors(t, acc, so.noise_scale);
    EXPECT_NEAR(helper.mean, expected, 1e-6 * (1 + expected));
    EXPECT_NEAR(helper.variance, variance, 1e-6 * (1 + variance));
    std::cout << "noise scale " << so.noise_scale << ": observed " << observed << " rounding errors in " << stats.pbs
              << " PBS, expected " << expected << " ± " << std::sqrt(variance) << "\n";
    EXPECT_EQ(stats.pbs, acc.size());
    EXPECT_LE(std::abs(observed - expected), 5 * std::sqrt(variance) + 1e-9) << "scale " << scale;
    if (scale == 0) {
      EXPECT_EQ(observed, 0);
    }
    if (scale == 3.0) {
      EXPECT_GT(observed, 100);
    }  // the test must actually see errors
  }
}

// Approximate rounding (the PBS reads round(u/2^k + ε) with the predicted noise) against exact rounding
// (⌊(a + 2^(k−1)) / 2^k⌋, the clear executor's kExact): with an identity table the TLU output IS the index,
// and the two differ by at most one step, in both directions, on many PBS — except a negacyclic wrap when a
// window-filling domain's edge value is read one index further out (rare; counted by simulate as `wrapped`).
TEST(Circuit, ApproximateAndExactRoundingDifferByAtMostOneStep) {
  const uint64_t seed = test_seed("Circuit.ApproximateAndExactRoundingDifferByAtMostOneStep");
  std::mt19937_64 rng(seed);
  quant::QuantizedNetwork net = small_network(rng);
  auto& tlu = std::get<quant::TluOp>(net.graph.ops[1]);
  for (size_t i = 0; i < tlu.tables[0].values.size(); ++i)
    tlu.tables[0].values[i] = tlu.tables[0].input_min + static_cast<int64_t>(i);  // identity
  net.graph.ops.pop_back();  // the output is the TLU's: the decrypted value is the PBS index read
  net.graph.output = tlu.output;
  CircuitOptions options;
  options.rounding_bits = 5;
  const FheCircuit c = compile_circuit(net, options);
  const TluEncoding& t = c.tlus[0];
  ASSERT_GT(t.rounding_shift, 0);
  const IntTensor codes = random_codes(net.graph, 3000, rng, 0, 15);
  const IntTensor acc = quant::run_integer_graph_all(c.graph, codes,
      quant::ClearRunOptions{[](int64_t a, int64_t k) { return quant::round_shift_exact(a, k); }})[static_cast<size_t>(t.input)];
  SimulateOptions so;
  so.seed = seed;
  so.output_noise = false;
  so.noise_scale = 0.2 / std::sqrt(t.max_input_variance * std::ldexp(1.0, 2 * (static_cast<int>(t.precision) + 1)));
  SimulationStats stats;
  const IntTensor approx = run_circuit_simulate(c, codes, so, &stats);
  int64_t up = 0, down = 0, edge_wraps = 0;
  const quant::IntRange domain = std::get<quant::TluOp>(c.graph.ops[t.op_index]).domain();
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t exact = std::clamp(quant::round_shift_exact(acc[i], t.rounding_shift), domain.min, domain.max);
    // The identity table is in accumulator units: the re-rounded table's entry t is t·2^k.
    const int64_t unit = int64_t{1} << t.rounding_shift;
    ASSERT_EQ(approx[i] % unit, 0);
    const int64_t diff = approx[i] / unit - exact;
    if (std::abs(diff) > 1) {
      // Only a negacyclic wrap at a window edge (domain filling the window, near-tie) may do this.
      ASSERT_TRUE(exact == domain.min || exact == domain.max) << "accumulator " << acc[i] << " exact " << exact;
      ASSERT_EQ(t.window_start + (exact == domain.min ? 0 : (int64_t{1} << t.precision) - 1), exact);
      ++edge_wraps;
      continue;
    }
    up += diff == 1;
    down += diff == -1;
  }
  std::cout << "approximate vs exact: +1 " << up << ", −1 " << down << " of " << acc.size() << "\n";
  EXPECT_GT(up, 0);
  EXPECT_GT(down, 0);
  EXPECT_LE(edge_wraps, stats.wrapped);  // a wrapped −T may also land within one step by coincidence
  EXPECT_LE(edge_wraps, acc.size() / 100);
}

TEST(Circuit, SimulateIsReplayableAndIndependentOfBatching) {
  const uint64_t seed = test_seed("Circuit.SimulateIsReplayableAndIndependentOfBatching");
  std::mt19937_64 rng(seed);
  const quant::QuantizedNetwork net = small_network(rng);
  CircuitOptions options;
  options.rounding_bits = 3;
  const FheCircuit c = compile_circuit(net, options);
  const IntTensor codes = random_codes(net.graph, 1500, rng, 0, 15);
  SimulateOptions so;
  so.seed = seed;
  so.noise_scale = 20;  // many decisions tipped
  const IntTensor a = run_circuit_simulate(c, codes, so);
  EXPECT_EQ(run_circuit_simulate(c, codes, so).data, a.data);
  // Chunking inside a call does not matter (streams are keyed by sample index): a run on the first 700
  // samples reproduces the first 700 outputs of the whole run.
  IntTensor first(Shape{700, 16}, std::vector<int64_t>(codes.data.begin(), codes.data.begin() + 700 * 16));
  const IntTensor b = run_circuit_simulate(c, first, so);
  EXPECT_TRUE(std::equal(b.data.begin(), b.data.end(), a.data.begin()));
  so.seed = seed + 1;
  EXPECT_NE(run_circuit_simulate(c, codes, so).data, a.data);
}

TEST(Circuit, ErrorsAreClear) {
  std::mt19937_64 rng(7);
  quant::QuantizedNetwork net = small_network(rng);
  // A 12-bit TLU index without rounding.
  auto& tlu = std::get<quant::TluOp>(net.graph.ops[1]);
  tlu.tables[0].values.resize(4096, 1);
  try {
    compile_circuit(net, CircuitOptions{});
    FAIL() << "expected fheq::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("act"), std::string::npos) << what;
    EXPECT_NE(what.find("--rounding"), std::string::npos) << what;
  }
  // Exact mode with a rounding shift is supported since issue #4 (chunked exact rounding,
  // tests/compiler/exact_rounding_plan_test.cc): it compiles with extra PBS instead of throwing.
  CircuitOptions exact;
  exact.rounding_bits = 6;
  exact.rounding_mode = quant::RoundingMode::kExact;
  exact.fixed_params = tfhe::params_toy(6);
  const FheCircuit exact_circuit = compile_circuit(net, exact);
  EXPECT_GT(exact_circuit.tlus[0].rounding_shift, 0);
  EXPECT_FALSE(exact_circuit.tlus[0].exact_chunk_bits.empty());
  CircuitOptions bad;
  bad.p_error = 0;
  EXPECT_THROW(compile_circuit(net, bad), Error);
}

TEST(Circuit, ParameterChoiceIsMonotoneInPrecisionAndNorm) {
  // Cost of the chosen set never decreases when the precision or the norm grows (same target).
  for (uint32_t p = 1; p <= 6; ++p) {
    double previous = 0;
    for (double norm = 0; norm <= 8; norm += 2) {
      tfhe::SelectionRequest r{p, norm, kDefaultPError, true};
      const tfhe::TfheParams params = tfhe::select_parameters(r);
      const double cost = tfhe::pbs_cost(params) + tfhe::keyswitch_cost(params);
      EXPECT_GE(cost, previous * 0.999) << "p " << p << " norm " << norm;
      previous = cost;
      if (p > 1) {
        tfhe::SelectionRequest lower{p - 1, norm, kDefaultPError, true};
        const tfhe::TfheParams lp = tfhe::select_parameters(lower);
        EXPECT_LE(tfhe::pbs_cost(lp) + tfhe::keyswitch_cost(lp), cost * 1.001) << "p " << p << " norm " << norm;
      }
    }
  }
}

TEST(Circuit, GlobalPErrorDividesByPbsCount) {
  std::mt19937_64 rng(11);
  const quant::QuantizedNetwork net = small_network(rng);
  CircuitOptions options;
  options.rounding_bits = 5;
  options.global_p_error = 1e-6;
  const FheCircuit c = compile_circuit(net, options);
  EXPECT_DOUBLE_EQ(c.target_p_error, 1e-6 / 8);
  EXPECT_LE(c.global_p_error, 1e-6 * 1.0001);
  EXPECT_GT(c.estimated_latency_ms, 0);
}

}  // namespace
}  // namespace fheq::compiler

namespace fheq::compiler {
namespace {

// With off-by-one tolerated, an approximate TLU's error threshold is Δ_p instead of Δ_p/2: its predicted
// p_error under the same parameters is the Gaussian tail at twice the distance, and the chosen set is never
// costlier than the strict one.
TEST(Circuit, OffByOneToleranceDoublesTheErrorThreshold) {
  std::mt19937_64 rng(5);
  const quant::QuantizedNetwork net = small_network(rng);
  CircuitOptions strict;
  strict.rounding_bits = 5;
  strict.tolerate_off_by_one = false;
  CircuitOptions tolerant = strict;
  tolerant.tolerate_off_by_one = true;
  const FheCircuit a = compile_circuit(net, strict);
  const FheCircuit b = compile_circuit(net, tolerant);
  ASSERT_GT(a.tlus[0].rounding_shift, 0);
  EXPECT_LE(tfhe::pbs_cost(b.params) + tfhe::keyswitch_cost(b.params),
            tfhe::pbs_cost(a.params) + tfhe::keyswitch_cost(a.params));
  // Same parameters, both definitions: erfc(h/(√2σ)) with h = 2^−(p+2) (strict) and 2^−(p+1) (tolerant).
  CircuitOptions fixed_strict = strict, fixed_tolerant = tolerant;
  // A deliberately noisy (TOY) set so both probabilities are far from 0 and the comparison means something.
  fixed_strict.fixed_params = fixed_tolerant.fixed_params = tfhe::params_toy_noisy();
  const FheCircuit s = compile_circuit(net, fixed_strict), t = compile_circuit(net, fixed_tolerant);
  const double sigma = std::sqrt(s.tlus[0].max_input_variance);
  const uint32_t p = s.tlus[0].precision;
  EXPECT_NEAR(s.tlus[0].p_error, std::erfc(std::ldexp(1.0, -static_cast<int>(p) - 2) / (std::sqrt(2.0) * sigma)),
              1e-9 + 1e-6 * s.tlus[0].p_error);
  EXPECT_NEAR(t.tlus[0].p_error, std::erfc(std::ldexp(1.0, -static_cast<int>(p) - 1) / (std::sqrt(2.0) * sigma)),
              1e-9 + 1e-6 * t.tlus[0].p_error);
  EXPECT_GT(s.tlus[0].p_error, 1e-3);
  EXPECT_LT(t.tlus[0].p_error, s.tlus[0].p_error);
}

}  // namespace
}  // namespace fheq::compiler
