// Batched PBS and KS+PBS over a thread pool. Work is cut into chunks; each chunk owns one
// BootstrapScratch, so the inner loops never allocate. Results do not depend on the thread count.
#pragma once

#include <cstddef>
#include <vector>

#include "core/thread_pool.h"
#include "tfhe/entities/lookup_table.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::tfhe {

// outputs[i] = PBS(inputs[i], *tables[tables.size() == 1 ? 0 : i]); outputs is resized to inputs.size().
void bootstrap_lwe_batch(const FourierBootstrapKey& key, const std::vector<const LookupTable*>& tables,
                         const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                         core::ThreadPool& pool = core::default_thread_pool());
// outputs[i] = PBS(KS(inputs[i]), …) for inputs under the big key.
void keyswitch_bootstrap_lwe_batch(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                                   const std::vector<const LookupTable*>& tables,
                                   const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                                   core::ThreadPool& pool = core::default_thread_pool());
// Same with the 32-bit compact keyswitch key.
void keyswitch_bootstrap_lwe_batch(const CompactLweKeyswitchKey& keyswitch_key,
                                   const FourierBootstrapKey& bootstrap_key,
                                   const std::vector<const LookupTable*>& tables,
                                   const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                                   core::ThreadPool& pool = core::default_thread_pool());
// Keyswitch only (big → small), batched.
void keyswitch_lwe_batch(const LweKeyswitchKey& keyswitch_key, const std::vector<LweCiphertext>& inputs,
                         std::vector<LweCiphertext>& outputs, core::ThreadPool& pool = core::default_thread_pool());

}  // namespace fheq::tfhe
