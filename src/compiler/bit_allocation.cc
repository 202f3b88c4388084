#include "compiler/bit_allocation.h"

#include <algorithm>
#include <map>
#include <set>

#include "compiler/compile_plan.h"
#include "compiler/rounding_search.h"
#include "tfhe/commons/parameter_selection.h"
#include "fheq/error.h"
#include "fheq/evaluation.h"

namespace fheq::compiler {

namespace {

// A TLU's claim on the parameter set: the noise its accumulator collects (log2 of the weight 2-norm) plus the
// precision it decides at — each bit of either halves the noise it tolerates (docs/COMPILER.md §3.1).
double noise_demand(const TluEncoding& t) { return t.log2_norm2 + static_cast<double>(t.precision); }

}  // namespace

bool norm_binds(const FheCircuit& circuit) {
  // Noise must bind at all: when the worst table fails far less often than the target, the set was sized by the
  // precision (message space), and a smaller norm changes nothing.
  double worst = 0;
  for (const TluEncoding& t : circuit.tlus) worst = std::max(worst, t.p_error);
  if (worst < circuit.target_p_error / kBindingFactor) return false;
  // And through the weights: when tables whose weight norms differ by more than 2 bits fail about equally often,
  // keyswitch and modulus-switch noise dominate theirs.
  double lo = 1e300, hi = -1e300;
  for (const TluEncoding& t : circuit.tlus) {
    if (t.p_error < worst / kBindingFactor) continue;
    lo = std::min(lo, t.log2_norm2);
    hi = std::max(hi, t.log2_norm2);
  }
  if (hi - lo > 2.0) return false;
  // Then the selection itself: would a norm one bit smaller select a cheaper set at this precision?
  tfhe::SelectionRequest request;
  request.precision = circuit.max_precision;
  request.target_p_error = circuit.target_p_error;
  try {
    request.log2_norm2 = circuit.log2_norm2;
    const double now = modelled_ks_pbs_ms(tfhe::select_parameters(request));
    request.log2_norm2 = circuit.log2_norm2 - 1.0;
    return modelled_ks_pbs_ms(tfhe::select_parameters(request)) < now;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> noisiest_layers(const quant::QuantizedNetwork& net, const FheCircuit& circuit) {
  const quant::IntegerGraph& g = circuit.graph;
  std::vector<int64_t> producer(g.values.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i) producer[static_cast<size_t>(quant::op_output(g.ops[i]))] = static_cast<int64_t>(i);
  std::map<quant::ValueId, std::string> layer_of;
  for (const quant::QuantizedNetwork::CalibratedLayer& l : net.calibrated_layers) layer_of[l.output] = l.node;
  // Per TLU: the calibrated layers its accumulator is a linear function of, and whether a PBS output feeds it
  // (a TLU fed by fresh inputs only does not bound the norm; their noise is checked on its own).
  struct Feed {
    std::set<std::string> layers;
    bool from_pbs = false;
  };
  auto feed_of = [&](quant::ValueId acc) {
    Feed f;
    std::vector<quant::ValueId> stack{acc};
    std::set<quant::ValueId> seen;
    while (!stack.empty()) {
      const quant::ValueId v = stack.back();
      stack.pop_back();
      if (!seen.insert(v).second) continue;
      if (const auto it = layer_of.find(v); it != layer_of.end()) f.layers.insert(it->second);
      const int64_t p = producer[static_cast<size_t>(v)];
      if (p < 0) continue;  // the client's input
      const quant::IntOp& op = g.ops[static_cast<size_t>(p)];
      if (quant::is_tlu(op)) {
        f.from_pbs = true;
        continue;
      }
      for (quant::ValueId in : quant::op_inputs(op)) stack.push_back(in);
    }
    return f;
  };
  std::vector<std::pair<double, Feed>> fed;
  double top = -1e300;
  for (const TluEncoding& t : circuit.tlus) {
    Feed f = feed_of(t.input);
    if (!f.from_pbs || f.layers.empty()) continue;
    top = std::max(top, noise_demand(t));
    fed.emplace_back(noise_demand(t), std::move(f));
  }
  // Within one bit of the largest demand: lowering only the single worst would leave the parameter set to the next.
  std::set<std::string> names;
  for (const auto& [demand, f] : fed)
    if (demand >= top - 1.0) names.insert(f.layers.begin(), f.layers.end());
  return {names.begin(), names.end()};
}

BitAllocation allocate_bits(const FloatModel& model, const QuantizedModel& baseline, const FloatTensor& calibration,
                            const CompileOptions& options) {
  BitAllocation out;
  out.samples = search_sample_count(baseline.network(), calibration, options);
  if (out.samples == 0) return out;
  const SearchSamples screening = search_samples(baseline, calibration, options, out.samples);
  const CircuitOptions base_circuit = circuit_options(options);
  const int min_bits = std::max(2, options.min_weight_bits);
  // Quantizes c.ptq, screens it (global cap) and compiles it; false when out of tolerance.
  auto evaluate = [&](AllocationCandidate& c, bool is_baseline, int& cap_guess) {
    auto q = std::make_shared<const QuantizedModel>(is_baseline ? baseline : quantize(model, calibration, c.ptq));
    const RoundingSearchResult found =
        search_rounding(q->network(), screening.codes, &screening.labels, options.auto_tolerance,
                        base_circuit.rounding_mode, options.window_margin, 0, &screening.reference_outputs, cap_guess);
    cap_guess = found.global_cap;
    c.row.score = found.by_accuracy ? found.accuracy : found.agreement;
    if (!found.met) {
      c.row.why = "out of tolerance even at 8 kept bits";
      return false;
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
      if (norm_binds(circuit)) c.noisiest_layers = noisiest_layers(q->network(), circuit);
      c.model = std::move(q);
    } catch (const Error& e) {
      c.row.why = e.what();
    }
    return true;
  };

  // 1. Every layer at the same bits, per granularity, from the options' bits down.
  std::vector<bool> granularities{options.ptq.per_channel};
  if (options.allocate_weight_scales) granularities.push_back(!options.ptq.per_channel);
  for (const bool per_channel : granularities) {
    int cap_guess = kFirstCapGuess;  // then the previous candidate's: one more weight bit dropped moves it little
    for (int bits = options.ptq.n_bits.weights; bits >= min_bits; --bits) {
      AllocationCandidate c;
      c.ptq = options.ptq;
      c.ptq.per_channel = per_channel;
      c.ptq.n_bits.weights = bits;
      c.row.weight_bits = bits;
      c.row.per_channel = per_channel;
      const bool is_baseline = per_channel == options.ptq.per_channel && bits == options.ptq.n_bits.weights;
      const bool met = evaluate(c, is_baseline, cap_guess);
      out.tried.push_back(std::move(c));
      if (!met) break;
    }
  }

  // 2. From the cheapest, one bit less on the layers behind the noisiest tables, while that lowers the latency.
  for (int step = 0; step < kMaxLayerBitSteps; ++step) {
    const std::vector<size_t> order = by_latency(out);
    if (order.empty()) break;
    const AllocationCandidate& best = out.tried[order.front()];
    AllocationCandidate c;
    c.ptq = best.ptq;
    c.row = CompileAllocationRow{};
    c.row.weight_bits = best.row.weight_bits;
    c.row.per_channel = best.row.per_channel;
    bool lowered = false;
    for (const std::string& layer : best.noisiest_layers) {
      const auto it = c.ptq.layer_weight_bits.find(layer);
      const int bits = it == c.ptq.layer_weight_bits.end() ? c.ptq.n_bits.weights : it->second;
      if (bits - 1 < min_bits) continue;
      c.ptq.layer_weight_bits[layer] = bits - 1;
      lowered = true;
    }
    if (!lowered) break;
    c.row.layer_bits = format_layer_weight_bits(c.ptq.layer_weight_bits);
    int cap_guess = kFirstCapGuess;
    evaluate(c, false, cap_guess);
    const bool cheaper = c.row.accepted && c.row.estimated_latency_ms < best.row.estimated_latency_ms;
    if (c.row.accepted && !cheaper) c.row.why = "no faster than the candidate it lowers";
    out.tried.push_back(std::move(c));
    if (!cheaper) break;
  }
  return out;
}

std::vector<size_t> by_latency(const BitAllocation& allocation) {
  std::vector<size_t> order;
  for (size_t i = 0; i < allocation.tried.size(); ++i)
    if (allocation.tried[i].row.accepted && allocation.tried[i].row.why.empty()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const CompileAllocationRow &x = allocation.tried[a].row, &y = allocation.tried[b].row;
    if (x.estimated_latency_ms != y.estimated_latency_ms) return x.estimated_latency_ms < y.estimated_latency_ms;
    return x.weight_bits > y.weight_bits;
  });
  return order;
}

}  // namespace fheq::compiler
