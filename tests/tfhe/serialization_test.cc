// TFHE file formats: round trips (data equality and decrypt-after-load), seeded size ratios, and
// rejection of truncated, corrupt, mismatched or malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/binary_io.h"
#include "fheq/error.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe/serialization/tfhe_serialization.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;

class SerializationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("fheq_tfhe_io_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

std::string read_bytes(const std::string& path) { return core::read_file(path); }
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST_F(SerializationTest, KeysRoundTripExactly) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(2);
  const testing::TestKeys keys(params, seed);

  save_tfhe_object(path("small.key"), keys.small_key, params);
  save_tfhe_object(path("glwe.key"), keys.glwe_key, params);
  save_tfhe_object(path("big.key"), keys.big_key, params);
  save_tfhe_object(path("ksk"), keys.keyswitch_key, params);
  save_tfhe_object(path("bsk"), keys.bootstrap_key, params);

  const auto small = load_tfhe_object<LweSecretKey>(path("small.key"), params);
  EXPECT_EQ(small.dimension, keys.small_key.dimension);
  EXPECT_EQ(small.data, keys.small_key.data);
  const auto glwe = load_tfhe_object<GlweSecretKey>(path("glwe.key"), params);
  EXPECT_EQ(glwe.glwe_dimension, keys.glwe_key.glwe_dimension);
  EXPECT_EQ(glwe.polynomial_size, keys.glwe_key.polynomial_size);
  EXPECT_EQ(glwe.data, keys.glwe_key.data);
  EXPECT_EQ(load_tfhe_object<LweSecretKey>(path("big.key"), params).data, keys.big_key.data);
  const auto ksk = load_tfhe_object<LweKeyswitchKey>(path("ksk"), params);
  EXPECT_EQ(ksk.input_dimension, keys.keyswitch_key.input_dimension);
  EXPECT_EQ(ksk.output_dimension, keys.keyswitch_key.output_dimension);
  EXPECT_EQ(ksk.base_log, keys.keyswitch_key.base_log);
  EXPECT_EQ(ksk.level, keys.keyswitch_key.level);
  EXPECT_EQ(ksk.data, keys.keyswitch_key.data);
  const auto bsk = load_tfhe_object<LweBootstrapKey>(path("bsk"), params);
  EXPECT_EQ(bsk.input_lwe_dimension, keys.bootstrap_key.input_lwe_dimension);
  EXPECT_EQ(bsk.glwe_dimension, keys.bootstrap_key.glwe_dimension);
  EXPECT_EQ(bsk.polynomial_size, keys.bootstrap_key.polynomial_size);
  EXPECT_EQ(bsk.base_log, keys.bootstrap_key.base_log);
  EXPECT_EQ(bsk.level, keys.bootstrap_key.level);
  EXPECT_EQ(bsk.data, keys.bootstrap_key.data);
}

