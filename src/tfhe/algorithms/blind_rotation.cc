#include "tfhe/algorithms/blind_rotation.h"

#include <algorithm>

#include "core/check.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/fft/fft_kernel.h"

namespace fheq::tfhe {

void blind_rotate_assign(const FourierBootstrapKey& key, const uint64_t* switched_mask, GlweCiphertext& accumulator,
                         ExternalProductScratch& scratch) {
  const size_t columns = key.glwe_dimension.value + 1;
  const size_t per_ggsw = key.rows_per_ggsw() * columns;
  FHEQ_CHECK(accumulator.glwe_dimension == key.glwe_dimension && accumulator.polynomial_size == key.polynomial_size);
  FHEQ_CHECK(scratch.fits(key.glwe_dimension, key.polynomial_size, key.level));
  FHEQ_CHECK(2 * per_ggsw <= detail::PrefetchQueue::kMaxRanges, "GGSW of ", per_ggsw, " polynomials");
  Torus* acc = accumulator.data.data();
  const size_t lwe_n = key.input_lwe_dimension.value;
  // GGSW i+1 is prefetched while CMUX i runs (detail::PrefetchQueue), spread evenly: the lines per
  // loop iteration are the GGSW's lines over the iterations the previous CMUX took, rounded up
  // (measured best by hand: 6 lines per iteration on TFHERS_M2C2, 4 on CONCRETE_P6_128; this rule
  // gives 6 and 4; 50% more or fewer was 5–10% slower). Round 1 found one burst of prefetches per
  // CMUX, or prefetches spread between the transforms, 12–14% slower than none: it takes the spread
  // inside the transform loops to help.
  // Only for GGSWs that fit L2 twice over with the CMUX working set: at N = 8192, l = 2 (512 KB per
  // GGSW) prefetching the next one evicted the current CMUX's data (PBS 79 → 89 ms).
  constexpr size_t kMaxPrefetchedGgswBytes = 256 * 1024;
  detail::PrefetchQueue& queue = detail::prefetch_queue;
  const size_t ggsw_bytes = per_ggsw * key.polynomial_size.value * sizeof(double);
  const size_t ggsw_lines = ggsw_bytes / 64;
  const bool prefetch = ggsw_bytes <= kMaxPrefetchedGgswBytes;
  for (size_t i = 0; i < lwe_n; ++i) {
    const uint64_t power = switched_mask[i];
    if (power == 0) continue;  // X^0·ACC − ACC = 0: the CMUX is the identity
    queue.clear();
    if (prefetch && i + 1 < lwe_n) {
      const FourierPolynomial* next = key.polynomials.data() + (i + 1) * per_ggsw;
      for (size_t p = 0; p < per_ggsw; ++p) {
        queue.add(next[p].re.data(), next[p].re.size() * sizeof(double));
        queue.add(next[p].im.data(), next[p].im.size() * sizeof(double));
      }
    }
    // ACC ← ACC + BSK_i ⊡ (X^{ã_i}·ACC − ACC), the rotation and decomposition fused into the forward
    // transforms.
    cmux_rotate_add(key.polynomials.data() + i * per_ggsw, key.glwe_dimension, key.polynomial_size, key.base_log,
                    key.level, power, acc, scratch);
    if (queue.ticks > 0)
      detail::prefetch_lines = std::max<size_t>(1, (ggsw_lines + queue.ticks - 1) / queue.ticks);
  }
  queue.clear();
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
