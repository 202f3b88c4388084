#include "tfhe/commons/torus_convert.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
// GCC 12 reports a false -Wmaybe-uninitialized inside AVX-512 intrinsic headers (their
// "undefined" pass-through operands, GCC bug 105593); it is not about our code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace fheq::tfhe {

namespace {

// out[k] (=|+=) round(x[k]) mod 2^64 for k < count.
template <bool accumulate>
void round_store(const double* x, uint64_t* out, size_t count) {
  size_t k = 0;
#if defined(__AVX512F__) && defined(__AVX512DQ__)
  // Vector twin of round_to_torus_wrapping (same steps; variable shifts by ≥ 64 give 0, which is
  // exactly the "too large" and "too small" cases).
  const __m512i exponent_mask = _mm512_set1_epi64(0x7ff);
  const __m512i mantissa_mask = _mm512_set1_epi64((int64_t{1} << 52) - 1);
  const __m512i implicit_one = _mm512_set1_epi64(int64_t{1} << 52);
  const __m512i bias = _mm512_set1_epi64(1075);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i one = _mm512_set1_epi64(1);
  for (; k + 8 <= count; k += 8) {
    const __m512i bits = _mm512_castpd_si512(_mm512_loadu_pd(x + k));
    const __m512i exponent = _mm512_and_si512(_mm512_srli_epi64(bits, 52), exponent_mask);
    const __m512i mantissa = _mm512_or_si512(_mm512_and_si512(bits, mantissa_mask), implicit_one);
    const __m512i shift = _mm512_sub_epi64(exponent, bias);
    const __mmask8 left = _mm512_cmpge_epi64_mask(shift, zero);
    const __m512i shifted_left = _mm512_sllv_epi64(mantissa, _mm512_max_epi64(shift, zero));
    const __m512i right = _mm512_max_epi64(_mm512_sub_epi64(zero, shift), one);
    const __m512i half = _mm512_sllv_epi64(one, _mm512_sub_epi64(right, one));
    const __m512i shifted_right = _mm512_srlv_epi64(_mm512_add_epi64(mantissa, half), right);
    const __m512i magnitude = _mm512_mask_blend_epi64(left, shifted_right, shifted_left);
    const __m512i negative = _mm512_srai_epi64(bits, 63);
    __m512i value = _mm512_sub_epi64(_mm512_xor_si512(magnitude, negative), negative);
    if constexpr (accumulate) value = _mm512_add_epi64(value, _mm512_loadu_si512(out + k));
    _mm512_storeu_si512(out + k, value);
  }
#endif
  for (; k < count; ++k) {
    const uint64_t value = round_to_torus_wrapping(x[k]);
    if constexpr (accumulate) {
      out[k] += value;
    } else {
      out[k] = value;
    }
  }
}

}  // namespace

void round_to_torus(const double* x, uint64_t* out, size_t count) { round_store<false>(x, out, count); }
void round_add_to_torus(const double* x, uint64_t* out, size_t count) { round_store<true>(x, out, count); }

}  // namespace fheq::tfhe
