#include "tfhe/commons/security.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace fheq::tfhe {

double secure_noise_log2_std_128(size_t dimension) {
  FHEQ_REQUIRE(dimension >= kSecurityCurveMinDimension, "security curve: dimension ", dimension,
               " is below the curve's validity range (d >= ", kSecurityCurveMinDimension, ")");
  const double curve = kSecurityCurve128Slope * static_cast<double>(dimension) + kSecurityCurve128Intercept;
  return std::max(curve, kSecurityCurveFloorLog2);
}

double secure_noise_std_128(size_t dimension) { return std::exp2(secure_noise_log2_std_128(dimension)); }

}  // namespace fheq::tfhe
