// Gadget decomposition with rounding and balanced (signed) digits, as in tfhe-rs:
// a torus value t is first rounded to its top base_log·level bits, then written as
// Σ_{j=1..l} d_j · 2^(64 − j·base_log) with balanced digits d_j ∈ [−B/2, B/2], B = 2^base_log
// (a raw digit equal to B/2 is kept or turned into −B/2 with a carry depending on whether the next
// lower digit is ≥ B/2, as tfhe-rs's SignedDecomposer, so digits are symmetric around 0).
// Requires 1 ≤ base_log ≤ 63, 1 ≤ level and base_log·level ≤ 64 (checked: FHEQ_CHECK aborts).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct Decomposer {
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;

  // Rounds t to the closest multiple of 2^(64 − base_log·level).
  uint64_t closest_representable(uint64_t t) const;
  // Writes the `level` signed digits of t into digits[0..level), digits[0] the MOST significant.
  void decompose(uint64_t t, int64_t* digits) const;
  // Σ d_j · 2^(64 − j·base_log) mod 2^64 (recomposes closest_representable(t)).
  uint64_t recompose(const int64_t* digits) const;

  // Decomposes `count` coefficients at once (the external product's inner step), level-major:
  // digits[j·count + i] = digit j (0 = most significant) of coefficients[i]. Vectorised.
  void decompose_polynomial(const uint64_t* coefficients, size_t count, int64_t* digits) const;
  // Reference twin: decompose() per coefficient; tests require bit-exact agreement.
  void decompose_polynomial_ref(const uint64_t* coefficients, size_t count, int64_t* digits) const;
};

}  // namespace fheq::tfhe
