// LWE keyswitching (TFHE JoC 2020 Alg. 1 / Thm 4.1, "KeySwitch"): from a ciphertext under the input
// key of `key` to one under its output key, decomposing each mask element a_i into l signed digits:
// out = (0, …, 0, b) − Σ_i Σ_j d_{i,j}·KSK(i, j).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::tfhe {

// Fast path: streams the key once (input-major), the l rows of one input coefficient in one pass
// over the accumulator (detail::subtract_digit_rows). `out` is resized if needed
// (no allocation when it already has the output dimension).
void keyswitch_lwe(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);
// Reference: output-major loops and the Decomposer of tfhe/commons/decomposition.h; bit-identical.
void keyswitch_lwe_ref(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);

// The 32-bit compact form of a key (lwe_keyswitch_key.h) and keyswitching with it: same digits,
// arithmetic mod 2^32 on the top halves; out[t] = acc32[t]·2^32 (the input body is rounded to its top
// 32 bits first). The reference is bit-identical.
CompactLweKeyswitchKey compact_lwe_keyswitch_key(const LweKeyswitchKey& key);
void keyswitch_lwe(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);
void keyswitch_lwe_ref(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);

namespace detail {

// acc −= Σ_j digits[j]·row_j over the `level` consecutive key rows of one input coefficient (row j
// at rows + j·size). Four levels per pass over acc: the accumulator is loaded and stored once per
// four key rows instead of once per row, and zero digits cost nothing special (they are rare:
// about 1/B). Wrapping unsigned arithmetic, so the grouping gives exactly the row-by-row result.
template <typename Element>
inline void subtract_digit_rows(const int64_t* digits, size_t level, const Element* rows, size_t size,
                                Element* __restrict acc) {
  size_t j = 0;
  for (; j + 4 <= level; j += 4) {
    const Element d0 = static_cast<Element>(digits[j]), d1 = static_cast<Element>(digits[j + 1]);
    const Element d2 = static_cast<Element>(digits[j + 2]), d3 = static_cast<Element>(digits[j + 3]);
    const Element* __restrict r0 = rows + j * size;
    const Element* __restrict r1 = r0 + size;
    const Element* __restrict r2 = r1 + size;
    const Element* __restrict r3 = r2 + size;
    for (size_t t = 0; t < size; ++t) acc[t] -= d0 * r0[t] + d1 * r1[t] + d2 * r2[t] + d3 * r3[t];
  }
  for (; j < level; ++j) {
    const Element d = static_cast<Element>(digits[j]);
    const Element* __restrict r = rows + j * size;
    for (size_t t = 0; t < size; ++t) acc[t] -= d * r[t];
  }
}

}  // namespace detail
}  // namespace fheq::tfhe
