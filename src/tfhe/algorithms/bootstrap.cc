#include "tfhe/algorithms/bootstrap.h"

#include <algorithm>

#include "core/check.h"
#include "tfhe/algorithms/blind_rotation.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/polynomial_ops.h"
#include "tfhe/algorithms/sample_extraction.h"

namespace fheq::tfhe {
namespace {

void require_compatible(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in) {
  FHEQ_REQUIRE(in.data.size() == key.input_lwe_dimension.value + 1, "bootstrap_lwe: input LWE dimension ",
               in.data.size() - 1, " does not match the bootstrap key's input dimension ",
               key.input_lwe_dimension.value);
  FHEQ_REQUIRE(table.glwe_dimension == key.glwe_dimension && table.polynomial_size == key.polynomial_size &&
                   table.body.size() == key.polynomial_size.value,
               "bootstrap_lwe: lookup table (k=", table.glwe_dimension.value, ", N=", table.polynomial_size.value,
               ") does not match the bootstrap key (k=", key.glwe_dimension.value, ", N=",
               key.polynomial_size.value, ")");
}

// ACC = (0, …, 0, X^{−b̃}·V) with X^{−b̃} = X^{2N − b̃}.
void initialise_accumulator(const LookupTable& table, uint64_t switched_body, GlweCiphertext& accumulator) {
  const size_t n = table.polynomial_size.value, k = table.glwe_dimension.value;
  std::fill(accumulator.data.begin(), accumulator.data.begin() + k * n, 0);
  const size_t power = switched_body == 0 ? 0 : 2 * n - switched_body;
  rotate_negacyclic(table.body.data(), n, power, accumulator.body());
}

// Modulus switch + blind rotation; leaves the rotated accumulator in scratch.accumulator.
void rotate_table(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in,
                  BootstrapScratch& scratch) {
  require_compatible(key, table, in);
  FHEQ_CHECK(scratch.fits(key));
  const size_t n = key.input_lwe_dimension.value;
  modulus_switch_lwe(in.data.data(), n + 1, key.polynomial_size.value, table.table_count, scratch.switched.data());
  initialise_accumulator(table, scratch.switched[n], scratch.accumulator);
  blind_rotate_assign(key, scratch.switched.data(), scratch.accumulator, scratch.external_product);
}

}  // namespace

BootstrapScratch::BootstrapScratch(const FourierBootstrapKey& key)
    : external_product(key.glwe_dimension, key.polynomial_size, key.level),
      accumulator(key.glwe_dimension, key.polynomial_size),
      switched(key.input_lwe_dimension.value + 1),
      keyswitched(key.input_lwe_dimension) {}

bool BootstrapScratch::fits(const FourierBootstrapKey& key) const {
  return external_product.fits(key.glwe_dimension, key.polynomial_size, key.level) &&
         accumulator.glwe_dimension == key.glwe_dimension && accumulator.polynomial_size == key.polynomial_size &&
         switched.size() == key.input_lwe_dimension.value + 1;
}

void bootstrap_lwe(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in,
                   LweCiphertext& out, BootstrapScratch& scratch) {
  FHEQ_REQUIRE(table.table_count == 1, "bootstrap_lwe: a many-LUT table (", table.table_count,
               " tables) needs bootstrap_lwe_many");
  rotate_table(key, table, in, scratch);
  extract_lwe_sample(scratch.accumulator, 0, out);
}

LweCiphertext bootstrap_lwe(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in) {
  BootstrapScratch scratch(key);
  LweCiphertext out;
  bootstrap_lwe(key, table, in, out, scratch);
  return out;
}

LweCiphertext bootstrap_lwe_ref(const LweBootstrapKey& key, const LookupTable& table, const LweCiphertext& in) {
  FHEQ_REQUIRE(in.data.size() == key.input_lwe_dimension.value + 1, "bootstrap_lwe_ref: input dimension mismatch");
  const size_t n = key.input_lwe_dimension.value, big_n = key.polynomial_size.value;
  std::vector<uint64_t> switched(n + 1);
  modulus_switch_lwe_ref(in.data.data(), n + 1, big_n, table.table_count, switched.data());
  GlweCiphertext accumulator(key.glwe_dimension, key.polynomial_size);
  const std::vector<Torus> body = rotate_negacyclic_ref(table.body, switched[n] == 0 ? 0 : 2 * big_n - switched[n]);
  std::copy(body.begin(), body.end(), accumulator.body());
  blind_rotate_assign_ref(key, switched.data(), accumulator);
  LweCiphertext out;
  extract_lwe_sample(accumulator, 0, out);
  return out;
}

void bootstrap_lwe_many(const FourierBootstrapKey& key, const LookupTable& table, const LweCiphertext& in,
                        std::vector<LweCiphertext>& outs, BootstrapScratch& scratch) {
  rotate_table(key, table, in, scratch);
  outs.resize(table.table_count);
  for (size_t t = 0; t < table.table_count; ++t) extract_lwe_sample(scratch.accumulator, t, outs[t]);
}

namespace {

template <typename KeyswitchKey>
void keyswitch_then_bootstrap(const KeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                              const LookupTable& table, const LweCiphertext& in, LweCiphertext& out,
                              BootstrapScratch& scratch) {
  FHEQ_REQUIRE(keyswitch_key.output_dimension == bootstrap_key.input_lwe_dimension,
               "keyswitch_bootstrap_lwe: keyswitch output dimension ", keyswitch_key.output_dimension.value,
               " differs from the bootstrap key's input dimension ", bootstrap_key.input_lwe_dimension.value);
  keyswitch_lwe(keyswitch_key, in, scratch.keyswitched);
  bootstrap_lwe(bootstrap_key, table, scratch.keyswitched, out, scratch);
}

}  // namespace

void keyswitch_bootstrap_lwe(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                             const LookupTable& table, const LweCiphertext& in, LweCiphertext& out,
                             BootstrapScratch& scratch) {
  keyswitch_then_bootstrap(keyswitch_key, bootstrap_key, table, in, out, scratch);
}

void keyswitch_bootstrap_lwe(const CompactLweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                             const LookupTable& table, const LweCiphertext& in, LweCiphertext& out,
                             BootstrapScratch& scratch) {
  keyswitch_then_bootstrap(keyswitch_key, bootstrap_key, table, in, out, scratch);
}

LweCiphertext keyswitch_bootstrap_lwe(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                                      const LookupTable& table, const LweCiphertext& in) {
  BootstrapScratch scratch(bootstrap_key);
  LweCiphertext out;
  keyswitch_bootstrap_lwe(keyswitch_key, bootstrap_key, table, in, out, scratch);
  return out;
}

}  // namespace fheq::tfhe
