// Exact rounding's compile-time side (compiler/exact_rounding_plan.h): the chunk plan against a brute-force
// search, the reads it implies, the circuit's counts and noise predictions, and simulate == clear without noise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "compiler/compile_circuit.h"
#include "compiler/exact_rounding_plan.h"
#include "compiler/simulate.h"
#include "quant/integer_executor.h"
#include "runtime/runtime_test_support.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::compiler {
namespace {

using runtime::testing::compile_digits;
using runtime::testing::SmallModel;

// Every composition of k into parts ≤ limit: the cheapest cost (1 read per 1-bit part, 2 otherwise) and,
// among those, the smallest largest part.
std::pair<int64_t, uint32_t> brute_force_best(int64_t k, uint32_t limit) {
  std::pair<int64_t, uint32_t> best{std::numeric_limits<int64_t>::max(), 0};
  std::function<void(int64_t, int64_t, uint32_t)> walk = [&](int64_t left, int64_t cost, uint32_t largest) {
    if (left == 0) {
      best = std::min(best, std::make_pair(cost, largest));
      return;
    }
    for (uint32_t m = 1; m <= limit && m <= left; ++m) walk(left - m, cost + (m == 1 ? 1 : 2), std::max(largest, m));
  };
  walk(k, 0, 0);
  return best;
}

TEST(ExactRoundingPlan, ChunksAreCheapestCoverOfK) {
  EXPECT_TRUE(plan_exact_chunks(0, 4).empty());
  for (int64_t k = 1; k <= 14; ++k)
    for (uint32_t limit = 1; limit <= 8; ++limit) {
      const std::vector<uint32_t> chunks = plan_exact_chunks(k, limit);
      int64_t sum = 0;
      for (uint32_t m : chunks) {
        EXPECT_GE(m, 1u);
        EXPECT_LE(m, limit);
        sum += m;
      }
      EXPECT_EQ(sum, k) << "k " << k << " limit " << limit;
      EXPECT_TRUE(std::is_sorted(chunks.begin(), chunks.end()));
      const auto [cost, largest] = brute_force_best(k, limit);
      EXPECT_EQ(exact_rounding_reads(chunks), cost) << "k " << k << " limit " << limit;
      EXPECT_EQ(*std::max_element(chunks.begin(), chunks.end()), largest) << "k " << k << " limit " << limit;
    }
}

TEST(ExactRoundingPlan, ReadListScalesPutEachChunkUnderThePaddingBit) {
  // p = 3, k = 6 with chunks {1, 2, 3}: bit read at b = 0; sign + value at b = 1 (m = 2) and at b = 3 (m = 3).
  const std::vector<ExactRead> reads = exact_rounding_read_list(3, 6, {1, 2, 3});
  ASSERT_EQ(reads.size(), 5u);
  EXPECT_EQ(reads[0].kind, ExactRead::Kind::kBit);
  EXPECT_EQ(reads[0].scale_log2, 9u);  // p + k − b: bit 0 of v lands on bit 63 of Δ_in·2^9 = 2^(63−9)·2^9
  EXPECT_EQ(reads[0].decision_precision, 0u);
  EXPECT_EQ(reads[0].prior_pbs_outputs, 0);
  EXPECT_EQ(reads[1].kind, ExactRead::Kind::kSign);
  EXPECT_EQ(reads[1].low_bit, 1u);
  EXPECT_EQ(reads[1].scale_log2, 6u);  // p + k − b − m: y = (v >> 1) mod 2^3 at 2^(63−2)
  EXPECT_EQ(reads[1].decision_precision, 2u);
  EXPECT_EQ(reads[1].prior_pbs_outputs, 1);
  EXPECT_EQ(reads[2].kind, ExactRead::Kind::kValue);
  EXPECT_EQ(reads[2].prior_pbs_outputs, 2);  // the sign output is in c − E
  EXPECT_EQ(reads[3].low_bit, 3u);
  EXPECT_EQ(reads[3].scale_log2, 3u);
  EXPECT_EQ(reads[4].prior_pbs_outputs, 3);
  // Independent check of the scale: bit b + m of v·2^(63−p−k)·2^scale sits at bit 63.
  for (const ExactRead& r : reads) {
    const uint32_t top = r.kind == ExactRead::Kind::kBit ? r.low_bit : r.low_bit + r.chunk_bits;
    EXPECT_EQ(63 - 3 - 6 + r.scale_log2 + top, 63u);
  }
}

// digits_mlp at 3 bits with 2 kept bits (k > 0 on its hidden TLU), TOY parameters.
class ExactRoundingCompile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exact_ = new SmallModel(compile_digits(3, 2, quant::RoundingMode::kExact));
    approximate_ = new SmallModel(compile_digits(3, 2, quant::RoundingMode::kApproximate));
  }
  static void TearDownTestSuite() {
    delete exact_;
    delete approximate_;
  }
  static SmallModel* exact_;
  static SmallModel* approximate_;
};
SmallModel* ExactRoundingCompile::exact_ = nullptr;
SmallModel* ExactRoundingCompile::approximate_ = nullptr;

