// Noise samplers for LWE/GLWE encryption errors, in torus units (mod 2^64).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/types.h"

namespace fheq::tfhe {

// Draws error values from `dist`. Its randomness comes from its own Csprng (seeded from the OS by
// default; tests pass a seed to replay).
class NoiseSampler {
 public:
  explicit NoiseSampler(const Seed& seed);
  NoiseSampler();  // seed_from_os()

  // One error value as a torus element (two's complement for negative errors).
  uint64_t sample(const NoiseDistribution& dist);
  void fill(const NoiseDistribution& dist, uint64_t* out, size_t count);
  Csprng& generator() { return rng_; }

 private:
  Csprng rng_;
};

}  // namespace fheq::tfhe
