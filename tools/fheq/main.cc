// fheq command-line tool. Uses only the public API in include/fheq/.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "fheq/fheq.h"

int main(int argc, char** argv) {
  CLI::App app{"fheq: neural networks on encrypted data (TFHE)"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const fheq::Error& e) {
    std::fprintf(stderr, "fheq: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
