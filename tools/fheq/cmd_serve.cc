// fheq serve ART --port P [--host H] [--threads T] [--max-body MB] [--max-queue Q] [--key-cache MB]
// (docs/DEPLOY.md): serves encrypted inference over HTTP until SIGINT / SIGTERM.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct ServeArgs {
  std::string artifact;
  ServeOptions options;
  double max_body_mb = 1024;
  double key_cache_mb = 8192;
};

void run_serve(ServeArgs& a) {
  a.options.max_body_bytes = static_cast<int64_t>(a.max_body_mb * 1024 * 1024);
  a.options.key_cache_bytes = a.key_cache_mb * 1024 * 1024;
  a.options.allow_toy_params = toy_parameters_allowed();
  // Signals are waited for on a thread of their own (sigwait), so stopping is ordinary code, not a handler. They
  // are blocked before any thread exists: every thread inherits the mask, so none can take the signal and die.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  HttpServer server(a.artifact, a.options);
  server.start();
  const ServerArtifactInfo info = read_server_artifact_info(a.artifact, a.options.allow_toy_params);
  std::printf("fheq serve: %s (%s, %lld PBS per sample) on http://%s:%d — POST /keys, POST /infer/{key_id}, "
              "GET /health, GET /metrics\n",
              a.artifact.c_str(), info.params_name.c_str(), static_cast<long long>(info.pbs_per_sample),
              a.options.host.c_str(), server.port());
  std::fflush(stdout);
  std::thread stopper([&server, signals] {
    int received = 0;
    sigwait(&signals, &received);
    std::fprintf(stderr, "fheq serve: signal %d, stopping\n", received);
    server.stop();
  });
  server.wait();
  stopper.join();
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand("serve", "Serve encrypted inference over HTTP (evaluation keys only; docs/DEPLOY.md)");
  sub->add_option("artifact", args->artifact, "artifact directory (fheq compile -o)")->required();
  sub->add_option("--host", args->options.host, "address to listen on")->default_str(args->options.host);
  sub->add_option("--port", args->options.port, "port (0: any free port)")->default_str("8080");
  sub->add_option("--threads", args->options.threads, "evaluation threads (default: all cores)");
  sub->add_option("--max-body", args->max_body_mb, "largest request body, MiB (larger: 413)")
      ->check(CLI::PositiveNumber)
      ->default_str("1024");
  sub->add_option("--max-queue", args->options.max_queue, "inference requests admitted at once (more: 503)")
      ->check(CLI::Range(1, 4096))
      ->default_str("16");
  sub->add_option("--key-cache", args->key_cache_mb, "memory for expanded evaluation keys, MiB (LRU eviction)")
      ->check(CLI::PositiveNumber)
      ->default_str("8192");
  sub->callback([args] { run_serve(*args); });
});

}  // namespace
}  // namespace fheq::cli
