// Client-side cryptography of a compiled circuit: encrypt input codes with the circuit's input encoding
// (seeded ciphertexts, under the small key when the circuit says so), decrypt and decode the output
// accumulators (compiler::decode_output: round(phase/Δ_out) relative to the output range's minimum).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/artifacts.h"
#include "fheq/tensor.h"
#include "runtime/ciphertext_file.h"
#include "runtime/keys.h"
#include "tfhe/commons/csprng.h"

namespace fheq::runtime {

// codes: [batch, input shape...] integer codes inside spec.input.code_range (fheq::Error otherwise).
// Masks come from per-ciphertext seeds drawn from `seeds`, noise from a sampler seeded from `noise_seed`.
EncryptedInput encrypt_input(const ClientSpec& spec, const SecretKeySet& secret, const IntTensor& codes, tfhe::Csprng& seeds,
                             const tfhe::Seed& noise_seed);

// Regenerates the masks of seeded input ciphertexts (server side, before evaluation).
std::vector<tfhe::LweCiphertext> decompress_input(const EncryptedInput& input,
                                                  core::ThreadPool& pool = core::default_thread_pool());

// Decrypts every output ciphertext and decodes it to the output accumulator: [batch, output shape...].
IntTensor decrypt_output(const ClientSpec& spec, const SecretKeySet& secret,
                         const EncryptedOutput& output);

// The raw phases (for noise statistics in tests).
std::vector<tfhe::Torus> decrypt_phases(const SecretKeySet& secret, const std::vector<tfhe::LweCiphertext>& cts);

}  // namespace fheq::runtime
