#include "compiler/rounding_search.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <variant>

#include "compiler/compile_circuit.h"
#include "compiler/tlu_rounding.h"
#include "core/check.h"
#include "fheq/evaluation.h"
#include "quant/integer_executor.h"

namespace fheq::compiler {
namespace {

// The clear run of the circuit graph compile_circuit would build for `keep` (run_circuit_clear's semantics).
IntTensor run_rounded(const quant::QuantizedNetwork& network, double margin, const std::vector<int>& keep,
                      quant::RoundingMode mode, const IntTensor& codes) {
  const quant::IntegerGraph graph = rounded_circuit_graph(network.graph, network.observed, margin, keep, mode);
  quant::ClearRunOptions options;
  options.approximate_rounding = [](int64_t acc, int64_t shift) { return quant::round_shift_exact(acc, shift); };
  return quant::run_integer_graph(graph, codes, options);
}

}  // namespace

double multiply_adds_per_sample(const quant::IntegerGraph& graph) {
  double total = 0;
  for (const quant::IntOp& op : graph.ops) total += quant::op_multiply_adds(graph, op);
  return total;
}

int64_t auto_search_samples(const quant::IntegerGraph& graph, int64_t max_samples) {
  const double per_sample = std::max(1.0, multiply_adds_per_sample(graph));
  const auto affordable = static_cast<int64_t>(kAutoSearchMacBudget / per_sample);
  return std::min(max_samples, std::max(kAutoSearchMinSamples, affordable));
}

double output_agreement(const FloatTensor& ref, const FloatTensor& got) {
  const int64_t batch = ref.dim(0);
  if (batch == 0) return 1.0;
  const int64_t per = ref.size() / batch;
  int64_t agree = 0;
  if (per == 1) {
    const auto [lo, hi] = std::minmax_element(ref.data.begin(), ref.data.end());
    const double tol = 0.01 * std::max(*hi - *lo, 1e-12);
    for (int64_t s = 0; s < batch; ++s) agree += std::abs(ref[s] - got[s]) <= tol;
  } else {
    for (int64_t s = 0; s < batch; ++s) {
      const auto r = ref.data.begin() + s * per, g = got.data.begin() + s * per;
      agree += std::max_element(r, r + per) - r == std::max_element(g, g + per) - g;
    }
  }
  return static_cast<double>(agree) / static_cast<double>(batch);
}

RoundingSearchResult search_rounding(const quant::QuantizedNetwork& network, const IntTensor& codes,
                                     const std::vector<int64_t>* labels, double tolerance, quant::RoundingMode mode,
                                     double window_margin, int max_evaluations, const FloatTensor* baseline,
                                     int first_cap) {
  FHEQ_REQUIRE(tolerance >= 0 && tolerance < 1, "--rounding auto: tolerance ", tolerance, " outside [0, 1)");
  const bool by_accuracy = labels != nullptr && !labels->empty();
  FHEQ_REQUIRE(!by_accuracy || static_cast<int64_t>(labels->size()) == codes.dim(0), "--rounding auto: ",
               labels->size(), " labels for ", codes.dim(0), " calibration samples");
  const quant::IntegerGraph windowed = restrict_tlus_to_calibration(network.graph, network.observed, window_margin);
  const std::vector<size_t> tlus = tlu_op_indices(windowed);
  std::vector<int> full(tlus.size());
  for (size_t i = 0; i < tlus.size(); ++i)
    full[i] = std::max(1, tlu_accumulator_bits(std::get<quant::TluOp>(windowed.ops[tlus[i]])));
  const FloatTensor reference = baseline ? *baseline
                                         : quant::dequantize_output(network.output,
                                                                    quant::run_integer_graph(network.graph, codes));
  FHEQ_REQUIRE(reference.rank() >= 1 && reference.dim(0) == codes.dim(0), "--rounding auto: baseline outputs for ",
               reference.rank() >= 1 ? reference.dim(0) : 0, " samples, ", codes.dim(0), " calibration samples");
  RoundingSearchResult result;
  result.by_accuracy = by_accuracy;
  if (by_accuracy) result.reference_accuracy = top1_accuracy(reference, *labels);
  // The score compared with `needed`: accuracy with labels, agreement without. Both are recorded.
  auto evaluate = [&](const std::vector<int>& keep) {
    ++result.evaluations;
    const FloatTensor rounded =
        quant::dequantize_output(network.output, run_rounded(network, window_margin, keep, mode, codes));
    const double agreement = output_agreement(reference, rounded);
    const double accuracy = by_accuracy ? top1_accuracy(rounded, *labels) : 0.0;
    return std::pair<double, double>{by_accuracy ? accuracy : agreement, agreement};
  };
  auto accept = [&](const std::pair<double, double>& score) {
    result.agreement = score.second;
    if (by_accuracy) result.accuracy = score.first;
  };
  const double needed = by_accuracy ? result.reference_accuracy - tolerance : 1.0 - tolerance;
  // 1. Global cap: the smallest P that passes (scores grow with P), scanned from first_cap down, or up.
  std::vector<int> keep(tlus.size());
  auto capped = [&](int cap) {
    std::vector<int> k(tlus.size());
    for (size_t i = 0; i < tlus.size(); ++i) k[i] = std::min(full[i], cap);
    return k;
  };
  int cap = std::clamp(first_cap, 1, kMaxPbsPrecision);
  auto score = evaluate(capped(cap));
  if (score.first >= needed) {
    while (cap > 1) {
      const auto lower = evaluate(capped(cap - 1));
      if (lower.first < needed) break;
      --cap, score = lower;
    }
  } else {
    while (cap < kMaxPbsPrecision && score.first < needed) score = evaluate(capped(++cap));
  }
  keep = capped(cap);
  result.global_cap = cap;
  result.met = score.first >= needed;
  accept(score);
  // 2. Per TLU, widest first.
  std::vector<size_t> order(tlus.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keep[a] > keep[b]; });
  for (size_t i : order) {
    while (result.met && keep[i] > 1 && result.evaluations < max_evaluations) {
      std::vector<int> trial = keep;
      --trial[i];
      const auto score = evaluate(trial);
      if (score.first < needed) break;
      keep = trial;
      accept(score);
    }
  }
  result.keep_bits = keep;
  return result;
}

}  // namespace fheq::compiler
