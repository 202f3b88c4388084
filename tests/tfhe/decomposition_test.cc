// Signed gadget decomposition: recomposition, digit bounds, balance, edges, bulk == reference.
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "tfhe/commons/decomposition.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;

Decomposer make(size_t base_log, size_t level) {
  return Decomposer{DecompositionBaseLog(base_log), DecompositionLevelCount(level)};
}

// (base_log, level) pairs: every PBS and KS decomposition of DESIGN.md §3's tables, plus extremes.
const std::pair<size_t, size_t> kShapes[] = {
    {15, 1}, {18, 1}, {23, 1}, {22, 1}, {15, 2},           // PBS
    {3, 3},  {4, 3},  {5, 3},  {4, 4},  {6, 3},  {4, 5},   // KS
    {1, 1},  {1, 64}, {2, 32}, {63, 1}, {32, 2}, {8, 8}, {10, 6}, {7, 9}};

// Independent reference: round half up of t / 2^s, times 2^s, in 128-bit arithmetic.
uint64_t closest_reference(uint64_t t, size_t kept_bits) {
  const unsigned s = 64 - static_cast<unsigned>(kept_bits);
  if (s == 0) return t;
  const unsigned __int128 rounded = ((static_cast<unsigned __int128>(t) + (static_cast<unsigned __int128>(1) << (s - 1))) >> s) << s;
  return static_cast<uint64_t>(rounded);  // mod 2^64
}

TEST(Decomposer, RecomposesClosestRepresentableWithBoundedDigits) {
  std::mt19937_64 rng(test_seed());
  for (auto [base_log, level] : kShapes) {
    const Decomposer d = make(base_log, level);
    const int64_t half = int64_t{1} << (base_log - 1);
    std::vector<int64_t> digits(level);
    for (int i = 0; i < 20000; ++i) {
      const uint64_t t = rng();
      const uint64_t closest = d.closest_representable(t);
      ASSERT_EQ(closest, closest_reference(t, base_log * level)) << base_log << "x" << level << " t=" << t;
      d.decompose(t, digits.data());
      for (int64_t digit : digits) ASSERT_TRUE(digit >= -half && digit <= half) << base_log << "x" << level << " digit " << digit;
      // Independent recomposition in 128-bit signed arithmetic, reduced mod 2^64.
      __int128 sum = 0;
      for (size_t j = 0; j < level; ++j) sum += static_cast<__int128>(digits[j]) * (static_cast<__int128>(1) << (64 - (j + 1) * base_log));
      ASSERT_EQ(static_cast<uint64_t>(sum), closest) << base_log << "x" << level << " t=" << t;
      ASSERT_EQ(d.recompose(digits.data()), closest);
    }
  }
}

TEST(Decomposer, DigitsAreBalancedAroundZero) {
  // tfhe-rs's balanced rule makes every digit below the top one symmetric: mean 0. (A plain
  // [−B/2, B/2) decomposition has mean ≈ −1/2 per digit and fails this.) The top digit is exempt:
  // ±B/2 there are the same torus value (2^63), no carry goes above it, so +B/2 is always chosen.
  // Bound: 5 standard errors, σ_digit ≤ B/√12 + 1/2.
  std::mt19937_64 rng(test_seed());
  for (auto [base_log, level] : {std::pair<size_t, size_t>{1, 8}, {2, 6}, {3, 3}, {4, 4}, {5, 3}}) {
    const Decomposer d = make(base_log, level);
    std::vector<int64_t> digits(level);
    const int n = 100000;
    std::vector<double> sum(level, 0.0);
    for (int i = 0; i < n; ++i) {
      d.decompose(rng(), digits.data());
      for (size_t j = 0; j < level; ++j) sum[j] += static_cast<double>(digits[j]);
    }
    const double sigma = std::ldexp(1.0, static_cast<int>(base_log)) / std::sqrt(12.0) + 0.5;
    for (size_t j = 1; j < level; ++j) {
      EXPECT_LE(std::fabs(sum[j] / n), 5 * sigma / std::sqrt(static_cast<double>(n)))
          << base_log << "x" << level << " level " << j << " mean " << sum[j] / n;
    }
  }
}

TEST(Decomposer, EdgeValues) {
  const Decomposer d = make(4, 2);  // keeps the top 8 bits; s = 56
  std::vector<int64_t> digits(2);
  auto decomposed = [&](uint64_t t) {
    d.decompose(t, digits.data());
    return digits;
  };
  EXPECT_EQ(decomposed(0), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(decomposed(~uint64_t{0}), (std::vector<int64_t>{0, 0}));  // −1 rounds to 0 (mod 2^64)
  const uint64_t half_step = uint64_t{1} << 55;
  EXPECT_EQ(decomposed(half_step - 1), (std::vector<int64_t>{0, 0}));  // just below half: down
  EXPECT_EQ(decomposed(half_step), (std::vector<int64_t>{0, 1}));      // half rounds up
  // 1/2 of the torus: top digit exactly B/2 = 8 with nothing below: kept as +8.
  EXPECT_EQ(decomposed(uint64_t{1} << 63), (std::vector<int64_t>{8, 0}));
  // 0x88·2^56: low digit 8 with next digit 8 ≥ B/2 → low becomes −8, carry makes the top 9 → −7.
  EXPECT_EQ(decomposed(uint64_t{0x88} << 56), (std::vector<int64_t>{-7, -8}));
  // 0xF8·2^56 = −8·2^56: low digit 8, next digit 15 → −8 and carry; the top wraps to 0.
  EXPECT_EQ(decomposed(uint64_t{0xF8} << 56), (std::vector<int64_t>{0, -8}));
  const Decomposer full = make(16, 4);  // no rounding at all
  EXPECT_EQ(full.closest_representable(0x123456789abcdef1ULL), 0x123456789abcdef1ULL);
}

TEST(Decomposer, PolynomialDecompositionMatchesScalarReference) {
  std::mt19937_64 rng(test_seed());
  for (auto [base_log, level] : kShapes) {
    const Decomposer d = make(base_log, level);
    for (size_t count : {1, 63, 1000, 2048}) {
      std::vector<uint64_t> poly(count);
      for (auto& c : poly) c = rng();
      std::vector<int64_t> fast(count * level), ref(count * level);
      d.decompose_polynomial(poly.data(), count, fast.data());
      d.decompose_polynomial_ref(poly.data(), count, ref.data());
      ASSERT_EQ(fast, ref) << base_log << "x" << level << " count " << count;
    }
  }
}

}  // namespace
}  // namespace fheq::tfhe
