// Shared helpers for the TFHE algorithm tests (t2): replayable seeds and a full key set for a
// parameter set. Every randomized test prints its seed; FHEQ_TEST_SEED=<n> replays it.
#pragma once

#include "common/test_seed.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/thread_pool.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/commons/csprng.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/commons/params.h"

namespace fheq::tfhe::testing {

using ::fheq::test_support::test_seed;

// A 16-byte Csprng seed from the test seed and a purpose tag (distinct streams per purpose).
inline Seed make_seed(uint64_t seed, uint64_t purpose) {
  Seed out{};
  std::memcpy(out.data(), &seed, 8);
  std::memcpy(out.data() + 8, &purpose, 8);
  return out;
}

// Keys for the KS → PBS atomic pattern, generated deterministically from `seed`.
struct TestKeys {
  LweSecretKey small_key;
  GlweSecretKey glwe_key;
  LweSecretKey big_key;
  LweBootstrapKey bootstrap_key;
  FourierBootstrapKey fourier_key;
  LweKeyswitchKey keyswitch_key;

  TestKeys(const TfheParams& params, uint64_t seed, bool with_keyswitch_key = true) {
    Csprng key_generator(make_seed(seed, 1));
    small_key = generate_lwe_secret_key(params.lwe_dimension, key_generator);
    glwe_key = generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, key_generator);
    big_key = glwe_key.as_lwe_key();
    bootstrap_key = generate_lwe_bootstrap_key(small_key, glwe_key, params.pbs_base_log, params.pbs_level,
                                               params.glwe_noise, make_seed(seed, 2), make_seed(seed, 3));
    fourier_key = convert_to_fourier_bootstrap_key(bootstrap_key);
    if (with_keyswitch_key) {
      Csprng mask_generator(make_seed(seed, 4));
      NoiseSampler noise(make_seed(seed, 5));
      keyswitch_key = generate_lwe_keyswitch_key(big_key, small_key, params.ks_base_log, params.ks_level,
                                                 params.lwe_noise, mask_generator, noise);
    }
  }
};

}  // namespace fheq::tfhe::testing
