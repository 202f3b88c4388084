// Small helpers to evaluate models on a dataset: batching with a progress bar, top-1 accuracy.
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

}  // namespace fheq
