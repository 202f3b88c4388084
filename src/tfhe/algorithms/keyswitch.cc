#include "tfhe/algorithms/keyswitch.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "tfhe/commons/decomposition.h"

namespace fheq::tfhe {
namespace {

void prepare(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  FHEQ_REQUIRE(in.data.size() == key.input_dimension.value + 1, "keyswitch_lwe: input LWE dimension ",
               in.data.size() - 1, " does not match the key's input dimension ", key.input_dimension.value);
  if (out.data.size() != key.output_dimension.value + 1) out = LweCiphertext(key.output_dimension);
  out.dimension = key.output_dimension;
}

}  // namespace

void keyswitch_lwe(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out) {
  prepare(key, in, out);
  const size_t n_in = key.input_dimension.value, size = key.ciphertext_size(), l = key.level.value;
  const unsigned bl = static_cast<unsigned>(key.base_log.value), total = bl * static_cast<unsigned>(l);
  const uint64_t mask = (uint64_t{1} << bl) - 1;
  Torus* acc = out.data.data();
  std::fill(acc, acc + size, 0);
  acc[size - 1] = in.body();
  const Torus* key_data = key.data.data();
  int64_t digits[64];
  for (size_t i = 0; i < n_in; ++i) {
    // Same rounding and balanced digits as Decomposer::decompose (decomposition.cc, the tfhe-rs
    // SignedDecomposer): a raw digit r becomes r − B with a carry when r > B/2, or when r = B/2 and
    // the next raw digit is ≥ B/2 (bit base_log−1 of ((r − 1) | state) & r).
    const Torus t = in.data[i];
    uint64_t state = total == 64 ? t : (t >> (64 - total)) + ((t >> (63 - total)) & 1);
    for (size_t j = l; j-- > 0;) {
      const uint64_t digit = state & mask;
      state >>= bl;
      const uint64_t carry = (((digit - 1) | state) & digit) >> (bl - 1);
      state += carry;
      digits[j] = static_cast<int64_t>(digit) - static_cast<int64_t>(carry << bl);
    }
    for (size_t j = 0; j < l; ++j) {
      if (digits[j] == 0) continue;
      const Torus d = static_cast<Torus>(digits[j]);
      const Torus* ct = key_data + (i * l + j) * size;
      for (size_t t2 = 0; t2 < size; ++t2) acc[t2] -= d * ct[t2];
    }
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
