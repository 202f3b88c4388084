// Execute mode against clear mode: real keys, seeded encryption, server evaluation with evaluation keys
// only, decryption. Without rounding (or with exact rounding) every decrypted output accumulator must equal
// the clear integer executor's (p1's, independent of this code) on every sample.
#include <gtest/gtest.h>

#include <chrono>

#include "../compiler/window_check.h"
#include "../quant/float_graph_builder.h"
#include "../quant/quant_test_support.h"
#include "graph/float_executor.h"
#include "quant/ptq.h"
#include "compiler/simulate.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using testing::compile_digits;
using testing::make_seed;
using testing::test_seed;

struct Keys {
  SecretKeySet secret;
  EvaluationKeys eval;
};

Keys make_keys(const testing::SmallModel& m, uint64_t seed) {
  tfhe::Csprng gen(make_seed(seed, 1));
  Keys k;
  k.secret = generate_secret_keys(m.circuit.params, m.fingerprint, gen);
  k.eval = expand_evaluation_keys(generate_evaluation_keys(k.secret, gen));
  return k;
}

IntTensor execute(const testing::SmallModel& m, const Keys& keys, const IntTensor& codes, uint64_t seed,
                  EvaluationReport* report = nullptr) {
  tfhe::Csprng seeds(make_seed(seed, 2));
  const EncryptedInput enc = encrypt_input(m.client, keys.secret, codes, seeds, make_seed(seed, 3));
  const EncryptedExecutor executor(m.circuit, keys.eval);
  EncryptedOutput out;
  out.circuit_fingerprint = m.fingerprint;
  out.batch = enc.batch;
  out.sample_shape = m.client.output_shape;
  out.ciphertexts = executor.run(decompress_input(enc), enc.batch, report);
  return decrypt_output(m.client, keys.secret, out);
}

TEST(Execute, EqualsClearWithoutRoundingOnDigits) {
  const uint64_t seed = test_seed("Execute.EqualsClearWithoutRoundingOnDigits");
  const testing::SmallModel m = compile_digits(2);
  std::printf("circuit: params %s, max precision %u, PBS/sample %lld, input key %s\n", m.circuit.params.name.c_str(),
              m.circuit.max_precision, static_cast<long long>(m.circuit.pbs_count),
              m.circuit.input.key == compiler::LweKeyKind::kSmall ? "small" : "big");
  const Keys keys = make_keys(m, seed);
  const int64_t count = 12;
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 0, count));
  const IntTensor clear = quant::run_integer_graph(m.circuit.graph, codes);
  EvaluationReport report;
  const IntTensor encrypted = execute(m, keys, codes, seed, &report);
  std::printf("%s", report.to_text().c_str());
  ASSERT_EQ(encrypted.shape, clear.shape);
  for (int64_t i = 0; i < clear.size(); ++i) ASSERT_EQ(encrypted[i], clear[i]) << "output element " << i;
}

TEST(Execute, EqualsClearWithSelected128BitParameters) {
  // The compiler's own 128-bit choice (no TOY): keygen and N ≥ 2048 PBSs, so only 3 samples (~10 s).
  const uint64_t seed = test_seed("Execute.EqualsClearWithSelected128BitParameters");
  const testing::SmallModel m = compile_digits(2, 0, quant::RoundingMode::kExact, nullptr, /*secure_selection=*/true);
  ASSERT_FALSE(m.circuit.params.is_toy());
  ASSERT_EQ(m.circuit.params.security_bits, 128u);
  std::printf("params %s\n", m.circuit.params.name.c_str());
  const Keys keys = make_keys(m, seed);
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 20, 23));
  const IntTensor clear = quant::run_integer_graph(m.circuit.graph, codes);
  const IntTensor encrypted = execute(m, keys, codes, seed);
  ASSERT_EQ(encrypted.shape, clear.shape);
  EXPECT_EQ(encrypted.data, clear.data);
}

