// Message encoding on the torus with one padding bit (Chillotti et al., TFHE, J. Cryptology 2020; docs/TFHE.md §2):
// a p-bit value m ∈ [0, 2^p) sits at m·Δ with Δ = 2^(64−(p+1)); the top bit stays free so the
// negacyclic blind rotation can evaluate arbitrary tables.
#pragma once

#include <cstdint>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

// Δ = 2^(64 − (p+1)) for message_bits = p ∈ [1, 62].
constexpr Torus encoding_delta(uint32_t message_bits) { return Torus{1} << (63 - message_bits); }

// m·Δ mod 2^64 (m is taken modulo 2^(p+1), padding bit included, so negative m wrap correctly).
constexpr Torus encode_message(uint64_t message, uint32_t message_bits) {
  return message * encoding_delta(message_bits);
}

// round(phase / Δ) mod 2^(p+1): the message with its padding bit (a value ≥ 2^p means the
// padding bit was consumed, e.g. by an overflow or too much noise).
constexpr uint64_t decode_message(Torus phase, uint32_t message_bits) {
  const unsigned shift = 63 - message_bits;
  const uint64_t rounded = (phase >> shift) + ((phase >> (shift - 1)) & 1);
  return rounded & ((uint64_t{1} << (message_bits + 1)) - 1);
}

// The phase as a signed offset from the nearest multiple of Δ (the noise, for tests and statistics).
constexpr int64_t decoding_error(Torus phase, uint32_t message_bits) {
  const unsigned shift = 63 - message_bits;
  const uint64_t rounded = (phase >> shift) + ((phase >> (shift - 1)) & 1);
  return static_cast<int64_t>(phase - (rounded << shift));
}

}  // namespace fheq::tfhe
