// LWE encryption, seeded encryption, decryption and linear combinations (t2).
#include <gtest/gtest.h>

#include <random>

#include "fheq/error.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/algorithms/lwe_linear_algebra.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

TEST(Encoding, EncodeDecodeAndErrorAgreeWithArithmetic) {
  for (uint32_t p = 1; p <= 8; ++p) {
    const Torus delta = encoding_delta(p);
    EXPECT_EQ(delta, Torus{1} << (63 - p));
    for (uint64_t m = 0; m < (uint64_t{2} << p); ++m) {
      const Torus encoded = encode_message(m, p);
      EXPECT_EQ(encoded, m * delta);
      // Noise strictly inside ±Δ/2 decodes back; the decoding error is the noise.
      for (int64_t e : {int64_t{0}, int64_t{1}, int64_t{-1}, static_cast<int64_t>(delta / 2 - 1),
                        -static_cast<int64_t>(delta / 2 - 1)}) {
        EXPECT_EQ(decode_message(encoded + static_cast<Torus>(e), p), m) << "p=" << p << " m=" << m << " e=" << e;
        EXPECT_EQ(decoding_error(encoded + static_cast<Torus>(e), p), e);
      }
    }
  }
}

TEST(LweEncryption, RoundTripEveryMessageSmallAndBigKey) {
  const uint64_t seed = test_seed();
  for (uint32_t p = 1; p <= 8; ++p) {
    const TfheParams& params = params_toy(p);
    Csprng keys(make_seed(seed, 100 + p));
    const LweSecretKey small_key = generate_lwe_secret_key(params.lwe_dimension, keys);
    const LweSecretKey big_key =
        generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, keys).as_lwe_key();
    Csprng masks(make_seed(seed, 200 + p));
    NoiseSampler noise(make_seed(seed, 300 + p));
    for (uint64_t m = 0; m < (uint64_t{1} << p); ++m) {
      for (const LweSecretKey* key : {&small_key, &big_key}) {
        const NoiseDistribution& dist = key == &small_key ? params.lwe_noise : params.glwe_noise;
        const LweCiphertext ct = encrypt_lwe(*key, encode_message(m, p), dist, masks, noise);
        ASSERT_EQ(ct.data.size(), key->data.size() + 1);
        const Torus phase = decrypt_lwe(*key, ct);
        EXPECT_EQ(decode_message(phase, p), m) << "p=" << p << " key dim " << key->data.size();
        // The noise is tiny for TOY sets: far below Δ/2^10.
        EXPECT_LT(std::abs(decoding_error(phase, p)), static_cast<int64_t>(encoding_delta(p) >> 10));
      }
    }
  }
}

TEST(LweEncryption, MaskIsUniformLookingAndBodyDependsOnKey) {
  // Independent check of b = <a, s> + μ + e: recompute the dot product here with a schoolbook loop.
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(4);
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(params.lwe_dimension, keys);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  const NoiseDistribution zero_noise{NoiseKind::kGaussian, 0.0, 0};
  const Torus mu = encode_message(5, 4);
  const LweCiphertext ct = encrypt_lwe(key, mu, zero_noise, masks, noise);
  unsigned __int128 dot = 0;
  for (size_t i = 0; i < key.data.size(); ++i) dot += static_cast<unsigned __int128>(ct.data[i]) * key.data[i];
  EXPECT_EQ(ct.body(), static_cast<Torus>(dot) + mu);
  size_t ones = 0;
  for (uint64_t bit : key.data) {
    ASSERT_LE(bit, 1u);
    ones += bit;
  }
  // Binary key: n = 64 coefficients, the count of ones is Binomial(64, 1/2): 6 sigma = 24.
  EXPECT_GT(ones, 8u);
  EXPECT_LT(ones, 56u);
}

TEST(LweEncryption, SeededCiphertextDecompressesToTheSameCiphertext) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(3);
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(params.lwe_dimension, keys);
  NoiseSampler noise_a(make_seed(seed, 3)), noise_b(make_seed(seed, 3));
  for (uint64_t m = 0; m < 8; ++m) {
    const Seed mask_seed = make_seed(seed, 1000 + m);
    const SeededLweCiphertext seeded = encrypt_lwe_seeded(key, encode_message(m, 3), params.lwe_noise, mask_seed, noise_a);
    Csprng masks(mask_seed);
    const LweCiphertext full = encrypt_lwe(key, encode_message(m, 3), params.lwe_noise, masks, noise_b);
    const LweCiphertext decompressed = decompress_lwe(seeded);
    EXPECT_EQ(decompressed.data, full.data);
    EXPECT_EQ(decode_message(decrypt_lwe(key, decompressed), 3), m);
  }
}

