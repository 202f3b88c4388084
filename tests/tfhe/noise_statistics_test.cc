// The noise model (tfhe/commons/noise_formulas.h) against measurements: variances of fresh
// encryptions, keyswitch outputs and PBS outputs within 1/16 relative of the formulas, and the
// failure rate of a deliberately noisy set inside the Clopper–Pearson interval of its prediction.
//
// Sample sizes: the relative standard deviation of a mean-square estimate from m Gaussian samples is
// sqrt(2/m); keyswitch and PBS noise also depend on the (fixed) key noise, whose contribution
// fluctuates by sqrt(2/T) over T independent key-noise terms. Each test sizes m (and the number of
// keys) so that the 1/16 tolerance is at least 4 combined standard deviations.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/external_product.h"
#include "tfhe/algorithms/ggsw_encryption.h"
#include "tfhe/algorithms/glwe_encryption.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

constexpr double kTolerance = 1.0 / 16.0;

// A torus difference as a signed fraction of the torus.
double torus_error(Torus phase, Torus expected) {
  return static_cast<double>(static_cast<int64_t>(phase - expected)) * 0x1p-64;
}

double key_weight(const LweSecretKey& key) {
  return static_cast<double>(std::accumulate(key.data.begin(), key.data.end(), uint64_t{0}));
}

NoiseDistribution gaussian(double log2_std) {
  NoiseDistribution d;
  d.kind = NoiseKind::kGaussian;
  d.gaussian_std = std::exp2(log2_std);
  return d;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(NoiseStatistics, FreshEncryptionVarianceMatchesDistribution) {
  const uint64_t seed = test_seed();
  Csprng key_generator(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(LweDimension(128), key_generator);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  NoiseDistribution tuniform;
  tuniform.kind = NoiseKind::kTUniform;
  tuniform.tuniform_bound_log2 = 40;
  // m = 8192: sqrt(2/8192) = 1.6% ≤ (1/16)/4.
  constexpr int kSamples = 8192;
  for (const NoiseDistribution& dist : {gaussian(-25.0), tuniform, params_tfhers_m2c2_tuniform_2m128().lwe_noise}) {
    double sum_squares = 0;
    for (int i = 0; i < kSamples; ++i) {
      const Torus m = encode_message(static_cast<uint64_t>(i) % 16, 4);
      const double e = torus_error(decrypt_lwe(key, encrypt_lwe(key, m, dist, masks, noise)), m);
      sum_squares += e * e;
    }
    const double measured = sum_squares / kSamples, predicted = noise::fresh_variance(dist);
    std::printf("fresh: measured %.4e predicted %.4e (ratio %.4f)\n", measured, predicted, measured / predicted);
    EXPECT_NEAR(measured / predicted, 1.0, kTolerance);
  }
}

TEST(NoiseStatistics, KeyswitchVarianceMatchesFormula) {
  const uint64_t seed = test_seed();
  // KS from k·N = 1024 to n = 64 with 4 levels of 2^4 and a KSK noise of 2^-20, so the key term
  // (1024·4·(2^8+2)/12·2^-40 ≈ 2^-23.6) dominates the rounding term (≈ 2^-37).
  TfheParams params = params_toy(4);
  params.polynomial_size = PolynomialSize(1024);
  params.ks_base_log = DecompositionBaseLog(4);
  params.ks_level = DecompositionLevelCount(4);
  params.lwe_noise = gaussian(-20.0);
  params.glwe_noise = gaussian(-40.0);
  // 4 keys × 4096 samples: key fluctuation sqrt(2/(4·4096)) = 1.1%, sampling sqrt(2/16384) = 1.1%:
  // 1.6% combined, 1/16 ≈ 4 sigma.
  constexpr int kKeys = 4, kSamplesPerKey = 4096;
  double measured_sum = 0, predicted_sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int key_index = 0; key_index < kKeys; ++key_index) {
    const uint64_t key_seed = seed * 31 + key_index;
    Csprng key_generator(make_seed(key_seed, 1));
    const LweSecretKey small = generate_lwe_secret_key(params.lwe_dimension, key_generator);
    const LweSecretKey big = generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, key_generator).as_lwe_key();
    Csprng ksk_masks(make_seed(key_seed, 2));
    NoiseSampler ksk_noise(make_seed(key_seed, 3));
    const LweKeyswitchKey ksk = generate_lwe_keyswitch_key(big, small, params.ks_base_log, params.ks_level,
                                                           params.lwe_noise, ksk_masks, ksk_noise);
    Csprng masks(make_seed(key_seed, 4));
    NoiseSampler noise(make_seed(key_seed, 5));
    std::vector<LweCiphertext> inputs, outputs;
    std::vector<Torus> messages;
    for (int i = 0; i < kSamplesPerKey; ++i) {
      messages.push_back(encode_message(static_cast<uint64_t>(i) % 4, 2));
      inputs.push_back(encrypt_lwe(big, messages.back(), params.glwe_noise, masks, noise));
    }
    keyswitch_lwe_batch(ksk, inputs, outputs);
    for (int i = 0; i < kSamplesPerKey; ++i) {
      const double e = torus_error(decrypt_lwe(small, outputs[i]), messages[i]);
      measured_sum += e * e;
    }
    predicted_sum += kSamplesPerKey * (noise::fresh_variance(params.glwe_noise) +
                                       noise::keyswitch_additive_variance(big.size(), params.ks_base_log, params.ks_level,
                                                                          params.lwe_noise.variance(), key_weight(big)));
  }
  const double ratio = measured_sum / predicted_sum;
  std::printf("keyswitch: measured %.4e predicted %.4e (ratio %.4f), %.1f s\n", measured_sum / (kKeys * kSamplesPerKey),
              predicted_sum / (kKeys * kSamplesPerKey), ratio, seconds_since(start));
  EXPECT_NEAR(ratio, 1.0, kTolerance);
}

