#include "core/check.h"

#include <cstdio>
#include <cstdlib>

namespace fheq::core {

void check_failed(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "fheq internal error: %s:%d: check failed: %s%s%s\n", file, line, condition,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

}  // namespace fheq::core
