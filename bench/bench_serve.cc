// fheq serve's cost over the evaluation it wraps (issue #13): the shipped demo model compiled with defaults,
// an in-process HttpServer on loopback, real 128-bit keys.
//   1. Overhead: the same batch through RemoteServer (HTTP, one client) vs Server::run_bytes in process, after one
//      untimed request each (a long-running server is warm); best of R.
//   2. Load: C concurrent clients × K requests of B images; CPU busy = process CPU time / (wall × cores) while
//      they run (the ciphertexts are made before, so the clients only wait).
//
// Usage: build/bench/bench_serve [B=10] [R=3] [C=8] [K=3]
// Public API only (include/fheq).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_machine.h"
#include "fheq/fheq.h"

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t batch = argc > 1 ? std::atoll(argv[1]) : 10;
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 3;
  const int clients = argc > 3 ? std::atoi(argv[3]) : 8;
  const int requests = argc > 4 ? std::atoi(argv[4]) : 3;
  try {
    namespace fs = std::filesystem;
    const std::string model_path = std::string(FHEQ_SOURCE_DIR) + "/models/fmnist_mlp_fhe.onnx";
    const fheq::Dataset train = fheq::load_dataset("fashion-mnist", "train");
    const fheq::Dataset test = fheq::load_dataset("fashion-mnist", "test");
    fheq::CompileOptions options;
    options.calibration_labels = train.y;
    const fheq::CompiledModel compiled = fheq::compile(fheq::FloatModel::load(model_path), train.x, options);
    const fs::path dir = fs::temp_directory_path() / ("fheq_bench_serve_" + std::to_string(::getpid()));
    const std::string art = (dir / "ART").string();
    fheq::save_artifacts(compiled, art);
    const unsigned cores = std::thread::hardware_concurrency();
    std::printf("machine: %s, %u cores\nmodel: %s, %s, %lld PBS per image; batch %lld, best of %d\n",
                fheq::bench::cpu_name().c_str(), cores, model_path.c_str(), compiled.report().params_name.c_str(),
                static_cast<long long>(compiled.report().pbs_count), static_cast<long long>(batch), repeat);

    fheq::Client client = fheq::Client::load(art);
    client.generate_keys();
    const std::string keys = client.evaluation_keys_bytes();
    const std::string ct = client.encrypt_to_bytes(fheq::slice_batch(test.x, 0, batch));

    const fheq::Server local = fheq::Server::load_from_key_bytes(art, keys);
    fheq::ServeOptions serve_options;
    serve_options.port = 0;
    fheq::HttpServer server(art, serve_options);
    server.start();
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
    fheq::RemoteServer remote(url);
    remote.upload_keys(keys);
    // A long-running server is warm: one untimed request each way first.
    (void)local.run_bytes(ct);
    (void)remote.run(keys, ct);
    // Per HTTP request, its server-side evaluation (from the metrics) and the rest (transport, parsing, queueing):
    // the overhead is the rest over the evaluation, the same request's, so machine noise does not enter it.
    double best_local = 1e30, best_remote = 1e30, overhead = 1e30, remote_eval = 0;
    for (int r = 0; r < repeat; ++r) {
      double t = now_s();
      const std::string a = local.run_bytes(ct);
      best_local = std::min(best_local, now_s() - t);
      const double eval0 = server.metrics().evaluate_seconds;
      t = now_s();
      const std::string b = remote.run(keys, ct);
      const double total = now_s() - t, evaluation = server.metrics().evaluate_seconds - eval0;
      best_remote = std::min(best_remote, total);
      if ((total - evaluation) / evaluation < overhead) {
        overhead = (total - evaluation) / evaluation;
        remote_eval = evaluation;
      }
      if (a != b) throw fheq::Error("remote result differs from the local one");
    }
    std::printf("in process %.1f ms, over HTTP %.1f ms per batch of %lld (best of each); the HTTP request's own "
                "evaluation %.1f ms, the rest +%.2f %% (%.1f KiB in, %.1f MiB of keys uploaded once)\n",
                best_local * 1e3, best_remote * 1e3, static_cast<long long>(batch), remote_eval * 1e3,
                100.0 * overhead, ct.size() / 1024.0, keys.size() / 1048576.0);

    // Load: every client its own keys (uploaded before the clock starts) and ciphertexts.
    std::vector<fheq::Client> owners;
    std::vector<std::string> owner_keys, owner_ct;
    for (int c = 0; c < clients; ++c) {
      owners.push_back(fheq::Client::load(art));
      owners.back().generate_keys();
      owner_keys.push_back(owners.back().evaluation_keys_bytes());
      owner_ct.push_back(owners.back().encrypt_to_bytes(fheq::slice_batch(test.x, c, c + 2)));
      remote.upload_keys(owner_keys.back());
    }
    const double wall0 = now_s(), cpu0 = cpu_s();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        fheq::RemoteServer mine(url);
        for (int k = 0; k < requests; ++k) (void)mine.run(owner_keys[c], owner_ct[c]);
      });
    for (std::thread& t : threads) t.join();
    const double wall = now_s() - wall0, cpu = cpu_s() - cpu0;
    const fheq::ServeMetrics m = server.metrics();
    std::printf("load: %d clients × %d requests of 2 images in %.2f s: CPU busy %.1f %% of %u cores; latency p50 "
                "%.0f ms, p90 %.0f ms, p99 %.0f ms; %.0f PBS/s\n",
                clients, requests, wall, 100.0 * cpu / (wall * cores), cores, m.latency_p50_ms, m.latency_p90_ms,
                m.latency_p99_ms, m.evaluate_seconds > 0 ? static_cast<double>(m.pbs) / m.evaluate_seconds : 0.0);
    server.stop();
    fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_serve: %s\n", e.what());
    return 1;
  }
  return 0;
}
