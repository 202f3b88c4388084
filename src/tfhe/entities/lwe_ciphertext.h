// LWE ciphertexts (data only).
//
// An LWE ciphertext of dimension n under key s is (a_0, …, a_{n−1}, b) ∈ T^(n+1) with
// b = Σ a_i·s_i + μ + e (mod 2^64); its phase is b − <a, s> = μ + e.
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct LweCiphertext {
  LweDimension dimension;     // n (length of the mask)
  std::vector<Torus> data;    // n + 1 elements: mask a[0..n) then body b at data[n]

  LweCiphertext() = default;
  explicit LweCiphertext(LweDimension n) : dimension(n), data(n.value + 1, 0) {}

  Torus* mask() { return data.data(); }
  const Torus* mask() const { return data.data(); }
  Torus& body() { return data[dimension.value]; }
  Torus body() const { return data[dimension.value]; }
};

// Seeded (compressed) LWE ciphertext: the mask is the first n outputs of Csprng(mask_seed)
// (Csprng::fill_u64), so only the seed and the body travel. decompress_lwe (lwe_encryption.h)
// regenerates the full ciphertext.
struct SeededLweCiphertext {
  LweDimension dimension;
  Seed mask_seed{};
  Torus body = 0;
};

}  // namespace fheq::tfhe