TEST(LweEncryption, TrivialCiphertextDecryptsUnderAnyKey) {
  const uint64_t seed = test_seed();
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(LweDimension(100), keys);
  const LweCiphertext ct = trivial_lwe(LweDimension(100), 0x1234567890abcdefULL);
  EXPECT_EQ(decrypt_lwe(key, ct), 0x1234567890abcdefULL);
}

TEST(LweEncryption, DecryptRejectsMismatchedDimension) {
  const uint64_t seed = test_seed();
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(LweDimension(10), keys);
  EXPECT_THROW(decrypt_lwe(key, trivial_lwe(LweDimension(11), 0)), fheq::Error);
}

TEST(LweLinearCombination, MatchesClearArithmeticForRandomWeights) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const uint32_t p = 6;
  const TfheParams& params = params_toy(p);
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(params.lwe_dimension, keys);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  for (int trial = 0; trial < 50; ++trial) {
    const size_t count = 1 + rng() % 40;
    std::vector<LweCiphertext> cts;
    std::vector<int64_t> clear(count), weights(count);
    for (size_t i = 0; i < count; ++i) {
      clear[i] = static_cast<int64_t>(rng() % 8);
      weights[i] = static_cast<int64_t>(rng() % 9) - 4;  // weights in [−4, 4], including 0 and negatives
      cts.push_back(encrypt_lwe(key, encode_message(static_cast<uint64_t>(clear[i]), p), params.lwe_noise, masks, noise));
    }
    const int64_t constant = static_cast<int64_t>(rng() % 16) - 8;
    int64_t expected = constant;
    for (size_t i = 0; i < count; ++i) expected += weights[i] * clear[i];
    std::vector<const LweCiphertext*> pointers;
    for (const LweCiphertext& ct : cts) pointers.push_back(&ct);
    const LweCiphertext result =
        linear_combination_lwe(pointers, weights, encode_message(static_cast<uint64_t>(constant), p));
    // Decoding is modulo 2^(p+1) (padding bit included): compare residues.
    const uint64_t modulus = uint64_t{2} << p;
    const uint64_t expected_residue = static_cast<uint64_t>(((expected % static_cast<int64_t>(modulus)) + static_cast<int64_t>(modulus)) % static_cast<int64_t>(modulus));
    EXPECT_EQ(decode_message(decrypt_lwe(key, result), p), expected_residue) << "trial " << trial;
  }
}

TEST(LweLinearCombination, ElementwiseHelpersAgreeWithLinearCombination) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(4);
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey key = generate_lwe_secret_key(params.lwe_dimension, keys);
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));
  const LweCiphertext a = encrypt_lwe(key, encode_message(3, 4), params.lwe_noise, masks, noise);
  const LweCiphertext b = encrypt_lwe(key, encode_message(2, 4), params.lwe_noise, masks, noise);
  LweCiphertext by_helpers = a;
  scale_lwe_assign(by_helpers, 3);
  sub_lwe_assign(by_helpers, b);
  add_lwe_assign(by_helpers, b);
  sub_lwe_assign(by_helpers, b);
  add_plaintext_lwe_assign(by_helpers, encode_message(1, 4));
  const LweCiphertext combined = linear_combination_lwe({&a, &b}, {3, -1}, encode_message(1, 4));
  EXPECT_EQ(by_helpers.data, combined.data);
  EXPECT_EQ(decode_message(decrypt_lwe(key, combined), 4), 8u);  // 3·3 − 2 + 1
}

TEST(LweLinearCombination, RejectsMismatchedInputs) {
  const LweCiphertext a = trivial_lwe(LweDimension(4), 0), b = trivial_lwe(LweDimension(5), 0);
  EXPECT_THROW(linear_combination_lwe({&a, &b}, {1, 1}, 0), fheq::Error);
  EXPECT_THROW(linear_combination_lwe({&a}, {1, 1}, 0), fheq::Error);
}

}  // namespace
}  // namespace fheq::tfhe
