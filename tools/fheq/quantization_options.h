// Quantization options shared by every command that quantizes: --per-channel (the default) / --per-tensor
// (PtqOptions::per_channel), and whether the user fixed the bits themselves (then no automatic bit allocation:
// CompileOptions::allocate_bits).
#pragma once

#include <CLI/CLI.hpp>

namespace fheq::cli {

inline void add_weight_scale_option(CLI::App* sub, bool& per_channel) {
  per_channel = true;
  sub->add_flag("--per-channel,!--per-tensor", per_channel,
                "weight scales per output channel (default) or one per tensor; either fixes them (no automatic "
                "bit allocation)");
}

// After parsing: --n-bits, --n-bits-weights or a weight scale flag was given (explicit options keep their
// meaning, so the compiler must not re-allocate them).
inline bool bits_fixed_by_user(const CLI::App* sub) {
  for (const char* name : {"--n-bits", "--n-bits-weights", "--per-channel"})
    if (sub->get_option_no_throw(name) != nullptr && sub->count(name) > 0) return true;
  return false;
}

}  // namespace fheq::cli
