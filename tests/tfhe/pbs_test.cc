// Programmable bootstrapping: every input for p = 1..6 (TOY sets), identity / negation / ReLU-like /
// random tables, arbitrary output encodings, many-LUT, KS+PBS, fast vs reference; a few runs with
// real 128-bit parameter sets (t2).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "fheq/error.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/algorithms/lwe_linear_algebra.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;
using testing::TestKeys;

// The tables a quantized network needs, as functions [0, 2^p) → [0, 2^p).
std::vector<std::pair<std::string, std::vector<uint64_t>>> test_tables(uint32_t p, std::mt19937_64& rng) {
  const uint64_t size = uint64_t{1} << p, half = size / 2;
  std::vector<uint64_t> identity(size), negation(size), relu(size), random(size);
  for (uint64_t m = 0; m < size; ++m) {
    identity[m] = m;
    negation[m] = (size - m) % size;
    // m read as a signed p-bit value (two's complement): ReLU keeps non-negative values.
    relu[m] = m < half ? m : 0;
    random[m] = rng() % size;
  }
  return {{"identity", identity}, {"negation", negation}, {"relu", relu}, {"random", random}};
}

std::vector<Torus> encode_table(const std::vector<uint64_t>& table, uint32_t p) {
  std::vector<Torus> out;
  for (uint64_t v : table) out.push_back(encode_message(v, p));
  return out;
}

TEST(Pbs, EveryInputEveryTableForPrecisionsOneToSix) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  for (uint32_t p = 1; p <= 6; ++p) {
    const TfheParams& params = params_toy(p);
    const TestKeys keys(params, seed + p, /*with_keyswitch_key=*/false);
    Csprng masks(make_seed(seed, 10 + p));
    NoiseSampler noise(make_seed(seed, 20 + p));
    BootstrapScratch scratch(keys.fourier_key);
    LweCiphertext out;
    for (const auto& [name, table] : test_tables(p, rng)) {
      const LookupTable lut =
          make_lookup_table(params.glwe_dimension, params.polynomial_size, p, encode_table(table, p));
      for (uint64_t m = 0; m < (uint64_t{1} << p); ++m) {
        const LweCiphertext in = encrypt_lwe(keys.small_key, encode_message(m, p), params.lwe_noise, masks, noise);
        bootstrap_lwe(keys.fourier_key, lut, in, out, scratch);
        ASSERT_EQ(out.dimension.value, params.big_lwe_dimension());
        ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, out), p), table[m])
            << "p=" << p << " table " << name << " input " << m;
      }
    }
  }
}

TEST(Pbs, ArbitraryOutputEncodingAndNoisyInputs) {
  // Output encoding chosen by the caller: f(m) = 3m + 1 at Δ' for a wider 8-bit output space; inputs
  // carry offsets up to ±Δ/4 (added to the plaintext), which the centred boxes must round away. (Δ/4 is
  // 8 of the 32 coefficients of a TOY_P4 box; the modulus-switch rounding adds std ≈ 1.6 more, so a
  // half box of 16 leaves a 5-sigma margin.)
  const uint64_t seed = test_seed();
  const uint32_t p = 4, out_bits = 8;
  const TfheParams& params = params_toy(p);
  const TestKeys keys(params, seed, false);
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                            [&](uint64_t m) { return encode_message(3 * m + 1, out_bits); });
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  const int64_t delta = static_cast<int64_t>(encoding_delta(p));
  for (uint64_t m = 0; m < 16; ++m) {
    for (double offset : {-0.25, -0.125, 0.0, 0.125, 0.25}) {
      const Torus plaintext = encode_message(m, p) + static_cast<Torus>(static_cast<int64_t>(offset * delta));
      const LweCiphertext in = encrypt_lwe(keys.small_key, plaintext, params.lwe_noise, masks, noise);
      const LweCiphertext out = bootstrap_lwe(keys.fourier_key, lut, in);
      ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, out), out_bits), 3 * m + 1) << "m=" << m << " offset " << offset;
    }
  }
}

TEST(Pbs, NegativeNoiseOnZeroWrapsToTheRightValue) {
  // m = 0 with a phase slightly below 0 lands in the negacyclic half: the table's −f(0) entries.
  const uint64_t seed = test_seed();
  const uint32_t p = 3;
  const TfheParams& params = params_toy(p);
  const TestKeys keys(params, seed, false);
  const std::vector<uint64_t> table = {5, 1, 2, 3, 4, 6, 7, 0};
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, p, encode_table(table, p));
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  const Torus below_zero = Torus{0} - encoding_delta(p) / 3;
  const LweCiphertext in = encrypt_lwe(keys.small_key, below_zero, params.lwe_noise, masks, noise);
  EXPECT_EQ(decode_message(decrypt_lwe(keys.big_key, bootstrap_lwe(keys.fourier_key, lut, in)), p), 5u);
}

