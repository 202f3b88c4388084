// PBS and keyswitching for a small group of ciphertexts at once, for throughput.
//
// One PBS streams the whole Fourier bootstrap key (n·(k+1)²·l·N doubles: 60 MB for n = 918,
// N = 2048) and one keyswitch the whole keyswitch key, which on one core costs as much as the
// FFTs. Interleaving G ciphertexts — GGSW i is applied to all G accumulators before moving to
// GGSW i+1; KSK row (i, j) to all G inputs before the next row — loads each key once per group, so
// the key traffic per ciphertext drops G-fold while it sits in L1/L2. Every ciphertext sees exactly
// the operations of bootstrap_lwe / keyswitch_lwe in the same order, so results are bit-identical.
#pragma once

#include <cstddef>

#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/entities/lookup_table.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::tfhe {

// Largest group the batch API forms. Measured on one thread (KS+PBS per ciphertext, batch of 16,
// 2026-11-22): TFHERS_M2C2 9.5 / 9.7 / 10.3 / 11.6 ms and DERIVED_P6_K1_N8192 74.1 / 74.0 / 79.9 /
// 87.7 ms with groups of 16 / 8 / 4 / 2: beyond 8 the key traffic is no longer what limits.
inline constexpr size_t kBootstrapGroupSize = 8;

// outputs[g] = PBS(inputs[g], tables[g]) for g < count; scratches[g] is ciphertext g's scratch
// (scratches[0]'s external-product buffers are shared by the group).
void bootstrap_lwe_group(const FourierBootstrapKey& key, const LookupTable* const* tables,
                         const LweCiphertext* const* inputs, LweCiphertext* const* outputs, size_t count,
                         BootstrapScratch* scratches);

// outputs[g] = KS(inputs[g]) for g < count (outputs resized if needed).
void keyswitch_lwe_group(const LweKeyswitchKey& key, const LweCiphertext* const* inputs,
                         LweCiphertext* const* outputs, size_t count);
void keyswitch_lwe_group(const CompactLweKeyswitchKey& key, const LweCiphertext* const* inputs,
                         LweCiphertext* const* outputs, size_t count);

}  // namespace fheq::tfhe
