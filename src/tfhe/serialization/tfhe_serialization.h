// Versioned binary files for TFHE keys and ciphertexts (docs/TFHE.md "File formats").
//
// Every file is a core::binary_io container (magic "FHEQTFHE", format version, kind string,
// payload size, FNV-1a checksum) whose payload starts with the fingerprint and the name of the
// parameter set the object belongs to, followed by the object's dimensions and data, little-endian.
// Loading checks the container, the fingerprint against the caller's parameter set, every dimension
// against that set, the data sizes and (for secret keys) that coefficients are bits; any mismatch
// throws fheq::Error naming the file (or `source`) and the field at fault.
//
// Seeded keys and ciphertexts store only their seed and bodies: a seeded bootstrap key is (k+1)×
// smaller than the standard one, a seeded keyswitch key (n+1)×, a seeded LWE ciphertext 24 bytes
// instead of 8·(n+1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tfhe/commons/params.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"
#include "tfhe/entities/secret_keys.h"

namespace fheq::tfhe {

inline constexpr char kTfheFileMagic[] = "FHEQTFHE";
inline constexpr uint32_t kTfheFileVersion = 1;

using LweCiphertextList = std::vector<LweCiphertext>;
using SeededLweCiphertextList = std::vector<SeededLweCiphertext>;

// The container "kind" written for each object type ("lwe-secret-key", "bootstrap-key", ...).
template <typename T>
std::string_view tfhe_file_kind();

// In-memory payloads (what the container wraps), for embedding in other artifacts. `source` names
// the data in error messages (a file name, or e.g. "eval-keys.bin: keyswitch key").
template <typename T>
std::string serialize_tfhe_object(const T& object, const TfheParams& params);
template <typename T>
T deserialize_tfhe_object(std::string_view payload, const TfheParams& params, const std::string& source);

// Files: written atomically (temp file + rename).
template <typename T>
void save_tfhe_object(const std::string& path, const T& object, const TfheParams& params);
template <typename T>
T load_tfhe_object(const std::string& path, const TfheParams& params);

// Supported T (explicitly instantiated in tfhe_serialization.cc):
//   LweSecretKey (small key n or big key k·N), GlweSecretKey, LweKeyswitchKey, SeededLweKeyswitchKey,
//   LweBootstrapKey, SeededLweBootstrapKey, LweCiphertextList (dimension n or k·N), SeededLweCiphertextList.

}  // namespace fheq::tfhe
