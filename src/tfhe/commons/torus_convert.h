// Conversions between doubles and torus elements (Z/2^64) that stay exact where they can.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace fheq::tfhe {

// round(x) mod 2^64 for ANY finite double x, including |x| ≥ 2^63 where a plain cast would be
// undefined. A double is m·2^e with a 53-bit integer m; for e ≥ 0 the residue is (m << e) mod 2^64
// (0 once e ≥ 64), for e < 0 we round m·2^e to the nearest integer (ties away from zero) by adding
// half an ulp of the result before shifting right. The sign is applied last as a two's-complement
// negation, which is exact mod 2^64. Branch-light so loops over it vectorise.
inline uint64_t round_to_torus_wrapping(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  const int64_t biased_exponent = static_cast<int64_t>((bits >> 52) & 0x7ff);
  const uint64_t mantissa = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  // x = mantissa · 2^shift (for normal numbers; subnormals are < 2^-1022 and round to 0 below).
  const int64_t shift = biased_exponent - 1075;
  uint64_t magnitude;
  if (shift >= 0) {
    magnitude = shift >= 64 ? 0 : mantissa << shift;
  } else {
    const int64_t right = -shift;  // ≥ 1
    // mantissa < 2^53, so for right ≥ 54 the value is < 1/2 and rounds to 0.
    magnitude = right >= 54 ? 0 : (mantissa + (uint64_t{1} << (right - 1))) >> right;
  }
  const uint64_t negative = bits >> 63;
  return (magnitude ^ (0 - negative)) + negative;  // two's-complement negate when negative
}

// Bulk versions (AVX-512 when available; round_to_torus_wrapping is their reference twin and they
// agree bit for bit): out[k] = round(x[k]) mod 2^64, resp. out[k] += round(x[k]) mod 2^64.
void round_to_torus(const double* x, uint64_t* out, size_t count);
void round_add_to_torus(const double* x, uint64_t* out, size_t count);

// A torus element viewed as a signed integer in [-2^63, 2^63), as a double (rounded to 53 bits).
inline double torus_to_signed_double(uint64_t t) { return static_cast<double>(static_cast<int64_t>(t)); }

}  // namespace fheq::tfhe
