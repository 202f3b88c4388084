// The blind rotation's fused CMUX input (NegacyclicFft::forward_rotated_digit, cmux_rotate_add):
// X^power·p − p, its signed gadget digits and their forward transform computed in one pass must be
// bit-identical to the step-by-step path built from the independent references (exact monomial
// product rotate_negacyclic_ref, per-coefficient Decomposer::decompose) followed by forward_i64.
// Sizes cover the scalar fallback (N = 32), both AVX-512 pass shapes (odd/even stage counts) and the
// TFHE-rs N = 2048; powers cover no shift, shifts that are and are not multiples of 8 (the vector that
// straddles the wrap), and both halves of [0, 2N).
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "tfhe/algorithms/external_product.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/commons/decomposition.h"
#include "tfhe/fft/fft.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;

struct DecompositionShape {
  unsigned base_log, level;
};

// (23, 1) and (22, 1): the TFHE-rs and p=6 PBS; (16, 4): β·l = 64, nothing rounded off; (63, 1): the
// widest digit; the others: several levels with carries between them.
constexpr DecompositionShape kShapes[] = {{23, 1}, {22, 1}, {15, 2}, {10, 3}, {4, 4}, {16, 4}, {63, 1}, {1, 5}};

std::vector<size_t> powers_for(size_t n, std::mt19937_64& rng) {
  std::vector<size_t> powers = {0, 1, 7, 8, 9, n - 1, n, n + 1, n + 8, n + 13, 2 * n - 1};
  for (int r = 0; r < 4; ++r) powers.push_back(rng() % (2 * n));
  return powers;
}

// Random torus polynomial; `tie_heavy` clears the bits below half a decomposition step so that the
// differences X^power·p − p hit the rounding tie (exactly half a step) about half the time.
std::vector<uint64_t> random_polynomial(std::mt19937_64& rng, size_t n, const DecompositionShape& shape,
                                        bool tie_heavy) {
  std::vector<uint64_t> p(n);
  const unsigned dropped = 64 - shape.base_log * shape.level;
  const uint64_t clear = tie_heavy && dropped > 0 ? ~((uint64_t{1} << (dropped - 1)) - 1) : ~uint64_t{0};
  for (auto& x : p) x = rng() & clear;
  return p;
}

// Step by step from the references: the exact rotation minus p (computed by the caller once per
// power), per-coefficient digits, transform.
FourierPolynomial expected_transform(const NegacyclicFft& fft, const std::vector<uint64_t>& rotated_minus_p,
                                     const DecompositionShape& shape, unsigned digit_index) {
  const size_t n = rotated_minus_p.size();
  const Decomposer decomposer{DecompositionBaseLog{shape.base_log}, DecompositionLevelCount{shape.level}};
  std::vector<int64_t> digit_polynomial(n), digits(shape.level);
  for (size_t c = 0; c < n; ++c) {
    decomposer.decompose(rotated_minus_p[c], digits.data());
    digit_polynomial[c] = digits[digit_index];
  }
  FourierPolynomial out(n);
  fft.forward_i64(digit_polynomial.data(), out);
  return out;
}

size_t count_differences(const FourierPolynomial& x, const FourierPolynomial& y) {
  size_t differences = 0;
  for (size_t i = 0; i < x.re.size(); ++i) differences += (x.re[i] != y.re[i]) + (x.im[i] != y.im[i]);
  return differences;
}

void check_plan(const NegacyclicFft& fft, std::mt19937_64& rng) {
  const size_t n = fft.polynomial_size();
  for (const DecompositionShape& shape : kShapes) {
    for (const bool tie_heavy : {false, true}) {
      const std::vector<uint64_t> p = random_polynomial(rng, n, shape, tie_heavy);
      for (const size_t power : powers_for(n, rng)) {
        std::vector<uint64_t> rotated_minus_p = rotate_negacyclic_ref(p, power);
        for (size_t c = 0; c < n; ++c) rotated_minus_p[c] -= p[c];
        for (unsigned j = 0; j < shape.level; ++j) {
          FourierPolynomial fused(n);
          fft.forward_rotated_digit(p.data(), power, shape.base_log, shape.level, j, fused);
          const FourierPolynomial expected = expected_transform(fft, rotated_minus_p, shape, j);
          ASSERT_EQ(count_differences(fused, expected), 0u)
              << fft_backend_name(fft.backend()) << " N=" << n << " power=" << power << " base_log=" << shape.base_log
              << " level=" << shape.level << " digit=" << j << " tie_heavy=" << tie_heavy;
        }
      }
    }
  }
}

