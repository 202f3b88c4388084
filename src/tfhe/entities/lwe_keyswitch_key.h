// LWE keyswitching keys (data only), standard and seeded.
//
// A keyswitch key from input key s_in (dimension n_in, here the big key k·N) to output key s_out
// (dimension n_out = n) with base B = 2^base_log and l levels holds, for every input coefficient i
// and level j ∈ [0, l), an LWE encryption under s_out of s_in[i]·2^(64 − (j+1)·base_log).
// Ciphertext (i, j) is stored at index i·l + j (input-major, so keyswitching streams the key once).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct LweKeyswitchKey {
  LweDimension input_dimension;   // n_in (k·N)
  LweDimension output_dimension;  // n_out (n)
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<Torus> data;        // n_in · l ciphertexts of n_out + 1 elements

  size_t ciphertext_size() const { return output_dimension.value + 1; }
  size_t ciphertext_count() const { return input_dimension.value * level.value; }
  const Torus* ciphertext(size_t input_index, size_t level_index) const {
    return data.data() + (input_index * level.value + level_index) * ciphertext_size();
  }
};

// Seeded keyswitch key: the masks of all n_in·l ciphertexts are the consecutive outputs of
// Csprng(mask_seed).fill_u64 (n_out values per ciphertext, in storage order); only bodies travel.
struct SeededLweKeyswitchKey {
  LweDimension input_dimension;
  LweDimension output_dimension;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  Seed mask_seed{};
  std::vector<Torus> bodies;  // n_in · l
};

}  // namespace fheq::tfhe

namespace fheq::tfhe {

// A keyswitch key with every element rounded to its top 32 bits (round(x / 2^32) mod 2^32), so
// keyswitching streams half the memory and runs in 32-bit lanes. Derived from an LweKeyswitchKey
// (compact_lwe_keyswitch_key, keyswitch.h), not serialized. Rounding public key material is public
// post-processing, so security is unchanged; the output of a compact keyswitch is a ciphertext
// mod 2^64 whose low 32 bits are zero, with an extra phase error of ≈ 2^31·sqrt((n_out/2 + 1)/3)·‖digits‖₂
// (≈ 2^42 for n = 918, k·N = 2048, 4×4: negligible next to the key noise and the 2N modulus switch
// that follows). Same layout as LweKeyswitchKey.
struct CompactLweKeyswitchKey {
  LweDimension input_dimension;
  LweDimension output_dimension;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<uint32_t> data;  // n_in · l ciphertexts of n_out + 1 elements

  size_t ciphertext_size() const { return output_dimension.value + 1; }
  const uint32_t* ciphertext(size_t input_index, size_t level_index) const {
    return data.data() + (input_index * level.value + level_index) * ciphertext_size();
  }
};

}  // namespace fheq::tfhe
