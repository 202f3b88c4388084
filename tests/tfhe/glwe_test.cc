// GLWE / GGSW encryption, sample extraction and the integer kernels of the PBS against their
// references: negacyclic rotation, polynomial decomposition, modulus switch (t2).
#include <gtest/gtest.h>

#include <random>

#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/ggsw_encryption.h"
#include "tfhe/algorithms/glwe_encryption.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/algorithms/sample_extraction.h"
#include "tfhe/commons/decomposition.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe/fft/fft_ref.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

std::vector<Torus> random_polynomial(std::mt19937_64& rng, size_t n) {
  std::vector<Torus> out(n);
  for (Torus& x : out) x = rng();
  return out;
}

TEST(GlweEncryption, RoundTripAndPhaseMatchesSchoolbookProduct) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (size_t k : {1u, 2u}) {
    for (size_t n : {256u, 1024u}) {
      Csprng keys(make_seed(seed, 10 * k + n));
      const GlweSecretKey key = generate_glwe_secret_key(GlweDimension(k), PolynomialSize(n), keys);
      Csprng masks(make_seed(seed, 2));
      NoiseSampler noise(make_seed(seed, 3));
      const uint32_t p = 5;
      std::vector<Torus> plaintext(n);
      std::vector<uint64_t> messages(n);
      for (size_t c = 0; c < n; ++c) plaintext[c] = encode_message(messages[c] = rng() % 32, p);
      const NoiseDistribution noise_dist{NoiseKind::kGaussian, std::exp2(-30.0), 0};
      const GlweCiphertext ct = encrypt_glwe(key, plaintext, noise_dist, masks, noise);
      // Independent phase: B − Σ A_i·S_i with the exact schoolbook product of fft_ref.h.
      std::vector<Torus> phase(ct.body(), ct.body() + n);
      for (size_t i = 0; i < k; ++i) {
        const std::vector<Torus> a(ct.polynomial(i), ct.polynomial(i) + n);
        const std::vector<Torus> s(key.polynomial(i), key.polynomial(i) + n);
        const std::vector<Torus> product = negacyclic_multiply_ref(a, s);
        for (size_t c = 0; c < n; ++c) phase[c] -= product[c];
      }
      EXPECT_EQ(phase, decrypt_glwe(key, ct));
      for (size_t c = 0; c < n; ++c) ASSERT_EQ(decode_message(phase[c], p), messages[c]) << "coefficient " << c;
    }
  }
}

TEST(SampleExtraction, EveryCoefficientDecryptsUnderTheBigKey) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (size_t k : {1u, 3u}) {
    const size_t n = 256;
    Csprng keys(make_seed(seed, k));
    const GlweSecretKey key = generate_glwe_secret_key(GlweDimension(k), PolynomialSize(n), keys);
    Csprng masks(make_seed(seed, 2));
    NoiseSampler noise(make_seed(seed, 3));
    const GlweCiphertext ct = encrypt_glwe(key, random_polynomial(rng, n), NoiseDistribution{}, masks, noise);
    const std::vector<Torus> phase = decrypt_glwe(key, ct);
    const LweSecretKey big_key = key.as_lwe_key();
    LweCiphertext extracted;
    for (size_t h = 0; h < n; ++h) {
      extract_lwe_sample(ct, h, extracted);
      ASSERT_EQ(extracted.dimension.value, k * n);
      ASSERT_EQ(decrypt_lwe(big_key, extracted), phase[h]) << "k=" << k << " index " << h;
    }
  }
}

TEST(GgswEncryption, RowsHaveTheGadgetPhases) {
  const uint64_t seed = test_seed();
  const size_t n = 256, k = 2;
  Csprng keys(make_seed(seed, 1));
  const GlweSecretKey key = generate_glwe_secret_key(GlweDimension(k), PolynomialSize(n), keys);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  const DecompositionBaseLog base_log(7);
  const DecompositionLevelCount level(3);
  for (int64_t m : {0, 1, -3}) {
    const GgswCiphertext ggsw = encrypt_ggsw(key, m, base_log, level, NoiseDistribution{}, masks, noise);
    for (size_t i = 0; i <= k; ++i) {
      for (size_t j = 0; j < level.value; ++j) {
        GlweCiphertext row{GlweDimension(k), PolynomialSize(n)};
        std::copy(ggsw.row(i * level.value + j), ggsw.row(i * level.value + j) + ggsw.row_size(), row.data.begin());
        const std::vector<Torus> phase = decrypt_glwe(key, row);
        const Torus g = static_cast<Torus>(m) << (64 - (j + 1) * base_log.value);
        // Row (i, j): phase −g·S_i for i < k, g for the body row (ggsw_ciphertext.h).
        for (size_t c = 0; c < n; ++c) {
          const Torus expected = i == k ? (c == 0 ? g : 0) : Torus{0} - g * key.polynomial(i)[c];
          ASSERT_EQ(phase[c], expected) << "m=" << m << " row " << i << "," << j << " coefficient " << c;
        }
      }
    }
  }
}

