#include "tfhe/algorithms/keyswitch.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "tfhe/commons/decomposition.h"

namespace fheq::tfhe {
namespace {

template <typename Key>
void prepare(const Key& key, const LweCiphertext& in, LweCiphertext& out) {
  FHEQ_REQUIRE(in.data.size() == key.input_dimension.value + 1, "keyswitch_lwe: input LWE dimension ",
               in.data.size() - 1, " does not match the key's input dimension ", key.input_dimension.value);
  if (out.data.size() != key.output_dimension.value + 1) out = LweCiphertext(key.output_dimension);
  out.dimension = key.output_dimension;
}

// Digits of one torus value, same rounding and tie rule as Decomposer::decompose (decomposition.cc,
// the tfhe-rs SignedDecomposer): a raw digit r becomes r − B with a carry when r > B/2, or when
// r = B/2 and the next raw digit is ≥ B/2 (bit base_log−1 of ((r − 1) | state) & r).
inline void decompose_torus(Torus t, unsigned base_log, size_t level, int64_t* digits) {
  const unsigned total = base_log * static_cast<unsigned>(level);
  const uint64_t mask = (uint64_t{1} << base_log) - 1;
  uint64_t state = total == 64 ? t : (t >> (64 - total)) + ((t >> (63 - total)) & 1);
  for (size_t j = level; j-- > 0;) {
    const uint64_t digit = state & mask;
    state >>= base_log;
    const uint64_t carry = (((digit - 1) | state) & digit) >> (base_log - 1);
    state += carry;
    digits[j] = static_cast<int64_t>(digit) - static_cast<int64_t>(carry << base_log);
  }
}

inline uint32_t top_half_rounded(Torus x) { return static_cast<uint32_t>((x >> 32) + ((x >> 31) & 1)); }

}  // namespace

CompactLweKeyswitchKey compact_lwe_keyswitch_key(const LweKeyswitchKey& key) {
  CompactLweKeyswitchKey out{key.input_dimension, key.output_dimension, key.base_log, key.level, {}};
  out.data.resize(key.data.size());
  for (size_t i = 0; i < key.data.size(); ++i) out.data[i] = top_half_rounded(key.data[i]);
  return out;
}

void keyswitch_lwe(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  prepare(key, in, out);
  const size_t n_in = key.input_dimension.value, size = key.ciphertext_size(), l = key.level.value;
  const unsigned bl = static_cast<unsigned>(key.base_log.value);
  // A per-thread 32-bit accumulator: allocated on a thread's first call only.
  thread_local std::vector<uint32_t> acc;
  acc.assign(size, 0);
  acc[size - 1] = top_half_rounded(in.body());
  const uint32_t* key_data = key.data.data();
  int64_t digits[64];
  for (size_t i = 0; i < n_in; ++i) {
    decompose_torus(in.data[i], bl, l, digits);
    detail::subtract_digit_rows<uint32_t>(digits, l, key_data + i * l * size, size, acc.data());
  }
  for (size_t t = 0; t < size; ++t) out.data[t] = static_cast<Torus>(acc[t]) << 32;
}

void keyswitch_lwe_ref(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  prepare(key, in, out);
  const size_t n_in = key.input_dimension.value, n_out = key.output_dimension.value, l = key.level.value;
  const Decomposer decomposer{key.base_log, key.level};
  std::vector<int64_t> digits(n_in * l);
  for (size_t i = 0; i < n_in; ++i) decomposer.decompose(in.data[i], digits.data() + i * l);
  for (size_t t = 0; t <= n_out; ++t) {
    // Work on the torus directly: the top-half key element ·2^32, products mod 2^64.
    Torus value = t == n_out ? static_cast<Torus>(top_half_rounded(in.body())) << 32 : 0;
    for (size_t i = 0; i < n_in; ++i)
      for (size_t j = 0; j < l; ++j)
        value -= static_cast<Torus>(digits[i * l + j]) * (static_cast<Torus>(key.ciphertext(i, j)[t]) << 32);
    out.data[t] = value;
  }
}

void keyswitch_lwe(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  prepare(key, in, out);
  const size_t n_in = key.input_dimension.value, size = key.ciphertext_size(), l = key.level.value;
  const unsigned bl = static_cast<unsigned>(key.base_log.value);
  Torus* acc = out.data.data();
  std::fill(acc, acc + size, 0);
  acc[size - 1] = in.body();
  const Torus* key_data = key.data.data();
  int64_t digits[64];
  for (size_t i = 0; i < n_in; ++i) {
    decompose_torus(in.data[i], bl, l, digits);
    detail::subtract_digit_rows<Torus>(digits, l, key_data + i * l * size, size, acc);
  }
}

void keyswitch_lwe_ref(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  prepare(key, in, out);
  const size_t n_in = key.input_dimension.value, n_out = key.output_dimension.value, l = key.level.value;
  const Decomposer decomposer{key.base_log, key.level};
  std::vector<int64_t> digits(n_in * l);
  for (size_t i = 0; i < n_in; ++i) decomposer.decompose(in.data[i], digits.data() + i * l);
  for (size_t t = 0; t <= n_out; ++t) {
    Torus value = t == n_out ? in.body() : 0;
    for (size_t i = 0; i < n_in; ++i)
      for (size_t j = 0; j < l; ++j) value -= static_cast<Torus>(digits[i * l + j]) * key.ciphertext(i, j)[t];
    out.data[t] = value;
  }
}

}  // namespace fheq::tfhe