TEST(Pbs, FastMatchesReferenceDecryption) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const uint32_t p = 2;
  const TfheParams& params = params_toy(p);
  const TestKeys keys(params, seed, false);
  const std::vector<uint64_t> table = {3, 0, 2, 1};
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, p, encode_table(table, p));
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  for (uint64_t m = 0; m < 4; ++m) {
    const LweCiphertext in = encrypt_lwe(keys.small_key, encode_message(m, p), params.lwe_noise, masks, noise);
    const Torus fast = decrypt_lwe(keys.big_key, bootstrap_lwe(keys.fourier_key, lut, in));
    const Torus exact = decrypt_lwe(keys.big_key, bootstrap_lwe_ref(keys.bootstrap_key, lut, in));
    EXPECT_EQ(decode_message(fast, p), table[m]);
    EXPECT_EQ(decode_message(exact, p), table[m]);
    // Same modulus switch and rotations; only FFT rounding differs (bound as in the blind-rotation test).
    EXPECT_LT(std::abs(static_cast<int64_t>(fast - exact)), int64_t{1} << 50);
  }
}

TEST(Pbs, ManyLutEvaluatesEveryTableFromOneBlindRotation) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  // 3-bit messages on TOY_P5 keys (N = 1024): with c tables a box holds N/(2^p·c) groups of c
  // coefficients and the modulus-switch rounding error is ~1.6 groups (std) whatever c, so c = 4 still
  // leaves a half box of 16 groups (~10 sigma).
  const uint32_t p = 3;
  const TfheParams& params = params_toy(5);
  const TestKeys keys(params, seed, false);
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  BootstrapScratch scratch(keys.fourier_key);
  for (size_t count : {2u, 4u}) {
    std::vector<std::vector<uint64_t>> tables(count, std::vector<uint64_t>(8));
    std::vector<std::vector<Torus>> encoded;
    for (auto& table : tables) {
      for (uint64_t& v : table) v = rng() % 8;
      encoded.push_back(encode_table(table, p));
    }
    const LookupTable lut = make_many_lookup_table(params.glwe_dimension, params.polynomial_size, p, encoded);
    std::vector<LweCiphertext> outs;
    for (uint64_t m = 0; m < 8; ++m) {
      const LweCiphertext in = encrypt_lwe(keys.small_key, encode_message(m, p), params.lwe_noise, masks, noise);
      bootstrap_lwe_many(keys.fourier_key, lut, in, outs, scratch);
      ASSERT_EQ(outs.size(), count);
      for (size_t t = 0; t < count; ++t)
        ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, outs[t]), p), tables[t][m])
            << "tables " << count << " table " << t << " input " << m;
    }
  }
  EXPECT_THROW(make_many_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                      std::vector<std::vector<Torus>>(256, std::vector<Torus>(8))),
               fheq::Error);
}

TEST(Pbs, KeyswitchBootstrapChainsALinearLayerAndTwoLookups) {
  // Atomic pattern: x under the big key → Σ w·x + c → KS+PBS (ReLU) → KS+PBS (identity) → decrypt.
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const uint32_t p = 4;
  const TfheParams& params = params_toy(p);
  const TestKeys keys(params, seed);
  const LookupTable relu = make_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                             [](uint64_t m) { return encode_message(m < 8 ? m : 0, 4); });
  const LookupTable identity = make_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                                 [](uint64_t m) { return encode_message(m, 4); });
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  BootstrapScratch scratch(keys.fourier_key);
  // The PBS evaluates its table on [0, 2^p) only (a phase in the padding half returns the negated table), so
  // the test keeps the linear combination inside it: x ∈ [0, 2], w ∈ [−2, 1], constant 8 → sum ∈ [0, 12].
  for (int trial = 0; trial < 20; ++trial) {
    const uint64_t x0 = rng() % 3, x1 = rng() % 3;
    const int64_t w0 = static_cast<int64_t>(rng() % 4) - 2, w1 = static_cast<int64_t>(rng() % 4) - 2;
    const LweCiphertext c0 = encrypt_lwe(keys.big_key, encode_message(x0, p), params.glwe_noise, masks, noise);
    const LweCiphertext c1 = encrypt_lwe(keys.big_key, encode_message(x1, p), params.glwe_noise, masks, noise);
    const LweCiphertext sum = linear_combination_lwe({&c0, &c1}, {w0, w1}, encode_message(8, p));
    LweCiphertext after_relu, after_identity;
    keyswitch_bootstrap_lwe(keys.keyswitch_key, keys.fourier_key, relu, sum, after_relu, scratch);
    keyswitch_bootstrap_lwe(keys.keyswitch_key, keys.fourier_key, identity, after_relu, after_identity, scratch);
    const int64_t clear = w0 * static_cast<int64_t>(x0) + w1 * static_cast<int64_t>(x1) + 8;
    ASSERT_GE(clear, 0);
    ASSERT_LT(clear, 16);
    const uint64_t expected = clear < 8 ? static_cast<uint64_t>(clear) : 0;
    ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, after_identity), p), expected) << "trial " << trial;
  }
}

