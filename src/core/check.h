// FHEQ_CHECK: invariants of our own code. A failure is a bug in fheq, not bad input,
// so it prints the condition and values and aborts (no exception to swallow).
// Bad user input must throw fheq::Error instead (see include/fheq/error.h).
#pragma once

#include <sstream>
#include <string>

#include "fheq/error.h"

namespace fheq::core {

[[noreturn]] void check_failed(const char* file, int line, const char* condition, const std::string& detail);

// Builds a message from any streamable values: concat("n = ", n, " > ", max).
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace fheq::core

#define FHEQ_CHECK(condition, ...)                                                              \
  do {                                                                                          \
    if (!(condition)) [[unlikely]]                                                              \
      ::fheq::core::check_failed(__FILE__, __LINE__, #condition, ::fheq::core::concat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)

// Throws fheq::Error with a message built from the arguments.
#define FHEQ_THROW(...) throw ::fheq::Error(::fheq::core::concat(__VA_ARGS__))
#define FHEQ_REQUIRE(condition, ...) \
  do {                               \
    if (!(condition)) FHEQ_THROW(__VA_ARGS__); \
  } while (0)
