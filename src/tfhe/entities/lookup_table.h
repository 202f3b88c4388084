// Lookup tables for programmable bootstrapping (data only).
//
// The accumulator of a PBS starts as the trivial GLWE (0, …, 0, V) whose body V is the test
// vector. With message_bits p and padding bit, the input phase m·Δ (Δ = 2^(64−(p+1))) switches to
// m·N/2^p mod 2N, so each input value owns a box of N/2^p coefficients; the test vector is
// pre-rotated by half a box so that rounding is centred (make_lookup_table, lookup_table_builder.h).
// With table_count = c > 1 (many-LUT, Chillotti et al., "Improved Programmable Bootstrapping with
// Larger Precision and Efficient Arithmetic Circuits for TFHE", Asiacrypt 2021, §3.3; tfhe-rs
// "many lookup table") every box is cut into groups of c consecutive coefficients holding
// (f_0(m), …, f_{c−1}(m)); the modulus switch then rounds to multiples of c in Z_2N, so after the
// blind rotation coefficient t of the accumulator holds f_t(m) and is extracted at position t.
// This needs 2^p·c ≤ N (and costs c× more modulus-switch rounding noise).
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/types.h"

namespace fheq::tfhe {

struct LookupTable {
  GlweDimension glwe_dimension;
  PolynomialSize polynomial_size;
  uint32_t message_bits = 0;   // p: inputs are in [0, 2^p)
  uint32_t table_count = 1;    // > 1 for many-LUT
  std::vector<Torus> body;     // N coefficients of the test vector V
};

}  // namespace fheq::tfhe
