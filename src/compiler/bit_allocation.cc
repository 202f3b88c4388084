#include "compiler/bit_allocation.h"

#include <algorithm>
#include <numeric>

#include "compiler/compile_plan.h"
#include "compiler/rounding_search.h"
#include "fheq/error.h"
#include "fheq/evaluation.h"

namespace fheq::compiler {

BitAllocation allocate_bits(const FloatModel& model, const QuantizedModel& baseline, const FloatTensor& calibration,
                            const CompileOptions& options) {
  BitAllocation out;
  out.samples = search_sample_count(baseline.network(), calibration, options);
  if (out.samples == 0) return out;
  const SearchSamples screening = search_samples(baseline, calibration, options, out.samples);
  const CircuitOptions base_circuit = circuit_options(options);
  std::vector<bool> granularities{options.ptq.per_channel};
  if (options.allocate_weight_scales) granularities.push_back(!options.ptq.per_channel);
  for (const bool per_channel : granularities) {
    int cap_guess = kFirstCapGuess;  // then the previous candidate's: one more weight bit dropped moves it little
    for (int bits = options.ptq.n_bits.weights; bits >= std::max(2, options.min_weight_bits); --bits) {
      AllocationCandidate c;
      c.ptq = options.ptq;
      c.ptq.per_channel = per_channel;
      c.ptq.n_bits.weights = bits;
      c.row.weight_bits = bits;
      c.row.per_channel = per_channel;
      const bool is_baseline = per_channel == options.ptq.per_channel && bits == options.ptq.n_bits.weights;
      auto q = std::make_shared<const QuantizedModel>(is_baseline ? baseline : quantize(model, calibration, c.ptq));
      const RoundingSearchResult found =
          search_rounding(q->network(), screening.codes, &screening.labels, options.auto_tolerance,
                          base_circuit.rounding_mode, options.window_margin, 0, &screening.reference_outputs, cap_guess);
      cap_guess = found.global_cap;
      c.row.score = found.by_accuracy ? found.accuracy : found.agreement;
      if (!found.met) {
        c.row.why = "out of tolerance even at 8 kept bits";
        out.tried.push_back(std::move(c));
        break;
      }
      CircuitOptions co = base_circuit;
      co.tlu_rounding_bits = found.keep_bits;
      try {
        const FheCircuit circuit = compile_circuit(q->network(), co);
        c.row.accepted = true;
        c.row.max_precision = circuit.max_precision;
        c.row.pbs_count = circuit.pbs_count;
        c.row.log2_norm2 = circuit.log2_norm2;
        c.row.params_name = circuit.params.name;
        c.row.estimated_latency_ms = circuit.estimated_latency_ms;
        c.model = std::move(q);
      } catch (const Error& e) {
        c.row.why = e.what();
      }
      out.tried.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<size_t> by_latency(const BitAllocation& allocation) {
  std::vector<size_t> order;
  for (size_t i = 0; i < allocation.tried.size(); ++i)
    if (allocation.tried[i].row.accepted) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const CompileAllocationRow &x = allocation.tried[a].row, &y = allocation.tried[b].row;
    if (x.estimated_latency_ms != y.estimated_latency_ms) return x.estimated_latency_ms < y.estimated_latency_ms;
    return x.weight_bits > y.weight_bits;
  });
  return order;
}

}  // namespace fheq::compiler
