// GGSW ciphertexts (data only), standard and Fourier-domain.
//
// A GGSW encryption of a small integer m (a key bit in a bootstrap key) under GLWE key S, with
// gadget base B = 2^base_log and l levels, is a matrix of (k+1)·l GLWE ciphertexts ("rows").
// Row (i, j) — GLWE component i ∈ [0, k] (k = the body), level j ∈ [0, l) — is a GLWE encryption
// of the plaintext −g_j·S_i for i < k and g_j for i = k, with g_j = m·2^(64 − (j+1)·base_log)
// (Chillotti et al., "TFHE: Fast Fully Homomorphic Encryption over the Torus", JoC 2020, Def. 3.6;
// tfhe-rs GgswCiphertext layout). Masks are untouched CSPRNG output (so seeded keys work).
// Rows are stored in order i·l + j: all levels of component 0, then component 1, … This is the
// order in which the external product decomposes its input (component by component, most
// significant digit first, see tfhe/commons/decomposition.h).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/types.h"
#include "tfhe/fft/fft.h"

namespace fheq::tfhe {

struct GgswCiphertext {
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<Torus> data;  // (k+1)·l rows × (k+1)·N

  size_t row_count() const { return (glwe_dimension.value + 1) * level.value; }
  size_t row_size() const { return (glwe_dimension.value + 1) * polynomial_size.value; }
  Torus* row(size_t r) { return data.data() + r * row_size(); }
  const Torus* row(size_t r) const { return data.data() + r * row_size(); }
};

// The same matrix with every polynomial in the Fourier domain (fft.h), as the external product uses
// it: polynomials[r·(k+1) + c] is polynomial c of row r.
struct FourierGgswCiphertext {
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<FourierPolynomial> polynomials;  // (k+1)·l·(k+1)

  size_t row_count() const { return (glwe_dimension.value + 1) * level.value; }
  const FourierPolynomial& polynomial(size_t row, size_t column) const {
    return polynomials[row * (glwe_dimension.value + 1) + column];
  }
};

}  // namespace fheq::tfhe
