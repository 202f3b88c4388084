// AVX-512 building blocks of the native FFT kernel (fft_native.cc): complex vectors of 8 lanes,
// the 8×8 transpose and radix-8 butterflies across registers of its first/last passes, the rounding
// of its inverse, and the loader of the blind rotation's rotated gadget digits. Internal; included by
// fft_native.cc only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numbers>

#include "tfhe/fft/fft_kernel.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FHEQ_FFT_AVX512 1
#include <immintrin.h>
// GCC 12 reports false -W(maybe-)uninitialized inside AVX-512 intrinsic headers (their
// "undefined" pass-through operands, GCC bug 105593); it is not about our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

// The per-vector input/output lambdas of the fused passes must be inlined into the pass loops: GCC's
// heuristics sometimes outline a large one (the rotated-digit loader), which costs a call and a spill
// of every live vector register per 8 values (measured: 11% of a forward transform's time).
#define FHEQ_INLINE __attribute__((always_inline))

#if FHEQ_FFT_AVX512
namespace fheq::tfhe::detail::avx512 {

// Complex numbers as two 8-lane vectors.
struct Cv {
  __m512d re, im;
};
inline Cv load(const double* re, const double* im) { return {_mm512_load_pd(re), _mm512_load_pd(im)}; }
inline void store(double* re, double* im, Cv z) {
  _mm512_store_pd(re, z.re);
  _mm512_store_pd(im, z.im);
}
inline Cv add(Cv a, Cv b) { return {_mm512_add_pd(a.re, b.re), _mm512_add_pd(a.im, b.im)}; }
inline Cv sub(Cv a, Cv b) { return {_mm512_sub_pd(a.re, b.re), _mm512_sub_pd(a.im, b.im)}; }
inline Cv mul(Cv a, Cv w) {
  return {_mm512_fmsub_pd(a.re, w.re, _mm512_mul_pd(a.im, w.im)), _mm512_fmadd_pd(a.re, w.im, _mm512_mul_pd(a.im, w.re))};
}
inline Cv mul_conj(Cv a, Cv w) {  // a · conj(w)
  return {_mm512_fmadd_pd(a.re, w.re, _mm512_mul_pd(a.im, w.im)), _mm512_fmsub_pd(a.im, w.re, _mm512_mul_pd(a.re, w.im))};
}
inline Cv add_times_i(Cv a, Cv b) {  // a + i·b
  return {_mm512_sub_pd(a.re, b.im), _mm512_add_pd(a.im, b.re)};
}
inline Cv sub_times_i(Cv a, Cv b) {  // a − i·b
  return {_mm512_add_pd(a.re, b.im), _mm512_sub_pd(a.im, b.re)};
}

inline Cv times_minus_i(Cv a) { return {a.im, _mm512_sub_pd(_mm512_setzero_pd(), a.re)}; }  // −i·a
inline Cv times_i(Cv a) { return {_mm512_sub_pd(_mm512_setzero_pd(), a.im), a.re}; }           // i·a

// In-place transpose of the 8×8 matrix of doubles whose row r is register x[r]: 8 unpacks, then two
// rounds of 128-bit lane shuffles (24 shuffles in all).
inline void transpose8x8(__m512d* x) {
  __m512d t[8];
  for (int r = 0; r < 8; r += 2) {
    t[r] = _mm512_unpacklo_pd(x[r], x[r + 1]);      // (x_r[k], x_{r+1}[k]) for even k
    t[r + 1] = _mm512_unpackhi_pd(x[r], x[r + 1]);  // the same for odd k
  }
  for (int odd = 0; odd < 2; ++odd) {
    // From the pairs of rows 0-1, 2-3, 4-5, 6-7 (128-bit chunks k = 0, 2, 4, 6 or 1, 3, 5, 7 of each).
    const __m512d a = t[odd], b = t[2 + odd], c = t[4 + odd], d = t[6 + odd];
    const __m512d ab_low = _mm512_shuffle_f64x2(a, b, 0x88), ab_high = _mm512_shuffle_f64x2(a, b, 0xDD);
    const __m512d cd_low = _mm512_shuffle_f64x2(c, d, 0x88), cd_high = _mm512_shuffle_f64x2(c, d, 0xDD);
    x[odd] = _mm512_shuffle_f64x2(ab_low, cd_low, 0x88);
    x[4 + odd] = _mm512_shuffle_f64x2(ab_low, cd_low, 0xDD);
    x[2 + odd] = _mm512_shuffle_f64x2(ab_high, cd_high, 0x88);
    x[6 + odd] = _mm512_shuffle_f64x2(ab_high, cd_high, 0xDD);
  }
}

inline void transpose8x8(Cv* z) {
  __m512d re[8], im[8];
  for (int r = 0; r < 8; ++r) {
    re[r] = z[r].re;
    im[r] = z[r].im;
  }
  transpose8x8(re);
  transpose8x8(im);
  for (int r = 0; r < 8; ++r) z[r] = {re[r], im[r]};
}

// DIF stages 4, 2, 1 of an 8-point sub-transform held across registers (z[c] plays the role of lane c
// of small_stages_dif, for 8 sub-transforms at once): the twiddles are w_4^c ∈ {1, (1−i)/√2, −i,
// (−1−i)/√2} and w_2^c ∈ {1, −i}, so the products by ±i are swaps and the others cost two additions
// and two multiplications by 1/√2 — no lane permutations and no multiplications by 1.
inline void radix8_dif_across(Cv* z) {
  const __m512d s = _mm512_set1_pd(std::numbers::sqrt2 / 2);
  for (int c = 0; c < 4; ++c) {
    const Cv u = z[c], v = z[c + 4];
    z[c] = add(u, v);
    const Cv d = sub(u, v);
    if (c == 0) z[4] = d;
    if (c == 1) z[5] = {_mm512_mul_pd(_mm512_add_pd(d.re, d.im), s), _mm512_mul_pd(_mm512_sub_pd(d.im, d.re), s)};
    if (c == 2) z[6] = times_minus_i(d);
    if (c == 3)
      z[7] = {_mm512_mul_pd(_mm512_sub_pd(d.im, d.re), s), _mm512_mul_pd(_mm512_add_pd(d.re, d.im), _mm512_set1_pd(-std::numbers::sqrt2 / 2))};
  }
  for (int g = 0; g < 8; g += 4) {
    for (int c = g; c < g + 2; ++c) {
      const Cv u = z[c], v = z[c + 2];
      z[c] = add(u, v);
      z[c + 2] = (c & 1) ? times_minus_i(sub(u, v)) : sub(u, v);
    }
  }
  for (int c = 0; c < 8; c += 2) {
    const Cv u = z[c], v = z[c + 1];
    z[c] = add(u, v);
    z[c + 1] = sub(u, v);
  }
}

// The inverse (DIT) mirror: stages 1, 2, 4 with the conjugate twiddles applied before each butterfly.
inline void radix8_dit_across(Cv* z) {
  const __m512d s = _mm512_set1_pd(std::numbers::sqrt2 / 2);
  for (int c = 0; c < 8; c += 2) {
    const Cv u = z[c], v = z[c + 1];
    z[c] = add(u, v);
    z[c + 1] = sub(u, v);
  }
  for (int g = 0; g < 8; g += 4) {
    for (int c = g; c < g + 2; ++c) {
      const Cv u = z[c], v = (c & 1) ? times_i(z[c + 2]) : z[c + 2];
      z[c] = add(u, v);
      z[c + 2] = sub(u, v);
    }
  }
  for (int c = 0; c < 4; ++c) {
    const Cv u = z[c], x = z[c + 4];
    Cv v = x;
    if (c == 1) v = {_mm512_mul_pd(_mm512_sub_pd(x.re, x.im), s), _mm512_mul_pd(_mm512_add_pd(x.re, x.im), s)};
    if (c == 2) v = times_i(x);
    if (c == 3)
      v = {_mm512_mul_pd(_mm512_add_pd(x.re, x.im), _mm512_set1_pd(-std::numbers::sqrt2 / 2)), _mm512_mul_pd(_mm512_sub_pd(x.re, x.im), s)};
    z[c] = add(u, v);
    z[c + 4] = sub(u, v);
  }
}

// x rounded to the nearest integer, mod 2^64. x − 2^64·round(x/2^64) is exact (x is a multiple of
// its ulp ≥ 2^12 whenever |x| ≥ 2^64, and the difference lies in [−2^63, 2^63]), and converting it
// to int64 wraps 2^63 to −2^63 ≡ 2^63. Four instructions instead of the bit-manipulation of
// round_to_torus_wrapping; ties round to even instead of away from zero, which only matters for
// values within 2^-53 relative of a half-integer, far below the FFT error bound.
inline __m512i round_mod_2_64(__m512d x) {
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512d wraps = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(0x1p-64)), kNearest);
  const __m512d centred = _mm512_fnmadd_pd(wraps, _mm512_set1_pd(0x1p64), x);
  return _mm512_cvt_roundpd_epi64(centred, kNearest);
}

