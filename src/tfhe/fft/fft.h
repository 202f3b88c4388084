// Negacyclic polynomial products in Z_{2^64}[X]/(X^N + 1) through an N/2-point complex FFT
// with the twist w^j = exp(i·π·j/N) (the real/imaginary folding of ../shared/DESIGN.md §3).
// f64 keeps ~53 bits, so products of a torus polynomial (64 bits) by a small-integer polynomial
// (decomposition digits, |d| ≤ 2^(base_log-1)) have a rounding error that is part of the noise
// model; fft_ref.h has the exact products the tests compare against.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace fheq::tfhe {

// A polynomial in the Fourier domain: N/2 complex values (split into re/im arrays, aligned).
struct FourierPolynomial {
  std::vector<double> re, im;
  explicit FourierPolynomial(size_t n = 0) : re(n / 2), im(n / 2) {}
  size_t polynomial_size() const { return re.size() * 2; }
};

// Plan for one polynomial size N (power of two, 256..65536). Thread-safe after construction.
class NegacyclicFft {
 public:
  explicit NegacyclicFft(size_t polynomial_size);
  ~NegacyclicFft();
  NegacyclicFft(NegacyclicFft&&) noexcept;
  size_t polynomial_size() const { return n_; }

  // Forward transform of a polynomial whose coefficients are read as SIGNED 64-bit integers
  // (small digits or a torus polynomial viewed in [-2^63, 2^63)).
  void forward_i64(const int64_t* coefficients, FourierPolynomial& out) const;
  void forward_torus(const uint64_t* coefficients, FourierPolynomial& out) const;
  // Inverse transform; rounds each coefficient to the nearest integer and ADDS it mod 2^64 to `acc`.
  void backward_add_torus(const FourierPolynomial& in, uint64_t* acc) const;
  // Inverse transform; rounds and WRITES (mod 2^64).
  void backward_torus(const FourierPolynomial& in, uint64_t* out) const;

  // acc += a ⊙ b (pointwise complex multiply-accumulate in the Fourier domain).
  static void multiply_accumulate(FourierPolynomial& acc, const FourierPolynomial& a, const FourierPolynomial& b);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t n_;
};

// One shared plan per N for the whole process.
const NegacyclicFft& fft_for(size_t polynomial_size);

}  // namespace fheq::tfhe