// Every op kind of a CNN, encrypted: conv (grouped, strided, dilated, padded), TLU, sum-pool, window tap,
// the sum of two encrypted tensors (pool − tap), reshape and dense (quant_test_support.h's random graphs,
// with the compiler's own 128-bit parameters). The graphs' own rounding shifts run as exact rounding, and
// every sample lies inside the calibrated windows, so each decrypted output must equal both noiseless
// simulate and the clear run. (Out-of-window reads and output decoding wraps: exact_rounding_wrap_test.cc.)
TEST(Execute, RandomConvPoolAddGraphsEqualSimulateAndClear) {
  const uint64_t seed = test_seed("Execute.RandomConvPoolAddGraphsEqualSimulateAndClear");
  int64_t compared_with_clear = 0;
  int executed = 0;
  // About 15–20 % of the random graphs are small enough to execute (below); compiling the others is cheap,
  // and 200 trials leave P(fewer than 3 usable) ≈ 1e-11.
  for (int trial = 0; trial < 200 && executed < 3; ++trial) {
    std::mt19937_64 rng(seed + static_cast<uint64_t>(trial));
    quant::QuantizedNetwork net;
    net.graph = quant::testing::random_integer_graph(rng);
    // Its last op adds the final TLU's output to the TLU's own accumulator: exact rounding refuses that
    // (the accumulator would have to be read at the sum's width). End at the TLU instead.
    ASSERT_TRUE(std::holds_alternative<quant::AddOp>(net.graph.ops.back()));
    net.graph.output = std::get<quant::AddOp>(net.graph.ops.back()).rhs;
    net.graph.ops.pop_back();
    net.input_range = {-8, 8};
    // Small input codes keep the accumulators narrow. The two test samples are the calibration set, so
    // they lie inside every calibrated window. The random tables cover few accumulator values and clear
    // lookups clamp to their ends, while FHE wraps outside a window that the compiler bounds by the
    // table's domain: extend each table with its end values over the calibrated range (the same function
    // for clear).
    const IntTensor codes = quant::testing::random_input(net.graph, 2, rng, -2, 2);
    for (const IntTensor& v : quant::run_integer_graph_all(net.graph, codes))
      net.observed.push_back(v.size() > 0 ? quant::observed_range(v) : quant::IntRange{1, 0});  // {1, 0}: not computed
    for (quant::IntOp& op : net.graph.ops) {
      auto* tlu = std::get_if<quant::TluOp>(&op);
      if (!tlu) continue;
      const quant::IntRange seen = net.observed[static_cast<size_t>(tlu->input)];
      const int64_t lo = quant::round_shift_exact(seen.min, tlu->rounding_shift);
      const int64_t hi = quant::round_shift_exact(seen.max, tlu->rounding_shift);
      for (quant::LookupTable& table : tlu->tables) {
        quant::LookupTable wide;
        wide.input_min = std::min(lo, table.input_min);
        for (int64_t a = wide.input_min; a <= std::max(hi, table.input_max()); ++a) wide.values.push_back(quant::lookup_clamped(table, a));
        table = wide;
      }
    }
    // No extra rounding: it would change the TLU outputs and so the downstream accumulators, away from
    // the ranges calibrated here. The compiler's own 128-bit choice: the random weights' norms are too
    // large for the TOY sets. Graphs whose windows need more than 8 bits are skipped.
    compiler::CircuitOptions options;
    options.rounding_mode = quant::RoundingMode::kExact;
    compiler::FheCircuit circuit;
    try {
      circuit = compiler::compile_circuit(net, options);
    } catch (const Error& e) {
      // A graph too wide for any PBS, or too noisy for any 128-bit set, is skipped; any other compile error is
      // a failure.
      const std::string what = e.what();
      if (what.find("PBS precision is at most") == std::string::npos &&
          what.find("no 128-bit parameter set reaches") == std::string::npos)
        throw;
      continue;
    }
    testing::SmallModel m;
    m.circuit = circuit;
    m.client = make_client_spec(circuit, net);
    m.fingerprint = m.client.circuit_fingerprint;
    std::printf("trial %d: %zu ops, %zu TLUs, max precision %u, PBS/sample %lld, %s, predicted global p_error %.3g\n", trial,
                circuit.graph.ops.size(), circuit.tlus.size(), circuit.max_precision,
                static_cast<long long>(circuit.pbs_count), circuit.params.name.c_str(), circuit.global_p_error);
    // Keeps the test at 10–45 s on 2 cores (the graph shapes still vary widely): precision ≤ 5 keeps N ≤ 4096.
    if (circuit.pbs_count > 200 || circuit.max_precision > 5) continue;
    ++executed;
    ASSERT_LT(circuit.global_p_error, 1e-7) << "the selected set is too noisy for the test to be exact";
    const Keys keys = make_keys(m, seed + static_cast<uint64_t>(trial));
    const IntTensor encrypted = execute(m, keys, codes, seed + static_cast<uint64_t>(trial));
    compiler::SimulateOptions noiseless;
    noiseless.noise_scale = 0;
    const IntTensor simulated = compiler::run_circuit_simulate(circuit, codes, noiseless);
    ASSERT_EQ(encrypted.shape, simulated.shape);
    EXPECT_EQ(encrypted.data, simulated.data) << "trial " << trial;
    const std::vector<IntTensor> all = quant::run_integer_graph_all(circuit.graph, codes);
    const IntTensor& clear = all[static_cast<size_t>(circuit.graph.output)];
    const int64_t per = circuit.graph.elements(circuit.graph.output);
    for (int64_t s = 0; s < codes.dim(0); ++s) {
      if (!compiler::testing::sample_inside_every_window(circuit, all, s)) continue;
      ++compared_with_clear;
      for (int64_t e = 0; e < per; ++e)
        ASSERT_EQ(encrypted[s * per + e], clear[s * per + e]) << "trial " << trial << " sample " << s;
    }
  }
  std::printf("%lld samples inside every window compared with clear\n", static_cast<long long>(compared_with_clear));
  EXPECT_EQ(executed, 3);
  EXPECT_EQ(compared_with_clear, 2 * executed);
}

