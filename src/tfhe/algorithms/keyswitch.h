// LWE keyswitching (TFHE JoC 2020 Alg. 1 / Thm 4.1, "KeySwitch"): from a ciphertext under the input
// key of `key` to one under its output key, decomposing each mask element a_i into l signed digits:
// out = (0, …, 0, b) − Σ_i Σ_j d_{i,j}·KSK(i, j).
#pragma once

#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::tfhe {

// Fast path: streams the key once (input-major), skips zero digits. `out` is resized if needed
// (no allocation when it already has the output dimension).
void keyswitch_lwe(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);
// Reference: output-major loops and the Decomposer of tfhe/commons/decomposition.h; bit-identical.
void keyswitch_lwe_ref(const LweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);

// The 32-bit compact form of a key (lwe_keyswitch_key.h) and keyswitching with it: same digits,
// arithmetic mod 2^32 on the top halves; out[t] = acc32[t]·2^32 (the input body is rounded to its top
// 32 bits first). The reference is bit-identical.
CompactLweKeyswitchKey compact_lwe_keyswitch_key(const LweKeyswitchKey& key);
void keyswitch_lwe(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);
void keyswitch_lwe_ref(const CompactLweKeyswitchKey& key, const LweCiphertext& in, LweCiphertext& out);

}  // namespace fheq::tfhe
