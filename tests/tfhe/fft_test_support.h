// Helpers shared by the FFT tests: random operands and the signed distance on the torus.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "tfhe/fft/fft.h"

namespace fheq::tfhe::fft_testing {

// Uniform torus polynomial.
inline std::vector<uint64_t> random_torus(std::mt19937_64& rng, size_t n) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

// Uniform integers in [-2^bits, 2^bits] (decomposition-digit-like operands).
inline std::vector<int64_t> random_small(std::mt19937_64& rng, size_t n, int bits) {
  std::uniform_int_distribution<int64_t> dist(-(int64_t{1} << bits), int64_t{1} << bits);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// max_i |x_i − y_i| with the difference read as a signed 64-bit torus value.
inline uint64_t max_abs_signed_difference(const std::vector<uint64_t>& x, const std::vector<uint64_t>& y) {
  uint64_t worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t diff = static_cast<int64_t>(x[i] - y[i]);
    worst = std::max(worst, diff < 0 ? 0 - static_cast<uint64_t>(diff) : static_cast<uint64_t>(diff));
  }
  return worst;
}

inline constexpr FftBackend kBackends[] = {FftBackend::kNative, FftBackend::kFftw};

}  // namespace fheq::tfhe::fft_testing
