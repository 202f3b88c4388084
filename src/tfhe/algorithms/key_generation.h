// Secret key, keyswitch key and bootstrap key generation.
//
// Reproducibility: every function takes its randomness explicitly (a Csprng or seeds), so tests and
// seeded (compressed) keys can regenerate exactly the same masks. Bootstrap keys are generated in
// parallel over their n GGSWs; GGSW i draws its masks from Csprng(mask_seed).fork(i) and its noise
// from Csprng(noise_seed).fork(i), so the result does not depend on the thread count.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "tfhe/commons/csprng.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/commons/params.h"
#include "tfhe/commons/types.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_keyswitch_key.h"
#include "tfhe/entities/secret_keys.h"

namespace fheq::tfhe {

// Uniform binary keys (Csprng::fill_binary).
LweSecretKey generate_lwe_secret_key(LweDimension dimension, Csprng& generator);
GlweSecretKey generate_glwe_secret_key(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                       Csprng& generator);

// Keyswitch key from input_key (n_in) to output_key (n_out): ciphertext (i, j) encrypts
// input_key[i]·2^(64 − (j+1)·base_log) under output_key with `noise` (layout: lwe_keyswitch_key.h).
LweKeyswitchKey generate_lwe_keyswitch_key(const LweSecretKey& input_key, const LweSecretKey& output_key,
                                           DecompositionBaseLog base_log, DecompositionLevelCount level,
                                           const NoiseDistribution& noise, Csprng& mask_generator,
                                           NoiseSampler& noise_sampler);
// Seeded variant: masks from Csprng(mask_seed) in storage order; decompress gives the standard key
// that generate_lwe_keyswitch_key would give with mask_generator = Csprng(mask_seed) and the same noise.
SeededLweKeyswitchKey generate_seeded_lwe_keyswitch_key(const LweSecretKey& input_key,
                                                        const LweSecretKey& output_key,
                                                        DecompositionBaseLog base_log,
                                                        DecompositionLevelCount level,
                                                        const NoiseDistribution& noise, const Seed& mask_seed,
                                                        NoiseSampler& noise_sampler);
LweKeyswitchKey decompress_lwe_keyswitch_key(const SeededLweKeyswitchKey& seeded);

// Bootstrap key: GGSW i encrypts lwe_key[i] under glwe_key with `noise`. Parallel over `pool`.
LweBootstrapKey generate_lwe_bootstrap_key(const LweSecretKey& lwe_key, const GlweSecretKey& glwe_key,
                                           DecompositionBaseLog base_log, DecompositionLevelCount level,
                                           const NoiseDistribution& noise, const Seed& mask_seed,
                                           const Seed& noise_seed,
                                           core::ThreadPool& pool = core::default_thread_pool());
SeededLweBootstrapKey generate_seeded_lwe_bootstrap_key(const LweSecretKey& lwe_key, const GlweSecretKey& glwe_key,
                                                        DecompositionBaseLog base_log,
                                                        DecompositionLevelCount level,
                                                        const NoiseDistribution& noise, const Seed& mask_seed,
                                                        const Seed& noise_seed,
                                                        core::ThreadPool& pool = core::default_thread_pool());
// Equal to generate_lwe_bootstrap_key with the same seeds.
LweBootstrapKey decompress_lwe_bootstrap_key(const SeededLweBootstrapKey& seeded,
                                             core::ThreadPool& pool = core::default_thread_pool());

// Forward FFT of every polynomial of every GGSW (parallel over the GGSWs).
FourierBootstrapKey convert_to_fourier_bootstrap_key(const LweBootstrapKey& key,
                                                     core::ThreadPool& pool = core::default_thread_pool());

// Everything a client and a server need for the KS → PBS atomic pattern of one parameter set.
struct ClientKeys {
  LweSecretKey small_key;    // n: inputs may be encrypted under it; PBS inputs are keyswitched to it
  GlweSecretKey glwe_key;    // k, N: PBS outputs are under glwe_key.as_lwe_key() (the big key)
};
struct ServerKeys {
  LweKeyswitchKey keyswitch_key;                 // big (k·N) → small (n)
  CompactLweKeyswitchKey compact_keyswitch_key;  // the same, rounded to 32 bits (faster keyswitch)
  FourierBootstrapKey bootstrap_key;             // small (n) → big (k·N)
};
ClientKeys generate_client_keys(const TfheParams& params, Csprng& generator);
// Keys seeded from `generator` (masks and noise seeds are drawn from it); parallel over `pool`.
ServerKeys generate_server_keys(const TfheParams& params, const ClientKeys& client_keys, Csprng& generator,
                                core::ThreadPool& pool = core::default_thread_pool());

}  // namespace fheq::tfhe
