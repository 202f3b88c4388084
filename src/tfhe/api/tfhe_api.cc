// Implementation of include/fheq/tfhe.h over the internal tfhe layer.
#include "fheq/tfhe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <time.h>

#include "core/check.h"
#include "core/thread_pool.h"
#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/bootstrap.h"
#include "tfhe/algorithms/encoding.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_selection.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq {
namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const tfhe::NoiseDistribution& d) {
  char buffer[64];
  if (d.kind == tfhe::NoiseKind::kTUniform)
    std::snprintf(buffer, sizeof buffer, "TUniform(2^%u)", d.tuniform_bound_log2);
  else
    std::snprintf(buffer, sizeof buffer, "Gaussian(2^%.2f)", std::log2(d.gaussian_std));
  return buffer;
}

TfheParameterSetInfo info_of(const tfhe::TfheParams& p) {
  TfheParameterSetInfo i;
  i.name = p.name;
  i.message_bits = p.message_bits;
  i.security_bits = p.security_bits;
  i.lwe_dimension = p.lwe_dimension.value;
  i.glwe_dimension = p.glwe_dimension.value;
  i.polynomial_size = p.polynomial_size.value;
  i.pbs_level = p.pbs_level.value;
  i.pbs_base_log = p.pbs_base_log.value;
  i.ks_level = p.ks_level.value;
  i.ks_base_log = p.ks_base_log.value;
  i.lwe_noise = describe(p.lwe_noise);
  i.glwe_noise = describe(p.glwe_noise);
  i.predicted_p_error = tfhe::noise::atomic_pattern_noise(p, 0.0, p.message_bits).p_error;
  const double n = double(i.lwe_dimension), k1 = double(i.glwe_dimension + 1), N = double(i.polynomial_size);
  const double kN = double(p.big_lwe_dimension());
  i.bootstrap_key_bytes = 8 * n * k1 * k1 * double(i.pbs_level) * N;
  i.seeded_bootstrap_key_bytes = 8 * n * k1 * double(i.pbs_level) * N;
  i.keyswitch_key_bytes = 8 * kN * double(i.ks_level) * (n + 1);
  i.seeded_keyswitch_key_bytes = 8 * kN * double(i.ks_level);
  i.source = p.source;
  return i;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e3 * double(ts.tv_sec) + 1e-6 * double(ts.tv_nsec);
}

struct Timings {
  std::vector<double> wall_ms, cpu_ms;
};

// Runs `body` until both min_repetitions and min_seconds are reached; per-run wall and CPU milliseconds.
template <typename Body>
Timings time_repeatedly(size_t min_repetitions, double min_seconds, Body&& body) {
  Timings t;
  body();  // warm-up (page faults, FFT plans)
  const auto start = Clock::now();
  while (t.wall_ms.size() < min_repetitions || ms_since(start) < 1000.0 * min_seconds) {
    const double c0 = thread_cpu_ms();
    const auto t0 = Clock::now();
    body();
    t.wall_ms.push_back(ms_since(t0));
    t.cpu_ms.push_back(thread_cpu_ms() - c0);
    if (t.wall_ms.size() >= 100000) break;
  }
  return t;
}

double load_average_1min() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

}  // namespace

std::vector<TfheParameterSetInfo> tfhe_parameter_sets(bool include_toy) {
  std::vector<TfheParameterSetInfo> out;
  for (const tfhe::TfheParams* p : tfhe::all_parameter_sets())
    if (include_toy || !p->is_toy()) out.push_back(info_of(*p));
  return out;
}

TfheParameterSetInfo tfhe_parameter_set(const std::string& name, bool allow_toy) {
  return info_of(tfhe::parameter_set_from_name(name, allow_toy));
}

