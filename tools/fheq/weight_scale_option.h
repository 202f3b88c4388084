// --per-channel (the default) / --per-tensor: the weight scale granularity, shared by every command that
// quantizes (PtqOptions::per_channel).
#pragma once

#include <CLI/CLI.hpp>

namespace fheq::cli {

inline void add_weight_scale_option(CLI::App* sub, bool& per_channel) {
  per_channel = true;
  sub->add_flag("--per-channel,!--per-tensor", per_channel,
                "weight scales per output channel (default) or one per tensor");
}

}  // namespace fheq::cli
