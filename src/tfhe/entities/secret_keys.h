// Binary secret keys (data only). Coefficients are stored as uint64 0/1 so they can be used
// directly in torus arithmetic. Generation lives in tfhe/algorithms/key_generation.h.
#pragma once

#include <cstdint>
#include <vector>

#include "core/secret_memory.h"
#include "tfhe/commons/types.h"

namespace fheq::tfhe {

// LWE secret key s ∈ {0,1}^n.
struct LweSecretKey {
  LweDimension dimension;
  core::SecretVector<uint64_t> data;  // n coefficients, each 0 or 1; wiped when freed

  size_t size() const { return data.size(); }
};

// GLWE secret key S = (S_0, …, S_{k−1}), S_i ∈ {0,1}[X]/(X^N + 1), stored polynomial after polynomial
// (k·N coefficients, S_i occupying data[i·N .. (i+1)·N)).
struct GlweSecretKey {
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  core::SecretVector<uint64_t> data;  // k·N coefficients, each 0 or 1; wiped when freed

  const uint64_t* polynomial(size_t i) const { return data.data() + i * polynomial_size.value; }
  // The "big" LWE key of dimension k·N that sample extraction produces ciphertexts under: the
  // same coefficients read as one vector (tfhe-rs: GlweSecretKey::as_lwe_secret_key).
  LweSecretKey as_lwe_key() const { return LweSecretKey{LweDimension(data.size()), data}; }
};

}  // namespace fheq::tfhe
