// Exact rounding on ciphertexts (runtime/exact_rounding.h): the chunk steps against integer arithmetic with a
// decryption after every chunk, and a whole model whose execute must equal clear (round half up) on every output.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "core/binary_io.h"

#include "compiler/exact_rounding_plan.h"
#include "compiler/simulate.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "runtime/artifacts.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime/exact_rounding.h"
#include "runtime_test_support.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/noise_sampler.h"

namespace fheq::runtime {
namespace {

using testing::compile_digits;
using testing::identity_tlu_network;
using testing::make_seed;
using testing::random_codes;
using testing::test_seed;

// The integer (mod 2^bits) a phase holds at Δ = 2^log2_delta, rounding to nearest.
int64_t decode(tfhe::Torus phase, uint32_t log2_delta, uint32_t bits) {
  const uint64_t rounded = (phase + (tfhe::Torus{1} << (log2_delta - 1))) >> log2_delta;
  return static_cast<int64_t>(rounded & ((uint64_t{1} << bits) - 1));
}

// p = 3, k = 7 with the chunks {1, 3, 3} (a bit read, then two sign + value chunks at the largest size the TOY
// set serves), and {2, 2, 2, 1} for 2-bit chunks: after chunk i the phase must hold v with its low
// b_i + m_i bits cleared, exactly (mod 2^(p+k+1), the torus above Δ_in), for random v over the whole torus.
TEST(ExactRounding, ChunkStepsClearLowBitsExactly) {
  const uint64_t seed = test_seed("ExactRounding.ChunkStepsClearLowBitsExactly");
  const uint32_t p = 3;
  const int64_t k = 7;
  const uint32_t d = 63 - p - static_cast<uint32_t>(k);
  const uint32_t bits = p + static_cast<uint32_t>(k) + 1;  // the phase's integer lives mod 2^bits
  const tfhe::TfheParams& params = tfhe::params_toy(3);
  tfhe::Csprng gen(make_seed(seed, 1));
  const tfhe::ClientKeys client = tfhe::generate_client_keys(params, gen);
  const tfhe::ServerKeys server = tfhe::generate_server_keys(params, client, gen);
  const tfhe::LweSecretKey big = client.glwe_key.as_lwe_key();
  tfhe::NoiseSampler noise(make_seed(seed, 2));
  std::mt19937_64 rng(seed);
  for (const std::vector<uint32_t>& chunks : {std::vector<uint32_t>{1, 3, 3}, std::vector<uint32_t>{2, 2, 2, 1}}) {
    const std::vector<ExactRoundingStep> steps = make_exact_rounding_steps(p, k, chunks, d, params);
    const int64_t count = 64;
    std::vector<int64_t> v(count);
    std::vector<tfhe::LweCiphertext> c(count);
    for (int64_t i = 0; i < count; ++i) {
      v[i] = static_cast<int64_t>(rng() & ((uint64_t{1} << bits) - 1));
      c[i] = tfhe::encrypt_lwe(big, compiler::encode_integer(v[i], d), params.glwe_noise, gen, noise);
    }
    uint32_t cleared = 0;
    int64_t reads = 0;
    for (size_t chunk = 0; chunk < chunks.size(); ++chunk) {
      reads += run_exact_rounding_chunk(steps, chunk, server, c);
      cleared += chunks[chunk];
      for (int64_t i = 0; i < count; ++i) {
        const int64_t want = (v[i] >> cleared) << cleared;  // integer arithmetic: low bits of v cleared
        const tfhe::Torus phase = tfhe::decrypt_lwe(big, c[i]);
        ASSERT_EQ(decode(phase, d, bits), want) << "chunk " << chunk << " v " << v[i];
        // The noise stays far below Δ_in/2 (TOY: PBS outputs ~2^−30 of the torus).
        const auto error = static_cast<int64_t>(phase - compiler::encode_integer(want, d));
        ASSERT_LT(std::abs(static_cast<double>(error)), std::ldexp(1.0, static_cast<int>(d) - 4)) << "chunk " << chunk;
      }
    }
    EXPECT_EQ(reads, compiler::exact_rounding_reads(chunks));
  }
}

// digits_mlp at 3 bits keeping 2 bits of its hidden accumulator, TOY parameters: exact execute equals the clear
// executor's round-half-up run on every output value of 50 test images. The same model in approximate mode
// has the same rounding shifts and fewer PBS; its clear accumulators include exact ties (u = (j + 1/2)·2^k),
// where the approximate PBS reads either neighbour and the exact steps read j + 1 by construction.
TEST(ExactRounding, ExecuteEqualsClearOnFiftyDigits) {
  const uint64_t seed = test_seed("ExactRounding.ExecuteEqualsClearOnFiftyDigits");
  const testing::SmallModel m = compile_digits(3, 2, quant::RoundingMode::kExact);
  const testing::SmallModel approx = compile_digits(3, 2, quant::RoundingMode::kApproximate);
  const compiler::FheCircuit& c = m.circuit;
  ASSERT_EQ(c.tlus.size(), approx.circuit.tlus.size());
  int64_t chunked = 0;
  for (size_t i = 0; i < c.tlus.size(); ++i) {
    EXPECT_EQ(c.tlus[i].rounding_shift, approx.circuit.tlus[i].rounding_shift);
    if (compiler::uses_exact_chunks(c.tlus[i])) ++chunked;
  }
  ASSERT_GT(chunked, 0);
  EXPECT_GT(c.pbs_count, approx.circuit.pbs_count);
  std::printf("exact: params %s, PBS/sample %lld (approximate: %lld), chunks of TLU 0:", c.params.name.c_str(),
              static_cast<long long>(c.pbs_count), static_cast<long long>(approx.circuit.pbs_count));
  for (uint32_t b : c.tlus[0].exact_chunk_bits) std::printf(" %u", b);
  std::printf(" (k = %lld, p = %u)\n", static_cast<long long>(c.tlus[0].rounding_shift), c.tlus[0].precision);

  tfhe::Csprng gen(make_seed(seed, 1));
  const SecretKeySet secret = generate_secret_keys(c.params, m.fingerprint, gen);
  const EvaluationKeys keys = expand_evaluation_keys(generate_evaluation_keys(secret, gen));
  const int64_t count = 50;
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 0, count));
  const std::vector<IntTensor> clear_all = quant::run_integer_graph_all(c.graph, codes);  // kExact: no hook needed
  const IntTensor& clear = clear_all[static_cast<size_t>(c.graph.output)];
  int64_t ties = 0;
  for (const compiler::TluEncoding& t : c.tlus) {
    if (!compiler::uses_exact_chunks(t)) continue;
    const IntTensor& acc = clear_all[static_cast<size_t>(t.input)];
    const int64_t box = int64_t{1} << t.rounding_shift;
    for (int64_t a : acc.data) ties += (((a + t.input_offset) % box) + box) % box == box / 2 ? 1 : 0;
  }
  std::printf("exact ties among the rounded accumulators: %lld\n", static_cast<long long>(ties));
  EXPECT_GT(ties, 0) << "the test images must hit ties for the comparison with approximate rounding to mean anything";

