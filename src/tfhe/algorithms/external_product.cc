#include "tfhe/algorithms/external_product.h"

#include <algorithm>

#include "core/check.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/fft/fft_ref.h"

namespace fheq::tfhe {
namespace {

// Upper bound on (k+1)·l for the fused inverse (the largest published sets have (k+1)·l ≤ 12).
constexpr size_t kMaxGgswRows = 64;

void require_matching(const FourierGgswCiphertext& ggsw, const GlweCiphertext& in) {
  FHEQ_REQUIRE(ggsw.glwe_dimension == in.glwe_dimension && ggsw.polynomial_size == in.polynomial_size,
               "external_product: GGSW (k=", ggsw.glwe_dimension.value, ", N=", ggsw.polynomial_size.value,
               ") and GLWE (k=", in.glwe_dimension.value, ", N=", in.polynomial_size.value, ") differ");
}

// out += Σ_r digit_r ⊙ GGSW(r, c) per output column c, summed inside the inverse transform; the
// (k+1)·l transformed digits are in scratch.digit_fouriers.
void add_products_of_digits(const FourierPolynomial* ggsw_polynomials, size_t columns, size_t n, size_t rows,
                            Torus* out, ExternalProductScratch& scratch) {
  const FourierPolynomial* digit_terms[kMaxGgswRows];
  const FourierPolynomial* key_terms[kMaxGgswRows];
  for (size_t r = 0; r < rows; ++r) digit_terms[r] = &scratch.digit_fouriers[r];
  for (size_t c = 0; c < columns; ++c) {
    for (size_t r = 0; r < rows; ++r) key_terms[r] = ggsw_polynomials + r * columns + c;
    scratch.fft->backward_add_torus_of_products(digit_terms, key_terms, rows, out + c * n);
  }
}

}  // namespace

ExternalProductScratch::ExternalProductScratch(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                               DecompositionLevelCount level)
    : digits(level.value * polynomial_size.value),
      digit_fourier(polynomial_size.value),
      accumulators(glwe_dimension.value + 1, FourierPolynomial(polynomial_size.value)),
      rotated((glwe_dimension.value + 1) * polynomial_size.value),
      digit_fouriers((glwe_dimension.value + 1) * level.value, FourierPolynomial(polynomial_size.value)),
      fft(&fft_for(polynomial_size.value)) {}

bool ExternalProductScratch::fits(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                  DecompositionLevelCount level) const {
  return digits.size() == level.value * polynomial_size.value && accumulators.size() == glwe_dimension.value + 1 &&
         digit_fourier.polynomial_size() == polynomial_size.value;
}

void external_product_add(const FourierPolynomial* ggsw_polynomials, GlweDimension glwe_dimension,
                          PolynomialSize polynomial_size, DecompositionBaseLog base_log,
                          DecompositionLevelCount level, const Torus* in, Torus* out,
                          ExternalProductScratch& scratch) {
  const size_t n = polynomial_size.value, columns = glwe_dimension.value + 1, l = level.value;
  const size_t rows = columns * l;
  const NegacyclicFft& fft = *scratch.fft;
  FHEQ_CHECK(scratch.digit_fouriers.size() == rows && rows <= kMaxGgswRows, "external product with ", rows, " rows");
  for (size_t i = 0; i < columns; ++i) {
    decompose_polynomial(in + i * n, n, base_log, level, scratch.digits.data());
    for (size_t j = 0; j < l; ++j) fft.forward_i64(scratch.digits.data() + j * n, scratch.digit_fouriers[i * l + j]);
  }
  add_products_of_digits(ggsw_polynomials, columns, n, rows, out, scratch);
}

void cmux_rotate_add(const FourierPolynomial* ggsw_polynomials, GlweDimension glwe_dimension,
                     PolynomialSize polynomial_size, DecompositionBaseLog base_log, DecompositionLevelCount level,
                     size_t power, Torus* acc, ExternalProductScratch& scratch) {
  const size_t n = polynomial_size.value, columns = glwe_dimension.value + 1, l = level.value;
  const size_t rows = columns * l;
  const NegacyclicFft& fft = *scratch.fft;
  FHEQ_CHECK(scratch.digit_fouriers.size() == rows && rows <= kMaxGgswRows && power < 2 * n,
             "CMUX with ", rows, " rows, power ", power);
  const auto bl = static_cast<unsigned>(base_log.value), levels = static_cast<unsigned>(l);
  // Every forward transform reads acc before the inverse transforms below add into it. With several
  // levels, one call per column computes the rotation and decomposition once for all its digits.
  FourierPolynomial* outs[kMaxGgswRows];
  for (size_t r = 0; r < rows; ++r) outs[r] = &scratch.digit_fouriers[r];
  for (size_t i = 0; i < columns; ++i) {
    if (levels == 1)
      fft.forward_rotated_digit(acc + i * n, power, bl, levels, 0, *outs[i]);
    else
      fft.forward_rotated_digits(acc + i * n, power, bl, levels, outs + i * l);
  }
  add_products_of_digits(ggsw_polynomials, columns, n, rows, acc, scratch);
}

void external_product_add(const FourierGgswCiphertext& ggsw, const GlweCiphertext& in, GlweCiphertext& out,
                          ExternalProductScratch& scratch) {
  require_matching(ggsw, in);
  FHEQ_REQUIRE(out.data.size() == in.data.size(), "external_product_add: output GLWE has the wrong size");
  FHEQ_CHECK(scratch.fits(ggsw.glwe_dimension, ggsw.polynomial_size, ggsw.level));
  external_product_add(ggsw.polynomials.data(), ggsw.glwe_dimension, ggsw.polynomial_size, ggsw.base_log,
                       ggsw.level, in.data.data(), out.data.data(), scratch);
}

GlweCiphertext external_product(const FourierGgswCiphertext& ggsw, const GlweCiphertext& in) {
  require_matching(ggsw, in);
  ExternalProductScratch scratch(ggsw.glwe_dimension, ggsw.polynomial_size, ggsw.level);
  GlweCiphertext out(in.glwe_dimension, in.polynomial_size);
  external_product_add(ggsw, in, out, scratch);
  return out;
}

GlweCiphertext external_product_ref(const GgswCiphertext& ggsw, const GlweCiphertext& in) {
  FHEQ_REQUIRE(ggsw.glwe_dimension == in.glwe_dimension && ggsw.polynomial_size == in.polynomial_size,
               "external_product_ref: GGSW and GLWE dimensions differ");
  const size_t n = in.polynomial_size.value, columns = in.polynomial_count(), l = ggsw.level.value;
  GlweCiphertext out(in.glwe_dimension, in.polynomial_size);
  std::vector<int64_t> digits(l * n);
  for (size_t i = 0; i < columns; ++i) {
    decompose_polynomial_ref(in.polynomial(i), n, ggsw.base_log, ggsw.level, digits.data());
    for (size_t j = 0; j < l; ++j) {
      const std::vector<uint64_t> digit_polynomial(digits.begin() + j * n, digits.begin() + (j + 1) * n);
      const Torus* row = ggsw.row(i * l + j);
      for (size_t c = 0; c < columns; ++c) {
        const std::vector<uint64_t> key_polynomial(row + c * n, row + (c + 1) * n);
        const std::vector<uint64_t> product = negacyclic_multiply_karatsuba(digit_polynomial, key_polynomial);
        Torus* target = out.polynomial(c);
        for (size_t q = 0; q < n; ++q) target[q] += product[q];
      }
    }
  }
  return out;
}

GlweCiphertext cmux(const FourierGgswCiphertext& selector, const GlweCiphertext& if_zero, const GlweCiphertext& if_one) {
  require_matching(selector, if_zero);
  require_matching(selector, if_one);
  GlweCiphertext difference = if_one;
  for (size_t q = 0; q < difference.data.size(); ++q) difference.data[q] -= if_zero.data[q];
  GlweCiphertext out = if_zero;
  ExternalProductScratch scratch(selector.glwe_dimension, selector.polynomial_size, selector.level);
  external_product_add(selector, difference, out, scratch);
  return out;
}

GlweCiphertext cmux_ref(const GgswCiphertext& selector, const GlweCiphertext& if_zero, const GlweCiphertext& if_one) {
  GlweCiphertext difference = if_one;
  for (size_t q = 0; q < difference.data.size(); ++q) difference.data[q] -= if_zero.data[q];
  GlweCiphertext out = external_product_ref(selector, difference);
  for (size_t q = 0; q < out.data.size(); ++q) out.data[q] += if_zero.data[q];
  return out;
}

}  // namespace fheq::tfhe
