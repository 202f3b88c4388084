// GLWE ciphertexts (data only).
//
// A GLWE ciphertext over R_q = Z_{2^64}[X]/(X^N + 1) with dimension k under key S = (S_0..S_{k−1})
// is (A_0, …, A_{k−1}, B) with B = Σ A_i·S_i + M + E; its phase is B − Σ A_i·S_i = M + E.
// Stored as (k+1) polynomials of N coefficients one after another (A_0 first, the body B last).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct GlweCiphertext {
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  std::vector<Torus> data;  // (k+1)·N

  GlweCiphertext() = default;
  GlweCiphertext(GlweDimension k, PolynomialSize n) : glwe_dimension(k), polynomial_size(n), data((k.value + 1) * n.value, 0) {}

  size_t polynomial_count() const { return glwe_dimension.value + 1; }
  Torus* polynomial(size_t i) { return data.data() + i * polynomial_size.value; }
  const Torus* polynomial(size_t i) const { return data.data() + i * polynomial_size.value; }
  Torus* body() { return polynomial(glwe_dimension.value); }
  const Torus* body() const { return polynomial(glwe_dimension.value); }
};

}  // namespace fheq::tfhe
