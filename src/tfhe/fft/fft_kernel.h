// Internal interface of the N/2-point complex FFT kernels behind NegacyclicFft (not public API).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fheq::tfhe::detail {

// One product a ⊙ b of a sum in the Fourier domain (split re/im arrays of m values each).
struct FourierTerm {
  const double *a_re, *a_im, *b_re, *b_im;
};

// The input of one forward transform of the blind rotation's external product: digit
// `digit_index` (0 = most significant) of the signed gadget decomposition (Decomposer, base 2^base_log,
// `level` digits) of X^power·p − p in Z_{2^64}[X]/(X^N + 1), power ∈ [0, 2N).
struct RotatedDigitInput {
  const uint64_t* polynomial;  // p, N coefficients
  size_t power;
  unsigned base_log, level, digit_index;
};

// An in-place complex FFT of size m on split arrays (re[], im[]).
//   forward:  natural-order input → output at bit-reversed positions, F_j = Σ_k x_k e^{-2πi jk/m}
//   backward: bit-reversed input → natural-order output, x_k = Σ_j F_j e^{+2πi jk/m} (NOT divided by m)
// Implementations must be safe to call from many threads at once.
class ComplexFftKernel {
 public:
  virtual ~ComplexFftKernel() = default;
  virtual void forward(double* re, double* im) const = 0;
  virtual void backward(double* re, double* im) const = 0;

  // The whole negacyclic forward transform of fft.cc: fold + twist (twist_* = ψ^k), then forward().
  // Kernels may override it to fuse the twist into their first pass; results must stay within the
  // same error bound.
  virtual void forward_negacyclic(const int64_t* a, const double* twist_re, const double* twist_im, double* re,
                                  double* im) const;
  // forward_negacyclic of the digit polynomial described by `input`. The default materialises the
  // rotation and the decomposition in scratch; kernels may compute them as their first pass loads
  // its input. Results must be bit-identical to the default (same digits, same transform).
  virtual void forward_negacyclic_rotated_digit(const RotatedDigitInput& input, const double* twist_re,
                                                const double* twist_im, double* re, double* im) const;
  // The whole inverse: copy `in` to scratch, backward(), untwist (untwist_* = ψ^{-k}/M), unfold and
  // round mod 2^64 into out (written, or added when `accumulate`).
  virtual void backward_negacyclic(const double* in_re, const double* in_im, const double* untwist_re,
                                   const double* untwist_im, uint64_t* out, bool accumulate) const;
  // The same inverse applied to Σ_t a_t ⊙ b_t (pointwise complex products of `count` pairs of
  // Fourier arrays). The default computes the sum into scratch; kernels may fuse it into their first pass.
  virtual void backward_negacyclic_sum(const FourierTerm* terms, size_t count, const double* untwist_re,
                                       const double* untwist_im, uint64_t* out, bool accumulate) const;

 protected:
  explicit ComplexFftKernel(size_t m) : m_(m) {}
  size_t m_;
};

std::unique_ptr<ComplexFftKernel> make_native_fft_kernel(size_t m);
std::unique_ptr<ComplexFftKernel> make_fftw_fft_kernel(size_t m);

// Bit reversal of i over `bits` bits.
inline size_t bit_reverse(size_t i, unsigned bits) {
  size_t r = 0;
  for (unsigned b = 0; b < bits; ++b) r |= ((i >> b) & 1u) << (bits - 1 - b);
  return r;
}

}  // namespace fheq::tfhe::detail
