// set_rounding / parse_rounding_mode (include/fheq/compiler.h): the CLI's and the Python package's spelling.
#include <exception>
#include <string>

#include "fheq/compiler.h"

namespace fheq {

void set_rounding(CompileOptions& options, const std::string& rounding, const std::string& what) {
  if (rounding.empty()) return;
  if (rounding == "auto") {
    options.rounding_auto = true;
    return;
  }
  if (rounding == "none") {
    options.auto_rounding_when_too_wide = false;
    return;
  }
  size_t used = 0;
  int bits = 0;
  try {
    bits = std::stoi(rounding, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != rounding.size() || bits < 1 || bits > 16)
    throw Error(what + " '" + rounding + "': expected a bit count in [1, 16], 'auto' or 'none'");
  options.rounding_bits = bits;
}

FheRoundingMode parse_rounding_mode(const std::string& mode, const std::string& what) {
  if (mode == "exact") return FheRoundingMode::kExact;
  if (mode == "approximate") return FheRoundingMode::kApproximate;
  throw Error(what + " '" + mode + "': expected 'approximate' or 'exact'");
}

}  // namespace fheq
