// Artifacts, keys and ciphertext files: byte-exact round trips, and every wrong file (secret key given to
// the server, another artifact's keys or ciphertexts, corrupt or truncated bytes) fails with ONE line that
// names the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/binary_io.h"
#include "quant/integer_executor.h"
#include "runtime/artifacts.h"
#include "runtime/ciphertext_file.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime/keys.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

namespace fs = std::filesystem;
using testing::compile_digits;
using testing::make_seed;
using testing::test_seed;

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("fheq_runtime_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// Runs `load` and expects fheq::Error whose message is one line containing `needle`.
template <typename F>
void expect_one_line_error(F&& load, const std::string& needle) {
  try {
    load();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Fixture {
  testing::SmallModel model = compile_digits(2);
  uint64_t seed = 0;
  SecretKeySet secret;
  SeededEvaluationKeys eval;
};

Fixture make_fixture(const char* name) {
  Fixture f;
  f.seed = test_seed(name);
  tfhe::Csprng gen(make_seed(f.seed, 1));
  f.secret = generate_secret_keys(f.model.circuit.params, f.model.fingerprint, gen);
  f.eval = generate_evaluation_keys(f.secret, gen);
  return f;
}

TEST(Artifacts, CircuitAndClientSpecRoundTripByteExact) {
  const testing::SmallModel m = compile_digits(2);
  const std::string bytes = serialize_circuit(m.circuit);
  const compiler::FheCircuit back = deserialize_circuit(bytes, "memory", /*allow_toy=*/true);
  EXPECT_EQ(serialize_circuit(back), bytes);
  EXPECT_EQ(circuit_fingerprint(back), m.fingerprint);
  // The round-tripped circuit computes the same integers (p1's clear executor on both graphs).
  const IntTensor codes = m.quantized->quantize_input(slice_batch(m.test.x, 0, 20));
  EXPECT_EQ(quant::run_integer_graph(back.graph, codes).data, quant::run_integer_graph(m.circuit.graph, codes).data);
  const std::string client = serialize_client_spec(m.client);
  const ClientSpec client_back = deserialize_client_spec(client, "memory", true);
  EXPECT_EQ(serialize_client_spec(client_back), client);
  // The client records still quantize / dequantize like the model's own.
  EXPECT_EQ(quant::quantize_input(client_back.quantizer, slice_batch(m.test.x, 0, 5)).data,
            m.quantized->quantize_input(slice_batch(m.test.x, 0, 5)).data);
  // TOY parameters are refused unless explicitly allowed.
  expect_one_line_error([&] { deserialize_circuit(bytes, "art/server/circuit.bin", false); }, "art/server/circuit.bin");
}

// A client spec whose dequantizer does not cover the circuit's output (an element_group shorter than the
// dequantizer shape, or a dequantizer of another size) would read past its tables when decrypting: refused when
// read, naming the field.
TEST(Artifacts, ClientSpecWhoseDequantizerDoesNotFitIsRefused) {
  const testing::SmallModel m = compile_digits(2);
  ClientSpec short_groups = m.client;
  short_groups.dequantizer.element_group.pop_back();
  expect_one_line_error([&] { deserialize_client_spec(serialize_client_spec(short_groups), "client.bin", true); },
                        "element_group");
  ClientSpec wider = m.client;
  wider.dequantizer.shape = Shape{20};
  wider.dequantizer.element_group.assign(20, 0);
  expect_one_line_error([&] { deserialize_client_spec(serialize_client_spec(wider), "client.bin", true); },
                        "dequantizer shape");
}

TEST(Artifacts, DirectoryRoundTripAndMissingOrWrongFiles) {
  const testing::SmallModel m = compile_digits(2);
  const std::string dir = temp_dir("art");
  save_artifacts(dir, m.circuit, m.client, "{}", "{}");
  uint64_t fingerprint = 0;
  const compiler::FheCircuit c = load_server_artifact(dir, true, &fingerprint);
  EXPECT_EQ(fingerprint, m.fingerprint);
  EXPECT_EQ(load_client_artifact(dir, true).circuit_fingerprint, m.fingerprint);
  expect_one_line_error([&] { load_server_artifact(dir + "/nowhere", true); }, "missing");
  // The client file where the circuit should be: the kind check names the file.
  fs::copy_file(dir + "/client/client.bin", dir + "/server/circuit.bin", fs::copy_options::overwrite_existing);
  expect_one_line_error([&] { load_server_artifact(dir, true); }, "circuit.bin");
}

TEST(Keys, FilesRoundTripAndServerRefusesSecretKey) {
  const Fixture f = make_fixture("Keys.FilesRoundTripAndServerRefusesSecretKey");
  const std::string dir = temp_dir("keys");
  const std::string secret_path = dir + "/secret.key", eval_path = dir + "/eval.keys";
  save_secret_keys(secret_path, f.secret);
  save_evaluation_keys(eval_path, f.eval);
  const tfhe::TfheParams& p = f.model.circuit.params;
  const SecretKeySet secret = load_secret_keys(secret_path, p, f.model.fingerprint);
  EXPECT_EQ(secret.keys.small_key.data, f.secret.keys.small_key.data);
  EXPECT_EQ(secret.keys.glwe_key.data, f.secret.keys.glwe_key.data);
  const SeededEvaluationKeys eval = load_evaluation_keys(eval_path, p, f.model.fingerprint);
  EXPECT_EQ(eval.bootstrap_key.bodies, f.eval.bootstrap_key.bodies);
  EXPECT_EQ(eval.keyswitch_key.bodies, f.eval.keyswitch_key.bodies);
  // The server path refuses a secret key, and the client refuses evaluation keys as a secret key.
  expect_one_line_error([&] { load_evaluation_keys(secret_path, p, f.model.fingerprint); }, "SECRET");
  expect_one_line_error([&] { load_secret_keys(eval_path, p, f.model.fingerprint); }, "evaluation-key");
  // Keys of another circuit.
  expect_one_line_error([&] { load_evaluation_keys(eval_path, p, f.model.fingerprint ^ 1); }, "circuit");
  // Another parameter set.
  expect_one_line_error([&] { load_secret_keys(secret_path, tfhe::params_toy(8), f.model.fingerprint); }, "parameter set");
}

TEST(Keys, CorruptAndTruncatedFilesGiveOneLine) {
  const Fixture f = make_fixture("Keys.CorruptAndTruncatedFilesGiveOneLine");
  const std::string dir = temp_dir("corrupt");
  const std::string path = dir + "/eval.keys";
  save_evaluation_keys(path, f.eval);
  const std::string good = core::read_file(path);
  std::mt19937_64 rng(f.seed);
  for (int trial = 0; trial < 8; ++trial) {
    std::string bad = good;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    write_bytes(path, bad);
    expect_one_line_error([&] { load_evaluation_keys(path, f.model.circuit.params, f.model.fingerprint); }, path);
    write_bytes(path, good.substr(0, rng() % good.size()));
    expect_one_line_error([&] { load_evaluation_keys(path, f.model.circuit.params, f.model.fingerprint); }, path);
  }
}

TEST(Ciphertexts, RoundTripMismatchAndCorruption) {
  const Fixture f = make_fixture("Ciphertexts.RoundTripMismatchAndCorruption");
  const std::string dir = temp_dir("ct");
  const IntTensor codes = f.model.quantized->quantize_input(slice_batch(f.model.test.x, 0, 3));
  tfhe::Csprng seeds(make_seed(f.seed, 2));
  const EncryptedInput enc = encrypt_input(f.model.client, f.secret, codes, seeds, make_seed(f.seed, 3));
  const tfhe::TfheParams& p = f.model.circuit.params;
  const std::string path = dir + "/in.ct";
  save_encrypted_input(path, enc, p);
  const EncryptedInput back = load_encrypted_input(path, p, f.model.fingerprint);
  ASSERT_EQ(back.ciphertexts.size(), enc.ciphertexts.size());
  EXPECT_EQ(back.batch, 3);
  EXPECT_EQ(back.sample_shape, enc.sample_shape);
  // Decrypting the round-tripped seeded ciphertexts gives the codes back (fresh noise ≪ Δ/2).
  const std::vector<tfhe::LweCiphertext> full = decompress_input(back);
  const std::vector<tfhe::Torus> phases = decrypt_phases(f.secret, full);
  const uint32_t shift = f.model.client.input.log2_delta;
  for (size_t i = 0; i < phases.size(); ++i) {
    const int64_t decoded = static_cast<int64_t>(phases[i] + (tfhe::Torus{1} << (shift - 1))) >> shift;
    ASSERT_EQ(decoded, codes.data[i]) << "element " << i;
  }
  // Wrong circuit, wrong kind, wrong file type, corruption.
  expect_one_line_error([&] { load_encrypted_input(path, p, f.model.fingerprint + 1); }, "circuit");
  expect_one_line_error([&] { load_encrypted_output(path, p, f.model.fingerprint); }, "input-ciphertexts");
  save_secret_keys(dir + "/secret.key", f.secret);
  expect_one_line_error([&] { load_encrypted_input(dir + "/secret.key", p, f.model.fingerprint); }, "secret key");
  std::string bad = core::read_file(path);
  bad[bad.size() / 2] ^= 0x10;
  write_bytes(path, bad);
  expect_one_line_error([&] { load_encrypted_input(path, p, f.model.fingerprint); }, path);
  // Codes outside the circuit's input range are refused before encryption.
  IntTensor wrong = codes;
  wrong.data[0] = f.model.client.input.code_range.max + 1;
  expect_one_line_error([&] { encrypt_input(f.model.client, f.secret, wrong, seeds, make_seed(f.seed, 4)); },
                        "code range");
}

}  // namespace
}  // namespace fheq::runtime
