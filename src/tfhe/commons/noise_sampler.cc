#include "tfhe/commons/noise_sampler.h"

#include <cmath>
#include <numbers>

#include "core/check.h"
#include "tfhe/commons/torus_convert.h"

namespace fheq::tfhe {

namespace {

// Uniform double in (0, 1]: 53 random bits, shifted by one so log() below never sees 0.
double uniform_open_zero(Csprng& rng) {
  const uint64_t bits = rng.next_u64() >> 11;
  return (static_cast<double>(bits) + 1.0) * 0x1p-53;
}

// TUniform(b): take b+2 uniform bits u; (u >> 1) + (u & 1) is uniform on [0, 2^(b+1)] with the two
// end points at half weight (each inner value is reached by two u's, each end point by one);
// subtracting 2^b centres it on [-2^b, 2^b] (the tfhe-rs definition).
uint64_t tuniform_from_bits(uint64_t u, uint32_t bound_log2) {
  const uint32_t bits = bound_log2 + 2;
  const uint64_t v = bits >= 64 ? u : (u & ((uint64_t{1} << bits) - 1));
  return (v >> 1) + (v & 1) - (uint64_t{1} << bound_log2);  // wraps to two's complement
}

}  // namespace

NoiseSampler::NoiseSampler(const Seed& seed) : rng_(seed) {}
NoiseSampler::NoiseSampler() : rng_(seed_from_os()) {}

uint64_t NoiseSampler::sample(const NoiseDistribution& dist) {
  uint64_t one;
  fill(dist, &one, 1);
  return one;
}

void NoiseSampler::fill(const NoiseDistribution& dist, uint64_t* out, size_t count) {
  switch (dist.kind) {
    case NoiseKind::kTUniform:
      FHEQ_REQUIRE(dist.tuniform_bound_log2 <= 62, "noise distribution: TUniform bound_log2 = ",
                   dist.tuniform_bound_log2, " is out of range (max 62 on a 64-bit torus)");
      rng_.fill_u64(out, count);  // one 64-bit draw per sample, transformed in place
      for (size_t i = 0; i < count; ++i) out[i] = tuniform_from_bits(out[i], dist.tuniform_bound_log2);
      return;
    case NoiseKind::kGaussian: {
      FHEQ_REQUIRE(dist.gaussian_std >= 0.0 && std::isfinite(dist.gaussian_std),
                   "noise distribution: Gaussian std = ", dist.gaussian_std, " must be finite and >= 0");
      // Box–Muller (Box & Muller, 1958): two uniforms give two independent N(0,1) values.
      // Scaled to torus units (std·2^64) and rounded mod 2^64 (values past 2^63 wrap, as on the torus).
      const double scale = std::ldexp(dist.gaussian_std, 64);
      size_t i = 0;
      while (i < count) {
        const double radius = std::sqrt(-2.0 * std::log(uniform_open_zero(rng_)));
        const double angle = 2.0 * std::numbers::pi * (static_cast<double>(rng_.next_u64() >> 11) * 0x1p-53);
        out[i++] = round_to_torus_wrapping(scale * radius * std::cos(angle));
        if (i < count) out[i++] = round_to_torus_wrapping(scale * radius * std::sin(angle));
      }
      return;
    }
  }
  FHEQ_CHECK(false, "unknown NoiseKind");
}

}  // namespace fheq::tfhe
