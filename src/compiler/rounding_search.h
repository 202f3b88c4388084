// `--rounding auto` (docs/COMPILER.md §2): per TLU, how many accumulator MSBs to keep.
//
// Criterion, on the calibration samples, comparing the rounded circuit (clear run, nearest rounding) with the
// unrounded PTQ model:
//   - with labels: accuracy(rounded) ≥ accuracy(unrounded) − tolerance (the issue's "accuracy within a stated
//     tolerance"); the calibration split is the training data, so no test label is ever used;
//   - without labels: top-1 agreement with the unrounded model ≥ 1 − tolerance (single-output models: the
//     dequantized output within 1% of the reference output range).
// Search, cheap because one parameter set serves the whole circuit so its largest precision drives the cost:
//   1. global cap: the smallest P ∈ [1, 8] such that every TLU keeping min(bits_i, P) MSBs passes (scanned
//      from a starting guess down while passing, or up until passing);
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
  bool met = false;            // the final choice meets the tolerance (false: even P = 8 everywhere does not)
  bool by_accuracy = false;    // labels were given: the criterion is the accuracy drop
  double agreement = 1.0;      // of the final choice, with the unrounded model
  double reference_accuracy = 0;  // by_accuracy: of the unrounded model on the samples
  double accuracy = 0;            // by_accuracy: of the final choice
  int evaluations = 0;         // clear runs of the calibration set
};

// `window_margin` as in CircuitOptions (the search rounds the same windowed tables the circuit will use).
// `labels` (may be null or empty): one class per calibration sample, switches the criterion to accuracy.
// `baseline` (may be null): dequantized outputs [samples, classes] of the model the tolerance is measured against
// (bit allocation: the user's n_bits model, unrounded), instead of `network` unrounded.
// `max_evaluations`: budget of the per-TLU step (0: the global cap only). `first_cap`: where step 1 starts (a
// good guess, e.g. a similar model's cap, saves evaluations; the result is the same when scores grow with P).
RoundingSearchResult search_rounding(const quant::QuantizedNetwork& network, const IntTensor& calibration_codes,
                                     const std::vector<int64_t>* labels, double tolerance, quant::RoundingMode mode,
                                     double window_margin, int max_evaluations = 40,
                                     const FloatTensor* baseline = nullptr, int first_cap = 1);

// How many calibration samples the search runs on: at most `max_samples`, and at most a budget of
// kAutoSearchMacBudget multiply-adds per clear run (at least kAutoSearchMinSamples), so that convolutional
// models keep a compile time of seconds. Deterministic: it depends on the graph only, never on timing.
inline constexpr double kAutoSearchMacBudget = 1.2e9;
inline constexpr int64_t kAutoSearchMinSamples = 2000;
int64_t auto_search_samples(const quant::IntegerGraph& graph, int64_t max_samples);
// Multiply-adds of one sample's clear run (TLUs, adds and reshapes count one per element).
double multiply_adds_per_sample(const quant::IntegerGraph& graph);

// Fraction of samples whose decisions agree (argmax, or output within 1% of range for a single output), on
// dequantized outputs [samples, ...].
double output_agreement(const FloatTensor& reference, const FloatTensor& candidate);

}  // namespace fheq::compiler
