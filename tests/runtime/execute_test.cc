// Execute mode against clear mode: real keys, seeded encryption, server evaluation with evaluation keys
// only, decryption. Without rounding (or with exact rounding) every decrypted output accumulator must equal
// the clear integer executor's (p1's, independent of this code) on every sample.
#include <gtest/gtest.h>

#include <chrono>

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

}  // namespace
}  // namespace fheq::runtime