inline void store_torus(uint64_t* out, __m512d x, bool accumulate) {
  __m512i value = round_mod_2_64(x);
  if (accumulate) value = _mm512_add_epi64(value, _mm512_loadu_si512(out));
  _mm512_storeu_si512(out, value);
}

inline bool aligned64(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 63) == 0; }

// Coefficients of X^power·p − p in Z_{2^64}[X]/(X^N + 1) (power ∈ [0, 2N)) and their signed gadget
// digits, 8 at a time, as the first forward pass loads them.
class RotatedDigitLoader {
 public:
  static bool supports(const RotatedDigitInput& input) {
    return input.base_log >= 1 && input.base_log <= 63 && input.base_log * input.level <= 64 &&
           input.digit_index < input.level;
  }

  RotatedDigitLoader(const RotatedDigitInput& input, size_t m)
      : p_(input.polynomial),
        n_(2 * m),
        negate_(input.power >= 2 * m),
        shift_(negate_ ? input.power - 2 * m : input.power),
        base_log_(input.base_log),
        level_(input.level),
        dropped_(64 - input.base_log * input.level),
        half_step_(_mm512_set1_epi64(dropped_ == 0 ? 0 : static_cast<long long>(uint64_t{1} << (dropped_ - 1)))),
        digit_mask_(_mm512_set1_epi64(static_cast<long long>((uint64_t{1} << base_log_) - 1))),
        minus_half_base_(_mm512_set1_epi64(-(static_cast<long long>(1) << (base_log_ - 1)))) {}

