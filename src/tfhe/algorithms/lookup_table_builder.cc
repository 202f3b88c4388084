#include "tfhe/algorithms/lookup_table_builder.h"

#include <bit>

#include "core/check.h"

namespace fheq::tfhe {

LookupTable make_many_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size,
                                   uint32_t message_bits, const std::vector<std::vector<Torus>>& tables) {
  const size_t n = polynomial_size.value, count = tables.size();
  FHEQ_REQUIRE(message_bits >= 1 && message_bits <= 62, "lookup table: message_bits ", message_bits,
               " outside [1, 62]");
  const size_t values = size_t{1} << message_bits;
  FHEQ_REQUIRE(count >= 1 && std::has_single_bit(count), "lookup table: table count ", count,
               " must be a power of two ≥ 1");
  FHEQ_REQUIRE(std::has_single_bit(n) && values * count <= n, "lookup table: 2^p·tables = ", values * count,
               " does not fit polynomial size ", n);
  for (size_t t = 0; t < count; ++t)
    FHEQ_REQUIRE(tables[t].size() == values, "lookup table: table ", t, " has ", tables[t].size(),
                 " entries, expected 2^p = ", values);
  LookupTable table{glwe_dimension, polynomial_size, message_bits, static_cast<uint32_t>(count),
                    std::vector<Torus>(n)};
  // The modulus switch rounds the phase m·N/2^p + noise to a multiple of c in Z_2N (polynomial_ops.h),
  // so the accumulator is read at group starts q·c, q ∈ [0, N/c). A box of N/2^p coefficients holds
  // r = N/(2^p·c) groups; group q belongs to m = floor((q + floor(r/2)) / r), i.e. the box is centred
  // on m·N/2^p (the half-box pre-rotation). Groups past the last box (m = 2^p) are reached by
  // slightly negative phases of m = 0: negacyclicity gives −V there, so they hold −f(0).
  const size_t groups = n / count, per_box = groups / values;
  for (size_t q = 0; q < groups; ++q) {
    const size_t m = (q + per_box / 2) / per_box;
    for (size_t t = 0; t < count; ++t)
      table.body[q * count + t] = m < values ? tables[t][m] : Torus{0} - tables[t][0];
  }
  return table;
}

LookupTable make_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size, uint32_t message_bits,
                              const std::vector<Torus>& outputs) {
  return make_many_lookup_table(glwe_dimension, polynomial_size, message_bits, {outputs});
}

LookupTable make_lookup_table(GlweDimension glwe_dimension, PolynomialSize polynomial_size, uint32_t message_bits,
                              const std::function<Torus(uint64_t)>& function) {
  FHEQ_REQUIRE(message_bits >= 1 && message_bits <= 20, "lookup table: message_bits ", message_bits,
               " outside [1, 20]");
  std::vector<Torus> outputs(size_t{1} << message_bits);
  for (uint64_t m = 0; m < outputs.size(); ++m) outputs[m] = function(m);
  return make_lookup_table(glwe_dimension, polynomial_size, message_bits, outputs);
}

}  // namespace fheq::tfhe
