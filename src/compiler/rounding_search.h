// `--rounding auto` (docs/COMPILER.md §2.3): per TLU, how many accumulator MSBs to keep.
//
// Criterion: top-1 agreement, on the calibration samples, between the rounded circuit (clear run, nearest
// rounding) and the unrounded PTQ model must stay ≥ 1 − tolerance (single-output models: the dequantized
// output within 1% of the reference output range instead). Search, cheap because one parameter set serves
// the whole circuit so its largest precision drives the cost:
//   1. global cap: the smallest P ∈ [1, 8] such that every TLU keeping min(bits_i, P) MSBs passes;
//   2. per TLU, greedily: lower its kept bits one at a time while the criterion still holds.
#pragma once

#include <cstdint>
#include <vector>

#include "fheq/tensor.h"
#include "quant/ptq.h"

namespace fheq::compiler {

struct RoundingSearchResult {
  std::vector<int> keep_bits;  // per TLU (op order)
  int global_cap = 0;          // P of step 1
  double agreement = 1.0;      // of the final choice
  int evaluations = 0;         // clear runs of the calibration set
};

// `window_margin` as in CircuitOptions (the search rounds the same windowed tables the circuit will use).
RoundingSearchResult search_rounding(const quant::QuantizedNetwork& network, const IntTensor& calibration_codes,
                                     double tolerance, quant::RoundingMode mode, double window_margin,
                                     int max_evaluations = 40);

// Fraction of samples whose decisions agree (argmax, or output within 1% of range for a single output).
double output_agreement(const quant::OutputDequantizer& dequantizer, const IntTensor& reference,
                        const IntTensor& candidate);

}  // namespace fheq::compiler
