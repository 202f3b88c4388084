// LWE encryption and decryption (Regev; TFHE JoC 2020 §2.2).
//
// encrypt: a ← CSPRNG (uniform torus), e ← noise, b = <a, s> + μ + e  (mod 2^64).
// decrypt: the phase b − <a, s> = μ + e; decoding (encoding.h) rounds the noise away.
#pragma once

#include <cstdint>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/noise_sampler.h"
#include "tfhe/commons/types.h"
#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/secret_keys.h"

namespace fheq::tfhe {

// Encrypts the plaintext μ (already encoded on the torus) under `key` (small key n or big key k·N).
LweCiphertext encrypt_lwe(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                          Csprng& mask_generator, NoiseSampler& noise_sampler);
// In-place variant writing into an existing ciphertext of the right dimension (no allocation).
void encrypt_lwe_into(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                      Csprng& mask_generator, NoiseSampler& noise_sampler, LweCiphertext& out);

// Seeded encryption: the mask is the first n outputs of Csprng(mask_seed).
SeededLweCiphertext encrypt_lwe_seeded(const LweSecretKey& key, Torus plaintext, const NoiseDistribution& noise,
                                       const Seed& mask_seed, NoiseSampler& noise_sampler);
// Regenerates the mask of a seeded ciphertext.
LweCiphertext decompress_lwe(const SeededLweCiphertext& seeded);

// (0, …, 0, μ): a noiseless "encryption" any key decrypts to μ.
LweCiphertext trivial_lwe(LweDimension dimension, Torus plaintext);

// The phase b − <a, s>. Throws fheq::Error if the key and ciphertext dimensions differ.
Torus decrypt_lwe(const LweSecretKey& key, const LweCiphertext& ciphertext);

}  // namespace fheq::tfhe
