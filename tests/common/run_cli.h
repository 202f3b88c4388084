// Runs the built fheq binary (FHEQ_CLI_PATH) as a user would and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace fheq::test_support {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `environment` is prepended to the command line (e.g. "FHEQ_ALLOW_TOY_PARAMS=1 ").
inline CliResult run_cli(const std::string& args, const std::string& environment = "") {
  // One stderr file per process: ctest runs test processes in parallel.
  const std::string err_file = ::testing::TempDir() + "fheq_cli_stderr_" + std::to_string(::getpid()) + ".txt";
  const std::string command = environment + FHEQ_CLI_PATH + " " + args + " 2>" + err_file;
  CliResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return r;
}


// The client/server flow on compiled artifacts DIR/ART, as a user runs it: keygen → encrypt (`encrypt_source`,
// e.g. "--dataset digits --count 8") → run (server, evaluation keys only) → decrypt --json. Fails the test on
// the first step that exits non-zero; `decrypted` receives the last step's output. `environment` as in run_cli.
inline void run_client_server_flow(const std::string& dir, const std::string& encrypt_source, CliResult& decrypted,
                                   const std::string& environment = "") {
  const std::string steps[] = {
      "keygen " + dir + "/ART -o " + dir + "/KEYS",
      "encrypt " + dir + "/ART --key " + dir + "/KEYS/secret.key " + encrypt_source + " -o " + dir + "/IN.ct",
      "run " + dir + "/ART --eval-keys " + dir + "/KEYS/eval.keys " + dir + "/IN.ct -o " + dir + "/OUT.ct",
      "decrypt " + dir + "/ART --key " + dir + "/KEYS/secret.key " + dir + "/OUT.ct --json"};
  for (const std::string& step : steps) {
    decrypted = run_cli(step, environment);
    ASSERT_EQ(decrypted.exit_code, 0) << step << "\n" << decrypted.err;
  }
}

}  // namespace fheq::test_support
