// LWE bootstrap keys (data only): standard, seeded and Fourier.
//
// A bootstrap key from LWE key s (dimension n) to GLWE key S (k, N) is the list of n GGSW
// encryptions of the bits s_i under S (layout of each GGSW: ggsw_ciphertext.h).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/csprng.h"
#include "tfhe/commons/types.h"
#include "tfhe/entities/ggsw_ciphertext.h"
#include "tfhe/fft/fft.h"

namespace fheq::tfhe {

struct LweBootstrapKey {
  LweDimension input_lwe_dimension;  // n
  GlweDimension glwe_dimension;      // k
  PolynomialSize polynomial_size;    // N
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<Torus> data;           // n GGSWs of (k+1)·l·(k+1)·N elements each

  size_t ggsw_size() const {
    return (glwe_dimension.value + 1) * level.value * (glwe_dimension.value + 1) * polynomial_size.value;
  }
  // A copy of GGSW i (for tests and the reference blind rotation).
  GgswCiphertext ggsw(size_t i) const {
    GgswCiphertext out{glwe_dimension, polynomial_size, base_log, level, {}};
    out.data.assign(data.begin() + i * ggsw_size(), data.begin() + (i + 1) * ggsw_size());
    return out;
  }
  const Torus* ggsw_data(size_t i) const { return data.data() + i * ggsw_size(); }
};

// Seeded bootstrap key: GGSW i's masks are the consecutive outputs of Csprng(mask_seed).fork(i)
// (k·N values per row, rows in storage order), so the GGSWs can be generated and expanded in
// parallel; only the (k+1)·l body polynomials of each GGSW travel.
struct SeededLweBootstrapKey {
  LweDimension input_lwe_dimension;
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  Seed mask_seed{};
  std::vector<Torus> bodies;  // n · (k+1)·l · N

  size_t ggsw_body_size() const { return (glwe_dimension.value + 1) * level.value * polynomial_size.value; }
};

// The bootstrap key in the Fourier domain, as the blind rotation consumes it. Polynomial c of row r
// of GGSW i is polynomials[(i·rows + r)·(k+1) + c], rows = (k+1)·l. Not serialized: rebuilt from a
// standard key with convert_to_fourier_bootstrap_key (key_generation.h).
struct FourierBootstrapKey {
  LweDimension input_lwe_dimension;
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  DecompositionBaseLog base_log;
  DecompositionLevelCount level;
  std::vector<FourierPolynomial> polynomials;  // n · (k+1)·l · (k+1)

  size_t rows_per_ggsw() const { return (glwe_dimension.value + 1) * level.value; }
  const FourierPolynomial& polynomial(size_t ggsw, size_t row, size_t column) const {
    return polynomials[(ggsw * rows_per_ggsw() + row) * (glwe_dimension.value + 1) + column];
  }
};

}  // namespace fheq::tfhe
