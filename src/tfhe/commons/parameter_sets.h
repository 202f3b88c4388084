// Named TFHE parameter sets for the KS → PBS atomic pattern (see docs/TFHE.md for sources and the
// noise budget of each). Three families:
//   - TFHERS_M2C2_TUNIFORM_2M128: tfhe-rs's default shortint set (4-bit message+carry, p_fail ≤ 2^-128);
//   - CONCRETE_P<p>_128, p = 1..8: the Concrete optimizer's 128-bit table (p_error 6.3e-5 per TLU,
//     weight 2-norm 1), Gaussian noise from the 128-bit security curve (security.h);
//   - TOY_*: security_bits = 0, small and fast, for unit tests only. Lookups by name reject them
//     unless the caller passes allow_toy = true.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tfhe/commons/params.h"

namespace fheq::tfhe {

// tfhe-rs shortint PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128 (message_bits = 4: message + carry).
const TfheParams& params_tfhers_m2c2_tuniform_2m128();
// CONCRETE_P<p>_128 for p in [1, 8]; throws fheq::Error otherwise.
const TfheParams& params_concrete_128(uint32_t precision);
// TOY_P<p> for p in [1, 8]: n = 64, k = 1, N = max(256, 2^(p+5)) and tiny noise, so a PBS
// essentially never fails (predicted p_error < 1e-15). NOT SECURE.
const TfheParams& params_toy(uint32_t precision);
// TOY_NOISY_P2: a deliberately noisy 2-bit set whose KS → PBS fails about 2% of the time
// (dominated by the keyswitch-key noise), for failure-rate tests. NOT SECURE.
const TfheParams& params_toy_noisy();

// Every named set (secure first, then TOY), in a stable order.
const std::vector<const TfheParams*>& all_parameter_sets();
// The 128-bit sets only (TFHERS + CONCRETE), candidates for parameter selection.
std::vector<const TfheParams*> secure_parameter_sets();

// Lookup by exact name. Throws fheq::Error if the name is unknown (listing the known names), or if
// it names a TOY set and allow_toy is false.
const TfheParams& parameter_set_by_name(std::string_view name, bool allow_toy = false);

}  // namespace fheq::tfhe
