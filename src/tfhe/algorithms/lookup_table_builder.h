// Test vectors for programmable bootstrapping (layout and many-LUT convention: entities/lookup_table.h).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "tfhe/commons/types.h"
#include "tfhe/entities/lookup_table.h"

namespace fheq::tfhe {

// A table for inputs m ∈ [0, 2^p) (encoded at m·Δ, Δ = 2^(64−(p+1))) whose PBS output encrypts
// outputs[m] (any torus values: the caller chooses the output encoding). outputs.size() must be 2^p
// and 2^p ≤ N. Throws fheq::Error otherwise.
LookupTable make_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size, uint32_t message_bits,
                              const std::vector<Torus>& outputs);
LookupTable make_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size, uint32_t message_bits,
                              const std::function<Torus(uint64_t)>& function);

// Many-LUT: tables[t][m] for t ∈ [0, c); needs 2^p·c ≤ N, c a power of two.
LookupTable make_many_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                   uint32_t message_bits, const std::vector<std::vector<Torus>>& tables);

}  // namespace fheq::tfhe