TEST(FftRotatedDigit, NativeMatchesStepByStepReference) {
  std::mt19937_64 rng(test_seed());
  for (const size_t n : {32, 64, 128, 256, 2048, 4096}) check_plan(fft_for(n, FftBackend::kNative), rng);
}

TEST(FftRotatedDigit, FftwMatchesStepByStepReference) {
  std::mt19937_64 rng(test_seed());
  for (const size_t n : {64, 2048}) check_plan(fft_for(n, FftBackend::kFftw), rng);
}

// All digits at once (forward_rotated_digits: one rotation and decomposition for every level; the
// native kernel fuses the two-level case) must equal the per-digit transforms bit for bit, for random
// and tie-heavy polynomials, both pass shapes (N = 2048: odd stage count, N = 4096: even) and the
// scalar fallback (N = 32).
TEST(FftRotatedDigit, AllDigitsAtOnceMatchPerDigitTransforms) {
  std::mt19937_64 rng(test_seed());
  for (const FftBackend backend : {FftBackend::kNative, FftBackend::kFftw}) {
    for (const size_t n : {32, 2048, 4096}) {
      const NegacyclicFft& fft = fft_for(n, backend);
      for (const DecompositionShape& shape : kShapes) {
        for (const bool tie_heavy : {false, true}) {
          const std::vector<uint64_t> p = random_polynomial(rng, n, shape, tie_heavy);
          for (const size_t power : powers_for(n, rng)) {
            std::vector<FourierPolynomial> together(shape.level, FourierPolynomial(n));
            std::vector<FourierPolynomial*> outs;
            for (FourierPolynomial& out : together) outs.push_back(&out);
            fft.forward_rotated_digits(p.data(), power, shape.base_log, shape.level, outs.data());
            for (unsigned j = 0; j < shape.level; ++j) {
              FourierPolynomial alone(n);
              fft.forward_rotated_digit(p.data(), power, shape.base_log, shape.level, j, alone);
              ASSERT_EQ(count_differences(together[j], alone), 0u)
                  << fft_backend_name(backend) << " N=" << n << " power=" << power << " base_log=" << shape.base_log
                  << " level=" << shape.level << " digit=" << j << " tie_heavy=" << tie_heavy;
            }
          }
        }
      }
    }
  }
}

