// TFHE benchmarks for every named 128-bit parameter set (Google Benchmark):
//   BM_ExternalProduct/<set>, BM_Keyswitch/<set>, BM_Pbs/<set>, BM_KsPbs/<set> (single thread),
//   BM_KsPbsBatch/<set>/threads:T (throughput over a T-thread pool), BM_Keygen/<set>,
// with key and ciphertext sizes (plain and seeded) as counters. Prints the CPU model in the context.
// Run: bench_tfhe --benchmark_filter=TFHERS  (keys for one set are cached while its benchmarks run).
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>

#include "core/thread_pool.h"
#include "fheq/tfhe.h"
#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/external_product.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/keyswitch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::tfhe {
namespace {

// Keys and inputs for one set; only the most recently used set is kept (a CONCRETE_P8 key set is
// several GB).
struct Fixture {
  const TfheParams* params;
  ClientKeys client;
  ServerKeys server;
  LookupTable table;
  LweCiphertext big_input, small_input;

  explicit Fixture(const TfheParams& p) : params(&p) {
    Csprng generator(seed_from_os());
    client = generate_client_keys(p, generator);
    server = generate_server_keys(p, client, generator);
    std::vector<Torus> identity(size_t{1} << p.message_bits);
    for (uint64_t m = 0; m < identity.size(); ++m) identity[m] = encode_message(m, p.message_bits);
    table = make_lookup_table(p.glwe_dimension, p.polynomial_size, p.message_bits, identity);
    NoiseSampler noise;
    big_input = encrypt_lwe(client.glwe_key.as_lwe_key(), identity[1], p.glwe_noise, generator, noise);
    small_input = encrypt_lwe(client.small_key, identity[1], p.lwe_noise, generator, noise);
  }
};

Fixture& fixture_for(const TfheParams& p) {
  static std::unique_ptr<Fixture> cached;
  if (!cached || cached->params != &p) {
    cached.reset();
    cached = std::make_unique<Fixture>(p);
  }
  return *cached;
}

void add_size_counters(benchmark::State& state, const TfheParams& p) {
  const TfheParameterSetInfo info = tfhe_parameter_set(p.name);
  state.counters["bsk_MB"] = info.bootstrap_key_bytes / 1e6;
  state.counters["bsk_seeded_MB"] = info.seeded_bootstrap_key_bytes / 1e6;
  state.counters["ksk_MB"] = info.keyswitch_key_bytes / 1e6;
  state.counters["ksk_seeded_MB"] = info.seeded_keyswitch_key_bytes / 1e6;
  state.counters["ct_small_B"] = 8.0 * double(p.lwe_dimension.value + 1);
  state.counters["ct_big_B"] = 8.0 * double(p.big_lwe_dimension() + 1);
  state.counters["ct_seeded_B"] = 16.0 + 8.0;
}

void BM_ExternalProduct(benchmark::State& state, const TfheParams* p) {
  Fixture& f = fixture_for(*p);
  const FourierBootstrapKey& key = f.server.bootstrap_key;
  ExternalProductScratch scratch(key.glwe_dimension, key.polynomial_size, key.level);
  GlweCiphertext in(key.glwe_dimension, key.polynomial_size), out(key.glwe_dimension, key.polynomial_size);
  Csprng rng(seed_from_os());
  rng.fill_u64(in.data.data(), in.data.size());
  for (auto _ : state) {
    external_product_add(key.polynomials.data(), key.glwe_dimension, key.polynomial_size, key.base_log, key.level,
                         in.data.data(), out.data.data(), scratch);
    benchmark::DoNotOptimize(out.data.data());
  }
}

void BM_Keyswitch(benchmark::State& state, const TfheParams* p) {
  Fixture& f = fixture_for(*p);
  LweCiphertext out(p->lwe_dimension);
  for (auto _ : state) {
    keyswitch_lwe(f.server.keyswitch_key, f.big_input, out);
    benchmark::DoNotOptimize(out.data.data());
  }
  add_size_counters(state, *p);
}

void BM_Pbs(benchmark::State& state, const TfheParams* p) {
  Fixture& f = fixture_for(*p);
  BootstrapScratch scratch(f.server.bootstrap_key);
  LweCiphertext out;
  for (auto _ : state) {
    bootstrap_lwe(f.server.bootstrap_key, f.table, f.small_input, out, scratch);
    benchmark::DoNotOptimize(out.data.data());
  }
  state.counters["pbs_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_KsPbs(benchmark::State& state, const TfheParams* p) {
  Fixture& f = fixture_for(*p);
  BootstrapScratch scratch(f.server.bootstrap_key);
  LweCiphertext out;
  for (auto _ : state) {
    keyswitch_bootstrap_lwe(f.server.compact_keyswitch_key, f.server.bootstrap_key, f.table, f.big_input, out, scratch);
    benchmark::DoNotOptimize(out.data.data());
  }
  state.counters["ks_pbs_per_s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_KsPbsBatch(benchmark::State& state, const TfheParams* p) {
  Fixture& f = fixture_for(*p);
  const size_t threads = static_cast<size_t>(state.range(0));
  core::ThreadPool pool(threads);
  const std::vector<LweCiphertext> inputs(8 * threads, f.big_input);
  std::vector<LweCiphertext> outputs;
  for (auto _ : state) {
    keyswitch_bootstrap_lwe_batch(f.server.compact_keyswitch_key, f.server.bootstrap_key, {&f.table}, inputs, outputs,
                                  pool);
    benchmark::DoNotOptimize(outputs.data());
  }
  state.counters["ks_pbs_per_s"] =
      benchmark::Counter(double(state.iterations() * inputs.size()), benchmark::Counter::kIsRate);
}

void BM_Keygen(benchmark::State& state, const TfheParams* p) {
  for (auto _ : state) {
    Csprng generator(seed_from_os());
    const ClientKeys client = generate_client_keys(*p, generator);
    const ServerKeys server = generate_server_keys(*p, client, generator);
    benchmark::DoNotOptimize(server.bootstrap_key.polynomials.data());
  }
  add_size_counters(state, *p);
}

// Registered per set in the order below, so each set's keys are generated once.
const bool registered = [] {
  benchmark::AddCustomContext("cpu_model", cpu_model_name());
  for (const TfheParams* p : secure_parameter_sets()) {
    const std::string& n = p->name;
    benchmark::RegisterBenchmark(("BM_ExternalProduct/" + n).c_str(), BM_ExternalProduct, p)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Keyswitch/" + n).c_str(), BM_Keyswitch, p)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_Pbs/" + n).c_str(), BM_Pbs, p)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("BM_KsPbs/" + n).c_str(), BM_KsPbs, p)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("BM_KsPbsBatch/" + n).c_str(), BM_KsPbsBatch, p)
        ->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("BM_Keygen/" + n).c_str(), BM_Keygen, p)
        ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
  }
  return true;
}();

}  // namespace
}  // namespace fheq::tfhe

BENCHMARK_MAIN();
