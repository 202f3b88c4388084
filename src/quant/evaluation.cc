// Evaluation helpers (include/fheq/evaluation.h): batching, top-1 accuracy, agreement with the float model.
#include "fheq/evaluation.h"

#include <algorithm>

#include "core/check.h"
#include "core/progress.h"
#include "fheq/data.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"

namespace fheq {

FloatTensor slice_batch(const FloatTensor& x, int64_t begin, int64_t end) {
  FHEQ_REQUIRE(x.rank() >= 1 && 0 <= begin && begin <= end && end <= x.dim(0), "slice [", begin, ", ", end,
               ") of a batch of ", x.rank() >= 1 ? x.dim(0) : 0);
  const int64_t per_sample = x.dim(0) == 0 ? 0 : x.size() / x.dim(0);
  Shape shape = x.shape;
  shape[0] = end - begin;
  return FloatTensor(shape, std::vector<double>(x.data.begin() + begin * per_sample, x.data.begin() + end * per_sample));
}

FloatTensor run_in_chunks(const std::function<FloatTensor(const FloatTensor&)>& fn, const FloatTensor& x,
                          const std::string& label, int64_t chunk) {
  FHEQ_REQUIRE(x.rank() >= 1 && chunk > 0, "run_in_chunks: need a batch tensor and a positive chunk");
  const int64_t n = x.dim(0);
  core::Progress progress(label, static_cast<size_t>(n));
  FloatTensor result;
  for (int64_t begin = 0; begin < n; begin += chunk) {
    const int64_t end = std::min(n, begin + chunk);
    FloatTensor part = fn(slice_batch(x, begin, end));
    if (begin == 0) {
      result.shape = part.shape;
      result.shape[0] = n;
      result.data.reserve(static_cast<size_t>(part.size() / std::max<int64_t>(1, end - begin) * n));
    }
    result.data.insert(result.data.end(), part.data.begin(), part.data.end());
    progress.advance(static_cast<size_t>(end - begin));
  }
  progress.finish();
  if (n == 0) result.shape = x.shape;
  return result;
}

namespace {

// Index of the first maximum of each row of a [N, C] score tensor.
std::vector<int64_t> argmax_rows(const FloatTensor& scores) {
  const int64_t n = scores.dim(0), classes = scores.dim(1);
  std::vector<int64_t> best(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const auto* row = scores.data.data() + i * classes;
    best[static_cast<size_t>(i)] = std::max_element(row, row + classes) - row;
  }
  return best;
}

}  // namespace

double top1_accuracy(const FloatTensor& scores, const std::vector<int64_t>& labels) {
  FHEQ_REQUIRE(scores.rank() == 2 && scores.dim(0) == static_cast<int64_t>(labels.size()), "accuracy: scores ",
               shape_to_string(scores.shape), " for ", labels.size(), " labels");
  if (labels.empty()) return 0.0;
  const std::vector<int64_t> predicted = argmax_rows(scores);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i] ? 1 : 0;
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double argmax_agreement(const FloatTensor& scores_a, const FloatTensor& scores_b) {
  FHEQ_REQUIRE(scores_a.rank() == 2 && scores_a.shape == scores_b.shape, "agreement: scores ",
               shape_to_string(scores_a.shape), " and ", shape_to_string(scores_b.shape),
               " must both be [N, classes] of the same shape");
  if (scores_a.dim(0) == 0) return 0.0;
  const std::vector<int64_t> a = argmax_rows(scores_a), b = argmax_rows(scores_b);
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(same) / static_cast<double>(a.size());
}

double evaluate_float(const FloatModel& model, const Dataset& data) {
  const FloatTensor scores = run_in_chunks([&](const FloatTensor& x) { return model.run(x); }, data.x, "float model");
  return top1_accuracy(scores, data.y);
}

double evaluate_quantized(const QuantizedModel& model, const Dataset& data) {
  const FloatTensor scores = run_in_chunks([&](const FloatTensor& x) { return model.predict(x); }, data.x, "quantized model");
  return top1_accuracy(scores, data.y);
}

QuantizedEvaluation evaluate_against_float(const FloatModel& float_model, const QuantizedModel& quantized,
                                           const Dataset& data) {
  const FloatTensor float_scores =
      run_in_chunks([&](const FloatTensor& x) { return float_model.run(x); }, data.x, "float model");
  const FloatTensor quantized_scores =
      run_in_chunks([&](const FloatTensor& x) { return quantized.predict(x); }, data.x, "quantized model");
  QuantizedEvaluation result;
  result.samples = data.x.dim(0);
  result.float_accuracy = top1_accuracy(float_scores, data.y);
  result.quantized_accuracy = top1_accuracy(quantized_scores, data.y);
  result.agreement_with_float = argmax_agreement(quantized_scores, float_scores);
  return result;
}

}  // namespace fheq
