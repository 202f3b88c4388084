// Signed gadget decomposition with balanced digits (the tfhe-rs SignedDecomposer algorithm).
#include "tfhe/commons/decomposition.h"

#include <algorithm>

#include "core/check.h"

namespace fheq::tfhe {

namespace {

// Bits of the torus below the decomposition's precision: 64 − β·l.
inline unsigned dropped_bits(const Decomposer& d) {
  return 64u - static_cast<unsigned>(d.base_log.value * d.level.value);
}

inline void check_shape(const Decomposer& d) {
  FHEQ_CHECK(d.base_log.value >= 1 && d.base_log.value <= 63 && d.level.value >= 1 && d.base_log.value * d.level.value <= 64,
             "decomposer base_log = ", d.base_log.value, ", level = ", d.level.value);
}

// Round to the top β·l bits, returned as an integer in [0, 2^(β·l)) (the wrap of a round-up
// past 2^64 is the torus wrap, so it is masked away).
inline uint64_t rounded_state(uint64_t t, unsigned dropped, unsigned kept) {
  if (dropped == 0) return t;
  // (t >> (dropped-1)) + 1 then >> 1 == round half up of t / 2^dropped, with no overflow.
  const uint64_t rounded = ((t >> (dropped - 1)) + 1) >> 1;
  return kept >= 64 ? rounded : rounded & ((uint64_t{1} << kept) - 1);
}

// Takes the lowest digit off `state` (in place) and returns it balanced in [-B/2, B/2].
// A raw digit r > B/2, or r == B/2 when the next digit is ≥ B/2, becomes r − B with a carry of 1
// into the next digit. Choosing the sign of the B/2 digit from the next digit makes the digits'
// distribution symmetric (mean 0), which the external-product noise analysis relies on.
inline int64_t pop_balanced_digit(uint64_t& state, unsigned base_log, uint64_t digit_mask) {
  const uint64_t raw = state & digit_mask;
  state >>= base_log;
  const uint64_t carry = (((raw - 1) | state) & raw) >> (base_log - 1);  // 0 or 1
  state += carry;
  // In unsigned arithmetic (modular, then C++20's modular conversion): with base_log 63 the signed form
  // raw − (−2^63) overflowed (UBSan), although the intended value r − B fits.
  return static_cast<int64_t>(raw - (carry << base_log));
}

}  // namespace

uint64_t Decomposer::closest_representable(uint64_t t) const {
  check_shape(*this);
  const unsigned dropped = dropped_bits(*this);
  if (dropped == 0) return t;
  return rounded_state(t, dropped, 64 - dropped) << dropped;
}

void Decomposer::decompose(uint64_t t, int64_t* digits) const {
  check_shape(*this);
  const unsigned base_log_u = static_cast<unsigned>(base_log.value);
  const unsigned dropped = dropped_bits(*this);
  const uint64_t digit_mask = base_log_u >= 64 ? ~uint64_t{0} : (uint64_t{1} << base_log_u) - 1;
  uint64_t state = rounded_state(t, dropped, 64 - dropped);
  // Least significant digit first; digits[0] is the most significant.
  for (size_t j = level.value; j-- > 0;) digits[j] = pop_balanced_digit(state, base_log_u, digit_mask);
}

uint64_t Decomposer::recompose(const int64_t* digits) const {
  check_shape(*this);
  uint64_t sum = 0;
  for (size_t j = 0; j < level.value; ++j) {
    const unsigned shift = 64u - static_cast<unsigned>((j + 1) * base_log.value);
    sum += static_cast<uint64_t>(digits[j]) << shift;  // wraps mod 2^64
  }
  return sum;
}

void Decomposer::decompose_polynomial(const uint64_t* coefficients, size_t count, int64_t* digits) const {
  check_shape(*this);
  const unsigned base_log_u = static_cast<unsigned>(base_log.value);
  const unsigned dropped = dropped_bits(*this);
  const uint64_t digit_mask = base_log_u >= 64 ? ~uint64_t{0} : (uint64_t{1} << base_log_u) - 1;
  // Chunks of coefficients with the per-level loop inside, so each inner loop is a straight
  // vectorisable pass over `chunk` independent states.
  constexpr size_t kChunk = 64;
  uint64_t state[kChunk];
  for (size_t start = 0; start < count; start += kChunk) {
    const size_t chunk = std::min(kChunk, count - start);
    for (size_t i = 0; i < chunk; ++i) state[i] = rounded_state(coefficients[start + i], dropped, 64 - dropped);
    for (size_t j = level.value; j-- > 0;) {
      int64_t* out = digits + j * count + start;
      for (size_t i = 0; i < chunk; ++i) out[i] = pop_balanced_digit(state[i], base_log_u, digit_mask);
    }
  }
}

void Decomposer::decompose_polynomial_ref(const uint64_t* coefficients, size_t count, int64_t* digits) const {
  int64_t one[64];
  for (size_t i = 0; i < count; ++i) {
    decompose(coefficients[i], one);
    for (size_t j = 0; j < level.value; ++j) digits[j * count + i] = one[j];
  }
}

}  // namespace fheq::tfhe
