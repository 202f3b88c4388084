#include "tfhe/algorithms/key_generation.h"

#include "core/check.h"
#include "tfhe/algorithms/ggsw_encryption.h"
#include "tfhe/algorithms/glwe_encryption.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/fft/fft.h"

namespace fheq::tfhe {
namespace {

void require_decomposition(const char* what, DecompositionBaseLog base_log, DecompositionLevelCount level) {
  FHEQ_REQUIRE(base_log.value >= 1 && level.value >= 1 && base_log.value * level.value <= 64, what, ": base_log ",
               base_log.value, " × level ", level.value, " must be a product in [1, 64]");
}

// Fills the KSK ciphertexts (standard layout) with masks from mask_generator in storage order.
void fill_keyswitch_key(const LweSecretKey& input_key, const LweSecretKey& output_key, DecompositionBaseLog base_log,
                        DecompositionLevelCount level, const NoiseDistribution& noise, Csprng& mask_generator,
                        NoiseSampler& noise_sampler, std::vector<Torus>& data) {
  const size_t n_in = input_key.data.size(), n_out = output_key.data.size(), l = level.value;
  data.assign(n_in * l * (n_out + 1), 0);
  for (size_t i = 0; i < n_in; ++i) {
    for (size_t j = 0; j < l; ++j) {
      Torus* ct = data.data() + (i * l + j) * (n_out + 1);
      mask_generator.fill_u64(ct, n_out);
      Torus body = input_key.data[i] << (64 - (j + 1) * base_log.value);
      for (size_t t = 0; t < n_out; ++t) body += ct[t] * output_key.data[t];
      ct[n_out] = body + noise_sampler.sample(noise);
    }
  }
}


}  // namespace

LweSecretKey generate_lwe_secret_key(LweDimension dimension, Csprng& generator) {
  LweSecretKey key{dimension, core::SecretVector<uint64_t>(dimension.value)};
  generator.fill_binary(key.data.data(), key.data.size());
  return key;
}

GlweSecretKey generate_glwe_secret_key(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                       Csprng& generator) {
  GlweSecretKey key{glwe_dimension, polynomial_size,
                    core::SecretVector<uint64_t>(glwe_dimension.value * polynomial_size.value)};
  generator.fill_binary(key.data.data(), key.data.size());
  return key;
}

LweKeyswitchKey generate_lwe_keyswitch_key(const LweSecretKey& input_key, const LweSecretKey& output_key,
                                           DecompositionBaseLog base_log, DecompositionLevelCount level,
                                           const NoiseDistribution& noise, Csprng& mask_generator,
                                           NoiseSampler& noise_sampler) {
  require_decomposition("generate_lwe_keyswitch_key", base_log, level);
  LweKeyswitchKey key{input_key.dimension, output_key.dimension, base_log, level, {}};
  fill_keyswitch_key(input_key, output_key, base_log, level, noise, mask_generator, noise_sampler, key.data);
  return key;
}

SeededLweKeyswitchKey generate_seeded_lwe_keyswitch_key(const LweSecretKey& input_key,
                                                        const LweSecretKey& output_key,
                                                        DecompositionBaseLog base_log,
                                                        DecompositionLevelCount level,
                                                        const NoiseDistribution& noise, const Seed& mask_seed,
                                                        NoiseSampler& noise_sampler) {
  require_decomposition("generate_seeded_lwe_keyswitch_key", base_log, level);
  Csprng mask_generator(mask_seed);
  std::vector<Torus> full;
  fill_keyswitch_key(input_key, output_key, base_log, level, noise, mask_generator, noise_sampler, full);
  SeededLweKeyswitchKey seeded{input_key.dimension, output_key.dimension, base_log, level, mask_seed, {}};
  const size_t count = input_key.data.size() * level.value, size = output_key.data.size() + 1;
  seeded.bodies.resize(count);
  for (size_t c = 0; c < count; ++c) seeded.bodies[c] = full[c * size + size - 1];
  return seeded;
}

LweKeyswitchKey decompress_lwe_keyswitch_key(const SeededLweKeyswitchKey& seeded) {
  const size_t count = seeded.input_dimension.value * seeded.level.value, n_out = seeded.output_dimension.value;
  FHEQ_REQUIRE(seeded.bodies.size() == count, "decompress_lwe_keyswitch_key: ", seeded.bodies.size(),
               " bodies, expected n_in·l = ", count);
  LweKeyswitchKey key{seeded.input_dimension, seeded.output_dimension, seeded.base_log, seeded.level, {}};
  key.data.resize(count * (n_out + 1));
  Csprng mask_generator(seeded.mask_seed);
  for (size_t c = 0; c < count; ++c) {
    Torus* ct = key.data.data() + c * (n_out + 1);
    mask_generator.fill_u64(ct, n_out);
    ct[n_out] = seeded.bodies[c];
  }
  return key;
}

LweBootstrapKey generate_lwe_bootstrap_key(const LweSecretKey& lwe_key, const GlweSecretKey& glwe_key,
                                           DecompositionBaseLog base_log, DecompositionLevelCount level,
                                           const NoiseDistribution& noise, const Seed& mask_seed,
                                           const Seed& noise_seed, core::ThreadPool& pool) {
  require_decomposition("generate_lwe_bootstrap_key", base_log, level);
  LweBootstrapKey key{lwe_key.dimension, glwe_key.glwe_dimension, glwe_key.polynomial_size, base_log, level, {}};
  const size_t ggsw_size = key.ggsw_size();
  key.data.assign(lwe_key.data.size() * ggsw_size, 0);
  const Csprng mask_root(mask_seed), noise_root(noise_seed);
  pool.parallel_for(0, lwe_key.data.size(), [&](size_t i) {
    Csprng mask_generator = mask_root.fork(i);
    NoiseSampler noise_sampler(noise_root.fork(i).seed());
    encrypt_ggsw_into(glwe_key, static_cast<int64_t>(lwe_key.data[i]), base_log, level, noise, mask_generator,
                      noise_sampler, key.data.data() + i * ggsw_size);
  });
  return key;
}

SeededLweBootstrapKey generate_seeded_lwe_bootstrap_key(const LweSecretKey& lwe_key, const GlweSecretKey& glwe_key,
                                                        DecompositionBaseLog base_log,
                                                        DecompositionLevelCount level,
                                                        const NoiseDistribution& noise, const Seed& mask_seed,
                                                        const Seed& noise_seed, core::ThreadPool& pool) {
  const LweBootstrapKey full =
      generate_lwe_bootstrap_key(lwe_key, glwe_key, base_log, level, noise, mask_seed, noise_seed, pool);
  SeededLweBootstrapKey seeded{full.input_lwe_dimension, full.glwe_dimension, full.polynomial_size,
                               full.base_log, full.level, mask_seed, {}};
  const size_t n = full.polynomial_size.value, k = full.glwe_dimension.value;
  const size_t rows = lwe_key.data.size() * (k + 1) * level.value;
  seeded.bodies.resize(rows * n);
  for (size_t r = 0; r < rows; ++r) {
    const Torus* body = full.data.data() + r * (k + 1) * n + k * n;
    std::copy(body, body + n, seeded.bodies.data() + r * n);
  }
  return seeded;
}

LweBootstrapKey decompress_lwe_bootstrap_key(const SeededLweBootstrapKey& seeded, core::ThreadPool& pool) {
  LweBootstrapKey key{seeded.input_lwe_dimension, seeded.glwe_dimension, seeded.polynomial_size,
                      seeded.base_log, seeded.level, {}};
  const size_t n = seeded.polynomial_size.value, k = seeded.glwe_dimension.value;
  const size_t ggsws = seeded.input_lwe_dimension.value, rows_per_ggsw = (k + 1) * seeded.level.value;
  FHEQ_REQUIRE(seeded.bodies.size() == ggsws * rows_per_ggsw * n, "decompress_lwe_bootstrap_key: ",
               seeded.bodies.size(), " body coefficients, expected n·(k+1)·l·N = ", ggsws * rows_per_ggsw * n);
  key.data.assign(ggsws * key.ggsw_size(), 0);
  const Csprng mask_root(seeded.mask_seed);
  pool.parallel_for(0, ggsws, [&](size_t i) {
    Csprng mask_generator = mask_root.fork(i);
    for (size_t r = 0; r < rows_per_ggsw; ++r) {
      Torus* row = key.data.data() + i * key.ggsw_size() + r * (k + 1) * n;
      mask_generator.fill_u64(row, k * n);
      const Torus* body = seeded.bodies.data() + (i * rows_per_ggsw + r) * n;
      std::copy(body, body + n, row + k * n);
    }
  });
  return key;
}

FourierBootstrapKey convert_to_fourier_bootstrap_key(const LweBootstrapKey& key, core::ThreadPool& pool) {
  const size_t n = key.polynomial_size.value;
  const NegacyclicFft& fft = fft_for(n);
  FourierBootstrapKey out{key.input_lwe_dimension, key.glwe_dimension, key.polynomial_size, key.base_log,
                          key.level, {}};
  const size_t per_ggsw = out.rows_per_ggsw() * (key.glwe_dimension.value + 1);
  const size_t ggsws = key.input_lwe_dimension.value;
  FHEQ_REQUIRE(key.data.size() == ggsws * per_ggsw * n, "convert_to_fourier_bootstrap_key: key holds ",
               key.data.size(), " elements, expected ", ggsws * per_ggsw * n);
  out.polynomials.assign(ggsws * per_ggsw, FourierPolynomial(n));
  pool.parallel_for(0, ggsws, [&](size_t i) {
    for (size_t p = i * per_ggsw; p < (i + 1) * per_ggsw; ++p)
      fft.forward_torus(key.data.data() + p * n, out.polynomials[p]);
  });
  return out;
}

ClientKeys generate_client_keys(const TfheParams& params, Csprng& generator) {
  return ClientKeys{generate_lwe_secret_key(params.lwe_dimension, generator),
                    generate_glwe_secret_key(params.glwe_dimension, params.polynomial_size, generator)};
}

ServerKeys generate_server_keys(const TfheParams& params, const ClientKeys& client_keys, Csprng& generator,
                                core::ThreadPool& pool) {
  Seed ksk_noise_seed{}, bsk_mask_seed{}, bsk_noise_seed{};
  generator.fill_bytes(ksk_noise_seed.data(), ksk_noise_seed.size());
  generator.fill_bytes(bsk_mask_seed.data(), bsk_mask_seed.size());
  generator.fill_bytes(bsk_noise_seed.data(), bsk_noise_seed.size());
  NoiseSampler ksk_noise(ksk_noise_seed);
  ServerKeys keys;
  keys.keyswitch_key = generate_lwe_keyswitch_key(client_keys.glwe_key.as_lwe_key(), client_keys.small_key,
                                                  params.ks_base_log, params.ks_level, params.lwe_noise, generator,
                                                  ksk_noise);
  keys.compact_keyswitch_key = compact_lwe_keyswitch_key(keys.keyswitch_key);
  const LweBootstrapKey standard =
      generate_lwe_bootstrap_key(client_keys.small_key, client_keys.glwe_key, params.pbs_base_log, params.pbs_level,
                                 params.glwe_noise, bsk_mask_seed, bsk_noise_seed, pool);
  keys.bootstrap_key = convert_to_fourier_bootstrap_key(standard, pool);
  return keys;
}

}  // namespace fheq::tfhe
