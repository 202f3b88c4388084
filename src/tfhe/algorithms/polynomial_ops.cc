#include "tfhe/algorithms/polynomial_ops.h"

#include <bit>

#include "core/check.h"
#include "tfhe/commons/decomposition.h"
#include "tfhe/fft/fft_ref.h"

namespace fheq::tfhe {

unsigned log2_exact(size_t power_of_two) {
  FHEQ_CHECK(std::has_single_bit(power_of_two), "not a power of two: ", power_of_two);
  return static_cast<unsigned>(std::countr_zero(power_of_two));
}

void rotate_negacyclic(const Torus* in, size_t polynomial_size, size_t power, Torus* out) {
  const size_t n = polynomial_size;
  // X^power with power ≥ N is −X^(power−N).
  const bool negate = power >= n;
  const size_t shift = negate ? power - n : power;
  // Coefficient c moves to c + shift; those crossing X^N wrap with a sign flip.
  const Torus wrap_sign = negate ? 0 : ~Torus{0};  // out = (in XOR mask) − mask: negates when mask = all ones
  const Torus keep_sign = negate ? ~Torus{0} : 0;
  for (size_t c = 0; c < shift; ++c) out[c] = (in[c + n - shift] ^ wrap_sign) - wrap_sign;
  for (size_t c = shift; c < n; ++c) out[c] = (in[c - shift] ^ keep_sign) - keep_sign;
}

void rotate_negacyclic_minus_one(const Torus* in, size_t polynomial_size, size_t power, Torus* out) {
  const size_t n = polynomial_size;
  const bool negate = power >= n;
  const size_t shift = negate ? power - n : power;
  if (!negate) {
    for (size_t c = 0; c < shift; ++c) out[c] = Torus{0} - in[c + n - shift] - in[c];
    for (size_t c = shift; c < n; ++c) out[c] = in[c - shift] - in[c];
  } else {
    for (size_t c = 0; c < shift; ++c) out[c] = in[c + n - shift] - in[c];
    for (size_t c = shift; c < n; ++c) out[c] = Torus{0} - in[c - shift] - in[c];
  }
}

std::vector<Torus> rotate_negacyclic_ref(const std::vector<Torus>& in, size_t power) {
  const size_t n = in.size();
  FHEQ_CHECK(power < 2 * n);
  std::vector<Torus> monomial(n, 0);
  if (power < n) monomial[power] = 1;
  else monomial[power - n] = ~Torus{0};  // −1
  return negacyclic_multiply_ref(in, monomial);
}

void decompose_polynomial(const Torus* in, size_t polynomial_size, DecompositionBaseLog base_log,
                          DecompositionLevelCount level, int64_t* digits) {
  // The Decomposer's chunked, vectorisable polynomial path (same rounding and tie rule as decompose()).
  Decomposer{base_log, level}.decompose_polynomial(in, polynomial_size, digits);
}

void decompose_polynomial_ref(const Torus* in, size_t polynomial_size, DecompositionBaseLog base_log,
                              DecompositionLevelCount level, int64_t* digits) {
  const Decomposer decomposer{base_log, level};
  std::vector<int64_t> one(level.value);
  for (size_t c = 0; c < polynomial_size; ++c) {
    decomposer.decompose(in[c], one.data());
    for (size_t j = 0; j < level.value; ++j) digits[j * polynomial_size + c] = one[j];
  }
}

uint64_t modulus_switch_ref(Torus x, unsigned log_modulus) {
  // round(x·2^log / 2^64) = floor((x·2^log + 2^63) / 2^64), computed exactly in 128 bits.
  const unsigned __int128 scaled = (static_cast<unsigned __int128>(x) << log_modulus) + (static_cast<unsigned __int128>(1) << 63);
  return static_cast<uint64_t>(scaled >> 64) % (uint64_t{1} << log_modulus);
}

void modulus_switch_lwe(const Torus* in, size_t size, size_t polynomial_size, size_t multiple, uint64_t* out) {
  // Rounding to multiples of c in Z_2N is a switch to Z_{2N/c} followed by a multiplication by c.
  const unsigned log_multiple = log2_exact(multiple);
  const unsigned log_modulus = log2_exact(2 * polynomial_size) - log_multiple;
  for (size_t i = 0; i < size; ++i) out[i] = modulus_switch(in[i], log_modulus) << log_multiple;
}

void modulus_switch_lwe_ref(const Torus* in, size_t size, size_t polynomial_size, size_t multiple, uint64_t* out) {
  const uint64_t target = 2 * polynomial_size / multiple;
  for (size_t i = 0; i < size; ++i) {
    // round(x·target / 2^64) with long double would lose bits; use 128-bit integers directly.
    const unsigned __int128 scaled = static_cast<unsigned __int128>(in[i]) * target + (static_cast<unsigned __int128>(1) << 63);
    out[i] = static_cast<uint64_t>((scaled >> 64) % target) * multiple;
  }
}

}  // namespace fheq::tfhe
