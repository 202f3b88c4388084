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

double top1_accuracy(const FloatTensor& scores, const std::vector<int64_t>& labels) {
  FHEQ_REQUIRE(scores.rank() == 2 && scores.dim(0) == static_cast<int64_t>(labels.size()), "accuracy: scores ",
               shape_to_string(scores.shape), " for ", labels.size(), " labels");
  if (labels.empty()) return 0.0;
  const int64_t classes = scores.dim(1);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto* row = scores.data.data() + static_cast<int64_t>(i) * classes;
    const int64_t best = std::max_element(row, row + classes) - row;
    correct += best == labels[i] ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double evaluate_float(const FloatModel& model, const Dataset& data) {
  const FloatTensor scores = run_in_chunks([&](const FloatTensor& x) { return model.run(x); }, data.x, "float model");
  return top1_accuracy(scores, data.y);
}

double evaluate_quantized(const QuantizedModel& model, const Dataset& data) {
  const FloatTensor scores = run_in_chunks([&](const FloatTensor& x) { return model.predict(x); }, data.x, "quantized model");
  return top1_accuracy(scores, data.y);
}

}  // namespace fheq