  tfhe::Csprng seeds(make_seed(seed, 2));
  const EncryptedInput enc = encrypt_input(m.client, secret, codes, seeds, make_seed(seed, 3));
  const EncryptedExecutor executor(c, keys);
  EncryptedOutput out;
  out.circuit_fingerprint = m.fingerprint;
  out.batch = enc.batch;
  out.sample_shape = m.client.output_shape;
  EvaluationReport report;
  out.ciphertexts = executor.run(decompress_input(enc), enc.batch, &report);
  std::printf("%s", report.to_text().c_str());
  int64_t pbs = 0, keyswitches = 0;
  for (const OpTiming& op : report.ops) pbs += op.pbs, keyswitches += op.keyswitches;
  EXPECT_EQ(pbs, c.pbs_count * count);
  EXPECT_EQ(keyswitches, c.keyswitch_count * count);
  const IntTensor decrypted = decrypt_output(m.client, secret, out);
  ASSERT_EQ(decrypted.shape, clear.shape);
  for (int64_t i = 0; i < clear.size(); ++i) ASSERT_EQ(decrypted[i], clear[i]) << "output element " << i;
}

// The compiler's own 128-bit choice with exact output decoding: digits_mlp at 3 bits keeping 2 bits (k = 6),
// 4 images: every decrypted output equals clear. This checks the noise model end to end — the chosen set must
// keep the accumulator noise below half an LSB (chunk 0) for real. ~10–20 s (keygen + 4 × 224 KS+PBS).
TEST(ExactRounding, ExecuteEqualsClearWithSelected128BitParameters) {
  const uint64_t seed = test_seed("ExactRounding.ExecuteEqualsClearWithSelected128BitParameters");
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx");
  PtqOptions ptq;
  ptq.n_bits = NBits::all(3);
  const QuantizedModel quantized = quantize(model, load_dataset("digits", "train").x, ptq);
  compiler::CircuitOptions options;
  options.rounding_bits = 2;
  options.rounding_mode = quant::RoundingMode::kExact;
  options.output_decoding = FheOutputDecoding::kRequireExact;
  const compiler::FheCircuit c = compiler::compile_circuit(quantized.network(), options);
  ASSERT_FALSE(c.params.is_toy());
  ASSERT_TRUE(c.output.exact);
  ASSERT_LE(c.p_error, c.target_p_error * 1.0001);
  std::printf("params %s, PBS/sample %lld, predicted p_error %.3g, global %.3g\n", c.params.name.c_str(),
              static_cast<long long>(c.pbs_count), c.p_error, c.global_p_error);
  const ClientSpec client = make_client_spec(c, quantized.network());
  const Dataset test = load_dataset("digits", "test");
  const IntTensor codes = quantized.quantize_input(slice_batch(test.x, 30, 34));
  const IntTensor clear = quant::run_integer_graph(c.graph, codes);
  const IntTensor decrypted = testing::encrypt_run_decrypt(c, client, codes, seed);
  ASSERT_EQ(decrypted.shape, clear.shape);
  EXPECT_EQ(decrypted.data, clear.data);
}