// A residual block from a float graph, through the whole pipeline: x → Gemm → Relu = a; Gemm(a) = c;
// Relu(a + c) → Gemm → logits. PTQ at 4 bits turns a + c into the sum of a TLU output and an accumulator
// (one encoding for both), then compile (exact rounding to 5 bits) and encrypted execution under TOY
// parameters: every decrypted output equals noiseless simulate, and the clear run on samples inside every
// window (within 8σ of the predicted output noise when the TOY set cannot decode the output exactly); the
// dequantized outputs track the float graph.
TEST(Execute, ResidualBlockFromAFloatGraphEqualsClear) {
  const uint64_t seed = test_seed("Execute.ResidualBlockFromAFloatGraphEqualsClear");
  std::mt19937_64 rng(seed);
  quant::testing::GraphBuilder b(Shape{16});
  const std::string a = b.node("Relu", {b.linear("x", 16, 12, rng)}, Shape{12});
  const std::string c = b.linear(a, 12, 12, rng);
  const std::string r = b.node("Relu", {b.node("Add", {a, c}, Shape{12})}, Shape{12});
  const graph::Graph g = b.finish(b.linear(r, 12, 4, rng));
  const FloatTensor calibration = quant::testing::random_batch(Shape{16}, 300, rng, -1, 1);
  PtqOptions ptq = quant::testing::test_ptq_options();
  ptq.n_bits = NBits{4, 4, 4, 0};
  const quant::QuantizedNetwork net = quant::quantize_graph(g, calibration, ptq);
  int64_t encrypted_adds = 0;
  for (const quant::IntOp& op : net.graph.ops) encrypted_adds += std::holds_alternative<quant::AddOp>(op) ? 1 : 0;
  ASSERT_EQ(encrypted_adds, 1) << "the residual Add must stay an addition of two encrypted tensors";

  const compiler::FheCircuit circuit = testing::compile_exact_on_toy(net, 5);
  ASSERT_LT(circuit.global_p_error, 1e-6) << "TOY set too noisy for this circuit: the test would not be exact";
  testing::SmallModel m;
  m.circuit = circuit;
  m.client = make_client_spec(circuit, net);
  m.fingerprint = m.client.circuit_fingerprint;
  const Keys keys = make_keys(m, seed);
  // Calibration rows: their accumulators lie in the calibrated windows, except where rounding upstream moved a
  // downstream accumulator past its margin. There FHE wraps (noiseless simulate models it exactly) and clear
  // clamps, so every output is compared with simulate and the samples inside every window with clear too.
  const FloatTensor x = slice_batch(calibration, 0, 32);
  const IntTensor codes = quant::quantize_input(net.input, x);
  const std::vector<IntTensor> all = quant::run_integer_graph_all(circuit.graph, codes);
  const IntTensor& clear = all[static_cast<size_t>(circuit.graph.output)];
  const IntTensor encrypted = execute(m, keys, codes, seed);
  compiler::SimulateOptions noiseless;
  noiseless.noise_scale = 0;
  const IntTensor simulated = compiler::run_circuit_simulate(circuit, codes, noiseless);
  ASSERT_EQ(encrypted.shape, clear.shape);
  ASSERT_EQ(simulated.shape, clear.shape);
  // The fixed TOY set does not always decode the output exactly (compile reports it): then the decrypted
  // output carries Gaussian noise of the predicted σ (accumulator units), and 8σ bounds it (odds ~1e-15).
  const int64_t tolerance = circuit.output.exact ? 0 : static_cast<int64_t>(std::ceil(8 * circuit.output.noise_std));
  std::printf("output decoding %s (σ %.3g units): tolerance %lld\n", circuit.output.exact ? "exact" : "noisy",
              circuit.output.noise_std, static_cast<long long>(tolerance));
  for (int64_t i = 0; i < encrypted.size(); ++i)
    ASSERT_LE(std::abs(encrypted[i] - simulated[i]), tolerance) << "output element " << i;
  const int64_t inside = compiler::testing::expect_equal_to_clear_inside_windows(circuit, all, encrypted, tolerance);
  std::printf("%lld of 32 samples inside every window, compared with clear\n", static_cast<long long>(inside));
  EXPECT_GE(inside, 16);
  // The dequantized encrypted outputs follow the float block, loosely: 4-bit everything on a random block gives
  // a relative RMS error of 0.2–0.47 over 80 seeds; a broken dequantization or encoding gives ≥ 1.
  const FloatTensor y = quant::dequantize_output(net.output, encrypted);
  const FloatTensor reference = graph::run_graph(g, x);
  double error = 0, spread = 0;
  for (int64_t i = 0; i < y.size(); ++i) error += (y[i] - reference[i]) * (y[i] - reference[i]), spread += reference[i] * reference[i];
  std::printf("relative RMS error of the encrypted outputs against float: %.3f\n", std::sqrt(error / spread));
  EXPECT_LT(std::sqrt(error / spread), 0.8);
}

}  // namespace
}  // namespace fheq::runtime
