// Public TFHE API: the named parameter sets, their predicted error rates, parameter selection, and
// a PBS micro-benchmark (used by `fheq bench-pbs`). See docs/TFHE.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fheq {

// One named TFHE parameter set (KS → PBS atomic pattern).
struct TfheParameterSetInfo {
  std::string name;             // e.g. "TFHERS_M2C2_TUNIFORM_2M128", "CONCRETE_P6_128", "TOY_P3"
  uint32_t message_bits = 0;    // p the set is designed for (padding bit not included)
  uint32_t security_bits = 0;   // 128, or 0 for TOY sets (tests only)
  size_t lwe_dimension = 0;     // n
  size_t glwe_dimension = 0;    // k
  size_t polynomial_size = 0;   // N
  size_t pbs_level = 0, pbs_base_log = 0, ks_level = 0, ks_base_log = 0;
  std::string lwe_noise;        // "Gaussian(2^-17.44)" or "TUniform(2^45)" (torus fraction / bound in units of 2^-64)
  std::string glwe_noise;
  double predicted_p_error = 0; // per KS+PBS at p = message_bits, weight 2-norm 1 (noise model of docs/TFHE.md)
  double bootstrap_key_bytes = 0, seeded_bootstrap_key_bytes = 0;
  double keyswitch_key_bytes = 0, seeded_keyswitch_key_bytes = 0;
  std::string source;           // citation
};

// Every named set; TOY sets only when include_toy.
std::vector<TfheParameterSetInfo> tfhe_parameter_sets(bool include_toy = false);
// Lookup by name (a named set or a DERIVED_… name from select_tfhe_parameters); throws fheq::Error for
// unknown names and for TOY sets unless allow_toy.
TfheParameterSetInfo tfhe_parameter_set(const std::string& name, bool allow_toy = false);

// The cheapest 128-bit set for a TLU of `precision` bits fed by clear weights of 2-norm
// 2^log2_norm2, meeting `target_p_error` per PBS; throws fheq::Error if none does.
TfheParameterSetInfo select_tfhe_parameters(uint32_t precision, double log2_norm2, double target_p_error);

struct PbsBenchmarkResult {
  std::string params_name;
  std::string cpu_model;
  unsigned threads = 1;
  double keygen_s = 0;              // client + server key generation (all threads)
  double pbs_ms = 0;                // median single-thread latency of one PBS
  double ks_pbs_ms = 0;             // median single-thread latency of one keyswitch + PBS
  double throughput_pbs_per_s = 0;  // KS+PBS per second over `threads` threads (batch)
  // The same latencies in thread CPU time (CLOCK_THREAD_CPUTIME_ID): close to the uncontended
  // latency when other processes compete for the cores (wall time then overstates it).
  double pbs_cpu_ms = 0, ks_pbs_cpu_ms = 0;
  double load_average = 0;          // 1-minute load average when the benchmark started
  size_t latency_samples = 0;       // timed single-thread repetitions per latency
  bool outputs_correct = false;     // every timed output decrypted to the expected message
};

// Generates keys for the set, times single-thread PBS and KS+PBS (median of at least
// `min_repetitions` runs and ~`min_seconds` of work each) and a batch over `threads` threads.
// TOY sets need allow_toy.
PbsBenchmarkResult benchmark_pbs(const std::string& params_name, unsigned threads = 1, bool allow_toy = false,
                                 size_t min_repetitions = 20, double min_seconds = 1.0);

// "model name" from /proc/cpuinfo (or "unknown").
std::string cpu_model_name();

}  // namespace fheq
