// Negacyclic polynomial products in Z_{2^64}[X]/(X^N + 1) through an N/2-point complex FFT
// with the twist w^j = exp(i·π·j/N) (the real/imaginary folding of a negacyclic FFT, as tfhe-rs does; docs/TFHE.md §2).
// f64 keeps ~53 bits, so products of a torus polynomial (64 bits) by a small-integer polynomial
// (decomposition digits, |d| ≤ 2^(base_log-1)) have a rounding error that is part of the noise
// model; fft_ref.h has the exact products the tests compare against.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tfhe/fft/aligned_vector.h"

namespace fheq::tfhe {

// Position in a FourierPolynomial of the value negacyclic_forward_ref writes at index i (i < N/2):
// identity for N < 128, else i with its bit fields [5:3] and [2:0] swapped (an involution).
inline size_t fourier_position(size_t i, size_t polynomial_size) {
  if (polynomial_size < 128) return i;
  return (i & ~size_t{63}) | ((i & 7) << 3) | ((i >> 3) & 7);
}

// Which implementation of the N/2-point complex FFT a plan uses. Both produce the SAME Fourier
// layout (see FourierPolynomial), so data transformed by one can be multiplied with and inverted by
// the other. kNative: our radix-2 split-array kernels (AVX-512 when compiled for it). kFftw: FFTW3
// plans (FFTW_MEASURE) plus a permutation into our layout.
enum class FftBackend { kNative, kFftw };

// The backend fft_for() uses: FHEQ_FFT=native|fftw from the environment if set (anything else
// throws fheq::Error), otherwise the faster one on our benchmarks (bench/bench_fft.cc).
FftBackend default_fft_backend();
const char* fft_backend_name(FftBackend backend);

// A polynomial in the Fourier domain: N/2 complex values (split into re/im arrays).
// Entry fourier_position(i, N) holds the twisted polynomial evaluated at the root of index
// bitreverse(i) (negacyclic_forward_ref in fft_ref.h defines out[i]): the natural output order of a
// decimation-in-frequency FFT, except that for N ≥ 128 each block of 64 entries is stored transposed as
// an 8×8 matrix, which lets the native kernel's last pass run its three smallest stages across
// registers instead of across vector lanes. Pointwise products do not care about the order.
// Both arrays are 64-byte aligned (aligned_vector.h) so the AVX-512 kernels never split cache lines.
struct FourierPolynomial {
  AlignedVector<double> re, im;
  explicit FourierPolynomial(size_t n = 0) : re(n / 2), im(n / 2) {}
  size_t polynomial_size() const { return re.size() * 2; }
};

// Plan for one polynomial size N (power of two, 256..65536). Thread-safe after construction.
class NegacyclicFft {
 public:
  explicit NegacyclicFft(size_t polynomial_size);  // default_fft_backend()
  NegacyclicFft(size_t polynomial_size, FftBackend backend);
  ~NegacyclicFft();
  NegacyclicFft(NegacyclicFft&&) noexcept;
  size_t polynomial_size() const { return n_; }
  FftBackend backend() const;

  // Forward transform of a polynomial whose coefficients are read as SIGNED 64-bit integers
  // (small digits or a torus polynomial viewed in [-2^63, 2^63)).
  void forward_i64(const int64_t* coefficients, FourierPolynomial& out) const;
  // Torus coefficients are read as signed 64-bit and rounded to double (53 bits): the dropped low
  // bits (< 2^10 per coefficient) are part of the noise model. Used once per key, not per product.
  void forward_torus(const uint64_t* coefficients, FourierPolynomial& out) const;
  // Forward transform of digit `digit_index` (0 = most significant) of the signed gadget decomposition
  // (Decomposer: base 2^base_log, `level` digits) of X^power·p − p mod X^N + 1, power ∈ [0, 2N): the
  // CMUX input of the blind rotation, computed as the transform's first pass loads it (no rotated
  // or digit polynomial in memory). Bit-identical to rotate_negacyclic_minus_one, decompose_polynomial
  // and forward_i64 of that digit (tests/tfhe/fft_rotated_digit_test.cc).
  void forward_rotated_digit(const uint64_t* polynomial, size_t power, unsigned base_log, unsigned level,
                             unsigned digit_index, FourierPolynomial& out) const;
  // forward_rotated_digit for every digit j < level at once, digit j into *outs[j]: the rotation and
  // the decomposition are computed once for all digits (and, for two levels, both transforms' first
  // passes share one loop). Bit-identical to `level` calls of forward_rotated_digit.
  void forward_rotated_digits(const uint64_t* polynomial, size_t power, unsigned base_log, unsigned level,
                              FourierPolynomial* const* outs) const;
  // Inverse transform; rounds each coefficient to the nearest integer and ADDS it mod 2^64 to `acc`.
  // Values of any magnitude are reduced mod 2^64 exactly (round_to_torus_wrapping).
  //
  // Error bound (f64, unit roundoff u = 2^-53) for a = torus polynomial (|a_i| ≤ 2^63 as signed) and
  // d = digits with |d_i| ≤ 2^(β-1): the result differs from the exact product mod 2^64 by at most
  // ~ u · ‖a‖₂·‖d‖₂ · c·log2(N) (Higham, "Accuracy and Stability of Numerical Algorithms", §24.1),
  // i.e. ≲ 2^(-53+63+β-1+log2(N)+log2(log2 N)); typical (rms) errors are ~sqrt(N) smaller. fft_test.cc
  // measures the worst case and asserts max|err| ≤ 2^(64-53+log2(N)+β+1) for |d| ≤ 2^22 (β = 23).
  // Measured (both backends, one random pair): max|err| ≈ 2^37.5 (N=256), 2^39.7 (N=2048),
  // 2^41.6 (N=16384), i.e. ≈ 2^(33 + log2(N)/2 + 1): relative to the torus, ≈ 2^-24 at N=2048.
  // Products of small integers whose exact result stays below 2^47 come out exact.
  void backward_add_torus(const FourierPolynomial& in, uint64_t* acc) const;
  // Inverse transform; rounds and WRITES (mod 2^64).
  void backward_torus(const FourierPolynomial& in, uint64_t* out) const;
  // acc += round(IFFT(Σ_t a[t] ⊙ b[t])) mod 2^64: the multiply-accumulate of an external product fused
  // into the first pass of the inverse transform (no accumulator array is written and re-read).
  // Same error bound as multiply_accumulate followed by backward_add_torus.
  void backward_add_torus_of_products(const FourierPolynomial* const* a, const FourierPolynomial* const* b,
                                      size_t count, uint64_t* acc) const;

  // acc += a ⊙ b (pointwise complex multiply-accumulate in the Fourier domain).
  static void multiply_accumulate(FourierPolynomial& acc, const FourierPolynomial& a, const FourierPolynomial& b);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t n_;
};

// One shared plan per N for the whole process (backend: default_fft_backend()).
const NegacyclicFft& fft_for(size_t polynomial_size);
// Shared plan per (N, backend), for tests/benchmarks that compare backends without re-planning.
const NegacyclicFft& fft_for(size_t polynomial_size, FftBackend backend);

}  // namespace fheq::tfhe