TEST_F(ExactRoundingCompile, CountsIncludeTheChunkReads) {
  const FheCircuit& c = exact_->circuit;
  int64_t pbs = 0, keyswitches = 0, chunked = 0;
  for (const TluEncoding& t : c.tlus) {
    const int64_t elements = c.graph.elements(t.output);
    const bool exact_k = t.rounding_shift > 0;
    EXPECT_EQ(t.rounding, quant::RoundingMode::kExact);
    int64_t reads = 0;
    if (exact_k) {
      ++chunked;
      ASSERT_FALSE(t.exact_chunk_bits.empty());
      int64_t covered = 0;
      for (uint32_t m : t.exact_chunk_bits) {
        covered += m;
        reads += m == 1 ? 1 : 2;
        EXPECT_LE(m, c.max_precision);
      }
      EXPECT_EQ(covered, t.rounding_shift);
      EXPECT_TRUE(t.keyswitch) << "exact rounding needs its input under the big key";
      EXPECT_EQ(t.exact_chunk_p_error.size(), t.exact_chunk_bits.size());
    } else {
      EXPECT_TRUE(t.exact_chunk_bits.empty());
    }
    EXPECT_EQ(t.pbs_per_sample, elements * (1 + reads));
    pbs += elements * (1 + reads);
    keyswitches += elements * reads + (t.keyswitch ? elements : 0);
  }
  ASSERT_GT(chunked, 0) << "the test model must round some TLU";
  EXPECT_EQ(c.pbs_count, pbs);
  EXPECT_EQ(c.keyswitch_count, keyswitches);
  EXPECT_EQ(c.input.key, LweKeyKind::kBig);
  // The same model in approximate mode: same rounding, one PBS per element.
  const FheCircuit& a = approximate_->circuit;
  int64_t elements = 0;
  for (const TluEncoding& t : a.tlus) elements += c.graph.elements(t.output);
  EXPECT_EQ(a.pbs_count, elements);
  EXPECT_GT(c.pbs_count, a.pbs_count);
  // Latency: every KS + PBS counted (exact mode puts the inputs under the big key: every PBS has its keyswitch).
  EXPECT_EQ(c.keyswitch_count, c.pbs_count);
  EXPECT_NEAR(c.estimated_latency_ms * c.threads, static_cast<double>(c.pbs_count) * c.pbs_ms,
              1e-9 * c.estimated_latency_ms * c.threads);
}

TEST_F(ExactRoundingCompile, NoiselessSimulateEqualsClear) {
  const SmallModel& m = *exact_;
  const int64_t count = 300;
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 0, count));
  const IntTensor clear = quant::run_integer_graph(m.circuit.graph, codes);  // kExact: round half up, no hook
  EXPECT_EQ(run_circuit_clear(m.circuit, codes).data, clear.data);
  SimulateOptions so;
  so.noise_scale = 0;
  SimulationStats stats;
  const IntTensor sim = run_circuit_simulate(m.circuit, codes, so, &stats);
  EXPECT_EQ(sim.data, clear.data);
  EXPECT_EQ(stats.off_by_one + stats.larger_errors, 0);
  // With the predicted noise (TOY: p_error ~ 1e-20) too.
  so.noise_scale = 1;
  so.seed = 7;
  EXPECT_EQ(run_circuit_simulate(m.circuit, codes, so).data, clear.data);
}

