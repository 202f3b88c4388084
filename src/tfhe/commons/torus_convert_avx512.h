// AVX-512 twin of round_to_torus_wrapping (torus_convert.h): 8 doubles → 8 torus elements, bit for
// bit the same result (the variable shifts give 0 for counts ≥ 64, exactly the "too large" and "too
// small" cases of the scalar code). Only included by .cc files compiled with AVX-512F/DQ.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>

#include <cstdint>

namespace fheq::tfhe::detail {

inline __m512i round_to_torus_wrapping_avx512(__m512d x) {
  const __m512i exponent_mask = _mm512_set1_epi64(0x7ff);
  const __m512i mantissa_mask = _mm512_set1_epi64((int64_t{1} << 52) - 1);
  const __m512i implicit_one = _mm512_set1_epi64(int64_t{1} << 52);
  const __m512i bias = _mm512_set1_epi64(1075);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i one = _mm512_set1_epi64(1);
  const __m512i bits = _mm512_castpd_si512(x);
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
  return _mm512_sub_epi64(_mm512_xor_si512(magnitude, negative), negative);
}

}  // namespace fheq::tfhe::detail
#endif