TEST_F(SerializationTest, SeededKeysRoundTripAndShrink) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(3);
  const testing::TestKeys keys(params, seed, /*with_keyswitch_key=*/false);
  NoiseSampler noise(make_seed(seed, 10));
  const SeededLweKeyswitchKey seeded_ksk =
      generate_seeded_lwe_keyswitch_key(keys.big_key, keys.small_key, params.ks_base_log, params.ks_level,
                                        params.lwe_noise, make_seed(seed, 11), noise);
  const SeededLweBootstrapKey seeded_bsk =
      generate_seeded_lwe_bootstrap_key(keys.small_key, keys.glwe_key, params.pbs_base_log, params.pbs_level,
                                        params.glwe_noise, make_seed(seed, 12), make_seed(seed, 13));
  const LweKeyswitchKey ksk = decompress_lwe_keyswitch_key(seeded_ksk);
  const LweBootstrapKey bsk = decompress_lwe_bootstrap_key(seeded_bsk);

  save_tfhe_object(path("ksk.seeded"), seeded_ksk, params);
  save_tfhe_object(path("bsk.seeded"), seeded_bsk, params);
  save_tfhe_object(path("ksk"), ksk, params);
  save_tfhe_object(path("bsk"), bsk, params);

  // The loaded seeded keys expand to exactly the keys they came from.
  const auto loaded_ksk = load_tfhe_object<SeededLweKeyswitchKey>(path("ksk.seeded"), params);
  EXPECT_EQ(loaded_ksk.mask_seed, seeded_ksk.mask_seed);
  EXPECT_EQ(decompress_lwe_keyswitch_key(loaded_ksk).data, ksk.data);
  const auto loaded_bsk = load_tfhe_object<SeededLweBootstrapKey>(path("bsk.seeded"), params);
  EXPECT_EQ(loaded_bsk.mask_seed, seeded_bsk.mask_seed);
  EXPECT_EQ(decompress_lwe_bootstrap_key(loaded_bsk).data, bsk.data);

  // Sizes: seeded BSK ≈ (k+1)× smaller, seeded KSK ≈ (n+1)× smaller (headers are a few dozen bytes).
  const double k1 = double(params.glwe_dimension.value + 1), n1 = double(params.lwe_dimension.value + 1);
  const double bsk_ratio = double(std::filesystem::file_size(path("bsk"))) / double(std::filesystem::file_size(path("bsk.seeded")));
  const double ksk_ratio = double(std::filesystem::file_size(path("ksk"))) / double(std::filesystem::file_size(path("ksk.seeded")));
  std::printf("bsk %ju B, seeded %ju B (ratio %.3f); ksk %ju B, seeded %ju B (ratio %.3f)\n",
              std::uintmax_t(std::filesystem::file_size(path("bsk"))), std::uintmax_t(std::filesystem::file_size(path("bsk.seeded"))),
              bsk_ratio, std::uintmax_t(std::filesystem::file_size(path("ksk"))),
              std::uintmax_t(std::filesystem::file_size(path("ksk.seeded"))), ksk_ratio);
  EXPECT_NEAR(bsk_ratio, k1, 0.01 * k1);
  EXPECT_NEAR(ksk_ratio, n1, 0.02 * n1);
}

TEST_F(SerializationTest, CiphertextsDecryptAfterLoading) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(4);
  Csprng key_generator(make_seed(seed, 1));
  const LweSecretKey small = generate_lwe_secret_key(params.lwe_dimension, key_generator);
  const GlweSecretKey glwe = generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, key_generator);
  const LweSecretKey big = glwe.as_lwe_key();
  Csprng masks(make_seed(seed, 2));
  NoiseSampler noise(make_seed(seed, 3));

  LweCiphertextList small_cts, big_cts;
  SeededLweCiphertextList seeded;
  constexpr uint64_t kCount = 256;
  for (uint64_t i = 0; i < kCount; ++i) {
    const uint64_t m = i % 16;
    small_cts.push_back(encrypt_lwe(small, encode_message(m, 4), params.lwe_noise, masks, noise));
    big_cts.push_back(encrypt_lwe(big, encode_message(15 - m, 4), params.glwe_noise, masks, noise));
    seeded.push_back(encrypt_lwe_seeded(small, encode_message(m, 4), params.lwe_noise, make_seed(seed, 100 + i), noise));
  }
  save_tfhe_object(path("small.cts"), small_cts, params);
  save_tfhe_object(path("big.cts"), big_cts, params);
  save_tfhe_object(path("seeded.cts"), seeded, params);
  const auto small_loaded = load_tfhe_object<LweCiphertextList>(path("small.cts"), params);
  const auto big_loaded = load_tfhe_object<LweCiphertextList>(path("big.cts"), params);
  const auto seeded_loaded = load_tfhe_object<SeededLweCiphertextList>(path("seeded.cts"), params);
  ASSERT_EQ(small_loaded.size(), kCount);
  ASSERT_EQ(big_loaded.size(), kCount);
  ASSERT_EQ(seeded_loaded.size(), kCount);
  for (uint64_t i = 0; i < kCount; ++i) {
    const uint64_t m = i % 16;
    EXPECT_EQ(small_loaded[i].data, small_cts[i].data);
    EXPECT_EQ(decode_message(decrypt_lwe(small, small_loaded[i]), 4), m);
    EXPECT_EQ(decode_message(decrypt_lwe(big, big_loaded[i]), 4), 15 - m);
    EXPECT_EQ(decode_message(decrypt_lwe(small, decompress_lwe(seeded_loaded[i])), 4), m);
  }
  // A seeded ciphertext costs 16 + 8 bytes instead of 8·(n+1).
  const double per_ct_plain = double(std::filesystem::file_size(path("small.cts"))) / kCount;
  const double per_ct_seeded = double(std::filesystem::file_size(path("seeded.cts"))) / kCount;
  EXPECT_GT(per_ct_plain / per_ct_seeded, 0.9 * 8.0 * double(params.lwe_dimension.value + 1) / 24.0);
  // Empty lists round-trip too.
  save_tfhe_object(path("empty.cts"), LweCiphertextList{}, params);
  EXPECT_TRUE(load_tfhe_object<LweCiphertextList>(path("empty.cts"), params).empty());
}

