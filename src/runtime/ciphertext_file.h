// Encrypted batches on disk: the client's encrypted inputs (IN.ct, seeded: 24 bytes per ciphertext) and the
// server's encrypted outputs (OUT.ct, LWE ciphertexts under the big key: 64-bit words, or their top 32 bits
// when the circuit's output transport is 32).
//
// File: core::binary_io container, magic "FHEQCTXT", kind "input-ciphertexts" or "output-ciphertexts";
// payload = circuit fingerprint u64 | batch size i64 | per-sample shape (rank u64, dims i64…) |
// tfhe_serialization payload of the ciphertext list (which starts with the parameter fingerprint); output
// files put their transport bits u64 before it, and with 32 bits store dimension u64 | u32 words instead.
// Ciphertexts are stored sample-major: ciphertext of element e of sample s at s·elements + e.
#pragma once

#include <cstdint>
#include <string>

#include "fheq/tensor.h"
#include "tfhe/commons/params.h"
#include "tfhe/serialization/tfhe_serialization.h"

namespace fheq::runtime {

inline constexpr char kCiphertextMagic[] = "FHEQCTXT";
// 2: output files carry their transport bits; 3: the key-pair id (runtime/keys.h) after the circuit fingerprint
inline constexpr uint32_t kCiphertextFileVersion = 3;

struct EncryptedInput {
  uint64_t circuit_fingerprint = 0;
  uint64_t key_pair_id = 0;  // of the secret key that encrypted it
  int64_t batch = 0;
  Shape sample_shape;
  tfhe::SeededLweCiphertextList ciphertexts;  // batch × shape_size(sample_shape)
};

struct EncryptedOutput {
  uint64_t circuit_fingerprint = 0;
  uint64_t key_pair_id = 0;  // of the evaluation keys that computed it
  int64_t batch = 0;
  Shape sample_shape;
  tfhe::LweCiphertextList ciphertexts;  // batch × shape_size(sample_shape), under the big key
  // 32: every word is a multiple of 2^32 (runtime/output_transport.h) and the file stores its top 32 bits
  // (an empty list is written with dimension k·N).
  uint32_t transport_bits = 64;
};

// In-memory payloads (the file's content without the container), and files (atomic writes).
std::string serialize_encrypted_input(const EncryptedInput& input, const tfhe::TfheParams& params);
EncryptedInput deserialize_encrypted_input(const std::string& payload, const tfhe::TfheParams& params,
                                           uint64_t circuit_fingerprint, const std::string& source);
void save_encrypted_input(const std::string& path, const EncryptedInput& input, const tfhe::TfheParams& params);
EncryptedInput load_encrypted_input(const std::string& path, const tfhe::TfheParams& params,
                                    uint64_t circuit_fingerprint);

std::string serialize_encrypted_output(const EncryptedOutput& output, const tfhe::TfheParams& params);
EncryptedOutput deserialize_encrypted_output(const std::string& payload, const tfhe::TfheParams& params,
                                             uint64_t circuit_fingerprint, const std::string& source);
void save_encrypted_output(const std::string& path, const EncryptedOutput& output, const tfhe::TfheParams& params);
EncryptedOutput load_encrypted_output(const std::string& path, const tfhe::TfheParams& params,
                                      uint64_t circuit_fingerprint);

// Whole files held in memory (a request body, a Python bytes object): the same bytes as the files above, the
// same checks, errors naming `source`.
std::string encrypted_input_bytes(const EncryptedInput& input, const tfhe::TfheParams& params);
EncryptedInput parse_encrypted_input(const std::string& bytes, const tfhe::TfheParams& params,
                                     uint64_t circuit_fingerprint, const std::string& source);
std::string encrypted_output_bytes(const EncryptedOutput& output, const tfhe::TfheParams& params);
EncryptedOutput parse_encrypted_output(const std::string& bytes, const tfhe::TfheParams& params,
                                       uint64_t circuit_fingerprint, const std::string& source);

}  // namespace fheq::runtime
