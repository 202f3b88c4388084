// fheq bench-pbs --params NAME [--threads T] [--min-seconds S] [--json]
// fheq bench-pbs --list [--json]
// Times one programmable bootstrapping (PBS) and one keyswitch + PBS of a named TFHE parameter set
// (median single-thread latency) and the KS+PBS throughput of a batch over T threads.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct BenchPbsArgs {
  std::string params;
  unsigned threads = 1;
  double min_seconds = 1.0;
  bool list = false;
  bool json = false;
};

void list_sets(bool json) {
  const auto sets = tfhe_parameter_sets();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : sets)
      out.push_back({{"name", s.name}, {"message_bits", s.message_bits}, {"security_bits", s.security_bits},
                     {"n", s.lwe_dimension}, {"k", s.glwe_dimension}, {"N", s.polynomial_size},
                     {"pbs_level", s.pbs_level}, {"pbs_base_log", s.pbs_base_log}, {"ks_level", s.ks_level},
                     {"ks_base_log", s.ks_base_log}, {"lwe_noise", s.lwe_noise}, {"glwe_noise", s.glwe_noise},
                     {"predicted_p_error", s.predicted_p_error}, {"source", s.source}});
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("%-28s %3s %5s %2s %6s %6s %6s %-18s %-18s %s\n", "name", "p", "n", "k", "N", "PBS", "KS", "lwe noise",
              "glwe noise", "p_error (norm 1)");
  for (const auto& s : sets) {
    const std::string pbs = std::to_string(s.pbs_level) + "x" + std::to_string(s.pbs_base_log);
    const std::string ks = std::to_string(s.ks_level) + "x" + std::to_string(s.ks_base_log);
    std::printf("%-28s %3u %5zu %2zu %6zu %6s %6s %-18s %-18s %.3g\n", s.name.c_str(), s.message_bits,
                s.lwe_dimension, s.glwe_dimension, s.polynomial_size, pbs.c_str(), ks.c_str(), s.lwe_noise.c_str(),
                s.glwe_noise.c_str(), s.predicted_p_error);
  }
}

void run_bench_pbs(const BenchPbsArgs& a) {
  if (a.list) return list_sets(a.json);
  if (a.params.empty()) throw Error("bench-pbs: --params NAME is required (see fheq bench-pbs --list)");
  const PbsBenchmarkResult r = benchmark_pbs(a.params, a.threads, /*allow_toy=*/false, 20, a.min_seconds);
  if (!r.outputs_correct) throw Error("bench-pbs: " + r.params_name + ": a timed PBS decrypted to a wrong message");
  if (a.json) {
    const nlohmann::json out = {{"params", r.params_name},       {"cpu", r.cpu_model},
                                {"threads", r.threads},          {"keygen_s", r.keygen_s},
                                {"pbs_ms", r.pbs_ms},            {"ks_pbs_ms", r.ks_pbs_ms},
                                {"throughput_pbs_per_s", r.throughput_pbs_per_s},
                                {"pbs_cpu_ms", r.pbs_cpu_ms},    {"ks_pbs_cpu_ms", r.ks_pbs_cpu_ms},
                                {"load_average", r.load_average},
                                {"latency_samples", r.latency_samples}};
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf("params               %s\n", r.params_name.c_str());
  std::printf("cpu                  %s\n", r.cpu_model.c_str());
  std::printf("keygen_s             %.2f\n", r.keygen_s);
  std::printf("load average         %.2f\n", r.load_average);
  std::printf("pbs_ms               %.3f   (median of %zu, 1 thread; thread CPU time %.3f)\n", r.pbs_ms,
              r.latency_samples, r.pbs_cpu_ms);
  std::printf("ks_pbs_ms            %.3f   (median of %zu, 1 thread; thread CPU time %.3f)\n", r.ks_pbs_ms,
              r.latency_samples, r.ks_pbs_cpu_ms);
  std::printf("throughput_pbs_per_s %.1f   (KS+PBS, %u thread%s)\n", r.throughput_pbs_per_s, r.threads,
              r.threads == 1 ? "" : "s");
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<BenchPbsArgs>();
  CLI::App* sub = app.add_subcommand("bench-pbs", "Time PBS and KS+PBS of a named TFHE parameter set");
  sub->add_option("--params", args->params, "parameter set name (fheq bench-pbs --list)");
  sub->add_option("--threads", args->threads, "threads for the throughput batch")->check(CLI::PositiveNumber);
  sub->add_option("--min-seconds", args->min_seconds, "minimum timed seconds per measurement")->check(CLI::PositiveNumber);
  sub->add_flag("--list", args->list, "list the named 128-bit parameter sets");
  sub->add_flag("--json", args->json, "print JSON");
  sub->callback([args] { run_bench_pbs(*args); });
});

}  // namespace
}  // namespace fheq::cli
