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

}  // namespace fheq::test_support
