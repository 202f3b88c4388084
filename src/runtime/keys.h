// Keys of one compiled circuit: the client's secret keys, the seeded (compressed) evaluation keys that
// travel to the server, and the expanded evaluation keys the server computes with (docs/RUNTIME.md).
//
// Files (core::binary_io containers; payload = circuit fingerprint u64, then tfhe_serialization payloads,
// each of which starts with the parameter fingerprint):
//   secret key        magic "FHEQSKEY", kind "secret-key":  key-pair id u64, small LWE key (n) + GLWE key (k, N)
//   evaluation keys   magic "FHEQEVAL", kind "eval-keys":   key-pair id u64, seeded keyswitch + bootstrap key
// The key-pair id (random, drawn at keygen) travels into every ciphertext file: the server refuses inputs
// encrypted under another secret key than its evaluation keys', the client outputs computed with another
// key pair's evaluation keys — a clear error instead of silently wrong results.
// The server path only ever opens "FHEQEVAL" files: handed a secret key it refuses with one line and never
// parses it (load_evaluation_keys).
#pragma once

#include <cstdint>
#include <string>

#include "core/thread_pool.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/commons/csprng.h"
#include "tfhe/commons/params.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::runtime {

inline constexpr char kSecretKeyMagic[] = "FHEQSKEY";
inline constexpr char kEvalKeysMagic[] = "FHEQEVAL";
inline constexpr uint32_t kKeyFileVersion = 2;  // 2: key-pair id

// The client's secret: never leaves the client.
struct SecretKeySet {
  tfhe::TfheParams params;
  uint64_t circuit_fingerprint = 0;  // the circuit the keys were generated for
  uint64_t key_pair_id = 0;          // shared with the evaluation keys generated from these
  tfhe::ClientKeys keys;
};

// What the client sends the server: keyswitch key (big → small) and bootstrap key (small → big), seeded.
struct SeededEvaluationKeys {
  tfhe::TfheParams params;
  uint64_t circuit_fingerprint = 0;
  uint64_t key_pair_id = 0;
  tfhe::SeededLweKeyswitchKey keyswitch_key;
  tfhe::SeededLweBootstrapKey bootstrap_key;
};

// What the server computes with: decompressed keyswitch keys and the Fourier bootstrap key.
struct EvaluationKeys {
  tfhe::TfheParams params;
  uint64_t circuit_fingerprint = 0;
  uint64_t key_pair_id = 0;
  tfhe::ServerKeys keys;
};

// Secret keys from `generator` (use a Csprng seeded from the OS outside tests).
SecretKeySet generate_secret_keys(const tfhe::TfheParams& params, uint64_t circuit_fingerprint,
                                  tfhe::Csprng& generator);
// Seeded keyswitch and bootstrap keys; masks and noise seeds are drawn from `generator`.
SeededEvaluationKeys generate_evaluation_keys(const SecretKeySet& secret, tfhe::Csprng& generator,
                                              core::ThreadPool& pool = core::default_thread_pool());
// Server side: regenerate the masks, round the keyswitch key to its compact form, FFT the bootstrap key.
EvaluationKeys expand_evaluation_keys(const SeededEvaluationKeys& seeded,
                                      core::ThreadPool& pool = core::default_thread_pool());

// Sizes in bytes of the key material (torus elements × 8; seeds not counted).
struct KeySizes {
  double bootstrap_key = 0, seeded_bootstrap_key = 0;
  double keyswitch_key = 0, seeded_keyswitch_key = 0;
};
KeySizes key_sizes(const tfhe::TfheParams& params);

// Files: atomic writes. Loading checks magic, kind, checksum, parameter fingerprint and circuit fingerprint
// against the caller's; each mismatch throws fheq::Error with one line naming the file and the field.
void save_secret_keys(const std::string& path, const SecretKeySet& keys);
SecretKeySet load_secret_keys(const std::string& path, const tfhe::TfheParams& params, uint64_t circuit_fingerprint);
void save_evaluation_keys(const std::string& path, const SeededEvaluationKeys& keys);
// Both files or neither (core::write_files_atomic): a failed keygen never leaves a new secret key beside old
// evaluation keys.
void save_key_pair(const std::string& secret_path, const SecretKeySet& secret, const std::string& eval_path,
                   const SeededEvaluationKeys& eval);
// Throws naming `source` when a ciphertext file's key-pair id is not `expected` (`what`: whose keys those are).
void check_key_pair(const std::string& source, uint64_t found, uint64_t expected, const char* what);
// Server path: refuses anything that is not an evaluation-key file, in particular a secret key.
SeededEvaluationKeys load_evaluation_keys(const std::string& path, const tfhe::TfheParams& params,
                                          uint64_t circuit_fingerprint);
// The evaluation-key file's bytes, and the same checks on bytes held in memory (errors name `source`).
std::string evaluation_keys_bytes(const SeededEvaluationKeys& keys);
SeededEvaluationKeys parse_evaluation_keys(const std::string& bytes, const tfhe::TfheParams& params,
                                           uint64_t circuit_fingerprint, const std::string& source);

// The 8-byte magic of a file ("" if shorter), to name what a wrong file is in error messages.
std::string file_magic(const std::string& path);

}  // namespace fheq::runtime
