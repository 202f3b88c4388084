#include "tfhe/algorithms/glwe_encryption.h"

#include <vector>

#include "core/check.h"
#include "tfhe/fft/fft_ref.h"

namespace fheq::tfhe {
namespace {

// acc += a·S in Z_{2^64}[X]/(X^N + 1) for a binary key polynomial S: for every set coefficient
// S_j, add X^j·a (negacyclic). Exact and O(N·popcount(S)); encryption is not on the hot path.
void add_product_with_binary(const Torus* a, const uint64_t* key, size_t n, Torus* acc) {
  for (size_t j = 0; j < n; ++j) {
    if (key[j] == 0) continue;
    // X^j·a: a[0..n−j) lands on acc[j..n), a[n−j..n) wraps to acc[0..j) negated (two unit-stride loops).
    for (size_t c = 0; c < n - j; ++c) acc[c + j] += a[c];
    for (size_t c = 0; c < j; ++c) acc[c] -= a[n - j + c];
  }
}

}  // namespace

void encrypt_glwe_into(const GlweSecretKey& key, const Torus* plaintext, const NoiseDistribution& noise,
                       Csprng& mask_generator, NoiseSampler& noise_sampler, Torus* out) {
  const size_t n = key.polynomial_size.value, k = key.glwe_dimension.value;
  Torus* body = out + k * n;
  mask_generator.fill_u64(out, k * n);
  noise_sampler.fill(noise, body, n);
  if (plaintext != nullptr)
    for (size_t c = 0; c < n; ++c) body[c] += plaintext[c];
  for (size_t i = 0; i < k; ++i) add_product_with_binary(out + i * n, key.polynomial(i), n, body);
}

GlweCiphertext encrypt_glwe(const GlweSecretKey& key, const std::vector<Torus>& plaintext,
                            const NoiseDistribution& noise, Csprng& mask_generator, NoiseSampler& noise_sampler) {
  FHEQ_REQUIRE(plaintext.size() == key.polynomial_size.value, "encrypt_glwe: plaintext has ", plaintext.size(),
               " coefficients, the key's polynomial size is ", key.polynomial_size.value);
  GlweCiphertext out(key.glwe_dimension, key.polynomial_size);
  encrypt_glwe_into(key, plaintext.data(), noise, mask_generator, noise_sampler, out.data.data());
  return out;
}

GlweCiphertext trivial_glwe(GlweDimension glwe_dimension, const std::vector<Torus>& plaintext) {
  GlweCiphertext out(glwe_dimension, PolynomialSize(plaintext.size()));
  std::copy(plaintext.begin(), plaintext.end(), out.body());
  return out;
}

std::vector<Torus> decrypt_glwe(const GlweSecretKey& key, const GlweCiphertext& ciphertext) {
  FHEQ_REQUIRE(ciphertext.glwe_dimension == key.glwe_dimension && ciphertext.polynomial_size == key.polynomial_size &&
                   ciphertext.data.size() == (key.glwe_dimension.value + 1) * key.polynomial_size.value,
               "decrypt_glwe: ciphertext (k=", ciphertext.glwe_dimension.value, ", N=",
               ciphertext.polynomial_size.value, ") does not match key (k=", key.glwe_dimension.value,
               ", N=", key.polynomial_size.value, ")");
  const size_t n = key.polynomial_size.value;
  std::vector<Torus> mask_times_key(n, 0);
  for (size_t i = 0; i < key.glwe_dimension.value; ++i)
    add_product_with_binary(ciphertext.polynomial(i), key.polynomial(i), n, mask_times_key.data());
  std::vector<Torus> phase(ciphertext.body(), ciphertext.body() + n);
  for (size_t c = 0; c < n; ++c) phase[c] -= mask_times_key[c];
  return phase;
}

}  // namespace fheq::tfhe
