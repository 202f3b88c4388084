#include "tfhe/algorithms/batch.h"

#include <algorithm>

#include "core/check.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/keyswitch.h"

namespace fheq::tfhe {
namespace {

// Chunks of consecutive ciphertexts: a few per thread so uneven chunks balance, each chunk with one
// scratch (allocated once per chunk, never inside the per-ciphertext loop).
size_t chunk_count(size_t items, const core::ThreadPool& pool) {
  return std::min(items, pool.size() * 4);
}

const LookupTable& table_for(const std::vector<const LookupTable*>& tables, size_t i) {
  return *tables[tables.size() == 1 ? 0 : i];
}

void require_tables(const char* what, const std::vector<const LookupTable*>& tables, size_t count) {
  FHEQ_REQUIRE(tables.size() == 1 || tables.size() == count, what, ": ", tables.size(),
               " lookup tables for ", count, " ciphertexts (need 1 or one per ciphertext)");
  for (const LookupTable* table : tables) FHEQ_REQUIRE(table != nullptr, what, ": null lookup table");
}

template <typename Body>
void for_each_chunk(size_t count, core::ThreadPool& pool, const Body& body) {
  const size_t chunks = chunk_count(count, pool);
  if (chunks == 0) return;
  pool.parallel_for(0, chunks, [&](size_t chunk) {
    const size_t begin = count * chunk / chunks, end = count * (chunk + 1) / chunks;
    body(begin, end);
  });
}

}  // namespace

void bootstrap_lwe_batch(const FourierBootstrapKey& key, const std::vector<const LookupTable*>& tables,
                         const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                         core::ThreadPool& pool) {
  require_tables("bootstrap_lwe_batch", tables, inputs.size());
  outputs.resize(inputs.size());
  for_each_chunk(inputs.size(), pool, [&](size_t begin, size_t end) {
    BootstrapScratch scratch(key);
    for (size_t i = begin; i < end; ++i) bootstrap_lwe(key, table_for(tables, i), inputs[i], outputs[i], scratch);
  });
}

void keyswitch_bootstrap_lwe_batch(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                                   const std::vector<const LookupTable*>& tables,
                                   const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                                   core::ThreadPool& pool) {
  require_tables("keyswitch_bootstrap_lwe_batch", tables, inputs.size());
  outputs.resize(inputs.size());
  for_each_chunk(inputs.size(), pool, [&](size_t begin, size_t end) {
    BootstrapScratch scratch(bootstrap_key);
    for (size_t i = begin; i < end; ++i)
      keyswitch_bootstrap_lwe(keyswitch_key, bootstrap_key, table_for(tables, i), inputs[i], outputs[i], scratch);
  });
}

void keyswitch_lwe_batch(const LweKeyswitchKey& keyswitch_key, const std::vector<LweCiphertext>& inputs,
                         std::vector<LweCiphertext>& outputs, core::ThreadPool& pool) {
  outputs.resize(inputs.size());
  for_each_chunk(inputs.size(), pool, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) keyswitch_lwe(keyswitch_key, inputs[i], outputs[i]);
  });
}

}  // namespace fheq::tfhe