// Simulate replays the chunk steps with Gaussian noise. With noise on the accumulator only (σ = 1 unit; no
// read or PBS-output noise; input_variance set as the compiler writes it, accumulator noise included, so a
// replay that counted it twice at the final read would fail) the first chunk read rounds v + e to an integer and every later read sees that
// integer exactly, so the read index is ⌊(v + round(e)) / 2^k⌋: it differs from ⌊v / 2^k⌋ with probability
// Φ((−d − 1/2)/σ) + 1 − Φ((2^k − d − 1/2)/σ), d = v mod 2^k (computed here independently of the library).
TEST_F(ExactRoundingCompile, SimulatedErrorsFollowTheAccumulatorNoise) {
  const uint64_t seed = ::fheq::test_support::test_seed("ExactRoundingCompile.SimulatedErrorsFollowTheAccumulatorNoise");
  FheCircuit c = exact_->circuit;
  const IntTensor codes = exact_->quantized->quantize_input(slice_batch(exact_->test.x, 0, 359));
  const std::vector<IntTensor> all = quant::run_integer_graph_all(c.graph, codes);
  const double sigma = 1.0;
  double expected = 0, variance = 0;
  int64_t decisions = 0;
  for (TluEncoding& t : c.tlus) {
    std::fill(t.input_variance.begin(), t.input_variance.end(), 0.0);
    if (!uses_exact_chunks(t)) continue;
    const double units = std::ldexp(1.0, static_cast<int>(read_log2_delta(t)) - 64);  // Δ_read as a torus fraction
    std::fill(t.accumulator_variance.begin(), t.accumulator_variance.end(), sigma * sigma * units * units);
    std::fill(t.input_variance.begin(), t.input_variance.end(), sigma * sigma * units * units);
    t.exact_read_added_variance = 0;
    t.exact_pbs_output_variance = 0;
    auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    const IntTensor& acc = all[static_cast<size_t>(t.input)];
    const int64_t box = int64_t{1} << t.rounding_shift;
    for (int64_t i = 0; i < acc.size(); ++i) {
      const int64_t v = acc[i] + t.input_offset + box / 2;
      const auto d = static_cast<double>(((v % box) + box) % box);
      const double p = phi((-d - 0.5) / sigma) + 1.0 - phi((static_cast<double>(box) - d - 0.5) / sigma);
      expected += p;
      variance += p * (1 - p);
      ++decisions;
    }
    const ExpectedErrors helper = expected_decision_errors(t, acc, 1.0);
    EXPECT_GT(helper.mean, 0);
  }
  ASSERT_GT(decisions, 0);
  double helper_total = 0;
  for (const TluEncoding& t : c.tlus) helper_total += expected_decision_errors(t, all[static_cast<size_t>(t.input)], 1.0).mean;
  EXPECT_NEAR(helper_total, expected, 1e-6 * (1 + expected)) << "the library's estimate is exact in this setting";
  SimulateOptions so;
  so.seed = seed;
  so.output_noise = false;
  SimulationStats stats;
  run_circuit_simulate(c, codes, so, &stats);
  const double observed = static_cast<double>(stats.off_by_one + stats.larger_errors);
  std::printf("exact rounding, accumulator sd %.2f: %.0f index errors in %lld decisions, expected %.1f ± %.1f\n", sigma,
              observed, static_cast<long long>(decisions), expected, std::sqrt(variance));
  EXPECT_GT(observed, 20) << "the setting must produce errors";
  EXPECT_LE(std::abs(observed - expected), 5 * std::sqrt(variance));
}

TEST(ExactRoundingCompileSecure, SelectedParametersMeetTheTargetForEveryChunkRead) {
  // The compiler's own 128-bit choice (no TOY): every chunk read and the final reads meet --p-error.
  const SmallModel m = compile_digits(3, 2, quant::RoundingMode::kExact, nullptr, /*secure_selection=*/true);
  const FheCircuit& c = m.circuit;
  EXPECT_FALSE(c.params.is_toy());
  bool chunked = false;
  for (const TluEncoding& t : c.tlus) {
    EXPECT_LE(t.p_error, c.target_p_error * 1.0001);
    for (double pe : t.exact_chunk_p_error) EXPECT_LE(pe, 2.0001 * c.target_p_error);
    chunked = chunked || !t.exact_chunk_bits.empty();
    if (!uses_exact_chunks(t)) continue;
    // Chunks up to max precision + 2 (the compiler's search), each table fitting the polynomial.
    for (uint32_t m : t.exact_chunk_bits) {
      EXPECT_LE(m, c.max_precision + 2);
      EXPECT_LE(size_t{1} << m, c.params.polynomial_size.value);
    }
    // Chunk 0's accumulator condition, recomputed from the formula: σ_acc·2^scale against 2^−(dp+2).
    const std::vector<ExactRead> reads = exact_rounding_read_list(t.precision, t.rounding_shift, t.exact_chunk_bits);
    const double acc = *std::max_element(t.accumulator_variance.begin(), t.accumulator_variance.end());
    const double v0 = acc * std::ldexp(1.0, 2 * static_cast<int>(reads[0].scale_log2)) + t.exact_read_added_variance;
    EXPECT_LE(tfhe::noise::pbs_error_probability(v0, reads[0].decision_precision), c.target_p_error * 1.0001);
  }
  EXPECT_TRUE(chunked);
  std::printf("exact rounding, 3 bits, 2 kept: params %s, PBS/sample %lld, p_error %.3g\n", c.params.name.c_str(),
              static_cast<long long>(c.pbs_count), c.p_error);
}

}  // namespace
}  // namespace fheq::compiler