// The most significant digit at its boundaries: with power = N, X^N·p − p = −2p, so choosing
// p = −T/2 makes the coefficients exactly the targets T around the top digit's tie (raw = B/2 must
// stay +B/2, raw = B/2 + 1 becomes negative) and around the rounding half-step, for every shape. Random
// polynomials hit raw = B/2 of a 23-bit top digit with probability 2^-23 per coefficient, so the fast
// kernel's handling of that case needs these crafted inputs.
TEST(FftRotatedDigit, TopDigitBoundariesMatchReference) {
  std::mt19937_64 rng(test_seed());
  for (const size_t n : {64, 2048, 4096}) {
    const NegacyclicFft& fft = fft_for(n, FftBackend::kNative);
    for (const DecompositionShape& shape : kShapes) {
      const unsigned d = 64 - shape.base_log * shape.level;
      const unsigned top_shift = 64 - shape.base_log;  // position of the top digit
      const uint64_t half_base = uint64_t{1} << (top_shift + shape.base_log - 1);  // B/2 · 2^(64−β)
      const uint64_t unit = uint64_t{1} << top_shift, half_step = d == 0 ? 0 : uint64_t{1} << (d - 1);
      const uint64_t targets[] = {half_base,
                                  half_base + unit,
                                  half_base - unit,
                                  uint64_t{0} - half_base,
                                  half_base - half_step,
                                  half_base + half_step,
                                  half_base - half_step - 2,
                                  half_base - unit + half_step,
                                  half_step,
                                  uint64_t{0} - half_step,
                                  0};
      std::vector<uint64_t> p(n);
      for (size_t c = 0; c < n; ++c) {
        const uint64_t target = targets[rng() % std::size(targets)];
        p[c] = (uint64_t{0} - target) / 2 + ((rng() & 1) ? uint64_t{1} << 63 : 0);  // −2·p = target when even
      }
      std::vector<uint64_t> rotated_minus_p = rotate_negacyclic_ref(p, n);
      for (size_t c = 0; c < n; ++c) rotated_minus_p[c] -= p[c];
      std::vector<FourierPolynomial> together(shape.level, FourierPolynomial(n));
      std::vector<FourierPolynomial*> outs;
      for (FourierPolynomial& out : together) outs.push_back(&out);
      fft.forward_rotated_digits(p.data(), n, shape.base_log, shape.level, outs.data());
      for (unsigned j = 0; j < shape.level; ++j) {
        const FourierPolynomial expected = expected_transform(fft, rotated_minus_p, shape, j);
        FourierPolynomial fused(n);
        fft.forward_rotated_digit(p.data(), n, shape.base_log, shape.level, j, fused);
        ASSERT_EQ(count_differences(fused, expected), 0u)
            << "N=" << n << " base_log=" << shape.base_log << " level=" << shape.level << " digit=" << j;
        ASSERT_EQ(count_differences(together[j], expected), 0u)
            << "all digits, N=" << n << " base_log=" << shape.base_log << " level=" << shape.level << " digit=" << j;
      }
    }
  }
}

// The whole CMUX: acc += GGSW ⊡ (X^power·acc − acc) against the unfused rotation + external product.
// The "GGSW" is any Fourier data of the right shape (the identity is algebraic, not cryptographic).
TEST(FftRotatedDigit, CmuxRotateAddMatchesRotationThenExternalProduct) {
  std::mt19937_64 rng(test_seed());
  struct Shape {
    size_t k, n;
    unsigned base_log, level;
  };
  for (const Shape& shape : {Shape{1, 2048, 23, 1}, Shape{1, 4096, 15, 2}, Shape{2, 256, 10, 3}, Shape{1, 64, 4, 4}}) {
    const size_t columns = shape.k + 1, rows = columns * shape.level, n = shape.n;
    const GlweDimension k{shape.k};
    const PolynomialSize big_n{n};
    const DecompositionBaseLog base_log{shape.base_log};
    const DecompositionLevelCount level{shape.level};
    const NegacyclicFft& fft = fft_for(n);
    std::vector<FourierPolynomial> ggsw(rows * columns, FourierPolynomial(n));
    for (FourierPolynomial& polynomial : ggsw) {
      std::vector<uint64_t> coefficients(n);
      for (auto& x : coefficients) x = rng();
      fft.forward_torus(coefficients.data(), polynomial);
    }
    ExternalProductScratch scratch(k, big_n, level);
    for (const size_t power : powers_for(n, rng)) {
      std::vector<Torus> acc(columns * n);
      for (auto& x : acc) x = rng();
      std::vector<Torus> expected = acc, rotated(columns * n);
      for (size_t c = 0; c < columns; ++c)
        rotate_negacyclic_minus_one(acc.data() + c * n, n, power, rotated.data() + c * n);
      external_product_add(ggsw.data(), k, big_n, base_log, level, rotated.data(), expected.data(), scratch);
      cmux_rotate_add(ggsw.data(), k, big_n, base_log, level, power, acc.data(), scratch);
      ASSERT_EQ(acc, expected) << "k=" << shape.k << " N=" << n << " power=" << power;
    }
  }
}

}  // namespace
}  // namespace fheq::tfhe
