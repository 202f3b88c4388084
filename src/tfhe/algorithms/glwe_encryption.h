// GLWE encryption and decryption over Z_{2^64}[X]/(X^N + 1) (TFHE JoC 2020 §2.2, Def. 2.5).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/commons/types.h"
#include "tfhe/entities/glwe_ciphertext.h"
#include "tfhe/entities/secret_keys.h"

namespace fheq::tfhe {

// Encrypts the plaintext polynomial M (N torus coefficients): A_i ← CSPRNG, E ← noise,
// B = Σ A_i·S_i + M + E.
GlweCiphertext encrypt_glwe(const GlweSecretKey& key, const std::vector<Torus>& plaintext,
                            const NoiseDistribution& noise, Csprng& mask_generator, NoiseSampler& noise_sampler);
// Writes an encryption of M into out (sized (k+1)·N); plaintext may be null for an encryption of zero.
void encrypt_glwe_into(const GlweSecretKey& key, const Torus* plaintext, const NoiseDistribution& noise,
                       Csprng& mask_generator, NoiseSampler& noise_sampler, Torus* out);

// (0, …, 0, M).
GlweCiphertext trivial_glwe(GlweDimension glwe_dimension, const std::vector<Torus>& plaintext);

// The phase B − Σ A_i·S_i (N coefficients).
std::vector<Torus> decrypt_glwe(const GlweSecretKey& key, const GlweCiphertext& ciphertext);

}  // namespace fheq::tfhe
