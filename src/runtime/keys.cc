#include "runtime/keys.h"

#include <fstream>

#include "core/binary_io.h"
#include "core/check.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/serialization/tfhe_serialization.h"

namespace fheq::runtime {
namespace {

using core::BinaryReader;
using core::BinaryWriter;

tfhe::Seed draw_seed(tfhe::Csprng& generator) {
  tfhe::Seed seed{};
  generator.fill_bytes(seed.data(), seed.size());
  return seed;
}

void check_circuit(const std::string& path, uint64_t found, uint64_t expected) {
  if (found != expected)
    FHEQ_THROW(path, ": keys were generated for circuit ", std::hex, found, " but the artifact's circuit is ", expected,
               std::dec, " (run `fheq keygen` for this artifact)");
}

// A clear "what is this file" for wrong-file errors.
std::string describe_magic(const std::string& magic) {
  if (magic == kSecretKeyMagic) return "a secret key";
  if (magic == kEvalKeysMagic) return "an evaluation-key file";
  if (magic == "FHEQCTXT") return "a ciphertext file";
  if (magic == "FHEQCIRC") return "a compiled-circuit file";
  if (magic == "FHEQCLNT") return "a client-artifact file";
  return "not an fheq key file";
}

// The server's first check on key material: a secret key is refused by its magic, before anything is parsed.
void refuse_unless_evaluation_keys(const std::string& magic, const std::string& source) {
  if (magic == kSecretKeyMagic)
    FHEQ_THROW(source, ": this is a SECRET key; the server only accepts evaluation keys (KEYS/eval.keys)");
  if (!magic.empty() && magic != kEvalKeysMagic)
    FHEQ_THROW(source, ": expected evaluation keys, found ", describe_magic(magic));
}

}  // namespace

SecretKeySet generate_secret_keys(const tfhe::TfheParams& params, uint64_t circuit_fingerprint,
                                  tfhe::Csprng& generator) {
  uint64_t id = 0;
  while (id == 0) generator.fill_bytes(reinterpret_cast<uint8_t*>(&id), sizeof(id));  // 0 means "none"
  return SecretKeySet{params, circuit_fingerprint, id, tfhe::generate_client_keys(params, generator)};
}

SeededEvaluationKeys generate_evaluation_keys(const SecretKeySet& secret, tfhe::Csprng& generator,
                                              core::ThreadPool& pool) {
  const tfhe::TfheParams& p = secret.params;
  SeededEvaluationKeys out;
  out.params = p;
  out.circuit_fingerprint = secret.circuit_fingerprint;
  out.key_pair_id = secret.key_pair_id;
  const tfhe::Seed ksk_mask_seed = draw_seed(generator);
  const tfhe::Seed ksk_noise_seed = draw_seed(generator);
  const tfhe::Seed bsk_mask_seed = draw_seed(generator);
  const tfhe::Seed bsk_noise_seed = draw_seed(generator);
  tfhe::NoiseSampler ksk_noise(ksk_noise_seed);
  // Keyswitch key: from the big key (the GLWE key read as an LWE key, which PBS outputs are under) to the
  // small key n (PBS inputs).
  out.keyswitch_key = tfhe::generate_seeded_lwe_keyswitch_key(secret.keys.glwe_key.as_lwe_key(), secret.keys.small_key,
                                                              p.ks_base_log, p.ks_level, p.lwe_noise, ksk_mask_seed,
                                                              ksk_noise);
  out.bootstrap_key = tfhe::generate_seeded_lwe_bootstrap_key(secret.keys.small_key, secret.keys.glwe_key,
                                                              p.pbs_base_log, p.pbs_level, p.glwe_noise, bsk_mask_seed,
                                                              bsk_noise_seed, pool);
  return out;
}

EvaluationKeys expand_evaluation_keys(const SeededEvaluationKeys& seeded, core::ThreadPool& pool) {
  EvaluationKeys out;
  out.params = seeded.params;
  out.circuit_fingerprint = seeded.circuit_fingerprint;
  out.key_pair_id = seeded.key_pair_id;
  out.keys.keyswitch_key = tfhe::decompress_lwe_keyswitch_key(seeded.keyswitch_key);
  out.keys.compact_keyswitch_key = tfhe::compact_lwe_keyswitch_key(out.keys.keyswitch_key);
  const tfhe::LweBootstrapKey standard = tfhe::decompress_lwe_bootstrap_key(seeded.bootstrap_key, pool);
  out.keys.bootstrap_key = tfhe::convert_to_fourier_bootstrap_key(standard, pool);
  return out;
}

KeySizes key_sizes(const tfhe::TfheParams& p) {
  const double n = static_cast<double>(p.lwe_dimension.value);
  const double k = static_cast<double>(p.glwe_dimension.value);
  const double N = static_cast<double>(p.polynomial_size.value);
  const double l = static_cast<double>(p.pbs_level.value);
  const double lks = static_cast<double>(p.ks_level.value);
  KeySizes s;
  s.bootstrap_key = 8.0 * n * (k + 1) * (k + 1) * l * N;
  s.seeded_bootstrap_key = 8.0 * n * (k + 1) * l * N;
  s.keyswitch_key = 8.0 * k * N * lks * (n + 1);
  s.seeded_keyswitch_key = 8.0 * k * N * lks;
  return s;
}

std::string file_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  if (!in.read(magic, 8)) return "";
  return std::string(magic, 8);
}

