// fheq command-line tool. Uses only the public API in include/fheq/.
#include <cstdio>
#include <exception>

#include "fheq/fheq.h"
#include "command.h"

namespace fheq::cli {
std::vector<CommandSetup>& command_setups() {
  static std::vector<CommandSetup> setups;
  return setups;
}
}  // namespace fheq::cli

int main(int argc, char** argv) {
  CLI::App app{"fheq: neural networks on encrypted data (TFHE)"};
  app.require_subcommand(1);
  for (const auto& setup : fheq::cli::command_setups()) setup(app);
  try {
    app.parse(argc, argv);  // subcommand callbacks run inside parse
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fheq::Error& e) {
    std::fprintf(stderr, "fheq: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fheq: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
