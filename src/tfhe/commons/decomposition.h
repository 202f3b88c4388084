// Gadget decomposition with rounding and balanced (signed) digits, as in tfhe-rs:
// a torus value t is first rounded to its top base_log·level bits, then written as
// Σ_{j=1..l} d_j · 2^(64 − j·base_log) with digits d_j ∈ [−B/2, B/2), B = 2^base_log.
#pragma once

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
};

}  // namespace fheq::tfhe
