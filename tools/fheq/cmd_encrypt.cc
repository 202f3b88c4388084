// fheq encrypt ART/ --key KEYS/secret.key (--data X.npy | --dataset NAME [--split S] --count K [--offset O]) -o IN.ct
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct EncryptArgs {
  std::string artifact, key, data, dataset, split = "test", output;
  int64_t count = 1, offset = 0;
};

void run_encrypt(const EncryptArgs& a) {
  if (a.dataset.empty() == a.data.empty()) throw Error("encrypt: give exactly one of --data X.npy or --dataset NAME");
  FloatTensor x;
  if (!a.data.empty()) {
    x = read_npy(a.data);
  } else {
    const Dataset d = load_dataset(a.dataset, a.split);
    if (a.offset < 0 || a.count <= 0 || a.offset + a.count > d.x.dim(0))
      throw Error("encrypt: --offset " + std::to_string(a.offset) + " --count " + std::to_string(a.count) +
                  " is outside " + d.name + " (" + std::to_string(d.x.dim(0)) + " samples)");
    x = slice_batch(d.x, a.offset, a.offset + a.count);
  }
  Client client = Client::load(a.artifact);
  client.load_secret_key(a.key);
  const int64_t n = client.encrypt(x, a.output);
  std::printf("encrypted %lld samples into %s\n", static_cast<long long>(n), a.output.c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<EncryptArgs>();
  CLI::App* sub = app.add_subcommand("encrypt", "Quantize and encrypt inputs with the secret key (client)");
  sub->add_option("artifact", args->artifact, "artifact directory")->required();
  sub->add_option("--key", args->key, "secret key (KEYS/secret.key)")->required();
  sub->add_option("--data", args->data, "inputs [N, ...] (.npy)");
  sub->add_option("--dataset", args->dataset, "fashion-mnist | digits | ...");
  sub->add_option("--split", args->split, "train | test (default test)");
  sub->add_option("--count", args->count, "samples from --dataset (default 1)");
  sub->add_option("--offset", args->offset, "first sample of --dataset (default 0)");
  sub->add_option("-o,--output", args->output, "encrypted input file (IN.ct)")->required();
  sub->callback([args] { run_encrypt(*args); });
});

}  // namespace
}  // namespace fheq::cli
