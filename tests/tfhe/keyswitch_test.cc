// LWE keyswitching: fast path bit-identical to the reference, correct decryption, seeded keys (t2).
#include <gtest/gtest.h>

#include <random>

#include "fheq/error.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

struct KeyswitchSetup {
  LweSecretKey big_key, small_key;
  LweKeyswitchKey key;
  KeyswitchSetup(uint64_t seed, size_t n_in, size_t n_out, size_t base_log, size_t level, const NoiseDistribution& noise) {
    Csprng keys(make_seed(seed, 1));
    big_key = generate_lwe_secret_key(LweDimension(n_in), keys);
    small_key = generate_lwe_secret_key(LweDimension(n_out), keys);
    Csprng masks(make_seed(seed, 2));
    NoiseSampler noise_sampler(make_seed(seed, 3));
    key = generate_lwe_keyswitch_key(big_key, small_key, DecompositionBaseLog(base_log), DecompositionLevelCount(level),
                                     noise, masks, noise_sampler);
  }
};

TEST(Keyswitch, FastMatchesReferenceBitForBitAndDecrypts) {
  const uint64_t seed = test_seed();
  const NoiseDistribution noise{NoiseKind::kGaussian, std::exp2(-40.0), 0};
  // Every decomposition keeps ≥ 10 bits: the dropped bits of 512 mask words then add σ ≤ 2^−7.8 to the phase,
  // 7σ under the 3-bit decoding threshold 2^−5. ({3, 3} kept 9 bits: σ 2^−6.8, 3.5σ, and failed ~1 run in 200.)
  for (auto [base_log, level] : std::vector<std::pair<size_t, size_t>>{{4, 4}, {5, 4}, {3, 4}, {2, 8}, {1, 10}}) {
    KeyswitchSetup setup(seed + base_log, 512, 64, base_log, level, noise);
    ASSERT_EQ(setup.key.data.size(), 512 * level * 65);
    Csprng masks(make_seed(seed, 4));
    NoiseSampler noise_sampler(make_seed(seed, 5));
    const uint32_t p = 3;
    for (uint64_t m = 0; m < 8; ++m) {
      const LweCiphertext in = encrypt_lwe(setup.big_key, encode_message(m, p), noise, masks, noise_sampler);
      LweCiphertext fast, ref;
      keyswitch_lwe(setup.key, in, fast);
      keyswitch_lwe_ref(setup.key, in, ref);
      ASSERT_EQ(fast.dimension.value, 64u);
      ASSERT_EQ(fast.data, ref.data) << "base_log " << base_log << " level " << level << " m " << m;
      EXPECT_EQ(decode_message(decrypt_lwe(setup.small_key, fast), p), m)
          << "base_log " << base_log << " level " << level;
    }
  }
}

TEST(Keyswitch, OutputPhaseErrorIsWithinTheDecompositionBound) {
  // Without key noise the only error is the dropped low bits: |Σ_i s_i·(a_i − closest(a_i))| ≤
  // n_in · 2^(64 − base_log·level − 1) (each rounding error is at most half a unit).
  const uint64_t seed = test_seed();
  const NoiseDistribution zero{NoiseKind::kGaussian, 0.0, 0};
  const size_t n_in = 256, base_log = 4, level = 3;
  KeyswitchSetup setup(seed, n_in, 32, base_log, level, zero);
  Csprng masks(make_seed(seed, 4));
  NoiseSampler noise_sampler(make_seed(seed, 5));
  const double bound = n_in * std::ldexp(1.0, 64 - base_log * level - 1);
  double worst = 0;
  for (int trial = 0; trial < 50; ++trial) {
    const Torus mu = masks.next_u64();
    const LweCiphertext in = encrypt_lwe(setup.big_key, mu, zero, masks, noise_sampler);
    LweCiphertext out;
    keyswitch_lwe(setup.key, in, out);
    const double error = std::fabs(static_cast<double>(static_cast<int64_t>(decrypt_lwe(setup.small_key, out) - mu)));
    worst = std::max(worst, error);
    ASSERT_LE(error, bound);
  }
  std::printf("[ ks ] worst |error| 2^%.2f, bound 2^%.2f\n", std::log2(worst + 1), std::log2(bound));
}

