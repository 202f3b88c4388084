// Malformed files never crash: payloads of every server/client file kind (circuit, client spec, secret and
// evaluation keys, input and output ciphertexts), mutated at random (common/mutate_bytes.h), then parsed.
// Each parse must either succeed or throw fheq::Error with one line naming the file; an internal check
// (abort), another exception type or a runaway allocation fails the test. A circuit that parses must also
// run in clear and simulate mode on real inputs. (The container's checksum stops such payloads before these
// parsers in real use; this tests the parsers.)
#include <gtest/gtest.h>

#include "common/mutate_bytes.h"

#include <functional>
#include <random>

#include "compiler/simulate.h"
#include "quant/integer_executor.h"
#include "runtime/artifacts.h"
#include "core/binary_io.h"
#include "runtime/ciphertext_file.h"
#include "runtime/keys.h"
#include "runtime/client_crypto.h"
#include "runtime/output_transport.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using testing::make_seed;
using testing::test_seed;


// Parses `rounds` mutations of `payload`; returns how many were refused (the rest parsed).
int64_t fuzz(const char* kind, const std::string& payload, const std::function<void(const std::string&)>& parse,
             std::mt19937_64& rng, int rounds) {
  parse(payload);  // the unmutated payload parses
  int64_t refused = 0;
  for (int r = 0; r < rounds; ++r) {
    const std::string bad = test_support::mutate_bytes(payload, rng);
    try {
      parse(bad);
    } catch (const Error& e) {
      ++refused;
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << kind << ": " << what;
      EXPECT_NE(what.find("fuzzed"), std::string::npos) << kind << ": " << what;
    }
  }
  std::printf("%s: %d mutations of a %zu-byte payload, %lld refused with one line, the rest parsed\n", kind, rounds,
              payload.size(), static_cast<long long>(refused));
  return refused;
}

// fuzz() on the payload of the container file at `path`: each mutation is written back under `header` and
// loaded through `load`, which reads the file.
int64_t fuzz_container_file(const char* kind, const std::string& path, const core::ContainerHeader& header,
                            const std::function<void()>& load, std::mt19937_64& rng, int rounds) {
  return fuzz(kind, core::read_container_file(path, header),
              [&](const std::string& p) {
                core::write_container_file(path, header, p);
                load();
              },
              rng, rounds);
}

TEST(ArtifactFuzz, MutatedPayloadsParseOrFailWithOneLine) {
  const uint64_t seed = test_seed("ArtifactFuzz.MutatedPayloadsParseOrFailWithOneLine");
  std::mt19937_64 rng(seed);
  // Exact rounding so the circuit carries chunk plans too.
  const testing::SmallModel m = testing::compile_digits(3, 4, quant::RoundingMode::kExact);
  const tfhe::TfheParams& params = m.circuit.params;
  const int rounds = 400;
  const std::string source = "fuzzed";
  // A circuit that parses (a weight or table entry changed, say) must also run: clear and simulate.
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 0, 2));
  EXPECT_GT(fuzz("circuit", serialize_circuit(m.circuit),
                 [&](const std::string& p) {
                   const compiler::FheCircuit c = deserialize_circuit(p, source, /*allow_toy=*/true);
                   quant::run_integer_graph(c.graph, codes);
                   compiler::run_circuit_simulate(c, codes, compiler::SimulateOptions{});
                 },
                 rng, rounds),
            0);
  EXPECT_GT(fuzz("client spec", serialize_client_spec(m.client),
                 [&](const std::string& p) { deserialize_client_spec(p, source, /*allow_toy=*/true); }, rng, rounds),
            0);

  tfhe::Csprng gen(make_seed(seed, 1));
  const SecretKeySet secret = generate_secret_keys(params, m.fingerprint, gen);
  tfhe::Csprng seeds(make_seed(seed, 2));
  const EncryptedInput in = encrypt_input(m.client, secret, codes, seeds, make_seed(seed, 3));
  EXPECT_GT(fuzz("input ciphertexts", serialize_encrypted_input(in, params),
                 [&](const std::string& p) { deserialize_encrypted_input(p, params, m.fingerprint, source); }, rng,
                 rounds),
            0);

  // Key files go through the container reader: each mutated payload is written as a well-formed container
  // (valid checksum) and loaded as the client or the server would.
  const std::string dir = ::testing::TempDir();
  const std::string secret_path = dir + "/fuzzed_secret.key", eval_path = dir + "/fuzzed_eval.keys";
  save_secret_keys(secret_path, secret);
  save_evaluation_keys(eval_path, generate_evaluation_keys(secret, gen));
  EXPECT_GT(fuzz_container_file("secret key", secret_path, {kSecretKeyMagic, kKeyFileVersion, "secret-key"},
                                [&] { load_secret_keys(secret_path, params, m.fingerprint); }, rng, 150),
            0);
  EXPECT_GT(fuzz_container_file("evaluation keys", eval_path, {kEvalKeysMagic, kKeyFileVersion, "eval-keys"},
                                [&] { load_evaluation_keys(eval_path, params, m.fingerprint); }, rng, 150),
            0);
  std::remove(secret_path.c_str());
  std::remove(eval_path.c_str());

  EncryptedOutput out;
  out.circuit_fingerprint = m.fingerprint;
  out.batch = 2;
  out.sample_shape = m.client.output_shape;
  out.ciphertexts.assign(static_cast<size_t>(2 * shape_size(out.sample_shape)),
                         tfhe::LweCiphertext(tfhe::LweDimension(params.big_lwe_dimension())));
  for (auto& c : out.ciphertexts)
    for (auto& w : c.data) w = rng();
  for (uint32_t bits : {64u, 32u}) {
    EncryptedOutput o = out;
    round_to_transport_bits(o.ciphertexts, bits);
    o.transport_bits = bits;
    EXPECT_GT(fuzz(bits == 32 ? "output ciphertexts (32-bit)" : "output ciphertexts (64-bit)",
                   serialize_encrypted_output(o, params),
                   [&](const std::string& p) { deserialize_encrypted_output(p, params, m.fingerprint, source); },
                   rng, rounds),
              0);
  }
}

}  // namespace
}  // namespace fheq::runtime
