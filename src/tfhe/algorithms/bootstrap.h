// Programmable bootstrapping (TFHE JoC 2020 Alg. 3 / Thm 4.3) and the KS → PBS atomic pattern.
//
// PBS(ct, V): modulus switch ct to Z_{2N} → ACC = X^{−b̃}·(0, V) → blind rotation → sample
// extraction at 0 (at t for table t of a many-LUT). Input: LWE under the small key (n); output:
// LWE under the big key (k·N) encrypting the table entry selected by the input message.
#pragma once

#include <vector>

#include "tfhe/algorithms/external_product.h"
#include "tfhe/entities/glwe_ciphertext.h"
#include "tfhe/entities/lookup_table.h"
#include "tfhe/entities/lwe_bootstrap_key.h"
#include "tfhe/entities/lwe_ciphertext.h"
#include "tfhe/entities/lwe_keyswitch_key.h"

namespace fheq::tfhe {

// Everything one thread needs to run PBS / KS+PBS without allocating.
class BootstrapScratch {
 public:
  BootstrapScratch(const FourierBootstrapKey& key);
  bool fits(const FourierBootstrapKey& key) const;

  ExternalProductScratch external_product;
  GlweCiphertext accumulator;
  std::vector<uint64_t> switched;   // n + 1
  LweCiphertext keyswitched;        // n (KS+PBS intermediate)
};

// out (resized to k·N if needed) = PBS(in, table). in must have dimension n.
void bootstrap_lwe(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in,
                   LweCiphertext& out, BootstrapScratch& scratch);
LweCiphertext bootstrap_lwe(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in);
// Reference PBS: same steps with the standard key and exact external products.
LweCiphertext bootstrap_lwe_ref(const LweBootstrapKey& key, const LookupTable& table, const LweCiphertext& in);

// Many-LUT: outs[t] encrypts tables[t](m) (table.table_count outputs from one blind rotation).
void bootstrap_lwe_many(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in,
                        std::vector<LweCiphertext>& outs, BootstrapScratch& scratch);

// Atomic pattern: keyswitch big (k·N) → small (n), then PBS back to the big key.
void keyswitch_bootstrap_lwe(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                             const LookupTable& table, const LweCiphertext& in, LweCiphertext& out,
                             BootstrapScratch& scratch);
LweCiphertext keyswitch_bootstrap_lwe(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                                      const LookupTable& table, const LweCiphertext& in);
// Same with the 32-bit compact keyswitch key (lwe_keyswitch_key.h): half the key memory traffic.
void keyswitch_bootstrap_lwe(const CompactLweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                             const LookupTable& table, const LweCiphertext& in, LweCiphertext& out,
                             BootstrapScratch& scratch);

}  // namespace fheq::tfhe
