// The machine line every benchmark prints.
#pragma once

#include <fstream>
#include <string>

namespace fheq::bench {

inline std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

}  // namespace fheq::bench
