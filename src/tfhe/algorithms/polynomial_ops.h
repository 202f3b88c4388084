// Integer kernels of the bootstrapping: negacyclic monomial rotation, polynomial gadget
// decomposition and modulus switching. Each fast kernel has a `_ref` twin that must agree bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

// out = X^power · in  in Z_{2^64}[X]/(X^N + 1), power ∈ [0, 2N). in and out must not alias.
void rotate_negacyclic(const Torus* in, size_t polynomial_size, size_t power, Torus* out);
// Reference: the exact negacyclic product with the monomial X^power (fft_ref.h).
std::vector<Torus> rotate_negacyclic_ref(const std::vector<Torus>& in, size_t power);

// out = X^power · in − in (the CMUX input of the blind rotation). in and out must not alias.
void rotate_negacyclic_minus_one(const Torus* in, size_t polynomial_size, size_t power, Torus* out);

// Signed gadget decomposition of a whole polynomial (same rounding and digits as Decomposer):
// digits[j·N + c] is digit j (0 = most significant) of coefficient c.
void decompose_polynomial(const Torus* in, size_t polynomial_size, DecompositionBaseLog base_log,
                          DecompositionLevelCount level, int64_t* digits);
// Reference: Decomposer::decompose coefficient by coefficient.
void decompose_polynomial_ref(const Torus* in, size_t polynomial_size, DecompositionBaseLog base_log,
                              DecompositionLevelCount level, int64_t* digits);

// round(x · 2^log_modulus / 2^64) mod 2^log_modulus, for log_modulus ∈ [1, 63].
inline uint64_t modulus_switch(Torus x, unsigned log_modulus) {
  const unsigned shift = 64 - log_modulus;
  return ((x >> shift) + ((x >> (shift - 1)) & 1)) & ((uint64_t{1} << log_modulus) - 1);
}
// Reference with 128-bit arithmetic.
uint64_t modulus_switch_ref(Torus x, unsigned log_modulus);

// Modulus switch of a whole LWE ciphertext (n + 1 elements) to Z_{2N} rounding to multiples of
// `multiple` (1 for a plain PBS; the table count for many-LUT): out[i] = multiple·round(x·(2N/multiple)/2^64).
void modulus_switch_lwe(const Torus* in, size_t size, size_t polynomial_size, size_t multiple, uint64_t* out);
void modulus_switch_lwe_ref(const Torus* in, size_t size, size_t polynomial_size, size_t multiple, uint64_t* out);

// log2 of a power of two (FHEQ_CHECKs that it is one).
unsigned log2_exact(size_t power_of_two);

}  // namespace fheq::tfhe