// Exact rounding's failure rate in real FHE against simulate's replay of the chunk steps. Hand-made circuit:
// 16 input codes → Dense (weights in {−1, 0, 1}) → TLU whose table is the identity on the accumulator → output,
// so the index every final PBS read is visible after decryption. TOY_NOISY_P2 (test-only, keyswitch noise
// σ ≈ 0.027 of the torus against a 2-bit half window 2^−4: a few % of reads fail), 2 kept bits of a 10-bit
// domain: k = 7, seven 1-bit chunk reads (threshold a quarter torus: they practically never fail) and the final
// read at the centre of its box. Execute's rate of index ≠ ⌊(u + 2^(k−1))/2^k⌋ must lie within 4.5 σ of
// simulate's (a wrong centring would make it ~50%).
TEST(ExactRounding, ExecuteFailureRateInsideSimulateInterval) {
  const uint64_t seed = test_seed("ExactRounding.ExecuteFailureRateInsideSimulateInterval");
  std::mt19937_64 rng(seed);
  const quant::QuantizedNetwork network = identity_tlu_network(rng);
  compiler::CircuitOptions options;
  options.rounding_bits = 2;
  options.rounding_mode = quant::RoundingMode::kExact;
  options.fixed_params = tfhe::params_toy_noisy();
  compiler::FheCircuit circuit = compiler::compile_circuit(network, options);
  ASSERT_EQ(circuit.tlus.size(), 1u);
  compiler::TluEncoding& t = circuit.tlus[0];
  ASSERT_TRUE(compiler::uses_exact_chunks(t));
  // An injective table (j ↦ j − 2^(p−1)) makes the read index recoverable; execute and simulate both use it.
  for (size_t j = 0; j < t.tables[0].size(); ++j) t.tables[0][j] = static_cast<int64_t>(j) - static_cast<int64_t>(t.tables[0].size() / 2);
  std::map<int64_t, int64_t> index_of;
  for (size_t j = 0; j < t.tables[0].size(); ++j) index_of[t.tables[0][j]] = static_cast<int64_t>(j);

  compiler::SimulationStats stats;
  compiler::SimulateOptions sim;
  sim.seed = seed;
  sim.output_noise = false;
  compiler::run_circuit_simulate(circuit, random_codes(rng, 4000), sim, &stats);
  const double p_sim = static_cast<double>(stats.off_by_one + stats.larger_errors) / static_cast<double>(stats.pbs);

  const int64_t batch = 60;
  const IntTensor codes = random_codes(rng, batch);
  const IntTensor decrypted = testing::encrypt_run_decrypt(circuit, make_client_spec(circuit, network), codes, seed);
  const IntTensor acc = quant::run_integer_graph_all(circuit.graph, codes)[static_cast<size_t>(t.input)];
  int64_t errors = 0;
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t nearest = quant::round_shift_exact(acc[i] + t.input_offset, t.rounding_shift);
    const auto found = index_of.find(decrypted[i]);
    errors += found == index_of.end() || found->second != nearest ? 1 : 0;
  }
  const auto n = static_cast<double>(acc.size());
  const double p_exec = static_cast<double>(errors) / n;
  const double sigma = std::sqrt(p_sim * (1 - p_sim) * (1.0 / n + 1.0 / static_cast<double>(stats.pbs)));
  std::printf("k = %lld, chunks %zu; simulate %.4f of %lld reads wrong, execute %lld / %.0f (%.4f), sigma %.4f\n",
              static_cast<long long>(t.rounding_shift), t.exact_chunk_bits.size(), p_sim,
              static_cast<long long>(stats.pbs), static_cast<long long>(errors), n, p_exec, sigma);
  ASSERT_GT(p_sim, 0.005) << "the setting must produce measurable failures for this test to mean anything";
  EXPECT_LE(std::abs(p_exec - p_sim), 4.5 * sigma);
}