TEST(PolynomialOps, NegacyclicRotationMatchesMonomialProduct) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (size_t n : {256u, 2048u}) {
    const std::vector<Torus> in = random_polynomial(rng, n);
    std::vector<Torus> out(n), minus_one(n);
    std::vector<size_t> powers = {0, 1, n - 1, n, n + 1, 2 * n - 1};
    for (int r = 0; r < 10; ++r) powers.push_back(rng() % (2 * n));
    for (size_t power : powers) {
      const std::vector<Torus> expected = rotate_negacyclic_ref(in, power);
      rotate_negacyclic(in.data(), n, power, out.data());
      ASSERT_EQ(out, expected) << "N=" << n << " power " << power;
      rotate_negacyclic_minus_one(in.data(), n, power, minus_one.data());
      for (size_t c = 0; c < n; ++c) ASSERT_EQ(minus_one[c], expected[c] - in[c]) << "power " << power;
    }
  }
}

TEST(PolynomialOps, DecompositionMatchesDecomposerAndRecomposes) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const size_t n = 1024;
  std::vector<Torus> in = random_polynomial(rng, n);
  // Edge values: ties at B/2, all ones, zero, top bit.
  in[0] = 0;
  in[1] = ~Torus{0};
  in[2] = Torus{1} << 63;
  in[3] = Torus{1} << 62;
  for (auto [bl, l] : std::vector<std::pair<size_t, size_t>>{{23, 1}, {15, 2}, {4, 4}, {3, 5}, {1, 1}, {8, 8}, {22, 1}, {5, 3}}) {
    std::vector<int64_t> fast(l * n), ref(l * n);
    decompose_polynomial(in.data(), n, DecompositionBaseLog(bl), DecompositionLevelCount(l), fast.data());
    decompose_polynomial_ref(in.data(), n, DecompositionBaseLog(bl), DecompositionLevelCount(l), ref.data());
    ASSERT_EQ(fast, ref) << "base_log " << bl << " level " << l;
    const Decomposer decomposer{DecompositionBaseLog(bl), DecompositionLevelCount(l)};
    const int64_t half = int64_t{1} << (bl - 1);
    for (size_t c = 0; c < n; ++c) {
      std::vector<int64_t> digits(l);
      Torus recomposed = 0;
      for (size_t j = 0; j < l; ++j) {
        const int64_t d = fast[j * n + c];
        ASSERT_LE(std::abs(d), half);
        recomposed += static_cast<Torus>(d) << (64 - (j + 1) * bl);
      }
      ASSERT_EQ(recomposed, decomposer.closest_representable(in[c]));
    }
  }
}

TEST(PolynomialOps, ModulusSwitchMatches128BitReference) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Torus> values = {0, 1, ~Torus{0}, Torus{1} << 63, (Torus{1} << 63) - 1};
  for (int r = 0; r < 2000; ++r) values.push_back(rng());
  for (unsigned log_n : {8u, 11u, 14u}) {
    const size_t n = size_t{1} << log_n;
    for (Torus x : values) ASSERT_EQ(modulus_switch(x, log_n + 1), modulus_switch_ref(x, log_n + 1)) << x;
    for (size_t multiple : {1u, 2u, 4u}) {
      std::vector<uint64_t> fast(values.size()), ref(values.size());
      modulus_switch_lwe(values.data(), values.size(), n, multiple, fast.data());
      modulus_switch_lwe_ref(values.data(), values.size(), n, multiple, ref.data());
      ASSERT_EQ(fast, ref) << "N=" << n << " multiple " << multiple;
      for (size_t i = 0; i < values.size(); ++i) {
        ASSERT_LT(fast[i], 2 * n);
        ASSERT_EQ(fast[i] % multiple, 0u);
        // |x·2N/2^64 − switched| ≤ multiple/2 on the circle Z_2N.
        const long double exact = static_cast<long double>(values[i]) * (2.0L * n) / 18446744073709551616.0L;
        long double distance = std::fabs(exact - static_cast<long double>(fast[i]));
        distance = std::min(distance, 2.0L * n - distance);
        ASSERT_LE(distance, multiple / 2.0L + 1e-9L) << values[i];
      }
    }
  }
}

}  // namespace
}  // namespace fheq::tfhe