TEST(Pbs, RejectsMismatchedInputs) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(1);
  const TestKeys keys(params, seed, false);
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, 1, std::vector<Torus>{0, 1});
  EXPECT_THROW(bootstrap_lwe(keys.fourier_key, lut, trivial_lwe(LweDimension(5), 0)), fheq::Error);
  const LookupTable wrong = make_lookup_table(params.glwe_dimension, PolynomialSize(512), 1, std::vector<Torus>{0, 1});
  EXPECT_THROW(bootstrap_lwe(keys.fourier_key, wrong, trivial_lwe(params.lwe_dimension, 0)), fheq::Error);
  EXPECT_THROW(make_lookup_table(params.glwe_dimension, params.polynomial_size, 2, std::vector<Torus>{0, 1}),
               fheq::Error);
}

// Real 128-bit parameters: all 16 inputs of the tfhe-rs default set through KS+PBS (p = 4), with a
// single-thread timing printed (the formal benchmark is bench/bench_tfhe.cc).
TEST(PbsReal128, TfhersSetKeyswitchBootstrapEveryInput) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_tfhers_m2c2_tuniform_2m128();
  const uint32_t p = params.message_bits;
  const auto keygen_start = std::chrono::steady_clock::now();
  const TestKeys keys(params, seed);
  std::printf("[ real ] %s keygen (BSK + KSK + FFT) %.2f s\n", params.name.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - keygen_start).count());
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                            [](uint64_t m) { return encode_message((m * m + 3) % 16, 4); });
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  BootstrapScratch scratch(keys.fourier_key);
  LweCiphertext out;
  const CompactLweKeyswitchKey compact = compact_lwe_keyswitch_key(keys.keyswitch_key);
  for (bool use_compact : {false, true}) {
    std::vector<double> times;
    for (uint64_t m = 0; m < 16; ++m) {
      const LweCiphertext in = encrypt_lwe(keys.big_key, encode_message(m, p), params.glwe_noise, masks, noise);
      const auto start = std::chrono::steady_clock::now();
      if (use_compact) keyswitch_bootstrap_lwe(compact, keys.fourier_key, lut, in, out, scratch);
      else keyswitch_bootstrap_lwe(keys.keyswitch_key, keys.fourier_key, lut, in, out, scratch);
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, out), p), (m * m + 3) % 16) << "input " << m;
    }
    std::sort(times.begin(), times.end());
    std::printf("[ real ] %s KS%s+PBS single thread (wall clock, shared machine): median %.2f ms, min %.2f ms\n",
                params.name.c_str(), use_compact ? "(32-bit key)" : "", times[times.size() / 2], times.front());
  }
}

TEST(PbsReal128, ConcreteP4SetBootstrapsEveryInput) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_concrete_128(4);
  const uint32_t p = 4;
  const TestKeys keys(params, seed, false);
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, p,
                                            [](uint64_t m) { return encode_message(15 - m, 4); });
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  BootstrapScratch scratch(keys.fourier_key);
  LweCiphertext out;
  for (uint64_t m = 0; m < 16; ++m) {
    const LweCiphertext in = encrypt_lwe(keys.small_key, encode_message(m, p), params.lwe_noise, masks, noise);
    bootstrap_lwe(keys.fourier_key, lut, in, out, scratch);
    ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, out), p), 15 - m) << "input " << m;
  }
}

}  // namespace
}  // namespace fheq::tfhe
