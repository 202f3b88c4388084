// Output ciphertexts sent at reduced precision (runtime/output_transport.h): the rounding itself, the noise it
// adds against the modulus-switch formula the compiler uses (tfhe::noise::modulus_switch_variance), the 32-bit
// output file, and the compiler's choice of when to use it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "compiler/compile_circuit.h"
#include "runtime/ciphertext_file.h"
#include "runtime/output_transport.h"
#include "runtime_test_support.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/noise_formulas.h"

namespace fheq::runtime {
namespace {

using testing::make_seed;
using testing::test_seed;

// Random words (they need not be encryptions for the rounding error), `count` ciphertexts of `dimension`.
std::vector<tfhe::LweCiphertext> random_ciphertexts(size_t count, size_t dimension, std::mt19937_64& rng) {
  std::vector<tfhe::LweCiphertext> out(count, tfhe::LweCiphertext(tfhe::LweDimension(dimension)));
  for (auto& c : out)
    for (auto& w : c.data) w = rng();
  return out;
}

TEST(OutputTransport, RoundsEveryWordToTheNearestMultipleOfTheStep) {
  const uint64_t seed = test_seed("OutputTransport.RoundsEveryWordToTheNearestMultipleOfTheStep");
  std::mt19937_64 rng(seed);
  for (uint32_t bits : {1u, 12u, 32u, 63u, 64u}) {
    const std::vector<tfhe::LweCiphertext> before = random_ciphertexts(20, 64, rng);
    std::vector<tfhe::LweCiphertext> after = before;
    round_to_transport_bits(after, bits);
    const tfhe::Torus step = bits == 64 ? 1 : tfhe::Torus{1} << (64 - bits);
    for (size_t c = 0; c < before.size(); ++c)
      for (size_t i = 0; i < before[c].data.size(); ++i) {
        const tfhe::Torus got = after[c].data[i];
        ASSERT_EQ(got % step, 0u) << "bits " << bits;
        // |before − after| ≤ step/2 on the torus, with ties rounded up.
        const auto diff = static_cast<int64_t>(before[c].data[i] - got);
        const double half = static_cast<double>(step) / 2;
        ASSERT_LT(static_cast<double>(diff), half) << "bits " << bits;
        ASSERT_GE(static_cast<double>(diff), -half) << "bits " << bits;
      }
  }
}

// Decrypting the rounded ciphertext adds e_b − Σ e_i·s_i to the phase (e uniform on one step): its variance
// must match modulus_switch_variance(dimension, 2^(q−1)) — the value the compiler adds to the output noise.
// q = 16 makes it large enough to measure; 20,000 ciphertexts give a relative standard error of 1 %.
TEST(OutputTransport, PhaseErrorVarianceMatchesTheModulusSwitchFormula) {
  const uint64_t seed = test_seed("OutputTransport.PhaseErrorVarianceMatchesTheModulusSwitchFormula");
  const size_t dimension = 2048;
  const uint32_t bits = 16;
  tfhe::Csprng gen(make_seed(seed, 1));
  const tfhe::LweSecretKey key = tfhe::generate_lwe_secret_key(tfhe::LweDimension(dimension), gen);
  std::mt19937_64 rng(seed);
  const std::vector<tfhe::LweCiphertext> before = random_ciphertexts(20000, dimension, rng);
  std::vector<tfhe::LweCiphertext> after = before;
  round_to_transport_bits(after, bits);
  double sum = 0, sum2 = 0;
  for (size_t c = 0; c < before.size(); ++c) {
    const auto error = static_cast<int64_t>(tfhe::decrypt_lwe(key, after[c]) - tfhe::decrypt_lwe(key, before[c]));
    const double e = std::ldexp(static_cast<double>(error), -64);
    sum += e, sum2 += e * e;
  }
  const double n = static_cast<double>(before.size());
  const double measured = sum2 / n - (sum / n) * (sum / n);
  double ones = 0;
  for (uint64_t s : key.data) ones += static_cast<double>(s);
  const double predicted = tfhe::noise::modulus_switch_variance(dimension, size_t{1} << (bits - 1), ones);
  std::printf("q = %u, %zu key ones: measured variance %.4g, predicted %.4g (ratio %.4f)\n", bits,
              static_cast<size_t>(ones), measured, predicted, measured / predicted);
  EXPECT_NEAR(measured / predicted, 1.0, 1.0 / 16);
}

TEST(OutputTransport, ThirtyTwoBitOutputFileRoundTripsAndIsHalfTheSize) {
  const uint64_t seed = test_seed("OutputTransport.ThirtyTwoBitOutputFileRoundTripsAndIsHalfTheSize");
  std::mt19937_64 rng(seed);
  const tfhe::TfheParams& params = tfhe::params_toy(3);
  EncryptedOutput out;
  out.circuit_fingerprint = 42;
  out.batch = 3;
  out.sample_shape = Shape{5};
  out.ciphertexts = random_ciphertexts(15, params.big_lwe_dimension(), rng);
  EncryptedOutput wide = out;
  round_to_transport_bits(out.ciphertexts, 32);
  out.transport_bits = 32;
  const std::string compact = serialize_encrypted_output(out, params);
  const std::string full = serialize_encrypted_output(wide, params);
  const EncryptedOutput back = deserialize_encrypted_output(compact, params, 42, "out.ct");
  EXPECT_EQ(back.transport_bits, 32u);
  ASSERT_EQ(back.ciphertexts.size(), out.ciphertexts.size());
  for (size_t c = 0; c < out.ciphertexts.size(); ++c) ASSERT_EQ(back.ciphertexts[c].data, out.ciphertexts[c].data);
  const double words = 15.0 * static_cast<double>(params.big_lwe_dimension() + 1);
  EXPECT_NEAR(static_cast<double>(full.size()) - static_cast<double>(compact.size()), words * 4, 64);
  // A payload cut short, or with an impossible transport width, fails with one line naming the file.
  EXPECT_THROW(deserialize_encrypted_output(compact.substr(0, compact.size() - 9), params, 42, "out.ct"), Error);
  // Header: fingerprint, key-pair id, batch, rank, one dimension; then transport bits, LWE dimension, word count,
  // words.
  const size_t bits_at = 8 + 8 + 8 + 8 + 8, dimension_at = bits_at + 8, count_at = dimension_at + 8;
  auto expect_refused = [&](std::string bad, const std::string& needle) {
    try {
      deserialize_encrypted_output(bad, params, 42, "out.ct");
      ADD_FAILURE() << "accepted; expected an error about " << needle;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      EXPECT_NE(what.find("out.ct"), std::string::npos) << what;
      EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
  };
  std::string bad = compact;
  bad[bits_at] = 33;
  expect_refused(bad, "transport bits");
  bad = compact;
  bad[dimension_at] = static_cast<char>(bad[dimension_at] + 1);  // neither n nor k·N
  expect_refused(bad, "lwe dimension");
  bad = compact;
  bad[count_at] = static_cast<char>(bad[count_at] - 1);  // one word fewer than 15 whole ciphertexts
  expect_refused(bad.substr(0, bad.size() - 4), "not a multiple");
  // An empty batch is refused when read (nothing reads or computes on zero samples).
  EncryptedOutput empty = out;
  empty.batch = 0;
  empty.ciphertexts.clear();
  expect_refused(serialize_encrypted_output(empty, params), "no samples");
}

// The compiler compresses when Δ_out leaves 16 guard bits under the 32 sent, and counts the rounding noise.
TEST(OutputTransport, CompilerUsesThirtyTwoBitsOnlyWithGuardBitsAndCountsTheNoise) {
  int compressed = 0;
  for (bool compress : {true, false}) {
    compiler::CircuitOptions options;
    options.compress_output = compress;
    options.fixed_params = tfhe::params_toy(8);
    const testing::SmallModel m = testing::compile_digits(2);
    const compiler::FheCircuit on = compiler::compile_circuit(m.quantized->network(), options);
    const uint32_t above_delta = 64 - on.output.log2_delta;
    const bool expected = compress && above_delta + compiler::kOutputTransportGuardBits <= 32;
    std::printf("compress %d: %u bits above Δ_out, transport %u bits\n", compress, above_delta, on.output.transport_bits);
    EXPECT_EQ(on.output.transport_bits, expected ? 32u : 64u) << "bits above Δ_out " << above_delta;
    if (!expected) continue;
    ++compressed;
    options.compress_output = false;
    const compiler::FheCircuit off = compiler::compile_circuit(m.quantized->network(), options);
    ASSERT_EQ(off.output.variance.size(), on.output.variance.size());
    const double added = tfhe::noise::modulus_switch_variance(on.params.big_lwe_dimension(), size_t{1} << 31);
    for (size_t e = 0; e < on.output.variance.size(); ++e)
      EXPECT_NEAR(on.output.variance[e] - off.output.variance[e], added, 1e-6 * added);
  }
  EXPECT_EQ(compressed, 1) << "digits at 2 bits has a narrow output: the compressed case must be exercised";
}

// A circuit (e.g. a hand-edited circuit.bin) asking for 32-bit transport on a wide output is refused.
TEST(OutputTransport, ValidationRefusesThirtyTwoBitsOnAWideOutput) {
  compiler::CircuitOptions options;
  options.fixed_params = tfhe::params_toy(8);
  const testing::SmallModel m = testing::compile_digits(2);
  compiler::FheCircuit c = compiler::compile_circuit(m.quantized->network(), options);
  ASSERT_EQ(c.output.transport_bits, 32u);
  compiler::validate_circuit(c, "circuit");
  c.output.transport_bits = 31;
  EXPECT_THROW(compiler::validate_circuit(c, "circuit"), Error);
  // digits at 8 bits (rounding 4): the output needs more than 16 bits above Δ_out, so it stays 64-bit, and
  // asking for 32 is refused.
  const testing::SmallModel wide = testing::compile_digits(8, 4);
  compiler::FheCircuit w = wide.circuit;
  ASSERT_GT(64 - w.output.log2_delta + compiler::kOutputTransportGuardBits, 32u);
  ASSERT_EQ(w.output.transport_bits, 64u);
  compiler::validate_circuit(w, "circuit");
  w.output.transport_bits = 32;
  try {
    compiler::validate_circuit(w, "circuit");
    ADD_FAILURE() << "32-bit transport accepted with Δ_out = 2^" << w.output.log2_delta;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("output transport"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fheq::runtime