  // Coefficients c … c+7. X^power = ±X^shift: coefficient c of X^power·p is sign·p[c − shift] for
  // c ≥ shift and −sign·p[c − shift + N] below (the wrap through X^N = −1), sign = −1 when
  // power ≥ N; the result is moved − p, or −(moved + p) where the monomial negates.
  FHEQ_INLINE __m512i rotated(size_t c) const {
    const __m512i here = _mm512_loadu_si512(p_ + c);
    if (c >= shift_) {
      const __m512i moved = _mm512_loadu_si512(p_ + c - shift_);
      return negate_ ? _mm512_sub_epi64(_mm512_setzero_si512(), _mm512_add_epi64(moved, here))
                     : _mm512_sub_epi64(moved, here);
    }
    if (c + 8 <= shift_) {
      const __m512i moved = _mm512_loadu_si512(p_ + c + n_ - shift_);
      return negate_ ? _mm512_sub_epi64(moved, here)
                     : _mm512_sub_epi64(_mm512_setzero_si512(), _mm512_add_epi64(moved, here));
    }
    alignas(64) uint64_t lanes[8];  // the one vector that straddles the wrap
    for (size_t lane = 0; lane < 8; ++lane) {
      const size_t target = c + lane;
      const bool wraps = target < shift_;
      const uint64_t value = wraps ? p_[target + n_ - shift_] : p_[target - shift_];
      lanes[lane] = (wraps != negate_) ? uint64_t{0} - value : value;
    }
    return _mm512_sub_epi64(_mm512_load_si512(lanes), here);
  }

