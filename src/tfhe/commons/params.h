// A complete TFHE parameter set for the KS → PBS atomic pattern (docs/TFHE.md §1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct TfheParams {
  std::string name;                 // e.g. "TFHERS_M2C2_TUNIFORM_2M128", "CONCRETE_P4_128", "TOY_P4"
  LweDimension lwe_dimension;       // n (small key)
  GlweDimension glwe_dimension;     // k
  PolynomialSize polynomial_size;   // N
  NoiseDistribution lwe_noise;      // for encryptions under the small key (KSK, inputs)
  NoiseDistribution glwe_noise;     // for encryptions under the GLWE key (BSK)
  DecompositionBaseLog pbs_base_log;
  DecompositionLevelCount pbs_level;
  DecompositionBaseLog ks_base_log;
  DecompositionLevelCount ks_level;
  // Number of message bits the set is designed for (p), without the padding bit.
  uint32_t message_bits = 0;
  // Security level claimed (bits); TOY sets claim 0 and are rejected outside tests.
  uint32_t security_bits = 128;
  std::string source;               // where the numbers come from (citation)

  bool is_toy() const { return security_bits == 0; }
  size_t big_lwe_dimension() const { return glwe_dimension.value * polynomial_size.value; }  // k·N
  // A stable 64-bit fingerprint of every numeric field (stored in key/ciphertext files).
  uint64_t fingerprint() const;
};

}  // namespace fheq::tfhe
