#include "tfhe/commons/noise_formulas.h"

#include <cmath>

#include "core/check.h"

namespace fheq::tfhe::noise {
namespace {

constexpr double kTwoPowMinus128 = 0x1p-128;
// Mantissa bits of an IEEE-754 double.
constexpr int kF64MantissaBits = 53;

double pow2(double e) { return std::exp2(e); }

}  // namespace

double fresh_variance(const NoiseDistribution& dist) { return dist.variance(); }

double linear_combination_variance(std::span<const double> input_variances, std::span<const int64_t> weights) {
  FHEQ_REQUIRE(input_variances.size() == weights.size(), "linear_combination_variance: ", input_variances.size(),
               " variances for ", weights.size(), " weights");
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double w = static_cast<double>(weights[i]);
    total += w * w * input_variances[i];
  }
  return total;
}

double linear_combination_variance(double input_variance, double weights_norm2_squared) {
  return weights_norm2_squared * input_variance;
}

double decomposition_digit_square_mean(DecompositionBaseLog base_log) {
  const double b = pow2(static_cast<double>(base_log.value));
  return (b * b + 2.0) / 12.0;
}

double decomposition_rounding_variance(DecompositionBaseLog base_log, DecompositionLevelCount level) {
  const double kept_bits = static_cast<double>(base_log.value * level.value);
  if (kept_bits >= 64) return 0.0;
  return (pow2(-2.0 * kept_bits) + 2.0 * kTwoPowMinus128) / 12.0;
}

double keyswitch_additive_variance(size_t input_dimension, DecompositionBaseLog base_log, DecompositionLevelCount level,
                                   double ksk_variance, double key_ones) {
  const double n_in = static_cast<double>(input_dimension);
  const double ones = key_ones < 0 ? n_in / 2.0 : key_ones;
  const double rounding = ones * decomposition_rounding_variance(base_log, level);
  const double key_noise = n_in * static_cast<double>(level.value) * decomposition_digit_square_mean(base_log) * ksk_variance;
  return rounding + key_noise;
}

double modulus_switch_variance(size_t lwe_dimension, size_t polynomial_size, double key_ones) {
  const double ones = key_ones < 0 ? static_cast<double>(lwe_dimension) / 2.0 : key_ones;
  const double two_n = 2.0 * static_cast<double>(polynomial_size);
  return (1.0 + ones) * (1.0 / (two_n * two_n) + 2.0 * kTwoPowMinus128) / 12.0;
}

double external_product_additive_variance(GlweDimension k, PolynomialSize N, DecompositionBaseLog base_log,
                                          DecompositionLevelCount level, double ggsw_variance) {
  const double kk = static_cast<double>(k.value), nn = static_cast<double>(N.value), l = static_cast<double>(level.value);
  const double from_ggsw = (kk + 1) * l * nn * decomposition_digit_square_mean(base_log) * ggsw_variance;
  // E[bit] = 1/2 (binary LWE key); mask rounding errors meet k·N key coefficients with E[S²] = 1/2.
  const double from_rounding = 0.5 * (1.0 + kk * nn / 2.0) * decomposition_rounding_variance(base_log, level);
  return from_ggsw + from_rounding;
}

double fft_external_product_variance(GlweDimension k, PolynomialSize N, DecompositionBaseLog base_log,
                                     DecompositionLevelCount level) {
  const double kk = static_cast<double>(k.value), nn = static_cast<double>(N.value), l = static_cast<double>(level.value);
  // Relative f64 error of one coefficient per rounding step: 2^−53, i.e. 2^(64−53) integer units on a
  // key coefficient of magnitude up to 2^63, uniform rounding → variance 2^(2·(64−53))/12 /2^128.
  const double per_rounding = pow2(-2.0 * kF64MantissaBits) / 12.0;
  // Conversion of the key plus ~log2(N/2) butterfly stages, each adding an error of the same order.
  const double stages = 1.0 + std::log2(nn / 2.0);
  // Each output coefficient sums N digit × key products, (k+1)·l polynomials.
  const double per_polynomial = (kk + 1) * l * nn * decomposition_digit_square_mean(base_log) * per_rounding * stages;
  // Body error counts once; each of the k mask polynomials' errors meets N/2 key ones on decryption.
  return per_polynomial * (1.0 + kk * nn / 2.0);
}

double pbs_output_variance(const TfheParams& params) {
  const double n = static_cast<double>(params.lwe_dimension.value);
  const double k = static_cast<double>(params.glwe_dimension.value);
  const double N = static_cast<double>(params.polynomial_size.value);
  const double ggsw_term = external_product_additive_variance(params.glwe_dimension, params.polynomial_size,
                                                              params.pbs_base_log, params.pbs_level,
                                                              params.glwe_noise.variance()) -
                           external_product_additive_variance(params.glwe_dimension, params.polynomial_size,
                                                              params.pbs_base_log, params.pbs_level, 0.0);
  const double rounding_term = external_product_additive_variance(params.glwe_dimension, params.polynomial_size,
                                                                  params.pbs_base_log, params.pbs_level, 0.0);
  const double fft_term = fft_external_product_variance(params.glwe_dimension, params.polynomial_size,
                                                        params.pbs_base_log, params.pbs_level);
  // The first CMUX decomposes X^ã·V − V of the trivial accumulator (0, V): its k mask polynomials
  // are zero, so it meets only 1/(k+1) of the GGSW noise; a CMUX whose switched mask ã_i is 0 is
  // skipped (X^0·ACC − ACC = 0), which happens with probability 1/(2N).
  const double effective_ggsw_cmuxes = n - k / (k + 1);
  return (effective_ggsw_cmuxes * ggsw_term + n * (rounding_term + fft_term)) * (1.0 - 1.0 / (2.0 * N));
}

double keyswitch_variance(const TfheParams& params) {
  return keyswitch_additive_variance(params.big_lwe_dimension(), params.ks_base_log, params.ks_level,
                                     params.lwe_noise.variance());
}

double half_decoding_window(uint32_t precision) { return pow2(-static_cast<double>(precision) - 2.0); }

double pbs_error_probability(double total_variance, uint32_t precision) {
  FHEQ_CHECK(total_variance >= 0, "variance ", total_variance);
  if (total_variance == 0) return 0.0;
  return std::erfc(half_decoding_window(precision) / (std::sqrt(2.0 * total_variance)));
}

double max_variance_for_error_probability(double p_error, uint32_t precision) {
  FHEQ_REQUIRE(p_error > 0 && p_error < 1, "target p_error ", p_error, " is not in (0, 1)");
  // Solve erfc(x) = p_error for x by bisection on the monotone erfc (x in [0, 40] covers p ≥ 1e-300).
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (std::erfc(mid) > p_error ? lo : hi) = mid;
  }
  const double sigma = half_decoding_window(precision) / (std::sqrt(2.0) * hi);
  return sigma * sigma;
}

AtomicPatternNoise atomic_pattern_noise(const TfheParams& params, double log2_norm2, uint32_t precision) {
  AtomicPatternNoise r;
  r.pbs_output = pbs_output_variance(params);
  r.after_linear = linear_combination_variance(r.pbs_output, pow2(2.0 * log2_norm2));
  r.keyswitch_added = keyswitch_variance(params);
  r.modulus_switch_added = modulus_switch_variance(params.lwe_dimension.value, params.polynomial_size.value);
  r.total = r.after_linear + r.keyswitch_added + r.modulus_switch_added;
  r.p_error = pbs_error_probability(r.total, precision);
  return r;
}

}  // namespace fheq::tfhe::noise
