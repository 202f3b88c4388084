#include "tfhe/commons/torus_convert.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include "tfhe/commons/torus_convert_avx512.h"
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
  for (; k + 8 <= count; k += 8) {
    __m512i value = detail::round_to_torus_wrapping_avx512(_mm512_loadu_pd(x + k));
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
