// Strong types for TFHE dimensions and decomposition parameters (as tfhe-rs does),
// so a polynomial size can never be passed where an LWE dimension is expected.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fheq::tfhe {

// Torus elements are residues mod 2^64 stored in uint64_t; arithmetic wraps.
using Torus = uint64_t;

#define FHEQ_STRONG_SIZE(Name)                                              \
  struct Name {                                                             \
    size_t value = 0;                                                       \
    constexpr explicit Name(size_t v = 0) : value(v) {}                     \
    constexpr bool operator==(const Name&) const = default;                 \
  }

FHEQ_STRONG_SIZE(LweDimension);       // n: length of an LWE mask (small key) or k·N (big key)
FHEQ_STRONG_SIZE(GlweDimension);      // k: number of mask polynomials of a GLWE ciphertext
FHEQ_STRONG_SIZE(PolynomialSize);     // N: ring Z_q[X]/(X^N + 1), a power of two
FHEQ_STRONG_SIZE(DecompositionLevelCount);  // l: number of gadget levels
FHEQ_STRONG_SIZE(DecompositionBaseLog);     // log2(B): bits per level
FHEQ_STRONG_SIZE(CiphertextCount);

#undef FHEQ_STRONG_SIZE

// Noise distribution of a key's encryptions.
enum class NoiseKind { kGaussian, kTUniform };

struct NoiseDistribution {
  NoiseKind kind = NoiseKind::kGaussian;
  // kGaussian: standard deviation as a fraction of the torus (sigma / 2^64).
  double gaussian_std = 0.0;
  // kTUniform: values uniform in [-2^bound_log2, 2^bound_log2] with the two ends at half weight
  // (tfhe-rs "TUniform(bound_log2)"), in torus units (out of 2^64).
  uint32_t tuniform_bound_log2 = 0;

  // Variance of the distribution in torus units squared, normalised by 2^128 (i.e. variance of e / 2^64).
  double variance() const;
};

}  // namespace fheq::tfhe
