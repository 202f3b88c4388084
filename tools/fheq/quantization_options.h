// Quantization options shared by every command that quantizes: --per-channel (the default) / --per-tensor
// (PtqOptions::per_channel), and whether the user fixed the bits themselves (then no automatic bit allocation:
// CompileOptions::allocate_bits).
#pragma once

#include <CLI/CLI.hpp>

#include <exception>
#include <map>
#include <string>
#include <vector>

#include "fheq/error.h"

namespace fheq::cli {

inline void add_weight_scale_option(CLI::App* sub, bool& per_channel) {
  per_channel = true;
  sub->add_flag("--per-channel,!--per-tensor", per_channel,
                "weight scales per output channel (default) or one per tensor; either fixes them (no automatic "
                "bit allocation)");
}

// --layer-weight-bits NODE=BITS (repeatable): PtqOptions::layer_weight_bits.
inline void add_layer_weight_bits_option(CLI::App* sub, std::vector<std::string>& specs) {
  sub->add_option("--layer-weight-bits", specs,
                  "weight bits of one layer, NODE=BITS (the ONNX node name of its Gemm/MatMul/Conv; repeatable); "
                  "fixes the bits (no automatic bit allocation)");
}

inline std::map<std::string, int> parse_layer_weight_bits(const std::vector<std::string>& specs) {
  std::map<std::string, int> out;
  for (const std::string& spec : specs) {
    const size_t eq = spec.rfind('=');
    int bits = 0;
    size_t used = 0;
    try {
      if (eq != std::string::npos && eq > 0) bits = std::stoi(spec.substr(eq + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (eq == std::string::npos || eq == 0 || used == 0 || used != spec.size() - eq - 1)
      throw Error("--layer-weight-bits '" + spec + "': expected NODE=BITS, e.g. /fc1/Gemm=4");
    if (!out.emplace(spec.substr(0, eq), bits).second)
      throw Error("--layer-weight-bits: layer '" + spec.substr(0, eq) + "' given twice");
  }
  return out;
}

// After parsing: --n-bits, --n-bits-weights, --layer-weight-bits or a weight scale flag was given (explicit
// options keep their meaning, so the compiler must not re-allocate them).
inline bool bits_fixed_by_user(const CLI::App* sub) {
  for (const char* name : {"--n-bits", "--n-bits-weights", "--layer-weight-bits", "--per-channel"})
    if (sub->get_option_no_throw(name) != nullptr && sub->count(name) > 0) return true;
  return false;
}

}  // namespace fheq::cli
