// Noise formulas for the KS → PBS atomic pattern, as code.
//
// Every variance here is of the error e as a fraction of the torus (e / 2^64), i.e. in units of
// q² with q = 2^64, the same normalisation as NoiseDistribution::variance(). Keys are binary and
// uniform, so a key coefficient has E[s] = 1/2 and E[s²] = 1/2; formulas that depend on the key
// take the average key unless a Hamming weight is given.
//
// Derivations (docs/TFHE.md "Noise model" has them in full) follow the TFHE noise analysis of
// Chillotti, Gama, Georgieva, Izabachène, "TFHE: Fast Fully Homomorphic Encryption over the Torus",
// J. Cryptology 33 (2020): Thm 4.1 / Lemma 3.3 (keyswitch), Thm 3.13 (external product), Thm 4.3
// (bootstrapping), adapted — as tfhe-rs and the Concrete noise model do — to (a) a 64-bit discrete
// torus, (b) a ROUNDING, balanced gadget decomposition (digits in [−B/2, B/2], the input first rounded to
// its top base_log·level bits, so the rounding error has mean 0 and no truncation-bias terms), and
// (c) f64 FFT products (an extra, estimated term).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tfhe/commons/params.h"

namespace fheq::tfhe::noise {

// Variance of a fresh LWE/GLWE encryption error drawn from `dist`.
double fresh_variance(const NoiseDistribution& dist);

// Σ w_i·c_i of independent ciphertexts: Σ w_i²·var_i (integer weights, no new noise).
double linear_combination_variance(std::span<const double> input_variances, std::span<const int64_t> weights);
// Same with every input at `input_variance`: ||w||₂² · var.
double linear_combination_variance(double input_variance, double weights_norm2_squared);

// E[d²] of one balanced digit in [−B/2, B/2] (end points at half weight, as for a uniform input):
// (B² + 2)/12.
double decomposition_digit_square_mean(DecompositionBaseLog base_log);
// Mean square of t − closest_representable(t) for uniform t: the error is uniform on the M = 2^(64−βl)
// integers [−M/2, M/2), whose second moment is (M² + 2)/12, i.e. (2^(−2βl) + 2·2^(−128))/12 on the torus.
double decomposition_rounding_variance(DecompositionBaseLog base_log, DecompositionLevelCount level);

// Noise ADDED by an LWE keyswitch from a binary key of dimension `input_dimension` (k·N) with a key
// of l levels of base 2^β whose encryptions have variance `ksk_variance`:
//   n_in · E[s²] · rounding_var(β, l)   (the dropped bits of each input mask coefficient)
// + n_in · l · (B² + 2)/12 · ksk_variance (each digit times the noise of one KSK ciphertext).
// `key_ones` is the Hamming weight of the input key (default: n_in / 2).
double keyswitch_additive_variance(size_t input_dimension, DecompositionBaseLog base_log, DecompositionLevelCount level,
                                   double ksk_variance, double key_ones = -1.0);

// Noise ADDED by switching an LWE ciphertext of dimension n to modulus 2N (rounding each of the
// n + 1 coefficients to a multiple of q/2N): the phase error is e_b − Σ s_i·e_i with each e_i uniform
// on the q/2N integers [−q/4N, q/4N), so (1 + h)·((2N)^(−2) + 2·2^(−128))/12 with h the key's Hamming weight
// (default n/2).
double modulus_switch_variance(size_t lwe_dimension, size_t polynomial_size, double key_ones = -1.0);

// Noise ADDED by one external product GGSW(bit) ⊡ GLWE with a uniform-mask GLWE input, exact
// arithmetic: (k+1)·l·N·(B²+2)/12·ggsw_variance (digits × GGSW noise) + E[bit]·(1 + k·N·E[S²])·
// rounding_var (the rounding of the input before decomposing; it only survives when bit = 1, and
// the mask part is multiplied by the binary GLWE key).
double external_product_additive_variance(GlweDimension k, PolynomialSize N, DecompositionBaseLog base_log,
                                          DecompositionLevelCount level, double ggsw_variance);
// Estimated extra noise of one external product computed with f64 FFTs (53-bit mantissa): each of
// the (k+1)·l digit-polynomial products loses about 2^(64−53) integer units per key coefficient
// (the key is converted to f64) plus O(log N) butterfly roundings; the mask parts are multiplied by
// the key (k·N/2 ones) when decrypting. Same shape as the Concrete optimizer's fft-noise term
// (∝ (k+1)·l·B²·N²·2^(2·(64−53))). An estimate, not a bound (see docs/TFHE.md).
double fft_external_product_variance(GlweDimension k, PolynomialSize N, DecompositionBaseLog base_log,
                                     DecompositionLevelCount level);

// Variance of a PBS output (n CMUX steps acc += ExtProd(BSK_i, X^{ã_i}·acc − acc), starting from a
// noiseless LUT; sample extraction adds nothing), with the BSK encrypted at params.glwe_noise:
//   (1 − 1/2N) · [(n − k/(k+1)) · GGSW term + n · (rounding term + FFT term)]
// — the first CMUX sees a zero mask (1/(k+1) of the GGSW term), and a CMUX with ã_i = 0 is skipped.
// Assumes the digits of the LUT body differences are uniform (true for a random table; a highly
// structured table makes the first CMUX slightly quieter).
double pbs_output_variance(const TfheParams& params);
// Keyswitch (big key k·N → small key n) noise added, for the set.
double keyswitch_variance(const TfheParams& params);

// Δ/2 for p message bits plus one padding bit, as a torus fraction: 2^−(p+2).
double half_decoding_window(uint32_t precision);
// Probability that a PBS decodes wrongly when the phase error after modulus switch is
// N(0, total_variance): P(|e| ≥ Δ/2) = erfc(Δ/2 / (√2·σ)).
double pbs_error_probability(double total_variance, uint32_t precision);
// The largest total variance whose pbs_error_probability is ≤ p_error.
double max_variance_for_error_probability(double p_error, uint32_t precision);

// The noise budget of one TLU in the atomic pattern: PBS outputs combined with clear integer
// weights of 2-norm 2^log2_norm2 → keyswitch → modulus switch → (PBS decodes p bits).
struct AtomicPatternNoise {
  double pbs_output = 0;        // each input (a previous PBS output)
  double after_linear = 0;      // ||w||² · pbs_output
  double keyswitch_added = 0;
  double modulus_switch_added = 0;
  double total = 0;             // after_linear + keyswitch_added + modulus_switch_added
  double p_error = 0;           // pbs_error_probability(total, precision)
};
AtomicPatternNoise atomic_pattern_noise(const TfheParams& params, double log2_norm2, uint32_t precision);

}  // namespace fheq::tfhe::noise
