// The FHE rounding options shared by `compile`, `eval` and `demo`: --rounding N|auto|none,
// --rounding-mode exact|approximate and --rounding-tolerance (docs/COMPILER.md §2).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fheq/compiler.h"
#include "fheq/error.h"

namespace fheq::cli {

struct RoundingArgs {
  std::string rounding;  // empty: none, or auto when a TLU is wider than a PBS takes (CompileOptions)
  std::string mode = "approximate";
  double tolerance_points = 0.5;  // --rounding auto: accepted accuracy drop on the calibration samples
};

inline void add_rounding_options(CLI::App* sub, RoundingArgs& args) {
  sub->add_option("--rounding", args.rounding,
                  "FHE rounding before each TLU: keep N MSBs of the accumulator, 'auto' (per TLU, smallest N within "
                  "--rounding-tolerance) or 'none' (refuse TLUs wider than a PBS)")
      ->default_str("auto when a TLU is wider than 8 bits, else none");
  sub->add_option("--rounding-mode", args.mode,
                  "approximate (the PBS drops the low bits for free, off by one step sometimes) | exact (round half up, "
                  "bit-exact: 1-2 extra KS+PBS per element and dropped-bit chunk, quieter parameters)")
      ->check(CLI::IsMember({"exact", "approximate"}))
      ->default_str(args.mode);
  sub->add_option("--rounding-tolerance", args.tolerance_points,
                  "--rounding auto: accepted drop, in accuracy points, on the labelled calibration samples (else in "
                  "agreement with the unrounded model)")
      ->check(CLI::Range(0.0, 99.0))
      ->default_str("0.5");
}

// `calibration_labels`: labels of the calibration samples when the calibration data is a labelled dataset
// (empty: auto rounding bounds the disagreement instead).
inline void apply_rounding_options(const RoundingArgs& args, const std::string& command, CompileOptions& options,
                                   const std::vector<int64_t>& calibration_labels) {
  if (!std::isfinite(args.tolerance_points) || args.tolerance_points < 0 || args.tolerance_points >= 99)
    throw Error(command + ": --rounding-tolerance " + std::to_string(args.tolerance_points) +
                ": expected accuracy points in [0, 99)");
  if (args.rounding != "auto" && !args.rounding.empty() && args.tolerance_points != RoundingArgs{}.tolerance_points)
    throw Error(command + ": --rounding-tolerance only applies to --rounding auto (got --rounding " + args.rounding +
                ")");
  options.auto_tolerance = args.tolerance_points / 100.0;
  options.calibration_labels = calibration_labels;
  set_rounding(options, args.rounding, command + ": --rounding");
  options.rounding_mode = parse_rounding_mode(args.mode, command + ": --rounding-mode");
}

}  // namespace fheq::cli