TEST(NoiseStatistics, ModulusSwitchVarianceMatchesFormula) {
  const uint64_t seed = test_seed();
  // The TFHERS shape (n = 918, 2N = 4096): the rounding of n + 1 coefficients to multiples of q/2N,
  // measured on the phase in Z_2N against the exact phase scaled by 2N/q. Encryption noise 2^-50 is
  // negligible next to the switch (≈ 2^-18.7). 8192 samples: sqrt(2/8192) = 1.6%, 1/16 = 4 sigma.
  constexpr size_t kN = 2048, kDimension = 918;
  constexpr int kSamples = 8192;
  Csprng key_generator(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(LweDimension(kDimension), key_generator);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  const NoiseDistribution tiny = gaussian(-50.0);
  std::vector<uint64_t> switched(kDimension + 1);
  double sum_squares = 0;
  for (int i = 0; i < kSamples; ++i) {
    const LweCiphertext c = encrypt_lwe(key, encode_message(static_cast<uint64_t>(i) % 16, 4), tiny, masks, noise);
    modulus_switch_lwe(c.data.data(), c.data.size(), kN, 1, switched.data());
    uint64_t phase = switched[kDimension];
    for (size_t j = 0; j < kDimension; ++j) phase -= switched[j] * key.data[j];
    phase &= 2 * kN - 1;
    const double exact = static_cast<double>(decrypt_lwe(key, c)) * 0x1p-64 * (2.0 * kN);
    double e = static_cast<double>(phase) - exact;
    e -= 2.0 * kN * std::round(e / (2.0 * kN));  // centre in (−N, N]
    sum_squares += (e / (2.0 * kN)) * (e / (2.0 * kN));
  }
  const double measured = sum_squares / kSamples;
  const double predicted = noise::fresh_variance(tiny) + noise::modulus_switch_variance(kDimension, kN, key_weight(key));
  std::printf("modulus switch: measured %.4e predicted %.4e (ratio %.4f), key weight %.0f\n", measured, predicted,
              measured / predicted, key_weight(key));
  EXPECT_NEAR(measured / predicted, 1.0, kTolerance);
}

TEST(NoiseStatistics, PbsVarianceMatchesFormula) {
  const uint64_t seed = test_seed();
  // n = 64, k = 1, N = 256, PBS 2 levels of 2^12, BSK noise 2^-32: the GGSW term
  // (≈ 64·2·2·256·2^24/12·2^-64 = 2^-27.6) dominates rounding (2^-39.6) and FFT (< 2^-50) terms.
  TfheParams params = params_toy(2);
  params.polynomial_size = PolynomialSize(256);
  params.pbs_base_log = DecompositionBaseLog(12);
  params.pbs_level = DecompositionLevelCount(2);
  params.glwe_noise = gaussian(-32.0);
  params.lwe_noise = gaussian(-40.0);
  // One key: n·(k+1)·l·N = 65536 key-noise terms per output (0.55%); 12288 samples (1.3%):
  // 1.4% combined, 1/16 ≈ 4.4 sigma.
  constexpr int kSamples = 12288;
  const testing::TestKeys keys(params, seed, /*with_keyswitch_key=*/false);
  // A random table, so the first CMUX's body digits are uniform like the formula assumes.
  std::mt19937_64 rng(seed);
  std::vector<Torus> table_outputs(4);
  for (Torus& t : table_outputs) t = rng();
  const LookupTable table = make_lookup_table(params.glwe_dimension, params.polynomial_size, 2, table_outputs);
  Csprng masks(make_seed(seed, 6));
  NoiseSampler noise(make_seed(seed, 7));
  std::vector<LweCiphertext> inputs, outputs;
  for (int i = 0; i < kSamples; ++i)
    inputs.push_back(encrypt_lwe(keys.small_key, encode_message(static_cast<uint64_t>(i) % 4, 2), params.lwe_noise,
                                 masks, noise));
  const auto start = std::chrono::steady_clock::now();
  bootstrap_lwe_batch(keys.fourier_key, {&table}, inputs, outputs);
  const double elapsed = seconds_since(start);
  double sum_squares = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double e = torus_error(decrypt_lwe(keys.big_key, outputs[i]), table_outputs[i % 4]);
    sum_squares += e * e;
  }
  const double measured = sum_squares / kSamples, predicted = noise::pbs_output_variance(params);
  std::printf("pbs: measured %.4e predicted %.4e (ratio %.4f), %d PBS in %.1f s\n", measured, predicted,
              measured / predicted, kSamples, elapsed);
  EXPECT_NEAR(measured / predicted, 1.0, kTolerance);
}