  // Digit `digit_index` (0 = most significant) of Decomposer::decompose per lane (decomposition.cc),
  // in fewer operations with the same result:
  //  - rounding: state = (t + 2^(d−1)) >> d is round-half-up of t / 2^d mod 2^(β·l) (d = 64 − β·l),
  //    the same integer as ((t >> (d−1)) + 1) >> 1 masked to β·l bits (a carry out of bit 63 is the
  //    torus wrap);
  //  - lower digits are popped as pop_balanced_digit does (raw, shift, carry);
  //  - the most significant digit (nothing above it) is its state mod 2^β read as a signed β-bit
  //    integer, except that −B/2 must become +B/2 (pop_balanced_digit carries only when raw > B/2
  //    once the remaining state is 0): a sign extension by shifts plus one masked fix.
  FHEQ_INLINE __m512d digit(__m512i t, unsigned digit_index) const {
    const __m512i shifted = _mm512_add_epi64(t, half_step_);
    if (level_ == 1) return top_digit_of(_mm512_srai_epi64(shifted, 64 - base_log_));  // d = 64 − β
    __m512i state = _mm512_srli_epi64(shifted, dropped_);
    for (unsigned popped = level_ - 1; popped > digit_index; --popped) state = pop_state(state);
    if (digit_index == 0) return top_digit_of(sign_extend_low_digit(state));
    return low_digit_of(state);
  }

  // Both digits of a two-level decomposition from one rounding and one pop.
  FHEQ_INLINE void two_digits(__m512i t, __m512d& top, __m512d& low) const {
    const __m512i state = _mm512_srli_epi64(_mm512_add_epi64(t, half_step_), dropped_);
    low = low_digit_of(state);
    top = top_digit_of(sign_extend_low_digit(pop_state(state)));
  }

 private:
  // The lowest digit's state removed (pop_balanced_digit without its value).
  FHEQ_INLINE __m512i pop_state(__m512i state) const {
    const __m512i raw = _mm512_and_si512(state, digit_mask_);
    const __m512i next = _mm512_srli_epi64(state, base_log_);
    return _mm512_add_epi64(next, carry_of(raw, next));
  }
  FHEQ_INLINE __m512i carry_of(__m512i raw, __m512i next) const {
    const __m512i one = _mm512_set1_epi64(1);
    return _mm512_srli_epi64(_mm512_and_si512(_mm512_or_si512(_mm512_sub_epi64(raw, one), next), raw), base_log_ - 1);
  }
  // pop_balanced_digit's value for a digit with more digits above it.
  FHEQ_INLINE __m512d low_digit_of(__m512i state) const {
    const __m512i raw = _mm512_and_si512(state, digit_mask_);
    const __m512i carry = carry_of(raw, _mm512_srli_epi64(state, base_log_));
    return _mm512_cvtepi64_pd(_mm512_sub_epi64(raw, _mm512_slli_epi64(carry, base_log_)));
  }
  FHEQ_INLINE __m512i sign_extend_low_digit(__m512i state) const {
    return _mm512_srai_epi64(_mm512_slli_epi64(state, 64 - base_log_), 64 - base_log_);
  }
  // value = the top digit's state read as signed β bits; −B/2 → +B/2.
  FHEQ_INLINE __m512d top_digit_of(__m512i value) const {
    const __mmask8 tie = _mm512_cmpeq_epi64_mask(value, minus_half_base_);
    return _mm512_cvtepi64_pd(_mm512_mask_sub_epi64(value, tie, _mm512_setzero_si512(), value));
  }

  const uint64_t* p_;
  size_t n_;
  bool negate_;
  size_t shift_;
  unsigned base_log_, level_, dropped_;
  __m512i half_step_, digit_mask_, minus_half_base_;
};

}  // namespace fheq::tfhe::detail::avx512
#endif