// The chunk plan and its predictions survive the server artifact (format version 2); an older circuit file
// (version 1: before exact rounding; 4: before stable op tags) fails with one line naming the file, both versions
// and the fix.
TEST(ExactRounding, CircuitArtifactKeepsThePlanAndRefusesOldVersions) {
  const testing::SmallModel m = compile_digits(3, 2, quant::RoundingMode::kExact);
  const compiler::FheCircuit back = deserialize_circuit(serialize_circuit(m.circuit), "mem", /*allow_toy=*/true);
  ASSERT_EQ(back.tlus.size(), m.circuit.tlus.size());
  bool chunked = false;
  for (size_t i = 0; i < back.tlus.size(); ++i) {
    const compiler::TluEncoding& a = m.circuit.tlus[i];
    const compiler::TluEncoding& b = back.tlus[i];
    chunked = chunked || !a.exact_chunk_bits.empty();
    EXPECT_EQ(b.exact_chunk_bits, a.exact_chunk_bits);
    EXPECT_EQ(b.exact_chunk_p_error, a.exact_chunk_p_error);
    EXPECT_EQ(b.accumulator_variance, a.accumulator_variance);
    EXPECT_EQ(b.exact_read_added_variance, a.exact_read_added_variance);
    EXPECT_EQ(b.exact_pbs_output_variance, a.exact_pbs_output_variance);
    EXPECT_EQ(b.pbs_per_sample, a.pbs_per_sample);
  }
  EXPECT_TRUE(chunked);
  EXPECT_EQ(back.pbs_count, m.circuit.pbs_count);
  // A plan that does not cover k is refused by validation.
  compiler::FheCircuit broken = m.circuit;
  for (compiler::TluEncoding& t : broken.tlus)
    if (!t.exact_chunk_bits.empty()) t.exact_chunk_bits.pop_back(), t.exact_chunk_p_error.pop_back();
  EXPECT_THROW(compiler::validate_circuit(broken), Error);

  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / ("fheq_exact_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "server");
  // Version 1: before exact rounding; version 4: integer ops by variant index, before stable op tags (issue #10).
  for (const uint32_t old_version : {1u, 4u}) {
    core::write_container_file((dir / "server" / "circuit.bin").string(), {kCircuitMagic, old_version, "fhe-circuit"},
                               serialize_circuit(m.circuit));
    try {
      load_server_artifact(dir.string(), /*allow_toy=*/true);
      ADD_FAILURE() << "a version-" << old_version << " circuit file was accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_NE(what.find("circuit.bin"), std::string::npos) << what;
      EXPECT_NE(what.find("version " + std::to_string(old_version)), std::string::npos) << what;
      EXPECT_NE(what.find("fheq compile"), std::string::npos) << what;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fheq::runtime