TEST(NoiseStatistics, FftErrorOfExternalProductIsWithinEstimate) {
  const uint64_t seed = test_seed();
  // The FFT term is an estimate (noise_formulas.h): measure the phase difference between the f64 FFT
  // external product and the exact one (noiseless GGSW of 1, uniform GLWE input) at the TFHERS,
  // CONCRETE_P6 and CONCRETE_P4 shapes, and require the estimate to be right within a factor 4 —
  // enough to keep it from ever hiding a dominant term unnoticed.
  struct Shape { size_t k, N, beta, level; };
  for (const Shape& shape : {Shape{1, 2048, 23, 1}, Shape{1, 4096, 22, 1}, Shape{2, 1024, 23, 1}}) {
    const GlweDimension k(shape.k);
    const PolynomialSize N(shape.N);
    const DecompositionBaseLog beta(shape.beta);
    const DecompositionLevelCount level(shape.level);
    Csprng generator(make_seed(seed, 20 + shape.N));
    NoiseSampler noise(make_seed(seed, 40 + shape.N));
    const GlweSecretKey key = generate_glwe_secret_key(k, N, generator);
    const GgswCiphertext ggsw = encrypt_ggsw(key, 1, beta, level, gaussian(-200.0), generator, noise);
    const FourierGgswCiphertext fourier = convert_to_fourier_ggsw(ggsw);
    double sum_squares = 0;
    size_t count = 0;
    for (int trial = 0; trial < 2; ++trial) {
      GlweCiphertext input(k, N);
      generator.fill_u64(input.data.data(), input.data.size());
      const std::vector<Torus> fast = decrypt_glwe(key, external_product(fourier, input));
      const std::vector<Torus> exact = decrypt_glwe(key, external_product_ref(ggsw, input));
      for (size_t i = 0; i < fast.size(); ++i, ++count) {
        const double e = torus_error(fast[i], exact[i]);
        sum_squares += e * e;
      }
    }
    const double measured = sum_squares / double(count);
    const double predicted = noise::fft_external_product_variance(k, N, beta, level);
    std::printf("fft k=%zu N=%zu %zux%zu: measured %.3e (2^%.1f) predicted %.3e (2^%.1f), ratio %.2f\n", shape.k,
                shape.N, shape.level, shape.beta, measured, std::log2(measured), predicted, std::log2(predicted),
                measured / predicted);
    EXPECT_GT(measured, predicted / 4);
    EXPECT_LT(measured, predicted * 4);
  }
}

// P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
double binomial_cdf(int k, int n, double p) {
  if (p <= 0) return 1.0;
  if (p >= 1) return k >= n ? 1.0 : 0.0;
  double total = 0;
  for (int i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                            i * std::log(p) + (n - i) * std::log1p(-p);
    total += std::exp(log_term);
  }
  return std::min(total, 1.0);
}

