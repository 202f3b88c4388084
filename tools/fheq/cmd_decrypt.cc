// fheq decrypt ART/ --key KEYS/secret.key OUT.ct [--json]   (client)
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct DecryptArgs {
  std::string artifact, key, input;
  bool json = false;
};

int64_t argmax_row(const FloatTensor& y, int64_t row, int64_t width) {
  int64_t best = 0;
  for (int64_t j = 1; j < width; ++j)
    if (y[row * width + j] > y[row * width + best]) best = j;
  return best;
}

void run_decrypt(const DecryptArgs& a) {
  Client client = Client::load(a.artifact);
  client.load_secret_key(a.key);
  const IntTensor acc = client.decrypt_accumulators(a.input);
  const FloatTensor y = client.dequantize(acc);
  const int64_t n = y.dim(0);
  const int64_t width = n > 0 ? y.size() / n : 0;
  if (a.json) {
    nlohmann::json j;
    j["samples"] = n;
    j["shape"] = y.shape;
    j["accumulators"] = acc.data;
    j["outputs"] = y.data;
    std::vector<int64_t> predictions;
    for (int64_t s = 0; s < n; ++s) predictions.push_back(argmax_row(y, s, width));
    j["predictions"] = predictions;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  for (int64_t s = 0; s < n; ++s) {
    std::printf("sample %lld: class %lld;", static_cast<long long>(s), static_cast<long long>(argmax_row(y, s, width)));
    for (int64_t j = 0; j < width; ++j) std::printf(" %.4g", y[s * width + j]);
    std::printf("\n");
  }
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<DecryptArgs>();
  CLI::App* sub = app.add_subcommand("decrypt", "Decrypt and dequantize encrypted outputs (client)");
  sub->add_option("artifact", args->artifact, "artifact directory")->required();
  sub->add_option("--key", args->key, "secret key (KEYS/secret.key)")->required();
  sub->add_option("input", args->input, "encrypted outputs (OUT.ct)")->required();
  sub->add_flag("--json", args->json, "print JSON: accumulators, outputs, predictions");
  sub->callback([args] { run_decrypt(*args); });
});

}  // namespace
}  // namespace fheq::cli