TfheParameterSetInfo select_tfhe_parameters(uint32_t precision, double log2_norm2, double target_p_error) {
  return info_of(tfhe::select_parameters({precision, log2_norm2, target_p_error}));
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

PbsBenchmarkResult benchmark_pbs(const std::string& params_name, unsigned threads, bool allow_toy,
                                 size_t min_repetitions, double min_seconds) {
  FHEQ_REQUIRE(threads >= 1, "bench-pbs: --threads must be at least 1 (got ", threads, ")");
  const tfhe::TfheParams params = tfhe::parameter_set_from_name(params_name, allow_toy);
  PbsBenchmarkResult result;
  result.params_name = params.name;
  result.cpu_model = cpu_model_name();
  result.threads = threads;
  result.load_average = load_average_1min();

  core::ThreadPool pool(threads);
  const auto keygen_start = Clock::now();
  tfhe::Csprng generator(tfhe::seed_from_os());
  const tfhe::ClientKeys client = tfhe::generate_client_keys(params, generator);
  const tfhe::ServerKeys server = tfhe::generate_server_keys(params, client, generator, pool);
  result.keygen_s = ms_since(keygen_start) / 1000.0;

  // Identity table on p bits; inputs under the big key (KS+PBS) and the small key (PBS).
  const uint32_t p = params.message_bits;
  std::vector<tfhe::Torus> identity(size_t{1} << p);
  for (uint64_t m = 0; m < identity.size(); ++m) identity[m] = tfhe::encode_message(m, p);
  const tfhe::LookupTable table = tfhe::make_lookup_table(params.glwe_dimension, params.polynomial_size, p, identity);
  const tfhe::LweSecretKey big_key = client.glwe_key.as_lwe_key();
  tfhe::NoiseSampler noise;
  const uint64_t message = identity.size() / 2 + 1 < identity.size() ? identity.size() / 2 + 1 : 0;
  const tfhe::LweCiphertext big_input =
      tfhe::encrypt_lwe(big_key, identity[message], params.glwe_noise, generator, noise);
  const tfhe::LweCiphertext small_input =
      tfhe::encrypt_lwe(client.small_key, identity[message], params.lwe_noise, generator, noise);

  bool correct = true;
  tfhe::BootstrapScratch scratch(server.bootstrap_key);
  tfhe::LweCiphertext out;
  const auto check = [&] { correct = correct && tfhe::decode_message(tfhe::decrypt_lwe(big_key, out), p) == message; };

  const auto pbs_times = time_repeatedly(min_repetitions, min_seconds, [&] {
    tfhe::bootstrap_lwe(server.bootstrap_key, table, small_input, out, scratch);
  });
  check();
  const auto ks_pbs_times = time_repeatedly(min_repetitions, min_seconds, [&] {
    tfhe::keyswitch_bootstrap_lwe(server.compact_keyswitch_key, server.bootstrap_key, table, big_input, out, scratch);
  });
  check();
  result.pbs_ms = median(pbs_times.wall_ms);
  result.ks_pbs_ms = median(ks_pbs_times.wall_ms);
  result.pbs_cpu_ms = median(pbs_times.cpu_ms);
  result.ks_pbs_cpu_ms = median(ks_pbs_times.cpu_ms);
  result.latency_samples = std::min(pbs_times.wall_ms.size(), ks_pbs_times.wall_ms.size());

  // Throughput: a batch of KS+PBS, several per thread, timed after a warm-up batch.
  const size_t batch = std::max<size_t>(4 * threads, static_cast<size_t>(std::ceil(1000.0 * min_seconds / result.ks_pbs_ms)));
  std::vector<tfhe::LweCiphertext> inputs(batch, big_input), outputs;
  tfhe::keyswitch_bootstrap_lwe_batch(server.compact_keyswitch_key, server.bootstrap_key, {&table},
                                      std::vector<tfhe::LweCiphertext>(inputs.begin(), inputs.begin() + threads),
                                      outputs, pool);
  const auto batch_start = Clock::now();
  tfhe::keyswitch_bootstrap_lwe_batch(server.compact_keyswitch_key, server.bootstrap_key, {&table}, inputs, outputs,
                                      pool);
  result.throughput_pbs_per_s = double(batch) / (ms_since(batch_start) / 1000.0);
  for (const auto& o : outputs) correct = correct && tfhe::decode_message(tfhe::decrypt_lwe(big_key, o), p) == message;
  result.outputs_correct = correct;
  return result;
}

}  // namespace fheq
