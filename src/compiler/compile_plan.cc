#include "compiler/compile_plan.h"

#include <algorithm>

#include "compiler/rounding_search.h"
#include "compiler/tlu_rounding.h"
#include "fheq/evaluation.h"
#include "quant/client_records.h"
#include "quant/integer_executor.h"
#include "tfhe/commons/parameter_selection.h"

namespace fheq::compiler {

CircuitOptions circuit_options(const CompileOptions& options) {
  CircuitOptions co;
  static_cast<CompileOptions&>(co) = options;
  if (!options.parameter_set.empty())
    co.fixed_params = tfhe::parameter_set_from_name(options.parameter_set, options.allow_toy_parameters);
  return co;
}

bool runs_auto_rounding(const quant::QuantizedNetwork& network, const CompileOptions& options, std::string* note) {
  if (options.rounding_auto) return true;
  const bool rounding_given = options.rounding_bits > 0 || !options.tlu_rounding_bits.empty();
  if (rounding_given || !options.auto_rounding_when_too_wide) return false;
  // The widest PBS index a TLU would read unrounded (its calibrated window): what compile_circuit refuses.
  const quant::IntegerGraph graph = rounded_circuit_graph(network.graph, network.observed, options.window_margin, {},
                                                          quant::RoundingMode::kApproximate);
  int widest = 0;
  for (size_t i : tlu_op_indices(graph)) widest = std::max(widest, tlu_precision(std::get<quant::TluOp>(graph.ops[i])));
  if (widest <= kMaxPbsPrecision) return false;
  if (note)
    *note = "rounding auto: a TLU reads a " + std::to_string(widest) + "-bit accumulator and a PBS takes at most " +
            std::to_string(kMaxPbsPrecision) + " bits (--rounding none to refuse instead)";
  return true;
}

int64_t search_sample_count(const quant::QuantizedNetwork& network, const FloatTensor& calibration,
                            const CompileOptions& options) {
  if (calibration.rank() < 1 || calibration.dim(0) == 0) return 0;
  // At most half the calibration set, so that the prediction's last samples are never the searched ones: on a
  // small set (digits: 1,438) a search that also predicts grades its own choice (measured: predicted 0.35 points,
  // 1.4 on the test set).
  const int64_t half = std::max<int64_t>(calibration.dim(0) / 2, 1);
  return std::min(auto_search_samples(network.graph, std::max<int64_t>(options.auto_samples, 1)), half);
}

FloatTensor unrounded_outputs(const quant::QuantizedNetwork& network, const IntTensor& codes) {
  return quant::dequantize_output(network.output, quant::run_integer_graph(network.graph, codes));
}

SearchSamples search_samples(const QuantizedModel& reference, const FloatTensor& calibration,
                             const CompileOptions& options, int64_t samples) {
  SearchSamples out;
  out.codes = reference.quantize_input(slice_batch(calibration, 0, samples));
  if (!options.calibration_labels.empty())
    out.labels.assign(options.calibration_labels.begin(), options.calibration_labels.begin() + samples);
  out.reference_outputs = unrounded_outputs(reference.network(), out.codes);
  return out;
}

}  // namespace fheq::compiler
