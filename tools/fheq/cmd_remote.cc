// fheq remote URL IN.ct --eval-keys KEYS/eval.keys -o OUT.ct: `fheq run` on a remote `fheq serve`. The keys are
// uploaded only when the server does not hold them yet (docs/DEPLOY.md).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "file_bytes.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct RemoteArgs {
  std::string url, input, eval_keys, output;
};

void run_remote(const RemoteArgs& a) {
  const std::string keys = read_bytes(a.eval_keys);
  const std::string input = read_bytes(a.input);
  RemoteServer server(a.url);
  const auto start = std::chrono::steady_clock::now();
  const std::string output = server.run(keys, input);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_bytes(a.output, output);
  std::printf("%s: %.1f KiB in, %.1f KiB out, %.2f s round trip\nwrote %s\n", a.url.c_str(), input.size() / 1024.0,
              output.size() / 1024.0, seconds, a.output.c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<RemoteArgs>();
  CLI::App* sub = app.add_subcommand("remote", "Evaluate IN.ct on a remote `fheq serve` (like `fheq run`)");
  sub->add_option("url", args->url, "server, http://HOST:PORT")->required();
  sub->add_option("input", args->input, "encrypted inputs (IN.ct)")->required();
  sub->add_option("--eval-keys", args->eval_keys, "evaluation keys (KEYS/eval.keys), uploaded once")->required();
  sub->add_option("-o,--output", args->output, "encrypted outputs (OUT.ct)")->required();
  sub->callback([args] { run_remote(*args); });
});

}  // namespace
}  // namespace fheq::cli
