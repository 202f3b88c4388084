// Batched PBS / KS+PBS over a thread pool: same results as the one-by-one calls, whatever the
// thread count; per-ciphertext tables (t2).
#include <gtest/gtest.h>

#include <random>

#include "core/thread_pool.h"
#include "fheq/error.h"
#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe_test_support.h"

namespace fheq::tfhe {
namespace {

using testing::make_seed;
using testing::test_seed;
using testing::TestKeys;

TEST(Batch, MatchesSequentialCallsForAnyThreadCount) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  const uint32_t p = 3;
  const TfheParams& params = params_toy(p);
  const TestKeys keys(params, seed);
  std::vector<LookupTable> tables;
  std::vector<std::vector<uint64_t>> clear_tables;
  for (int t = 0; t < 3; ++t) {
    std::vector<uint64_t> clear(8);
    std::vector<Torus> outputs(8);
    for (size_t m = 0; m < 8; ++m) outputs[m] = encode_message(clear[m] = rng() % 8, p);
    clear_tables.push_back(clear);
    tables.push_back(make_lookup_table(params.glwe_dimension, params.polynomial_size, p, outputs));
  }
  Csprng masks(make_seed(seed, 1));
  NoiseSampler noise(make_seed(seed, 2));
  const size_t count = 37;
  std::vector<LweCiphertext> small_inputs, big_inputs;
  std::vector<uint64_t> messages;
  std::vector<const LookupTable*> per_input;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t m = rng() % 8;
    messages.push_back(m);
    small_inputs.push_back(encrypt_lwe(keys.small_key, encode_message(m, p), params.lwe_noise, masks, noise));
    big_inputs.push_back(encrypt_lwe(keys.big_key, encode_message(m, p), params.glwe_noise, masks, noise));
    per_input.push_back(&tables[rng() % 3]);
  }
  // Sequential references.
  BootstrapScratch scratch(keys.fourier_key);
  // Grouped batches must be bit-identical to one-by-one calls (same operations in the same order).
  const CompactLweKeyswitchKey compact = compact_lwe_keyswitch_key(keys.keyswitch_key);
  std::vector<LweCiphertext> pbs_expected(count), kspbs_expected(count), kspbs_compact_expected(count), ks_expected(count);
  for (size_t i = 0; i < count; ++i) {
    keyswitch_bootstrap_lwe(compact, keys.fourier_key, *per_input[i], big_inputs[i], kspbs_compact_expected[i], scratch);
    bootstrap_lwe(keys.fourier_key, *per_input[i], small_inputs[i], pbs_expected[i], scratch);
    keyswitch_bootstrap_lwe(keys.keyswitch_key, keys.fourier_key, *per_input[i], big_inputs[i], kspbs_expected[i], scratch);
    keyswitch_lwe(keys.keyswitch_key, big_inputs[i], ks_expected[i]);
  }
  for (size_t threads : {1u, 2u, 3u}) {
    core::ThreadPool pool(threads);
    std::vector<LweCiphertext> pbs, kspbs, kspbs_compact, ks;
    bootstrap_lwe_batch(keys.fourier_key, per_input, small_inputs, pbs, pool);
    keyswitch_bootstrap_lwe_batch(keys.keyswitch_key, keys.fourier_key, per_input, big_inputs, kspbs, pool);
    keyswitch_bootstrap_lwe_batch(compact, keys.fourier_key, per_input, big_inputs, kspbs_compact, pool);
    keyswitch_lwe_batch(keys.keyswitch_key, big_inputs, ks, pool);
    ASSERT_EQ(pbs.size(), count);
    for (size_t i = 0; i < count; ++i) {
      ASSERT_EQ(pbs[i].data, pbs_expected[i].data) << threads << " threads, ciphertext " << i;
      ASSERT_EQ(kspbs[i].data, kspbs_expected[i].data) << threads << " threads, ciphertext " << i;
      ASSERT_EQ(kspbs_compact[i].data, kspbs_compact_expected[i].data) << threads << " threads, ciphertext " << i;
      ASSERT_EQ(ks[i].data, ks_expected[i].data) << threads << " threads, ciphertext " << i;
    }
  }
  // A single shared table through the default pool: outputs decrypt to the clear table.
  std::vector<LweCiphertext> shared;
  bootstrap_lwe_batch(keys.fourier_key, {&tables[0]}, small_inputs, shared);
  for (size_t i = 0; i < count; ++i) {
    ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, shared[i]), p), clear_tables[0][messages[i]]) << "input " << i;
    ASSERT_EQ(decode_message(decrypt_lwe(keys.big_key, kspbs_expected[i]), p), clear_tables[0 + (per_input[i] - &tables[0])][messages[i]]);
  }
}

TEST(Batch, RejectsWrongTableCountAndHandlesEmptyInput) {
  const uint64_t seed = test_seed();
  const TfheParams& params = params_toy(1);
  const TestKeys keys(params, seed, false);
  const LookupTable lut = make_lookup_table(params.glwe_dimension, params.polynomial_size, 1, std::vector<Torus>{0, 1});
  std::vector<LweCiphertext> inputs(3, trivial_lwe(params.lwe_dimension, 0)), outputs;
  EXPECT_THROW(bootstrap_lwe_batch(keys.fourier_key, {&lut, &lut}, inputs, outputs), fheq::Error);
  std::vector<LweCiphertext> none;
  bootstrap_lwe_batch(keys.fourier_key, {&lut}, none, outputs);
  EXPECT_TRUE(outputs.empty());
}

}  // namespace
}  // namespace fheq::tfhe
