// Sample extraction (TFHE JoC 2020 Def. 3.7 / Alg. 3 last step): coefficient `index` of the phase of
// a GLWE ciphertext as an LWE ciphertext of dimension k·N under the big key GlweSecretKey::as_lwe_key().
#pragma once

#include <cstddef>

#include "tfhe/entities/glwe_ciphertext.h"
#include "tfhe/entities/lwe_ciphertext.h"

namespace fheq::tfhe {

// out (resized to k·N if needed) encrypts coefficient `index` ∈ [0, N) of the phase of `in`.
void extract_lwe_sample(const GlweCiphertext& in, size_t index, LweCiphertext& out);

}  // namespace fheq::tfhe
