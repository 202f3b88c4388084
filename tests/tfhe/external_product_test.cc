// External product, CMUX and blind rotation: FFT path against the exact reference; bootstrap key
// generation (seeded = standard, thread-count independence) (t2).
#include <gtest/gtest.h>

#include <random>

#include "core/thread_pool.h"
#include "tfhe/algorithms/blind_rotation.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/external_product.h"
#include "tfhe/algorithms/ggsw_encryption.h"
#include "tfhe/algorithms/glwe_encryption.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

uint64_t max_abs_difference(const std::vector<Torus>& a, const std::vector<Torus>& b) {
  uint64_t worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t d = static_cast<int64_t>(a[i] - b[i]);
    worst = std::max<uint64_t>(worst, d < 0 ? static_cast<uint64_t>(-d) : static_cast<uint64_t>(d));
  }
  return worst;
}

// FFT error bound for one external product (fft.h / fft_test: one torus × digit product with
// |d| ≤ 2^(base_log−1) has error ≤ 2^(64 − 53 + log2 N + (base_log−1) + 2)); (k+1)·l products are summed.
double external_product_error_bound_log2(size_t n, size_t k, size_t base_log, size_t level) {
  return 64 - 53 + std::log2(static_cast<double>(n)) + (base_log - 1) + 2 + std::ceil(std::log2((k + 1.0) * level));
}

struct Shape {
  size_t k, n, base_log, level;
};

TEST(ExternalProduct, FftMatchesExactReferenceWithinBoundAndDecrypts) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const NoiseDistribution noise{NoiseKind::kGaussian, std::exp2(-45.0), 0};
  for (const Shape& s : {Shape{1, 256, 23, 1}, Shape{2, 512, 15, 2}, Shape{1, 1024, 10, 3}, Shape{1, 2048, 22, 1}}) {
    Csprng keys(make_seed(seed, s.n + s.k));
    const GlweSecretKey key = generate_glwe_secret_key(GlweDimension(s.k), PolynomialSize(s.n), keys);
    Csprng masks(make_seed(seed, 2));
    NoiseSampler noise_sampler(make_seed(seed, 3));
    const uint32_t p = 4;
    std::vector<Torus> plaintext(s.n);
    std::vector<uint64_t> messages(s.n);
    for (size_t c = 0; c < s.n; ++c) plaintext[c] = encode_message(messages[c] = rng() % 16, p);
    const GlweCiphertext glwe = encrypt_glwe(key, plaintext, noise, masks, noise_sampler);
    for (int64_t bit : {0, 1}) {
      const GgswCiphertext ggsw = encrypt_ggsw(key, bit, DecompositionBaseLog(s.base_log),
                                               DecompositionLevelCount(s.level), noise, masks, noise_sampler);
      const GlweCiphertext fast = external_product(convert_to_fourier_ggsw(ggsw), glwe);
      const GlweCiphertext exact = external_product_ref(ggsw, glwe);
      const uint64_t error = max_abs_difference(fast.data, exact.data);
      const double bound = external_product_error_bound_log2(s.n, s.k, s.base_log, s.level);
      std::printf("[ ext ] k=%zu N=%zu %zux%zu: max |fft − exact| = 2^%.2f (bound 2^%.1f)\n", s.k, s.n, s.level,
                  s.base_log, std::log2(static_cast<double>(error) + 1), bound);
      ASSERT_LE(static_cast<double>(error), std::exp2(bound));
      // GGSW(bit) ⊡ GLWE(M) decrypts to bit·M.
      const std::vector<Torus> phase = decrypt_glwe(key, fast);
      for (size_t c = 0; c < s.n; ++c) ASSERT_EQ(decode_message(phase[c], p), bit * messages[c]) << "coefficient " << c;
    }
  }
}

TEST(ExternalProduct, CmuxSelectsAndMatchesReference) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const size_t n = 512, k = 1;
  const NoiseDistribution noise{NoiseKind::kGaussian, std::exp2(-45.0), 0};
  Csprng keys(make_seed(seed, 1));
  const GlweSecretKey key = generate_glwe_secret_key(GlweDimension(k), PolynomialSize(n), keys);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise_sampler(make_seed(seed, 3));
  std::vector<Torus> zero_plain(n), one_plain(n);
  for (size_t c = 0; c < n; ++c) {
    zero_plain[c] = encode_message(rng() % 8, 3);
    one_plain[c] = encode_message(rng() % 8, 3);
  }
  const GlweCiphertext if_zero = encrypt_glwe(key, zero_plain, noise, masks, noise_sampler);
  const GlweCiphertext if_one = encrypt_glwe(key, one_plain, noise, masks, noise_sampler);
  for (int64_t bit : {0, 1}) {
    const GgswCiphertext selector = encrypt_ggsw(key, bit, DecompositionBaseLog(18), DecompositionLevelCount(2),
                                                 noise, masks, noise_sampler);
    const GlweCiphertext fast = cmux(convert_to_fourier_ggsw(selector), if_zero, if_one);
    const GlweCiphertext exact = cmux_ref(selector, if_zero, if_one);
    ASSERT_LE(static_cast<double>(max_abs_difference(fast.data, exact.data)),
              std::exp2(external_product_error_bound_log2(n, k, 18, 2)));
    const std::vector<Torus> phase = decrypt_glwe(key, fast);
    const std::vector<Torus>& expected = bit ? one_plain : zero_plain;
    for (size_t c = 0; c < n; ++c) ASSERT_EQ(decode_message(phase[c], 3), decode_message(expected[c], 3));
  }
}

