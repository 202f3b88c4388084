#include "tfhe/algorithms/ggsw_encryption.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "tfhe/algorithms/glwe_encryption.h"

namespace fheq::tfhe {

void encrypt_ggsw_into(const GlweSecretKey& key, int64_t message, DecompositionBaseLog base_log,
                       DecompositionLevelCount level, const NoiseDistribution& noise, Csprng& mask_generator,
                       NoiseSampler& noise_sampler, Torus* out) {
  const size_t n = key.polynomial_size.value, k = key.glwe_dimension.value, l = level.value;
  FHEQ_REQUIRE(base_log.value >= 1 && l >= 1 && base_log.value * l <= 64, "encrypt_ggsw: base_log ",
               base_log.value, " × level ", l, " must be in [1, 64]");
  const size_t row_size = (k + 1) * n;
  std::vector<Torus> plaintext(n);
  for (size_t i = 0; i <= k; ++i) {
    for (size_t j = 0; j < l; ++j) {
      // Row (i, j) encrypts −g_j·S_i (i < k) or g_j (the body row), g_j = m·2^(64 − (j+1)·base_log),
      // as a plaintext: the masks stay pure CSPRNG output, so seeded keys can regenerate them.
      const Torus g = static_cast<Torus>(message) << (64 - (j + 1) * base_log.value);
      if (i < k) {
        const uint64_t* s = key.polynomial(i);
        for (size_t c = 0; c < n; ++c) plaintext[c] = Torus{0} - g * s[c];
      } else {
        std::fill(plaintext.begin(), plaintext.end(), 0);
        plaintext[0] = g;
      }
      encrypt_glwe_into(key, plaintext.data(), noise, mask_generator, noise_sampler, out + (i * l + j) * row_size);
    }
  }
}

GgswCiphertext encrypt_ggsw(const GlweSecretKey& key, int64_t message, DecompositionBaseLog base_log,
                            DecompositionLevelCount level, const NoiseDistribution& noise,
                            Csprng& mask_generator, NoiseSampler& noise_sampler) {
  GgswCiphertext out{key.glwe_dimension, key.polynomial_size, base_log, level, {}};
  out.data.assign(out.row_count() * out.row_size(), 0);
  encrypt_ggsw_into(key, message, base_log, level, noise, mask_generator, noise_sampler, out.data.data());
  return out;
}

FourierGgswCiphertext convert_to_fourier_ggsw(const GgswCiphertext& ggsw) {
  const size_t n = ggsw.polynomial_size.value;
  const NegacyclicFft& fft = fft_for(n);
  FourierGgswCiphertext out{ggsw.glwe_dimension, ggsw.polynomial_size, ggsw.base_log, ggsw.level, {}};
  const size_t count = ggsw.row_count() * (ggsw.glwe_dimension.value + 1);
  out.polynomials.assign(count, FourierPolynomial(n));
  for (size_t p = 0; p < count; ++p) fft.forward_torus(ggsw.data.data() + p * n, out.polynomials[p]);
  return out;
}

}  // namespace fheq::tfhe
