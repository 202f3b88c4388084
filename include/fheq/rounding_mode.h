// How a table lookup reduces its accumulator to the most significant bits it reads (docs/PTQ.md §4,
// docs/COMPILER.md §2.2). One type for the public options and the integer ops that store it.
#pragma once

#include <cstdint>

namespace fheq {

enum class FheRoundingMode : int32_t {
  // Round half up, bit-exact: t = ⌊(acc + 2^(k−1)) / 2^k⌋. In FHE: extra KS + PBS per element of TLUs with a
  // rounding shift k > 0.
  kExact = 0,
  // The PBS modulus switch drops the low bits: free, occasionally off by one step. The clear executor cannot
  // run it without a hook (the simulate mode supplies one).
  kApproximate = 1,
};

}  // namespace fheq
