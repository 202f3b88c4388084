// Output ciphertexts sent at reduced precision (compiler::OutputEncoding::transport_bits): each torus word of
// an output LWE is rounded to its top q bits (a modulus switch from 2^64 to 2^q), so the file can carry only
// those q bits. The phase error this adds is e_b − Σ e_i·s_i with independent rounding errors e uniform on
// one 2^−q step: variance (1 + k·N/2)·2^−2q/12 for a binary key (tfhe::noise::modulus_switch_variance with
// 2N = 2^q), which the compiler adds to the output's predicted noise.
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "tfhe/entities/lwe_ciphertext.h"

namespace fheq::runtime {

// Rounds every word of every ciphertext to the nearest multiple of 2^(64 − bits) (ties up, wrapping mod 2^64).
// bits = 64 leaves them unchanged; bits must be in [1, 64].
void round_to_transport_bits(std::vector<tfhe::LweCiphertext>& ciphertexts, uint32_t bits,
                             core::ThreadPool& pool = core::default_thread_pool());

}  // namespace fheq::runtime
