// fheq run ART/ --eval-keys KEYS/eval.keys IN.ct -o OUT.ct [--threads T]   (server: no secret key)
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct RunArgs {
  std::string artifact, eval_keys, input, output;
  unsigned threads = 0;
  bool quiet = false;
};

void run_server(const RunArgs& a) {
  RuntimeOptions options;
  options.threads = a.threads;
  const Server server = Server::load(a.artifact, a.eval_keys, options);
  const ServerRunReport r = server.run(a.input, a.output);
  if (!a.quiet) {
    std::printf("parameters: %s; evaluation keys loaded and expanded in %.2f s\n", server.params_name().c_str(),
                server.key_load_seconds());
    std::printf("%s", r.to_text().c_str());
  }
  std::printf("wrote %s\n", a.output.c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "Evaluate the circuit on encrypted inputs (server; evaluation keys only)");
  sub->add_option("artifact", args->artifact, "artifact directory")->required();
  sub->add_option("--eval-keys", args->eval_keys, "evaluation keys (KEYS/eval.keys)")->required();
  sub->add_option("input", args->input, "encrypted inputs (IN.ct)")->required();
  sub->add_option("-o,--output", args->output, "encrypted outputs (OUT.ct)")->required();
  sub->add_option("--threads", args->threads, "threads (default: all cores)");
  sub->add_flag("--quiet", args->quiet, "no per-layer report");
  sub->callback([args] { run_server(*args); });
});

}  // namespace
}  // namespace fheq::cli
