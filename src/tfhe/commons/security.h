// Security curve for 128-bit TFHE with binary secret keys: the smallest noise standard deviation
// (as a fraction of the modulus q = 2^64) that keeps an LWE/GLWE instance of a given dimension at
// 128-bit security.
//
// Source: the Concrete optimizer's security curve (lattice-estimator fit, binary keys, d >= 450),
// (Concrete optimizer, concrete-security-curves; restated in docs/TFHE.md §2):
//   log2(σ/q) = −0.025696778711484593·d + 2.675931372549016, floored at 2^(2−64),
// applied with d = n for LWE keys and d = k·N for GLWE keys (a GLWE instance of dimension k over
// Z_q[X]/(X^N+1) is treated as an LWE instance of dimension k·N, as Concrete does).
#pragma once

#include <cstddef>

namespace fheq::tfhe {

// Slope and intercept of the curve above (log2 of σ/q as a linear function of d).
inline constexpr double kSecurityCurve128Slope = -0.025696778711484593;
inline constexpr double kSecurityCurve128Intercept = 2.675931372549016;
// Floor of the curve: σ ≥ 2^(2−64)·q, i.e. the noise keeps at least 2 integer bits on 64-bit torus.
inline constexpr double kSecurityCurveFloorLog2 = 2.0 - 64.0;
// The fit is only valid from this dimension up; smaller dimensions cannot be made 128-bit secure
// with binary keys at q = 2^64 on this curve.
inline constexpr size_t kSecurityCurveMinDimension = 450;

// log2(σ/q) of the minimal secure noise for dimension d (after the floor). Throws fheq::Error if
// d < kSecurityCurveMinDimension.
double secure_noise_log2_std_128(size_t dimension);
// σ/q itself (2^secure_noise_log2_std_128(d)).
double secure_noise_std_128(size_t dimension);

}  // namespace fheq::tfhe
