#include "tfhe/algorithms/lwe_encryption.h"

#include "core/check.h"

namespace fheq::tfhe {
namespace {

Torus dot_mask_key(const Torus* mask, const uint64_t* key, size_t n) {
  Torus sum = 0;
  for (size_t i = 0; i < n; ++i) sum += mask[i] * key[i];  // binary key: a multiply keeps it branch-free
  return sum;
}

}  // namespace

void encrypt_lwe_into(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                      Csprng& mask_generator, NoiseSampler& noise_sampler, LweCiphertext& out) {
  const size_t n = key.data.size();
  if (out.data.size() != n + 1) out = LweCiphertext(LweDimension(n));
  out.dimension = LweDimension(n);
  mask_generator.fill_u64(out.mask(), n);
  out.body() = dot_mask_key(out.mask(), key.data.data(), n) + plaintext + noise_sampler.sample(noise);
}

LweCiphertext encrypt_lwe(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                          Csprng& mask_generator, NoiseSampler& noise_sampler) {
  LweCiphertext out(LweDimension(key.data.size()));
  encrypt_lwe_into(key, plaintext, noise, mask_generator, noise_sampler, out);
  return out;
}

SeededLweCiphertext encrypt_lwe_seeded(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                                       const Seed& mask_seed, NoiseSampler& noise_sampler) {
  Csprng mask_generator(mask_seed);
  const LweCiphertext full = encrypt_lwe(key, plaintext, noise, mask_generator, noise_sampler);
  return SeededLweCiphertext{full.dimension, mask_seed, full.body()};
}

LweCiphertext decompress_lwe(const SeededLweCiphertext& seeded) {
  LweCiphertext out(seeded.dimension);
  Csprng mask_generator(seeded.mask_seed);
  mask_generator.fill_u64(out.mask(), seeded.dimension.value);
  out.body() = seeded.body;
  return out;
}

LweCiphertext trivial_lwe(LweDimension dimension, Torus plaintext) {
  LweCiphertext out(dimension);
  out.body() = plaintext;
  return out;
}

Torus decrypt_lwe(const LweSecretKey& key, const LweCiphertext& ciphertext) {
  FHEQ_REQUIRE(ciphertext.data.size() == key.data.size() + 1 && ciphertext.dimension.value == key.data.size(),
               "decrypt_lwe: ciphertext dimension ", ciphertext.dimension.value, " (", ciphertext.data.size(),
               " elements) does not match key dimension ", key.data.size());
  return ciphertext.body() - dot_mask_key(ciphertext.mask(), key.data.data(), key.data.size());
}

}  // namespace fheq::tfhe
