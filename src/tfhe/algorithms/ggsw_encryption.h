// GGSW encryption (TFHE JoC 2020 Def. 3.6) and conversion to the Fourier domain.
#pragma once

#include <cstdint>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/commons/types.h"
#include "tfhe/entities/ggsw_ciphertext.h"
#include "tfhe/entities/secret_keys.h"

namespace fheq::tfhe {

// Encrypts the small integer `message` (a key bit for bootstrap keys) with the row layout of
// ggsw_ciphertext.h. Masks are drawn row after row from mask_generator (k·N values per row).
GgswCiphertext encrypt_ggsw(const GlweSecretKey& key, int64_t message, DecompositionBaseLog base_log,
                            DecompositionLevelCount level, const NoiseDistribution& noise,
                            Csprng& mask_generator, NoiseSampler& noise_sampler);
// Same, writing the (k+1)·l·(k+1)·N elements at `out`.
void encrypt_ggsw_into(const GlweSecretKey& key, int64_t message, DecompositionBaseLog base_log,
                       DecompositionLevelCount level, const NoiseDistribution& noise, Csprng& mask_generator,
                       NoiseSampler& noise_sampler, Torus* out);

// Forward FFT of every polynomial (coefficients read as signed 64-bit, fft.h).
FourierGgswCiphertext convert_to_fourier_ggsw(const GgswCiphertext& ggsw);

}  // namespace fheq::tfhe
