#include "tfhe/algorithms/blind_rotation.h"

#include "core/check.h"
#include "tfhe/algorithms/polynomial_ops.h"

namespace fheq::tfhe {

void blind_rotate_assign(const FourierBootstrapKey& key, const uint64_t* switched_mask, GlweCiphertext& accumulator,
                         ExternalProductScratch& scratch) {
  const size_t columns = key.glwe_dimension.value + 1;
  const size_t per_ggsw = key.rows_per_ggsw() * columns;
  FHEQ_CHECK(accumulator.glwe_dimension == key.glwe_dimension && accumulator.polynomial_size == key.polynomial_size);
  FHEQ_CHECK(scratch.fits(key.glwe_dimension, key.polynomial_size, key.level));
  Torus* acc = accumulator.data.data();
  const size_t lwe_n = key.input_lwe_dimension.value;
  for (size_t i = 0; i < lwe_n; ++i) {
    const uint64_t power = switched_mask[i];
    if (power == 0) continue;  // X^0·ACC − ACC = 0: the CMUX is the identity
    // ACC ← ACC + BSK_i ⊡ (X^{ã_i}·ACC − ACC), the rotation and decomposition fused into the forward
    // transforms. No software prefetch of BSK_{i+1}: the fused inverse reads each key polynomial
    // sequentially, which the hardware prefetchers follow; measured on the TFHE-rs set, spreading
    // prefetcht1 of the next GGSW over the transforms made the PBS 12% slower (15.6 vs 13.9 ms) and
    // one burst per CMUX 14% slower.
    cmux_rotate_add(key.polynomials.data() + i * per_ggsw, key.glwe_dimension, key.polynomial_size, key.base_log,
                    key.level, power, acc, scratch);
  }
}

void blind_rotate_assign_ref(const LweBootstrapKey& key, const uint64_t* switched_mask, GlweCiphertext& accumulator) {
  const size_t n = key.polynomial_size.value, columns = key.glwe_dimension.value + 1;
  for (size_t i = 0; i < key.input_lwe_dimension.value; ++i) {
    GlweCiphertext rotated(key.glwe_dimension, key.polynomial_size);
    for (size_t c = 0; c < columns; ++c) {
      const std::vector<Torus> polynomial(accumulator.polynomial(c), accumulator.polynomial(c) + n);
      const std::vector<Torus> product = rotate_negacyclic_ref(polynomial, switched_mask[i]);
      for (size_t q = 0; q < n; ++q) rotated.polynomial(c)[q] = product[q] - polynomial[q];
    }
    const GlweCiphertext correction = external_product_ref(key.ggsw(i), rotated);
    for (size_t q = 0; q < accumulator.data.size(); ++q) accumulator.data[q] += correction.data[q];
  }
}

}  // namespace fheq::tfhe
