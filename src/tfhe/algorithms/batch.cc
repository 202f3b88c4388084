#include "tfhe/algorithms/batch.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "core/check.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/grouped_bootstrap.h"
#include "tfhe/algorithms/keyswitch.h"

namespace fheq::tfhe {
namespace {

const LookupTable* table_for(const std::vector<const LookupTable*>& tables, size_t i) {
  return tables[tables.size() == 1 ? 0 : i];
}

void require_tables(const char* what, const std::vector<const LookupTable*>& tables, size_t count) {
  FHEQ_REQUIRE(tables.size() == 1 || tables.size() == count, what, ": ", tables.size(),
               " lookup tables for ", count, " ciphertexts (need 1 or one per ciphertext)");
  for (const LookupTable* table : tables) FHEQ_REQUIRE(table != nullptr, what, ": null lookup table");
}

// Runs body(begin, end, scratches) over groups of at most kBootstrapGroupSize consecutive ciphertexts. The
// groups are balanced: their number is a multiple of the pool size (when there are enough
// ciphertexts) and their sizes differ by at most one, so e.g. 24 ciphertexts on 2 threads with
// groups of 8 become 4 groups of 6 (2 per thread) instead of 3 groups of 8 (2 on one thread, 1 on
// the other). One task per pool thread; each allocates one scratch per ciphertext of the largest
// group once, then takes groups from a shared counter, never allocating per ciphertext.
template <typename Body>
void for_each_group(size_t count, core::ThreadPool& pool, const FourierBootstrapKey* key, const Body& body) {
  if (count == 0) return;
  const size_t threads = std::max<size_t>(1, pool.size());
  size_t groups = (count + kBootstrapGroupSize - 1) / kBootstrapGroupSize;
  groups = std::min(count, (groups + threads - 1) / threads * threads);
  const size_t tasks = std::min(groups, threads);
  const size_t largest = (count + groups - 1) / groups;
  std::atomic<size_t> next_group{0};
  pool.parallel_for(0, tasks, [&](size_t) {
    std::vector<BootstrapScratch> scratches;
    if (key != nullptr) scratches.assign(largest, BootstrapScratch(*key));
    for (size_t group = next_group++; group < groups; group = next_group++) {
      // Group g covers [g·count/groups, (g+1)·count/groups).
      const size_t begin = group * count / groups, end = (group + 1) * count / groups;
      body(begin, end, scratches.data());
    }
  });
}

template <typename KeyswitchKey>
void keyswitch_bootstrap_batch(const KeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                               const std::vector<const LookupTable*>& tables,
                               const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                               core::ThreadPool& pool) {
  require_tables("keyswitch_bootstrap_lwe_batch", tables, inputs.size());
  FHEQ_REQUIRE(keyswitch_key.output_dimension == bootstrap_key.input_lwe_dimension,
               "keyswitch_bootstrap_lwe_batch: keyswitch output dimension ", keyswitch_key.output_dimension.value,
               " differs from the bootstrap key's input dimension ", bootstrap_key.input_lwe_dimension.value);
  outputs.resize(inputs.size());
  for_each_group(inputs.size(), pool, &bootstrap_key, [&](size_t begin, size_t end, BootstrapScratch* scratches) {
    const LweCiphertext* in[kBootstrapGroupSize];
    LweCiphertext* small[kBootstrapGroupSize];
    const LweCiphertext* small_in[kBootstrapGroupSize];
    LweCiphertext* out[kBootstrapGroupSize];
    const LookupTable* luts[kBootstrapGroupSize];
    for (size_t i = begin; i < end; ++i) {
      in[i - begin] = &inputs[i];
      small[i - begin] = &scratches[i - begin].keyswitched;
      small_in[i - begin] = small[i - begin];
      out[i - begin] = &outputs[i];
      luts[i - begin] = table_for(tables, i);
    }
    keyswitch_lwe_group(keyswitch_key, in, small, end - begin);
    bootstrap_lwe_group(bootstrap_key, luts, small_in, out, end - begin, scratches);
  });
}

}  // namespace

void bootstrap_lwe_batch(const FourierBootstrapKey& key, const std::vector<const LookupTable*>& tables,
                         const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                         core::ThreadPool& pool) {
  require_tables("bootstrap_lwe_batch", tables, inputs.size());
  outputs.resize(inputs.size());
  for_each_group(inputs.size(), pool, &key, [&](size_t begin, size_t end, BootstrapScratch* scratches) {
    const LweCiphertext* in[kBootstrapGroupSize];
    LweCiphertext* out[kBootstrapGroupSize];
    const LookupTable* luts[kBootstrapGroupSize];
    for (size_t i = begin; i < end; ++i) {
      in[i - begin] = &inputs[i];
      out[i - begin] = &outputs[i];
      luts[i - begin] = table_for(tables, i);
    }
    bootstrap_lwe_group(key, luts, in, out, end - begin, scratches);
  });
}

void keyswitch_bootstrap_lwe_batch(const LweKeyswitchKey& keyswitch_key, const FourierBootstrapKey& bootstrap_key,
                                   const std::vector<const LookupTable*>& tables,
                                   const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                                   core::ThreadPool& pool) {
  keyswitch_bootstrap_batch(keyswitch_key, bootstrap_key, tables, inputs, outputs, pool);
}

void keyswitch_bootstrap_lwe_batch(const CompactLweKeyswitchKey& keyswitch_key,
                                   const FourierBootstrapKey& bootstrap_key,
                                   const std::vector<const LookupTable*>& tables,
                                   const std::vector<LweCiphertext>& inputs, std::vector<LweCiphertext>& outputs,
                                   core::ThreadPool& pool) {
  keyswitch_bootstrap_batch(keyswitch_key, bootstrap_key, tables, inputs, outputs, pool);
}

void keyswitch_lwe_batch(const LweKeyswitchKey& keyswitch_key, const std::vector<LweCiphertext>& inputs,
                         std::vector<LweCiphertext>& outputs, core::ThreadPool& pool) {
  outputs.resize(inputs.size());
  for_each_group(inputs.size(), pool, nullptr, [&](size_t begin, size_t end, BootstrapScratch*) {
    const LweCiphertext* in[kBootstrapGroupSize];
    LweCiphertext* out[kBootstrapGroupSize];
    for (size_t i = begin; i < end; ++i) {
      in[i - begin] = &inputs[i];
      out[i - begin] = &outputs[i];
    }
    keyswitch_lwe_group(keyswitch_key, in, out, end - begin);
  });
}

}  // namespace fheq::tfhe
