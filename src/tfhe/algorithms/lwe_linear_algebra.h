// Linear combinations of LWE ciphertexts with clear integer weights: the homomorphic part of a
// quantized linear layer. Σ w_i·(a_i, b_i) + (0, c) decrypts to Σ w_i·μ_i + c with noise variance
// Σ w_i²·σ_i² (TFHE JoC 2020 §3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tfhe/entities/lwe_ciphertext.h"

namespace fheq::tfhe {

// out = Σ_i weights[i]·inputs[i] + (0, …, 0, constant). Every input must have out's dimension
// (out is resized to inputs[0]'s dimension if empty). Throws fheq::Error on mismatched dimensions.
void linear_combination_lwe(const LweCiphertext* const* inputs, const int64_t* weights, size_t count,
                            Torus constant, LweCiphertext& out);
LweCiphertext linear_combination_lwe(const std::vector<const LweCiphertext*>& inputs,
                                     const std::vector<int64_t>& weights, Torus constant);

// Elementwise helpers (wrapping arithmetic mod 2^64).
void add_lwe_assign(LweCiphertext& lhs, const LweCiphertext& rhs);
void sub_lwe_assign(LweCiphertext& lhs, const LweCiphertext& rhs);
void scale_lwe_assign(LweCiphertext& ciphertext, int64_t weight);
void add_plaintext_lwe_assign(LweCiphertext& ciphertext, Torus plaintext);

}  // namespace fheq::tfhe