TEST_F(SerializationTest, RejectsTruncatedCorruptAndMismatchedFiles) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(2);
  const testing::TestKeys keys(params, seed);
  save_tfhe_object(path("ksk"), keys.keyswitch_key, params);
  const std::string good = read_bytes(path("ksk"));

  // Truncated.
  write_bytes(path("short"), good.substr(0, good.size() - 100));
  std::string what = error_of([&] { load_tfhe_object<LweKeyswitchKey>(path("short"), params); });
  EXPECT_NE(what.find(path("short")), std::string::npos) << what;
  EXPECT_NE(what.find("truncated"), std::string::npos) << what;

  // One flipped bit in the key data.
  std::string corrupt = good;
  corrupt[good.size() / 2] ^= 0x10;
  write_bytes(path("corrupt"), corrupt);
  what = error_of([&] { load_tfhe_object<LweKeyswitchKey>(path("corrupt"), params); });
  EXPECT_NE(what.find(path("corrupt")), std::string::npos) << what;
  EXPECT_NE(what.find("checksum"), std::string::npos) << what;

  // Another parameter set.
  what = error_of([&] { load_tfhe_object<LweKeyswitchKey>(path("ksk"), params_toy(3)); });
  EXPECT_NE(what.find("TOY_P2"), std::string::npos) << what;
  EXPECT_NE(what.find("TOY_P3"), std::string::npos) << what;

  // Another kind of object.
  what = error_of([&] { load_tfhe_object<LweBootstrapKey>(path("ksk"), params); });
  EXPECT_NE(what.find("keyswitch-key"), std::string::npos) << what;

  // Not a file of ours / missing.
  write_bytes(path("junk"), "this is not a key file at all, just text");
  EXPECT_THROW(load_tfhe_object<LweKeyswitchKey>(path("junk"), params), Error);
  EXPECT_THROW(load_tfhe_object<LweKeyswitchKey>(path("missing"), params), Error);
}

TEST_F(SerializationTest, RejectsMalformedPayloads) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(2);
  Csprng key_generator(make_seed(seed, 1));
  const LweSecretKey small = generate_lwe_secret_key(params.lwe_dimension, key_generator);
  const std::string payload = serialize_tfhe_object(small, params);
  // Layout: fingerprint u64 | name (u64 length + bytes) | dimension u64 | count u64 | one byte per bit.
  const size_t dimension_at = 8 + 8 + params.name.size();
  const size_t bits_at = dimension_at + 16;

  std::string not_a_bit = payload;
  not_a_bit[bits_at + 5] = 2;
  std::string what = error_of([&] { deserialize_tfhe_object<LweSecretKey>(not_a_bit, params, "mem"); });
  EXPECT_NE(what.find("not a bit"), std::string::npos) << what;

  std::string wrong_dimension = payload;
  wrong_dimension[dimension_at] = 63;  // 64 → 63: neither n nor k·N
  what = error_of([&] { deserialize_tfhe_object<LweSecretKey>(wrong_dimension, params, "mem"); });
  EXPECT_NE(what.find("lwe dimension"), std::string::npos) << what;

  what = error_of([&] { deserialize_tfhe_object<LweSecretKey>(payload + "x", params, "mem"); });
  EXPECT_NE(what.find("trailing"), std::string::npos) << what;

  // A huge ciphertext count must be refused before allocating.
  std::string cts = serialize_tfhe_object(LweCiphertextList(1, LweCiphertext(params.lwe_dimension)), params);
  const size_t count_at = 8 + 8 + params.name.size() + 8;
  cts[count_at + 6] = 0x7f;
  EXPECT_THROW(deserialize_tfhe_object<LweCiphertextList>(cts, params, "mem"), Error);
}

}  // namespace
}  // namespace fheq::tfhe
