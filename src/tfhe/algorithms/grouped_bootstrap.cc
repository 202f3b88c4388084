#include "tfhe/algorithms/grouped_bootstrap.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "tfhe/algorithms/external_product.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/algorithms/sample_extraction.h"
#include "tfhe/commons/decomposition.h"

namespace fheq::tfhe {
namespace {

template <typename Key>
void require_group_input(const Key& key, const LweCiphertext& in) {
  FHEQ_REQUIRE(in.data.size() == key.input_dimension.value + 1, "keyswitch_lwe_group: input LWE dimension ",
               in.data.size() - 1, " does not match the key's input dimension ", key.input_dimension.value);
}

// acc_g −= Σ_{i,j} d_{g,i,j}·KSK(i, j) with the key row (i, j) reused across the group. Element is
// the key's element type (uint64 torus, or uint32 top halves); accumulation wraps in that type.
template <typename Element, typename Key>
void keyswitch_group(const Key& key, const LweCiphertext* const* inputs, size_t count,
                     std::vector<std::vector<Element>>& accumulators) {
  const size_t n_in = key.input_dimension.value, size = key.ciphertext_size(), l = key.level.value;
  const Decomposer decomposer{key.base_log, key.level};
  std::vector<int64_t> digits(count * l);
  const Element* key_data = key.data.data();
  for (size_t i = 0; i < n_in; ++i) {
    for (size_t g = 0; g < count; ++g) decomposer.decompose(inputs[g]->data[i], digits.data() + g * l);
    // The l key rows of coefficient i (l·size elements: 15 KB for the TFHE-rs set's compact key) stay
    // in L1 while every ciphertext of the group uses them.
    for (size_t g = 0; g < count; ++g)
      detail::subtract_digit_rows<Element>(digits.data() + g * l, l, key_data + i * l * size, size,
                                           accumulators[g].data());
  }
}

}  // namespace

void bootstrap_lwe_group(const FourierBootstrapKey& key, const LookupTable* const* tables,
                         const LweCiphertext* const* inputs, LweCiphertext* const* outputs, size_t count,
                         BootstrapScratch* scratches) {
  if (count == 0) return;
  const size_t n = key.input_lwe_dimension.value, big_n = key.polynomial_size.value;
  const size_t columns = key.glwe_dimension.value + 1, per_ggsw = key.rows_per_ggsw() * columns;
  for (size_t g = 0; g < count; ++g) {
    const LookupTable& table = *tables[g];
    FHEQ_REQUIRE(table.table_count == 1, "bootstrap_lwe_group: many-LUT tables are not supported here");
    FHEQ_REQUIRE(inputs[g]->data.size() == n + 1, "bootstrap_lwe_group: input LWE dimension ",
                 inputs[g]->data.size() - 1, " does not match the bootstrap key's input dimension ", n);
    FHEQ_REQUIRE(table.glwe_dimension == key.glwe_dimension && table.polynomial_size == key.polynomial_size &&
                     table.body.size() == big_n,
                 "bootstrap_lwe_group: lookup table does not match the bootstrap key");
    BootstrapScratch& scratch = scratches[g];
    FHEQ_CHECK(scratch.fits(key));
    modulus_switch_lwe(inputs[g]->data.data(), n + 1, big_n, 1, scratch.switched.data());
    // ACC = (0, …, 0, X^{−b̃}·V), as bootstrap_lwe does.
    std::fill(scratch.accumulator.data.begin(), scratch.accumulator.data.begin() + (columns - 1) * big_n, 0);
    const uint64_t body = scratch.switched[n];
    rotate_negacyclic(table.body.data(), big_n, body == 0 ? 0 : 2 * big_n - body, scratch.accumulator.body());
  }
  ExternalProductScratch& shared = scratches[0].external_product;
  for (size_t i = 0; i < n; ++i) {
    const FourierPolynomial* ggsw = key.polynomials.data() + i * per_ggsw;
    for (size_t g = 0; g < count; ++g) {
      const uint64_t power = scratches[g].switched[i];
      if (power == 0) continue;
      cmux_rotate_add(ggsw, key.glwe_dimension, key.polynomial_size, key.base_log, key.level, power,
                      scratches[g].accumulator.data.data(), shared);
    }
  }
  for (size_t g = 0; g < count; ++g) extract_lwe_sample(scratches[g].accumulator, 0, *outputs[g]);
}

void keyswitch_lwe_group(const LweKeyswitchKey& key, const LweCiphertext* const* inputs,
                         LweCiphertext* const* outputs, size_t count) {
  const size_t size = key.ciphertext_size();
  std::vector<std::vector<Torus>> accumulators(count, std::vector<Torus>(size, 0));
  for (size_t g = 0; g < count; ++g) {
    require_group_input(key, *inputs[g]);
    accumulators[g][size - 1] = inputs[g]->body();
  }
  keyswitch_group<Torus>(key, inputs, count, accumulators);
  for (size_t g = 0; g < count; ++g) {
    LweCiphertext& out = *outputs[g];
    if (out.data.size() != size) out = LweCiphertext(key.output_dimension);
    out.dimension = key.output_dimension;
    std::copy(accumulators[g].begin(), accumulators[g].end(), out.data.begin());
  }
}

void keyswitch_lwe_group(const CompactLweKeyswitchKey& key, const LweCiphertext* const* inputs,
                         LweCiphertext* const* outputs, size_t count) {
  const size_t size = key.ciphertext_size();
  std::vector<std::vector<uint32_t>> accumulators(count, std::vector<uint32_t>(size, 0));
  for (size_t g = 0; g < count; ++g) {
    require_group_input(key, *inputs[g]);
    const Torus body = inputs[g]->body();
    accumulators[g][size - 1] = static_cast<uint32_t>((body >> 32) + ((body >> 31) & 1));  // as keyswitch.cc
  }
  keyswitch_group<uint32_t>(key, inputs, count, accumulators);
  for (size_t g = 0; g < count; ++g) {
    LweCiphertext& out = *outputs[g];
    if (out.data.size() != size) out = LweCiphertext(key.output_dimension);
    out.dimension = key.output_dimension;
    for (size_t t = 0; t < size; ++t) out.data[t] = static_cast<Torus>(accumulators[g][t]) << 32;
  }
}

}  // namespace fheq::tfhe
