// fheq keygen ART/ -o KEYS/  →  KEYS/secret.key (client only) + KEYS/eval.keys (seeded; for the server).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct KeygenArgs {
  std::string artifact;
  std::string out_dir;
};

void run_keygen(const KeygenArgs& a) {
  Client client = Client::load(a.artifact);
  client.generate_keys();
  std::filesystem::create_directories(a.out_dir);
  const std::string secret = (std::filesystem::path(a.out_dir) / "secret.key").string();
  const std::string eval = (std::filesystem::path(a.out_dir) / "eval.keys").string();
  client.save_keys(secret, eval);
  const KeySizeReport s = client.key_sizes();
  const double mib = 1024.0 * 1024.0;
  std::printf("parameters:       %s\n", s.params_name.c_str());
  std::printf("keygen time:      %.2f s\n", s.keygen_seconds);
  std::printf("bootstrap key:    %.1f MiB plain, %.1f MiB seeded\n", s.bootstrap_key / mib, s.seeded_bootstrap_key / mib);
  std::printf("keyswitch key:    %.1f MiB plain, %.1f MiB seeded\n", s.keyswitch_key / mib, s.seeded_keyswitch_key / mib);
  std::printf("wrote %s (%.1f KiB, keep it secret) and %s (%.1f MiB, for the server)\n", secret.c_str(),
              static_cast<double>(std::filesystem::file_size(secret)) / 1024.0, eval.c_str(),
              static_cast<double>(std::filesystem::file_size(eval)) / mib);
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* sub = app.add_subcommand("keygen", "Generate the secret key and the (seeded) evaluation keys");
  sub->add_option("artifact", args->artifact, "artifact directory written by `fheq compile`")->required();
  sub->add_option("-o,--output", args->out_dir, "key directory (secret.key, eval.keys)")->required();
  sub->callback([args] { run_keygen(*args); });
});

}  // namespace
}  // namespace fheq::cli
