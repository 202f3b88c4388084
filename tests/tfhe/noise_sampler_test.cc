// Noise samplers: exact support and statistics (mean, variance, frequencies) within confidence bounds.
#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "fheq/error.h"
#include "tfhe/commons/noise_sampler.h"

namespace fheq::tfhe {
namespace {

using ::fheq::test_support::test_seed;

Seed seed_from_test() {
  std::mt19937_64 rng(test_seed());
  Seed seed;
  for (auto& b : seed) b = static_cast<uint8_t>(rng());
  return seed;
}

NoiseDistribution tuniform(uint32_t bound_log2) {
  NoiseDistribution d;
  d.kind = NoiseKind::kTUniform;
  d.tuniform_bound_log2 = bound_log2;
  return d;
}

NoiseDistribution gaussian(double std) {
  NoiseDistribution d;
  d.kind = NoiseKind::kGaussian;
  d.gaussian_std = std;
  return d;
}

// Mean, variance and fourth central moment of samples (as signed integers), in long double.
struct Moments {
  long double mean = 0, variance = 0, fourth = 0;
};
Moments moments(const std::vector<uint64_t>& samples) {
  Moments m;
  for (uint64_t s : samples) m.mean += static_cast<long double>(static_cast<int64_t>(s));
  m.mean /= samples.size();
  for (uint64_t s : samples) {
    const long double d = static_cast<long double>(static_cast<int64_t>(s)) - m.mean;
    m.variance += d * d;
    m.fourth += d * d * d * d;
  }
  m.variance /= samples.size() - 1;
  m.fourth /= samples.size();
  return m;
}

TEST(NoiseDistribution, TUniformVarianceMatchesEnumeration) {
  // Independent check of (2^(2b+1) + 1)/6: enumerate the support with its weights.
  for (uint32_t b : {0u, 1u, 2u, 5u, 10u}) {
    const long double k = std::ldexp(1.0L, static_cast<int>(b));
    long double weight = 0, second = 0;
    for (long double i = -k; i <= k; i += 1) {
      const long double w = (i == -k || i == k) ? 0.5L : 1.0L;
      weight += w;
      second += w * i * i;
    }
    const double expected = static_cast<double>(second / weight / std::ldexp(1.0L, 128));
    EXPECT_NEAR(tuniform(b).variance(), expected, expected * 1e-12) << "b=" << b;
  }
  EXPECT_DOUBLE_EQ(gaussian(0x1p-40).variance(), 0x1p-80);
  // The tfhe-rs default GLWE noise TUniform(2^17): (2^35 + 1)/6 / 2^128.
  EXPECT_NEAR(tuniform(17).variance(), (0x1p35 + 1) / 6 * 0x1p-128, 1e-12 * 0x1p35 / 6 * 0x1p-128);
}

TEST(NoiseSampler, TUniformSmallBoundHasExactFrequencies) {
  // b = 2: support {-4..4}, inner values probability 1/8, end points 1/16. Each count is
  // Binomial(n, p): |count − n·p| ≤ 5·sqrt(n·p·(1−p)).
  NoiseSampler sampler(seed_from_test());
  const size_t n = 200000;
  std::vector<uint64_t> samples(n);
  sampler.fill(tuniform(2), samples.data(), n);
  std::map<int64_t, size_t> counts;
  for (uint64_t s : samples) ++counts[static_cast<int64_t>(s)];
  for (const auto& [value, count] : counts) ASSERT_TRUE(value >= -4 && value <= 4) << "value " << value;
  for (int64_t v = -4; v <= 4; ++v) {
    const double p = (v == -4 || v == 4) ? 1.0 / 16 : 1.0 / 8;
    EXPECT_LE(std::fabs(static_cast<double>(counts[v]) - n * p), 5 * std::sqrt(n * p * (1 - p))) << "value " << v;
  }
}

TEST(NoiseSampler, TUniformMomentsWithinConfidenceBounds) {
  // Sample mean: |m| ≤ 5·σ/√n. Sample variance: |s² − σ²| ≤ 5·sqrt((μ4 − σ⁴)/n), μ4 measured.
  NoiseSampler sampler(seed_from_test());
  const size_t n = 200000;
  for (uint32_t b : {3u, 17u, 45u}) {
    std::vector<uint64_t> samples(n);
    sampler.fill(tuniform(b), samples.data(), n);
    const long double bound = std::ldexp(1.0L, static_cast<int>(b));
    for (uint64_t s : samples) {
      const long double v = static_cast<long double>(static_cast<int64_t>(s));
      ASSERT_TRUE(v >= -bound && v <= bound) << "b=" << b << " value " << v;
    }
    const Moments m = moments(samples);
    const long double sigma2 = tuniform(b).variance() * std::ldexp(1.0L, 128);
    EXPECT_LE(std::fabs(m.mean), 5 * std::sqrt(sigma2 / n)) << "b=" << b;
    EXPECT_LE(std::fabs(m.variance - sigma2), 5 * std::sqrt((m.fourth - sigma2 * sigma2) / n))
        << "b=" << b << " measured " << static_cast<double>(m.variance) << " expected " << static_cast<double>(sigma2);
  }
}

TEST(NoiseSampler, GaussianMomentsWithinConfidenceBounds) {
  // N(0, σ²) in torus units: mean within 5σ/√n; variance within 5·σ²·sqrt(2/n) (μ4 = 3σ⁴);
  // P(|e| ≤ σ) = 0.682689 within 5·sqrt(p(1−p)/n).
  NoiseSampler sampler(seed_from_test());
  const size_t n = 200000;
  for (double std : {0x1p-40, 0x1p-25, 2.9403601535432533e-16 /* ~2^-51.6, Concrete-style */}) {
    std::vector<uint64_t> samples(n);
    sampler.fill(gaussian(std), samples.data(), n);
    const Moments m = moments(samples);
    const long double sigma = std::ldexp(static_cast<long double>(std), 64);
    const long double sigma2 = sigma * sigma + 1.0L / 12;  // + rounding to integers (Sheppard)
    EXPECT_LE(std::fabs(m.mean), 5 * sigma / std::sqrt(static_cast<long double>(n))) << "std=" << std;
    EXPECT_LE(std::fabs(m.variance / sigma2 - 1), 5 * std::sqrt(2.0 / n)) << "std=" << std;
    size_t inside = 0;
    for (uint64_t s : samples) inside += std::fabs(static_cast<long double>(static_cast<int64_t>(s))) <= sigma;
    const double p = 0.6826894921370859;
    EXPECT_LE(std::fabs(static_cast<double>(inside) / n - p), 5 * std::sqrt(p * (1 - p) / n)) << "std=" << std;
  }
}

TEST(NoiseSampler, SameSeedReplaysTheSameNoise) {
  const Seed seed = seed_from_test();
  NoiseSampler a(seed), b(seed);
  std::vector<uint64_t> x(1000), y(1000);
  a.fill(gaussian(0x1p-30), x.data(), x.size());
  b.fill(gaussian(0x1p-30), y.data(), y.size());
  EXPECT_EQ(x, y);
  EXPECT_EQ(a.sample(tuniform(10)), b.sample(tuniform(10)));
}

TEST(NoiseSampler, RejectsInvalidDistributions) {
  NoiseSampler sampler(seed_from_test());
  EXPECT_THROW(sampler.sample(tuniform(63)), fheq::Error);
  EXPECT_THROW(sampler.sample(gaussian(-1.0)), fheq::Error);
  EXPECT_THROW(sampler.sample(gaussian(std::nan(""))), fheq::Error);
}

}  // namespace
}  // namespace fheq::tfhe