namespace {

const core::ContainerHeader kSecretKeyHeader{kSecretKeyMagic, kKeyFileVersion, "secret-key"};
const core::ContainerHeader kEvalKeysHeader{kEvalKeysMagic, kKeyFileVersion, "eval-keys"};

// The secret-key file's bytes; the caller wipes them after writing.
std::string secret_key_file(const SecretKeySet& keys) {
  BinaryWriter w;
  const core::WipeOnExit wipe_payload(w.mutable_buffer());
  w.u64(keys.circuit_fingerprint);
  w.u64(keys.key_pair_id);
  std::string small = tfhe::serialize_tfhe_object(keys.keys.small_key, keys.params);
  const core::WipeOnExit wipe_small(small);
  std::string glwe = tfhe::serialize_tfhe_object(keys.keys.glwe_key, keys.params);
  const core::WipeOnExit wipe_glwe(glwe);
  w.str(small);
  w.str(glwe);
  return core::container_bytes(kSecretKeyHeader, w.buffer());
}

}  // namespace

std::string evaluation_keys_bytes(const SeededEvaluationKeys& keys) {
  BinaryWriter w;
  w.u64(keys.circuit_fingerprint);
  w.u64(keys.key_pair_id);
  w.str(tfhe::serialize_tfhe_object(keys.keyswitch_key, keys.params));
  w.str(tfhe::serialize_tfhe_object(keys.bootstrap_key, keys.params));
  return core::container_bytes(kEvalKeysHeader, w.buffer());
}

void save_secret_keys(const std::string& path, const SecretKeySet& keys) {
  std::string file = secret_key_file(keys);
  const core::WipeOnExit wipe_file(file);
  core::write_file_atomic(path, file, core::FileAccess::kOwnerOnly);
}

void save_key_pair(const std::string& secret_path, const SecretKeySet& secret, const std::string& eval_path,
                   const SeededEvaluationKeys& eval) {
  FHEQ_CHECK(secret.key_pair_id == eval.key_pair_id, "evaluation keys of another key pair");
  std::string secret_file = secret_key_file(secret);
  const core::WipeOnExit wipe_secret(secret_file);
  const std::string eval_file = evaluation_keys_bytes(eval);
  core::write_files_atomic({{secret_path, secret_file, core::FileAccess::kOwnerOnly},
                            {eval_path, eval_file, core::FileAccess::kShared}});
}

void check_key_pair(const std::string& source, uint64_t found, uint64_t expected, const char* what) {
  if (found != expected)
    FHEQ_THROW(source, ": made with key pair ", std::hex, found, ", the ", what, " belong to key pair ", expected,
               std::dec, " (use the secret.key and eval.keys of one `fheq keygen`)");
}

SecretKeySet load_secret_keys(const std::string& path, const tfhe::TfheParams& params, uint64_t circuit_fingerprint) {
  const std::string magic = file_magic(path);
  if (!magic.empty() && magic != kSecretKeyMagic)
    FHEQ_THROW(path, ": expected a secret key, found ", describe_magic(magic));
  std::string payload = core::read_container_file(path, kSecretKeyHeader);
  const core::WipeOnExit wipe_payload(payload);
  BinaryReader r(payload, path);
  SecretKeySet out;
  out.params = params;
  out.circuit_fingerprint = r.u64("circuit fingerprint");
  check_circuit(path, out.circuit_fingerprint, circuit_fingerprint);
  out.key_pair_id = r.u64("key-pair id");
  out.keys.small_key = tfhe::deserialize_tfhe_object<tfhe::LweSecretKey>(r.str("small key"), params, path + ": small key");
  out.keys.glwe_key = tfhe::deserialize_tfhe_object<tfhe::GlweSecretKey>(r.str("glwe key"), params, path + ": GLWE key");
  if (out.keys.small_key.dimension.value != params.lwe_dimension.value)
    FHEQ_THROW(path, ": small key has dimension ", out.keys.small_key.dimension.value, ", the parameter set has n = ",
               params.lwe_dimension.value);
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
  return out;
}

void save_evaluation_keys(const std::string& path, const SeededEvaluationKeys& keys) {
  core::write_file_atomic(path, evaluation_keys_bytes(keys));
}

SeededEvaluationKeys load_evaluation_keys(const std::string& path, const tfhe::TfheParams& params,
                                          uint64_t circuit_fingerprint) {
  // Checked before reading anything else: the server never reads a secret key into memory.
  refuse_unless_evaluation_keys(file_magic(path), path);
  return parse_evaluation_keys(core::read_file(path), params, circuit_fingerprint, path);
}

SeededEvaluationKeys parse_evaluation_keys(const std::string& bytes, const tfhe::TfheParams& params,
                                           uint64_t circuit_fingerprint, const std::string& source) {
  refuse_unless_evaluation_keys(bytes.size() >= 8 ? bytes.substr(0, 8) : "", source);
  const std::string payload = core::read_container_bytes(bytes, kEvalKeysHeader, source);
  BinaryReader r(payload, source);
  SeededEvaluationKeys out;
  out.params = params;
  out.circuit_fingerprint = r.u64("circuit fingerprint");
  check_circuit(source, out.circuit_fingerprint, circuit_fingerprint);
  out.key_pair_id = r.u64("key-pair id");
  out.keyswitch_key = tfhe::deserialize_tfhe_object<tfhe::SeededLweKeyswitchKey>(r.str("keyswitch key"), params,
                                                                                 source + ": keyswitch key");
  out.bootstrap_key = tfhe::deserialize_tfhe_object<tfhe::SeededLweBootstrapKey>(r.str("bootstrap key"), params,
                                                                                 source + ": bootstrap key");
  if (r.remaining() != 0) r.fail("end of payload", std::to_string(r.remaining()) + " unexpected trailing bytes");
  return out;
}

}  // namespace fheq::runtime
