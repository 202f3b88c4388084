// External product GGSW ⊡ GLWE and CMUX (TFHE JoC 2020 Thm 3.13 / Def. 3.12):
// ExtProd(C, d) = Σ_{i,j} Dec(d_i)_j · C_{i,j}, computed with the FFT: each digit polynomial is
// transformed once, multiplied-and-accumulated with the Fourier GGSW rows, and the k+1 accumulators
// transformed back. The `_ref` twin uses standard GGSWs and exact negacyclic products (fft_ref.h);
// they differ only by the FFT rounding error, which tests bound.
#pragma once

#include <vector>

#include "tfhe/entities/ggsw_ciphertext.h"
#include "tfhe/entities/glwe_ciphertext.h"
#include "tfhe/fft/fft.h"

namespace fheq::tfhe {

// The multiply-accumulate with the GGSW rows is fused into the first pass of the k+1 inverse
// transforms (NegacyclicFft::backward_add_torus_of_products): all (k+1)·l digit polynomials are
// transformed first, then each output column c is IFFT(Σ_r digit_r ⊙ GGSW(r, c)).
// Buffers for one thread's external products (and blind rotations) at one (k, N, l).
class ExternalProductScratch {
 public:
  ExternalProductScratch(GlweDimension glwe_dimension, PolynomialSize polynomial_size, DecompositionLevelCount level);
  bool fits(GlweDimension glwe_dimension, PolynomialSize polynomial_size, DecompositionLevelCount level) const;

  AlignedVector<int64_t> digits;                 // l·N
  FourierPolynomial digit_fourier;               // one transformed digit polynomial (kept for callers)
  std::vector<FourierPolynomial> accumulators;   // k+1 (kept for callers; the fast path needs none)
  AlignedVector<Torus> rotated;                  // (k+1)·N (kept for callers; cmux_rotate_add needs none)
  std::vector<FourierPolynomial> digit_fouriers; // (k+1)·l: every transformed digit polynomial
  const NegacyclicFft* fft;
};

// out += ggsw ⊡ in, where `ggsw` is given by its Fourier polynomials polynomial(row, column)
// (a FourierGgswCiphertext, or one GGSW of a FourierBootstrapKey). `in` holds (k+1)·N coefficients.
void external_product_add(const FourierPolynomial* ggsw_polynomials, GlweDimension glwe_dimension,
                          PolynomialSize polynomial_size, DecompositionBaseLog base_log,
                          DecompositionLevelCount level, const Torus* in, Torus* out,
                          ExternalProductScratch& scratch);
void external_product_add(const FourierGgswCiphertext& ggsw, const GlweCiphertext& in, GlweCiphertext& out,
                          ExternalProductScratch& scratch);
// One CMUX of the blind rotation: acc += ggsw ⊡ (X^power·acc − acc), power ∈ [0, 2N), `acc` holding
// (k+1)·N coefficients. The rotation and the gadget decomposition are computed inside the forward
// transforms (NegacyclicFft::forward_rotated_digit, or forward_rotated_digits for all levels of a
// column at once when l > 1), so no rotated or digit polynomial is written.
// Bit-identical to rotate_negacyclic_minus_one on each column followed by external_product_add.
void cmux_rotate_add(const FourierPolynomial* ggsw_polynomials, GlweDimension glwe_dimension,
                     PolynomialSize polynomial_size, DecompositionBaseLog base_log, DecompositionLevelCount level,
                     size_t power, Torus* acc, ExternalProductScratch& scratch);
GlweCiphertext external_product(const FourierGgswCiphertext& ggsw, const GlweCiphertext& in);
// Exact reference (Karatsuba negacyclic products mod 2^64).
GlweCiphertext external_product_ref(const GgswCiphertext& ggsw, const GlweCiphertext& in);

// CMUX(C, d0, d1) = d0 + C ⊡ (d1 − d0): d1 if C encrypts 1, d0 if it encrypts 0.
GlweCiphertext cmux(const FourierGgswCiphertext& selector, const GlweCiphertext& if_zero, const GlweCiphertext& if_one);
GlweCiphertext cmux_ref(const GgswCiphertext& selector, const GlweCiphertext& if_zero, const GlweCiphertext& if_one);

}  // namespace fheq::tfhe
