// Holds simulate (the noise model's prediction) against real encrypted execution on a user's model compiled
// with DEFAULT options, as `fheq compile --dataset D` would: the first N test images are encrypted, evaluated
// by the server (evaluation keys only) and decrypted; the same images are simulated with S seeds. Prints
// accuracies, each mode's argmax disagreements with the noiseless clear circuit, the measured latency next to
// the compiler's estimate, and whether execute's disagreement count lies inside simulate's spread.
//
// Usage: build/bench/bench_execute_vs_simulate MODEL.onnx DATASET [N=50] [SEEDS=40] [THREADS=0: all]
// Public API only (include/fheq), like a user's program.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "bench_machine.h"
#include "fheq/fheq.h"

namespace {

std::vector<int64_t> argmax_rows(const fheq::FloatTensor& y) {
  const int64_t n = y.dim(0), per = y.size() / n;
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t s = 0; s < n; ++s) {
    const auto b = y.data.begin() + s * per;
    out[static_cast<size_t>(s)] = std::max_element(b, b + per) - b;
  }
  return out;
}

int64_t count_equal(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] == b[i];
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.onnx DATASET [N=50] [SEEDS=40] [THREADS=0]\n", argv[0]);
    return 2;
  }
  try {
    const std::string model_path = argv[1], dataset = argv[2];
    const int64_t n = argc > 3 ? std::atoll(argv[3]) : 50;
    const int seeds = argc > 4 ? std::atoi(argv[4]) : 40;
    const unsigned threads = argc > 5 ? static_cast<unsigned>(std::atoi(argv[5])) : 0;
    std::printf("machine: %s, %u hardware threads; model %s; dataset %s; %lld test images; %d simulate seeds\n",
                fheq::bench::cpu_name().c_str(), std::thread::hardware_concurrency(), model_path.c_str(), dataset.c_str(),
                static_cast<long long>(n), seeds);

    const fheq::FloatModel model = fheq::FloatModel::load(model_path);
    const fheq::Dataset train = fheq::load_dataset(dataset, "train"), test = fheq::load_dataset(dataset, "test");
    fheq::CompileOptions options;  // the CLI's defaults with --dataset: labelled calibration on the train split
    options.calibration_labels = train.y;
    const fheq::CompiledModel compiled = fheq::compile(model, train.x, options);
    const fheq::CompileReport& report = compiled.report();
    std::printf("compiled: %s; %s; %lld PBS/image; estimated %.0f ms/image\n", report.params_name.c_str(),
                report.quantization.c_str(), static_cast<long long>(report.pbs_count), report.estimated_latency_ms);

    const fheq::FloatTensor x = fheq::slice_batch(test.x, 0, n);
    const std::vector<int64_t> labels(test.y.begin(), test.y.begin() + n);
    const std::vector<int64_t> clear = argmax_rows(compiled.predict_clear(x));

    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("fheq_bench_execute_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    fheq::save_artifacts(compiled, (dir / "ART").string());
    fheq::Client client = fheq::Client::load((dir / "ART").string());
    client.generate_keys();
    client.save_keys((dir / "secret.key").string(), (dir / "eval.keys").string());
    client.encrypt(x, (dir / "IN.ct").string());
    fheq::RuntimeOptions runtime;
    runtime.threads = threads;
    const fheq::Server server = fheq::Server::load((dir / "ART").string(), (dir / "eval.keys").string(), runtime);
    const fheq::ServerRunReport run = server.run((dir / "IN.ct").string(), (dir / "OUT.ct").string());
    const std::vector<int64_t> executed = argmax_rows(client.decrypt((dir / "OUT.ct").string()));
    std::filesystem::remove_all(dir);

    std::vector<int64_t> simulate_disagreements;
    double simulate_accuracy = 0;
    for (int s = 1; s <= seeds; ++s) {
      const std::vector<int64_t> simulated = argmax_rows(compiled.dequantize_output(
          compiled.run_simulate(compiled.quantize_input(x), static_cast<uint64_t>(s), nullptr)));
      simulate_disagreements.push_back(n - count_equal(simulated, clear));
      simulate_accuracy += static_cast<double>(count_equal(simulated, labels)) / static_cast<double>(n);
    }
    simulate_accuracy /= seeds;
    std::sort(simulate_disagreements.begin(), simulate_disagreements.end());
    const int64_t execute_disagreements = n - count_equal(executed, clear);
    const int64_t lo = simulate_disagreements[static_cast<size_t>(std::floor(0.025 * (seeds - 1)))];
    const int64_t hi = simulate_disagreements[static_cast<size_t>(std::ceil(0.975 * (seeds - 1)))];
    double mean = 0;
    for (int64_t d : simulate_disagreements) mean += static_cast<double>(d);
    mean /= seeds;

    std::printf("accuracy: clear %.4f, execute %.4f, simulate %.4f (mean of %d seeds)\n",
                static_cast<double>(count_equal(clear, labels)) / static_cast<double>(n),
                static_cast<double>(count_equal(executed, labels)) / static_cast<double>(n), simulate_accuracy, seeds);
    std::printf("argmax disagreements with the clear circuit: execute %lld; simulate mean %.2f, 95%% range [%lld, %lld]"
                " -> %s\n",
                static_cast<long long>(execute_disagreements), mean, static_cast<long long>(lo),
                static_cast<long long>(hi),
                execute_disagreements >= lo && execute_disagreements <= hi ? "within simulate's spread"
                                                                           : "OUTSIDE simulate's spread");
    std::printf("latency: measured %.0f ms/image on %u threads (server evaluation), estimated %.0f ms/image\n",
                run.ms_per_sample, run.threads, report.estimated_latency_ms);
  } catch (const fheq::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
