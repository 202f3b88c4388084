#include "tfhe/commons/types.h"

#include <cmath>

namespace fheq::tfhe {

double NoiseDistribution::variance() const {
  switch (kind) {
    case NoiseKind::kGaussian:
      return gaussian_std * gaussian_std;
    case NoiseKind::kTUniform: {
      // TUniform(b): integers e in [-K, K], K = 2^b, every inner value with weight 1 and the two
      // end points with weight 1/2, total weight 2K. The mean is 0 by symmetry, so
      //   Var = (Σ_{i=-(K-1)}^{K-1} i² + 2·K²/2) / (2K)
      //       = (2·(K-1)·K·(2K-1)/6 + K²) / (2K)
      //       = ((K-1)(2K-1) + 3K) / 6 = (2K² + 1) / 6 = (2^(2b+1) + 1) / 6   (integer units²).
      // Normalised by 2^128 (the variance of e / 2^64): 2^(2b+1-128)/6 + 2^-128/6.
      const double b = static_cast<double>(tuniform_bound_log2);
      return (std::ldexp(1.0, static_cast<int>(2 * b + 1) - 128) + std::ldexp(1.0, -128)) / 6.0;
    }
  }
  return 0.0;
}

}  // namespace fheq::tfhe
