// Small helpers to evaluate models on a dataset: batching with a progress bar, top-1 accuracy, and the
// fidelity of a quantized model to its float reference (how often both predict the same class).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fheq/tensor.h"

namespace fheq {

class FloatModel;
class QuantizedModel;
struct Dataset;

// Samples [begin, end) of a batch tensor (first dim = batch).
FloatTensor slice_batch(const FloatTensor& x, int64_t begin, int64_t end);

// Runs `fn` over `x` in chunks of `chunk` samples and concatenates the results, with a progress bar on
// stderr labelled `label` (shown only for work over a second, on a terminal).
FloatTensor run_in_chunks(const std::function<FloatTensor(const FloatTensor&)>& fn, const FloatTensor& x,
                          const std::string& label, int64_t chunk = 500);

// Fraction of rows of scores [N, C] whose argmax (first maximum) equals the label.
double top1_accuracy(const FloatTensor& scores, const std::vector<int64_t>& labels);

// Top-1 accuracy of the float reference / of the quantized model (clear integers) on a labelled dataset,
// batched with a progress bar.
double evaluate_float(const FloatModel& model, const Dataset& data);
double evaluate_quantized(const QuantizedModel& model, const Dataset& data);

// Fraction of rows whose argmax (first maximum, as in top1_accuracy) is the same in scores [N, C] of two
// models on the same inputs, labels ignored. 0 for N = 0. Throws fheq::Error if the shapes differ.
double argmax_agreement(const FloatTensor& scores_a, const FloatTensor& scores_b);

// Accuracy of the float reference and of the quantized model, and their agreement: the fraction of
// samples whose quantized argmax equals the float argmax (a fidelity measure that, unlike the accuracy
// drop, does not let a quantized model's gains on some samples hide its losses on others:
// |float_accuracy − quantized_accuracy| ≤ 1 − agreement_with_float).
struct QuantizedEvaluation {
  int64_t samples = 0;
  double float_accuracy = 0.0;
  double quantized_accuracy = 0.0;
  double agreement_with_float = 0.0;
};
// One batched pass of each model over the dataset (progress bars on stderr).
QuantizedEvaluation evaluate_against_float(const FloatModel& float_model, const QuantizedModel& quantized,
                                           const Dataset& data);

}  // namespace fheq
