// Blind rotation (TFHE JoC 2020 Alg. 3 "BlindRotate"): from a modulus-switched LWE ciphertext
// (ã_0..ã_{n−1}, b̃) ∈ Z_{2N}^{n+1} and an accumulator ACC, compute X^{−b̃ + Σ ã_i·s_i}·ACC with
// n CMUXes written as ACC ← ACC + BSK_i ⊡ (X^{ã_i}·ACC − ACC).
#pragma once

#include <cstdint>

#include "tfhe/algorithms/external_product.h"
#include "tfhe/entities/glwe_ciphertext.h"
#include "tfhe/entities/lwe_bootstrap_key.h"

namespace fheq::tfhe {

// `switched_mask` holds the n values ã_i ∈ [0, 2N); `accumulator` holds the initial ACC (the caller
// applies X^{−b̃}) and receives the result. Allocation-free.
void blind_rotate_assign(const FourierBootstrapKey& key, const uint64_t* switched_mask, GlweCiphertext& accumulator,
                         ExternalProductScratch& scratch);
// Reference: exact external products with the standard key.
void blind_rotate_assign_ref(const LweBootstrapKey& key, const uint64_t* switched_mask, GlweCiphertext& accumulator);

}  // namespace fheq::tfhe