// Two-sided Clopper–Pearson interval at confidence 1 − alpha, by bisection on the binomial CDF.
std::pair<double, double> clopper_pearson(int failures, int trials, double alpha) {
  auto solve = [](auto&& too_low) {
    double lo = 0, hi = 1;
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (lo + hi);
      (too_low(mid) ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  };
  // Lower: P(X ≥ failures | p) = alpha/2; upper: P(X ≤ failures | p) = alpha/2.
  const double lower = failures == 0 ? 0.0 : solve([&](double p) { return 1.0 - binomial_cdf(failures - 1, trials, p) < alpha / 2; });
  const double upper = failures == trials ? 1.0 : solve([&](double p) { return binomial_cdf(failures, trials, p) > alpha / 2; });
  return {lower, upper};
}

TEST(NoiseStatistics, ClopperPearsonHelperMatchesKnownInterval) {
  // Known value: 5 successes in 20 trials, 95%: [0.0866, 0.4910] (e.g. R binom.test).
  const auto [lo, hi] = clopper_pearson(5, 20, 0.05);
  EXPECT_NEAR(lo, 0.0866, 5e-4);
  EXPECT_NEAR(hi, 0.4910, 5e-4);
}

// The failure rate of a deliberately noisy set against the noise model. One key set's failures are
// over-dispersed compared with a binomial (its fixed key noise shifts the rate by a few percent), so the test
// pools several independent key sets and, as the variance tests do, allows the model 1/16 relative error
// in variance: the predicted variance must lie in the variance interval implied by the Clopper–Pearson
// interval of the measured rate, widened by 1/16.
TEST(NoiseStatistics, NoisySetFailureRateMatchesPrediction) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy_noisy();
  const uint32_t p = params.message_bits;
  std::vector<Torus> identity(size_t{1} << p);
  for (uint64_t m = 0; m < identity.size(); ++m) identity[m] = encode_message(m, p);
  const LookupTable table = make_lookup_table(params.glwe_dimension, params.polynomial_size, p, identity);
  // ~2.3% predicted: 4 key sets × 4096 trials give ~380 failures.
  constexpr int kKeySets = 4;
  constexpr int kTrialsPerKey = 4096;
  int failures = 0;
  double predicted_variance_sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int key_set = 0; key_set < kKeySets; ++key_set) {
    const testing::TestKeys keys(params, seed + 1000003ull * static_cast<uint64_t>(key_set));
    Csprng masks(make_seed(seed, 6 + 2 * static_cast<uint64_t>(key_set)));
    NoiseSampler noise(make_seed(seed, 7 + 2 * static_cast<uint64_t>(key_set)));
    std::vector<LweCiphertext> inputs, outputs;
    for (int i = 0; i < kTrialsPerKey; ++i)
      inputs.push_back(encrypt_lwe(keys.big_key, identity[i % identity.size()], params.glwe_noise, masks, noise));
    keyswitch_bootstrap_lwe_batch(keys.keyswitch_key, keys.fourier_key, {&table}, inputs, outputs);
    for (int i = 0; i < kTrialsPerKey; ++i)
      failures += decode_message(decrypt_lwe(keys.big_key, outputs[i]), p) != static_cast<uint64_t>(i) % identity.size();
    // Prediction for these keys: their Hamming weights replace the average n/2.
    predicted_variance_sum +=
        noise::fresh_variance(params.glwe_noise) +
        noise::keyswitch_additive_variance(keys.big_key.size(), params.ks_base_log, params.ks_level,
                                           params.lwe_noise.variance(), key_weight(keys.big_key)) +
        noise::modulus_switch_variance(params.lwe_dimension.value, params.polynomial_size.value,
                                       key_weight(keys.small_key));
  }
  const double elapsed = seconds_since(start);
  constexpr int kTrials = kKeySets * kTrialsPerKey;
  const double predicted_variance = predicted_variance_sum / kKeySets;
  const double predicted = noise::pbs_error_probability(predicted_variance, p);
  const auto [lo, hi] = clopper_pearson(failures, kTrials, 1e-4);
  const double variance_lo = noise::max_variance_for_error_probability(lo, p) * (1 - 1.0 / 16);
  const double variance_hi = noise::max_variance_for_error_probability(hi, p) * (1 + 1.0 / 16);
  std::printf("noisy set: %d / %d failures (%.4f, 99.99%% CP [%.4f, %.4f]), predicted %.4f; variance: predicted "
              "%.4g, implied interval ±1/16 [%.4g, %.4g]; %.1f s\n",
              failures, kTrials, double(failures) / kTrials, lo, hi, predicted, predicted_variance, variance_lo,
              variance_hi, elapsed);
  EXPECT_GE(predicted_variance, variance_lo);
  EXPECT_LE(predicted_variance, variance_hi);
}

}  // namespace
}  // namespace fheq::tfhe
