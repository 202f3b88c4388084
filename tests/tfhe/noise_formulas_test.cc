// Noise formulas: closed forms checked against independent computations (exhaustive enumeration of
// digit and rounding distributions, direct sums), and the whole model against the Concrete
// optimizer's published table (every row was chosen for p_error 6.3e-5 at weight norm 1).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fheq/error.h"
#include "tfhe/commons/decomposition.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::tfhe::noise {
namespace {

TEST(NoiseFormulas, LinearCombinationIsWeightedSumOfVariances) {
  const std::vector<double> v = {1.0, 2.0, 0.5};
  const std::vector<int64_t> w = {3, -1, 4};
  EXPECT_DOUBLE_EQ(linear_combination_variance(v, w), 9 * 1.0 + 1 * 2.0 + 16 * 0.5);
  EXPECT_DOUBLE_EQ(linear_combination_variance(0.25, 9 + 1 + 16), 26 * 0.25);
  EXPECT_THROW(linear_combination_variance(v, std::vector<int64_t>{1}), Error);
}

TEST(NoiseFormulas, DigitSquareMeanMatchesEnumerationOfBalancedDigits) {
  // Uniform torus values decomposed with balanced digits: enumerate one digit's residues r in [0, B)
  // mapped to r or r − B (the value B/2 goes either way with probability 1/2, depending on the
  // carry from the lower digit) and average d².
  for (size_t beta : {1u, 2u, 3u, 4u, 8u, 15u}) {
    const double B = std::exp2(static_cast<double>(beta));
    double sum = 0;
    const int64_t b = int64_t{1} << beta;
    for (int64_t r = 0; r < b; ++r) {
      if (r < b / 2) sum += double(r) * double(r);
      else if (r > b / 2) sum += double(r - b) * double(r - b);
      else sum += double(b / 2) * double(b / 2);  // ±B/2 both square to B²/4
    }
    EXPECT_NEAR(decomposition_digit_square_mean(DecompositionBaseLog(beta)), sum / B, 1e-12 * B * B) << beta;
  }
}

TEST(NoiseFormulas, RoundingVarianceMatchesEnumerationOnSmallTorus) {
  // Rounding a uniform value to its top βl bits drops 64 − βl bits; the error takes every value of
  // [−M/2, M/2), M = 2^(64−βl), equally often: average e² over that range. Enumerate a range of 2^12 explicitly (βl = 52).
  const int64_t m = 1 << 12;
  double sum = 0;
  for (int64_t r = 0; r < m; ++r) {
    const int64_t e = r < m / 2 ? r : r - m;  // round-to-nearest error in integer units
    sum += double(e) * double(e);
  }
  const double expected = sum / double(m) / std::exp2(128.0);
  EXPECT_NEAR(decomposition_rounding_variance(DecompositionBaseLog(13), DecompositionLevelCount(4)), expected,
              1e-9 * expected);
  EXPECT_EQ(decomposition_rounding_variance(DecompositionBaseLog(16), DecompositionLevelCount(4)), 0.0);
}

TEST(NoiseFormulas, KeyswitchAndModulusSwitchSumTheirTerms) {
  const double ksk = 1e-12;
  // 2048 inputs, 4 levels of 2^4: rounding 1024·2^−32/12 + 2048·4·(256+2)/12·ksk.
  const double expected = 1024 * (std::exp2(-32.0) + 2 * std::exp2(-128.0)) / 12 + 2048.0 * 4 * 258 / 12 * ksk;
  EXPECT_NEAR(keyswitch_additive_variance(2048, DecompositionBaseLog(4), DecompositionLevelCount(4), ksk), expected,
              1e-12 * expected);
  // Explicit Hamming weight replaces n/2.
  const double with_weight =
      keyswitch_additive_variance(2048, DecompositionBaseLog(4), DecompositionLevelCount(4), ksk, 1000.0);
  EXPECT_NEAR(with_weight - expected, -24 * (std::exp2(-32.0) + 2 * std::exp2(-128.0)) / 12, 1e-20);
  // Modulus switch of n = 918 to 2N = 4096: (1 + 459)/(12·4096²).
  EXPECT_NEAR(modulus_switch_variance(918, 2048), 460.0 / 12.0 / (4096.0 * 4096.0), 1e-18);
  EXPECT_NEAR(modulus_switch_variance(918, 2048, 400.0), 401.0 / 12.0 / (4096.0 * 4096.0), 1e-18);
}

TEST(NoiseFormulas, PbsVarianceSumsItsCmuxes) {
  const TfheParams& p = params_concrete_128(4);
  const double sigma2 = p.glwe_noise.gaussian_std * p.glwe_noise.gaussian_std;
  // Direct: (1 − 1/2N)·[(n − k/(k+1))·(k+1)·l·N·(B²+2)/12·σ² + n·(½(1 + kN/2)·rounding + fft)], k = 2.
  const double B = std::exp2(23.0);
  const double ggsw = 3.0 * 1 * 1024 * (B * B + 2) / 12 * sigma2;
  const double rounding = 0.5 * (1 + 1024.0) * (std::exp2(-46.0) + 2 * std::exp2(-128.0)) / 12;
  const double fft = fft_external_product_variance(p.glwe_dimension, p.polynomial_size, p.pbs_base_log, p.pbs_level);
  const double expected = (1 - 1.0 / 2048) * ((801 - 2.0 / 3.0) * ggsw + 801 * (rounding + fft));
  EXPECT_NEAR(pbs_output_variance(p), expected, 1e-9 * expected);
}

TEST(NoiseFormulas, ErrorProbabilityAndItsInverse) {
  // σ = Δ/2 / 3 → two-sided 3-sigma tail: erfc(3/√2) = 0.0026997960632601866.
  const uint32_t p = 4;
  const double sigma = std::exp2(-6.0) / 3.0;
  EXPECT_NEAR(pbs_error_probability(sigma * sigma, p), 0.0026997960632601866, 1e-15);
  EXPECT_EQ(pbs_error_probability(0.0, p), 0.0);
  for (double target : {1e-3, 6.3e-5, 1e-9, 1e-40}) {
    const double v = max_variance_for_error_probability(target, p);
    EXPECT_NEAR(pbs_error_probability(v, p) / target, 1.0, 1e-9) << target;
  }
  EXPECT_THROW(max_variance_for_error_probability(0.0, p), Error);
}

TEST(NoiseFormulas, ReproducesConcreteOptimizerTable) {
  // Every row of the Concrete optimizer's table was chosen for p_error 6.3e-5 at ||w||₂ = 1, so an
  // equivalent noise model must put each set just under that target.
  for (uint32_t p = 1; p <= 8; ++p) {
    const AtomicPatternNoise r = atomic_pattern_noise(params_concrete_128(p), 0.0, p);
    SCOPED_TRACE(params_concrete_128(p).name);
    EXPECT_LE(r.p_error, 6.4e-5);
    EXPECT_GE(r.p_error, 2e-5);  // not grossly pessimistic either
    EXPECT_DOUBLE_EQ(r.total, r.after_linear + r.keyswitch_added + r.modulus_switch_added);
  }
}

TEST(NoiseFormulas, TfhersAndToySetsDecodeReliably) {
  const auto tfhers = atomic_pattern_noise(params_tfhers_m2c2_tuniform_2m128(), 0.0, 4);
  // Without tfhe-rs's modulus-switch noise reduction our model gives ~2^-73 (docs/TFHE.md).
  EXPECT_LT(tfhers.p_error, std::exp2(-64.0));
  for (uint32_t p = 1; p <= 8; ++p) EXPECT_LT(atomic_pattern_noise(params_toy(p), 0.0, p).p_error, 1e-15) << p;
  const double noisy = atomic_pattern_noise(params_toy_noisy(), 0.0, 2).p_error;
  EXPECT_GT(noisy, 0.005);
  EXPECT_LT(noisy, 0.1);
}

TEST(NoiseFormulas, FreshVarianceOfTUniformAndGaussian) {
  NoiseDistribution g;
  g.kind = NoiseKind::kGaussian;
  g.gaussian_std = std::exp2(-20.0);
  EXPECT_DOUBLE_EQ(fresh_variance(g), std::exp2(-40.0));
  NoiseDistribution t;
  t.kind = NoiseKind::kTUniform;
  t.tuniform_bound_log2 = 3;
  // Enumerate TUniform(3): −8..8 with the ends at half weight (total weight 16).
  double sum = 0;
  for (int v = -8; v <= 8; ++v) sum += (std::abs(v) == 8 ? 0.5 : 1.0) * v * v;
  EXPECT_NEAR(fresh_variance(t), sum / 16.0 / std::exp2(128.0), 1e-12 * sum / 16.0 / std::exp2(128.0));
}

}  // namespace
}  // namespace fheq::tfhe::noise