TEST(BlindRotation, FastAndReferenceRotateTheAccumulatorByThePhase) {
  // Both must give a GLWE whose phase is X^{Σ ã_i·s_i}·V (TOY_P3 keys). Ciphertexts may differ
  // (a digit can round differently after FFT error), so compare decrypted phases: each must be
  // within a small error of the exact rotation of V.
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const TfheParams& params = params_toy(3);
  const testing::TestKeys keys(params, seed, /*with_keyswitch_key=*/false);
  const size_t n = params.polynomial_size.value, lwe_n = params.lwe_dimension.value;
  std::vector<Torus> table(n);
  for (Torus& x : table) x = encode_message(rng() % 8, 3);
  std::vector<uint64_t> switched(lwe_n);
  for (uint64_t& a : switched) a = rng() % (2 * n);
  switched[0] = 0;  // exercise the skipped CMUX
  uint64_t rotation = 0;
  for (size_t i = 0; i < lwe_n; ++i) rotation = (rotation + switched[i] * keys.small_key.data[i]) % (2 * n);
  const std::vector<Torus> expected = rotate_negacyclic_ref(table, rotation);

  GlweCiphertext fast = trivial_glwe(params.glwe_dimension, table);
  GlweCiphertext exact = fast;
  ExternalProductScratch scratch(params.glwe_dimension, params.polynomial_size, params.pbs_level);
  blind_rotate_assign(keys.fourier_key, switched.data(), fast, scratch);
  blind_rotate_assign_ref(keys.bootstrap_key, switched.data(), exact);
  const std::vector<Torus> fast_phase = decrypt_glwe(keys.glwe_key, fast);
  const std::vector<Torus> exact_phase = decrypt_glwe(keys.glwe_key, exact);
  const uint64_t fast_error = max_abs_difference(fast_phase, expected);
  const uint64_t exact_error = max_abs_difference(exact_phase, expected);
  std::printf("[ br ] max phase error: fft 2^%.2f, exact 2^%.2f\n", std::log2(static_cast<double>(fast_error) + 1),
              std::log2(static_cast<double>(exact_error) + 1));
  // The dominant error is the decomposition rounding (1×23 drops 41 bits): per CMUX about
  // sqrt(k·N/2)·2^41/sqrt(12) ≈ 2^42.5 of std, so sqrt(n = 64) CMUXes give ≈ 2^45.5 std; the max over
  // N coefficients stays below 5 std < 2^48.5. Assert 2^49 (2^−15 of the torus, far below Δ/2 = 2^59).
  EXPECT_LT(fast_error, uint64_t{1} << 49);
  EXPECT_LT(exact_error, uint64_t{1} << 49);
  EXPECT_LT(max_abs_difference(fast_phase, exact_phase), uint64_t{1} << 50);
}

TEST(BootstrapKey, SeededDecompressesToStandardAndThreadCountDoesNotMatter) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(2);
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey small_key = generate_lwe_secret_key(LweDimension(20), keys);
  const GlweSecretKey glwe_key = generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, keys);
  core::ThreadPool one_thread(1), two_threads(2);
  const Seed mask_seed = make_seed(seed, 2), noise_seed = make_seed(seed, 3);
  const LweBootstrapKey a = generate_lwe_bootstrap_key(small_key, glwe_key, params.pbs_base_log, params.pbs_level,
                                                       params.glwe_noise, mask_seed, noise_seed, one_thread);
  const LweBootstrapKey b = generate_lwe_bootstrap_key(small_key, glwe_key, params.pbs_base_log, params.pbs_level,
                                                       params.glwe_noise, mask_seed, noise_seed, two_threads);
  EXPECT_EQ(a.data, b.data);
  const SeededLweBootstrapKey seeded = generate_seeded_lwe_bootstrap_key(
      small_key, glwe_key, params.pbs_base_log, params.pbs_level, params.glwe_noise, mask_seed, noise_seed, two_threads);
  EXPECT_EQ(seeded.bodies.size() * (params.glwe_dimension.value + 1), a.data.size());
  EXPECT_EQ(decompress_lwe_bootstrap_key(seeded, two_threads).data, a.data);
  // GGSW i encrypts small_key[i]: its body row (i = k, level 0) has phase s_i·2^(64 − base_log).
  for (size_t i = 0; i < 20; ++i) {
    const GgswCiphertext ggsw = a.ggsw(i);
    GlweCiphertext row{params.glwe_dimension, params.polynomial_size};
    const size_t body_row = params.glwe_dimension.value * params.pbs_level.value;
    std::copy(ggsw.row(body_row), ggsw.row(body_row) + ggsw.row_size(), row.data.begin());
    const std::vector<Torus> phase = decrypt_glwe(glwe_key, row);
    const Torus g = small_key.data[i] << (64 - params.pbs_base_log.value);
    EXPECT_LT(std::abs(static_cast<int64_t>(phase[0] - g)), int64_t{1} << 30) << "GGSW " << i;
  }
}

}  // namespace
}  // namespace fheq::tfhe