TEST(Keyswitch, SeededKeyDecompressesToTheStandardKey) {
  const uint64_t seed = test_seed();
  Csprng keys(make_seed(seed, 1));
  const LweSecretKey big_key = generate_lwe_secret_key(LweDimension(300), keys);
  const LweSecretKey small_key = generate_lwe_secret_key(LweDimension(40), keys);
  const NoiseDistribution noise{NoiseKind::kGaussian, std::exp2(-30.0), 0};
  NoiseSampler noise_a(make_seed(seed, 3)), noise_b(make_seed(seed, 3));
  const Seed mask_seed = make_seed(seed, 2);
  const SeededLweKeyswitchKey seeded = generate_seeded_lwe_keyswitch_key(
      big_key, small_key, DecompositionBaseLog(4), DecompositionLevelCount(4), noise, mask_seed, noise_a);
  Csprng masks(mask_seed);
  const LweKeyswitchKey standard = generate_lwe_keyswitch_key(big_key, small_key, DecompositionBaseLog(4),
                                                              DecompositionLevelCount(4), noise, masks, noise_b);
  EXPECT_EQ(seeded.bodies.size(), 300u * 4);
  const LweKeyswitchKey decompressed = decompress_lwe_keyswitch_key(seeded);
  EXPECT_EQ(decompressed.data, standard.data);
  // Every KSK ciphertext (i, j) encrypts big_key[i]·2^(64 − 4(j+1)).
  for (size_t i = 0; i < 300; i += 37) {
    for (size_t j = 0; j < 4; ++j) {
      LweCiphertext ct(LweDimension(40));
      std::copy(standard.ciphertext(i, j), standard.ciphertext(i, j) + 41, ct.data.begin());
      const int64_t error = static_cast<int64_t>(decrypt_lwe(small_key, ct) - (big_key.data[i] << (64 - 4 * (j + 1))));
      EXPECT_LT(std::abs(error), int64_t{1} << 40);
    }
  }
}

TEST(Keyswitch, CompactKeyMatchesItsReferenceAndStaysCloseToTheFullKey) {
  // The 32-bit key: fast path bit-identical to its reference; phase within the stated extra error of
  // the 64-bit keyswitch (2^31·sqrt((n_out/2 + 1)/3)·‖digits‖₂ std, asserted at 6 std with ‖d‖₂ ≤
  // sqrt(n_in·l)·B/2) and decryption still exact.
  const uint64_t seed = test_seed();
  const NoiseDistribution noise{NoiseKind::kGaussian, std::exp2(-30.0), 0};
  const size_t n_in = 1024, n_out = 128, base_log = 4, level = 4;
  KeyswitchSetup setup(seed, n_in, n_out, base_log, level, noise);
  const CompactLweKeyswitchKey compact = compact_lwe_keyswitch_key(setup.key);
  ASSERT_EQ(compact.data.size(), setup.key.data.size());
  Csprng masks(make_seed(seed, 4));
  NoiseSampler noise_sampler(make_seed(seed, 5));
  const double bound = 6 * std::ldexp(1.0, 31) * std::sqrt((n_out / 2.0 + 1) / 3.0) *
                       std::sqrt(static_cast<double>(n_in * level)) * (1 << (base_log - 1));
  for (uint64_t m = 0; m < 16; ++m) {
    const LweCiphertext in = encrypt_lwe(setup.big_key, encode_message(m, 4), noise, masks, noise_sampler);
    LweCiphertext fast, ref, full;
    keyswitch_lwe(compact, in, fast);
    keyswitch_lwe_ref(compact, in, ref);
    keyswitch_lwe(setup.key, in, full);
    ASSERT_EQ(fast.data, ref.data) << "m " << m;
    for (Torus x : fast.data) ASSERT_EQ(x & 0xffffffffULL, 0u);
    const Torus phase = decrypt_lwe(setup.small_key, fast);
    const double difference = std::fabs(static_cast<double>(static_cast<int64_t>(phase - decrypt_lwe(setup.small_key, full))));
    ASSERT_LE(difference, bound) << "m " << m;
    ASSERT_EQ(decode_message(phase, 4), m);
  }
}

TEST(Keyswitch, RejectsWrongInputDimension) {
  const uint64_t seed = test_seed();
  KeyswitchSetup setup(seed, 128, 16, 4, 2, NoiseDistribution{});
  LweCiphertext out;
  EXPECT_THROW(keyswitch_lwe(setup.key, trivial_lwe(LweDimension(127), 0), out), fheq::Error);
}

}  // namespace
}  // namespace fheq::tfhe
