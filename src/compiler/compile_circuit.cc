#include "compiler/compile_circuit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <tuple>
#include <utility>
#include <string>

#include "compiler/constant_tables.h"
#include "compiler/exact_rounding_plan.h"
#include "compiler/noise_analysis.h"
#include "compiler/tlu_rounding.h"
#include "core/check.h"
#include "core/thread_pool.h"
#include "quant/bit_width.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_selection.h"

namespace fheq::compiler {
namespace {

using quant::ValueId;

// Milliseconds per unit of tfhe::pbs_cost + keyswitch_cost on one thread of this machine. Anchor: one KS+PBS
// with TFHERS_M2C2_TUNIFORM_2M128 (cost 9.77e7 units) takes 12.3 ms of thread CPU time with `fheq bench-pbs`
// after the third PBS speed round (2-core AVX-512 Xeon, 2026-11-22, docs/BENCHMARKS.md "TFHE"); the same
// constant predicts CONCRETE_P6_128 (2.02e8 units) at 25.4 ms, measured 25.3 ms. Re-measure and update when
// the PBS changes (docs/COMPILER.md §3.3).
constexpr double kMsPerCostUnit = 12.3 / 9.77e7;

struct UnionFind {
  std::vector<int32_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int32_t find(int32_t x) {
    while (parent[static_cast<size_t>(x)] != x) x = parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
    return x;
  }
  void unite(int32_t a, int32_t b) { parent[static_cast<size_t>(find(a))] = find(b); }
};

const std::string& value_name(const quant::IntegerGraph& g, ValueId v) { return g.value(v).name; }

// Components: values linked by linear ops (everything but a TLU).
void build_components(FheCircuit& c) {
  const quant::IntegerGraph& g = c.graph;
  UnionFind uf(g.values.size());
  c.components.clear();
  for (const quant::IntOp& op : g.ops) {
    if (std::holds_alternative<quant::TluOp>(op)) continue;
    for (ValueId in : quant::op_inputs(op)) uf.unite(in, quant::op_output(op));
  }
  std::vector<int32_t> id_of_root(g.values.size(), -1);
  c.values.assign(g.values.size(), ValueEncoding{});
  for (size_t v = 0; v < g.values.size(); ++v) {
    const int32_t root = uf.find(static_cast<int32_t>(v));
    if (id_of_root[static_cast<size_t>(root)] < 0) {
      id_of_root[static_cast<size_t>(root)] = static_cast<int32_t>(c.components.size());
      c.components.push_back(Component{});
    }
    const int32_t comp = id_of_root[static_cast<size_t>(root)];
    c.values[v].component = comp;
    c.components[static_cast<size_t>(comp)].values.push_back(static_cast<ValueId>(v));
  }
}

int32_t component_of(const FheCircuit& c, ValueId v) { return c.values[static_cast<size_t>(v)].component; }

// Lays out the PBS window of a TLU with precision p: the rounded domain [tmin, tmax] sits in the middle of
// [w0, w0 + 2^p) and every table is padded with its own end values (the clear executor's clamp).
void layout_window(TluEncoding& t, const quant::TluOp& op, uint32_t p) {
  const quant::IntRange domain = op.domain();
  const int64_t size = int64_t{1} << p;
  FHEQ_CHECK(domain.span() + 1 <= size, "domain ", domain.min, "..", domain.max, " > 2^", p);
  const int64_t slack = size - (domain.span() + 1);
  t.precision = p;
  t.rounding_shift = op.rounding_shift;
  t.rounding = op.rounding;
  t.window_start = domain.min - slack / 2;
  t.input_offset = -t.window_start * (int64_t{1} << op.rounding_shift);
  t.tables.assign(op.tables.size(), std::vector<int64_t>(static_cast<size_t>(size)));
  for (size_t k = 0; k < op.tables.size(); ++k)
    for (int64_t j = 0; j < size; ++j)
      t.tables[k][static_cast<size_t>(j)] = quant::lookup_clamped(op.tables[k], t.window_start + j);
  t.element_table = op.element_table;
}

enum class OutputConstraint { kNone, kExact, kBounded };

// Variance of the decrypted output allowed by its σ bound (torus fraction²).
double output_bound_variance(const FheCircuit& c) {
  const double sigma = c.output.noise_bound * std::ldexp(1.0, static_cast<int>(c.output.log2_delta) - 64);
  return sigma * sigma;
}

// The precision whose half window is the TLU's (final) PBS error threshold: p, or p − 1 (threshold Δ_p) when
// off-by-one errors of approximate rounding are tolerated. Exact rounding reads j at the centre of its box: p.
uint32_t decision_precision(const FheCircuit& c, const TluEncoding& t) {
  const bool approximate = t.rounding == quant::RoundingMode::kApproximate && t.rounding_shift > 0;
  return t.precision - (c.tolerate_off_by_one && approximate ? 1u : 0u);
}

// The precision at which the TLU's ACCUMULATOR noise is judged: exact rounding's first chunk read fails when it
// exceeds Δ_in/2 = Δ_p/2^(k+1) (exact_rounding_plan.h), as if the TLU decided at p + k bits.
uint32_t accumulator_decision_precision(const FheCircuit& c, const TluEncoding& t) {
  return uses_exact_chunks(t) ? t.precision + static_cast<uint32_t>(t.rounding_shift) : decision_precision(c, t);
}

// The accumulator's noise as the PBS sees it: times 4^s after the input scale 2^s (step 2 of fhe_circuit.h).
std::vector<double> scaled_input_variance(const TluEncoding& t, std::vector<double> variance) {
  const double gain = std::ldexp(1.0, 2 * static_cast<int>(t.input_scale_log2));
  for (double& v : variance) v *= gain;
  return variance;
}

// Predictions for the exact-rounding reads of one TLU (exact_rounding_plan.h). Each read (b, m) sees c's noise —
// the accumulator's plus the PBS outputs subtracted so far — times 2^scale, then the keyswitch and modulus
// switch, and decides at its precision (0 for a bit read: threshold a quarter torus).
struct ExactReadNoise {
  std::vector<ExactRead> reads;
  std::vector<double> max_variance;  // per read, over elements
};

struct NoiseResult {
  double worst_ratio = 0;  // max over constrained decisions of variance / allowed variance
};

// Fills every prediction of the circuit for `params`; returns how far the worst decision is from the target.
NoiseResult predict_noise(FheCircuit& c, const tfhe::TfheParams& params, double target, OutputConstraint oc) {
  namespace nz = tfhe::noise;
  SourceVariances sources;
  sources.input = c.input.key == LweKeyKind::kSmall ? params.lwe_noise.variance() : params.glwe_noise.variance();
  sources.pbs_output = nz::pbs_output_variance(params);
  const auto var = propagate_variances(c.graph, sources);
  const double ks = nz::keyswitch_variance(params);
  const double ms = nz::modulus_switch_variance(params.lwe_dimension.value, params.polynomial_size.value);
  NoiseResult result;
  double log_success = 0;
  for (TluEncoding& t : c.tlus) {
    const std::vector<double> in = scaled_input_variance(t, var[static_cast<size_t>(t.input)]);
    const bool chunks = uses_exact_chunks(t);
    ExactReadNoise exact;
    if (chunks) {
      exact.reads = exact_rounding_read_list(t.precision, t.rounding_shift, t.exact_chunk_bits);
      exact.max_variance.assign(exact.reads.size(), 0.0);
      t.accumulator_variance = in;
      t.exact_chunk_p_error.assign(t.exact_chunk_bits.size(), 0.0);
      t.exact_read_added_variance = ks + ms;
      t.exact_pbs_output_variance = sources.pbs_output;
    } else {
      t.accumulator_variance.clear();
      t.exact_chunk_p_error.clear();
      t.exact_read_added_variance = 0;
      t.exact_pbs_output_variance = 0;
    }
    // The final read carries the noise of every chunk's subtracted PBS output.
    const double chunk_outputs = static_cast<double>(t.exact_chunk_bits.size()) * sources.pbs_output;
    t.input_variance.resize(in.size());
    t.max_input_variance = 0;
    t.p_error = 0;
    std::vector<double> chunk_fail(t.exact_chunk_bits.size());
    for (size_t e = 0; e < in.size(); ++e) {
      const double v = in[e] + (chunks ? chunk_outputs : 0.0) + (t.keyswitch ? ks : 0.0) + ms;
      t.input_variance[e] = v;
      t.max_input_variance = std::max(t.max_input_variance, v);
      const double pe = nz::pbs_error_probability(v, decision_precision(c, t));
      t.p_error = std::max(t.p_error, pe);
      log_success += std::log1p(-std::min(pe, 1.0 - 1e-16));
      std::fill(chunk_fail.begin(), chunk_fail.end(), 0.0);
      for (size_t r = 0; r < exact.reads.size(); ++r) {
        const ExactRead& read = exact.reads[r];
        const double phase = (in[e] + static_cast<double>(read.prior_pbs_outputs) * sources.pbs_output) *
                             std::ldexp(1.0, 2 * static_cast<int>(read.scale_log2));
        const double vr = phase + ks + ms;
        exact.max_variance[r] = std::max(exact.max_variance[r], vr);
        const double per = nz::pbs_error_probability(vr, read.decision_precision);
        t.p_error = std::max(t.p_error, per);
        log_success += std::log1p(-std::min(per, 1.0 - 1e-16));
        chunk_fail[read.chunk] = 1.0 - (1.0 - chunk_fail[read.chunk]) * (1.0 - per);
      }
      for (size_t i = 0; i < chunk_fail.size(); ++i)
        t.exact_chunk_p_error[i] = std::max(t.exact_chunk_p_error[i], chunk_fail[i]);
    }
    result.worst_ratio = std::max(result.worst_ratio,
                                  t.max_input_variance / nz::max_variance_for_error_probability(target, decision_precision(c, t)));
    for (size_t r = 0; r < exact.reads.size(); ++r)
      result.worst_ratio = std::max(result.worst_ratio, exact.max_variance[r] / nz::max_variance_for_error_probability(
                                                                                    target, exact.reads[r].decision_precision));
  }
  OutputEncoding& o = c.output;
  const uint32_t out_precision = 63 - o.log2_delta;
  o.variance = var[static_cast<size_t>(o.value)];
  // Rounding the k·N + 1 words to 2^q is a modulus switch to 2^q (2N = 2^q in the formula).
  if (o.transport_bits < 64)
    for (double& v : o.variance)
      v += nz::modulus_switch_variance(params.big_lwe_dimension(), size_t{1} << (o.transport_bits - 1));
  o.max_variance = *std::max_element(o.variance.begin(), o.variance.end());
  o.p_error = 0;
  double log_output_success = 0;
  for (double v : o.variance) {
    const double pe = nz::pbs_error_probability(v, out_precision);
    o.p_error = std::max(o.p_error, pe);
    log_output_success += std::log1p(-std::min(pe, 1.0 - 1e-16));
  }
  // The per-sample failure probability counts the output decoding only when it is meant to be exact.
  if (o.p_error <= target) log_success += log_output_success;
  if (oc == OutputConstraint::kBounded && c.output.noise_bound > 0)
    result.worst_ratio = std::max(result.worst_ratio, o.max_variance / output_bound_variance(c));
  if (oc == OutputConstraint::kExact)
    result.worst_ratio =
        std::max(result.worst_ratio, o.max_variance / nz::max_variance_for_error_probability(target, out_precision));
  c.p_error = 0;
  for (const TluEncoding& t : c.tlus) c.p_error = std::max(c.p_error, t.p_error);
  c.global_p_error = -std::expm1(log_success);
  return result;
}

// log2 of the largest "equivalent" weight norm: unit-variance sources, the output's tighter window counted
// as extra norm relative to precision P.
// Only PBS outputs count as sources here (fresh inputs have their own variance, checked afterwards): this is
// a lower bound of the norm the selection must be given, from which choose_parameters only goes up.
double initial_log2_norm(FheCircuit& c, uint32_t P, OutputConstraint oc) {
  const auto unit = propagate_variances(c.graph, SourceVariances{0.0, 1.0});
  const auto inputs_only = propagate_variances(c.graph, SourceVariances{1.0, 0.0});
  double log2n = 0;
  for (TluEncoding& t : c.tlus) {
    const auto in = scaled_input_variance(t, unit[static_cast<size_t>(t.input)]);
    const double m = *std::max_element(in.begin(), in.end());
    t.log2_norm2 = 0.5 * std::log2(std::max(m, 1.0));
    if (m == 0) {  // fed by fresh inputs only: report their weights' norm instead
      const auto fresh = scaled_input_variance(t, inputs_only[static_cast<size_t>(t.input)]);
      t.log2_norm2 = 0.5 * std::log2(std::max(*std::max_element(fresh.begin(), fresh.end()), 1.0));
      continue;
    }
    // A TLU deciding at fewer bits than P tolerates 2^(P − p) more noise: as much less norm (and exact rounding's
    // first chunk, judging the accumulator at p + k bits, 2^k less).
    log2n = std::max(log2n, t.log2_norm2 - (static_cast<double>(P) - accumulator_decision_precision(c, t)));
  }
  const auto& out = unit[static_cast<size_t>(c.output.value)];
  const double out_norm = 0.5 * std::log2(std::max(*std::max_element(out.begin(), out.end()), 1.0));
  // The output as a virtual TLU: its allowed variance relative to a P-bit PBS's, as extra norm.
  const double tlu_allowed = tfhe::noise::max_variance_for_error_probability(c.target_p_error, P);
  if (oc == OutputConstraint::kExact) {
    const double allowed = tfhe::noise::max_variance_for_error_probability(c.target_p_error, 63 - c.output.log2_delta);
    log2n = std::max(log2n, out_norm + 0.5 * std::log2(tlu_allowed / allowed));
  } else if (oc == OutputConstraint::kBounded && c.output.noise_bound > 0) {
    log2n = std::max(log2n, out_norm + 0.5 * std::log2(tlu_allowed / output_bound_variance(c)));
  }
  return log2n;
}


double cost_of(const tfhe::TfheParams& p) { return tfhe::pbs_cost(p) + tfhe::keyswitch_cost(p); }

// The cheapest selected set under which every TLU (and the output, as `oc` says) meets the
// target: select_parameters models PBS-output sources only, so the norm it is given is raised until our own
// prediction (fresh small/big-key inputs, skipped keyswitches, per-element norms) meets the target too.
std::optional<std::pair<tfhe::TfheParams, double>> choose_parameters(FheCircuit& c, OutputConstraint oc) {
  // The selection's search space is narrower for small precisions; a set chosen for more bits (at the
  // equivalent norm for that precision) also serves fewer, so widen the request before giving up.
  uint32_t lowest = 1;
  for (const TluEncoding& t : c.tlus) {
    lowest = std::max(lowest, decision_precision(c, t));
    for (uint32_t m : t.exact_chunk_bits) lowest = std::max(lowest, m);  // the set must serve m-bit chunk reads
  }
  for (uint32_t precision = lowest; precision <= static_cast<uint32_t>(kMaxPbsPrecision); ++precision) {
    double log2n = initial_log2_norm(c, precision, oc);
    for (int iteration = 0; iteration < 120; ++iteration) {
      tfhe::SelectionRequest request;
      request.precision = precision;
      request.log2_norm2 = log2n;
      request.target_p_error = c.target_p_error;
      std::optional<tfhe::TfheParams> params;
      try {
        params = tfhe::select_parameters(request);
      } catch (const Error&) {
        break;  // nothing at this norm: try a larger precision
      }
      const NoiseResult r = predict_noise(c, *params, c.target_p_error, oc);
      if (r.worst_ratio <= 1.0) return std::make_pair(*params, log2n);
      // Small steps: the fresh-input part of the noise reacts to the set's n, not to the norm, so a large
      // jump would overshoot to a costlier set than needed.
      log2n += std::clamp(0.5 * std::log2(r.worst_ratio), 0.05, 0.5);
    }
  }
  return std::nullopt;
}

// Plans exact rounding's chunks (at most `limit` bits each) and counts PBS / keyswitches per sample.
void plan_chunks_and_count(FheCircuit& c, uint32_t limit) {
  c.pbs_count = 0;
  c.keyswitch_count = 0;
  for (TluEncoding& t : c.tlus) {
    const int64_t elements = c.graph.elements(t.output);
    int64_t reads = 0;
    t.exact_chunk_bits.clear();
    if (uses_exact_chunks(t)) {
      t.exact_chunk_bits = plan_exact_chunks(t.rounding_shift, limit);
      reads = exact_rounding_reads(t.exact_chunk_bits);
    }
    t.pbs_per_sample = elements * (1 + reads);
    c.pbs_count += t.pbs_per_sample;
    c.keyswitch_count += elements * reads + (t.keyswitch ? elements : 0);
  }
}

// Largest exact-rounding chunk of the circuit (0: none).
uint32_t largest_chunk(const FheCircuit& c) {
  uint32_t largest = 0;
  for (const TluEncoding& t : c.tlus)
    for (uint32_t m : t.exact_chunk_bits) largest = std::max(largest, m);
  return largest;
}

// Modelled single-thread cost of one sample: every PBS, and every keyswitch.
double sample_cost(const FheCircuit& c) {
  return static_cast<double>(c.pbs_count) * tfhe::pbs_cost(c.params) +
         static_cast<double>(c.keyswitch_count) * tfhe::keyswitch_cost(c.params);
}

}  // namespace

double modelled_ks_pbs_ms(const tfhe::TfheParams& params) {
  return (tfhe::pbs_cost(params) + tfhe::keyswitch_cost(params)) * kMsPerCostUnit;
}

FheCircuit compile_circuit(const quant::QuantizedNetwork& network, const CircuitOptions& options) {
  FHEQ_REQUIRE(options.rounding_bits >= 0, "--rounding ", options.rounding_bits, ": must be ≥ 1 (or 0 for none)");
  FHEQ_REQUIRE(options.p_error > 0 && options.p_error < 1, "--p-error ", options.p_error, ": must be in (0, 1)");
  FHEQ_REQUIRE(options.global_p_error >= 0 && options.global_p_error < 1, "--global-p-error ",
               options.global_p_error, ": must be in (0, 1)");
  FheCircuit c;
  // 1. Rounding.
  const size_t network_tlus = tlu_op_indices(network.graph).size();
  std::vector<int> keep(network_tlus, options.rounding_bits);
  if (!options.tlu_rounding_bits.empty()) {
    FHEQ_REQUIRE(options.tlu_rounding_bits.size() == network_tlus, "rounding: ", options.tlu_rounding_bits.size(),
                 " per-TLU bit counts for ", network_tlus, " TLUs");
    for (size_t i = 0; i < keep.size(); ++i)
      if (options.tlu_rounding_bits[i] > 0) keep[i] = options.tlu_rounding_bits[i];
  }
  c.graph = rounded_circuit_graph(network.graph, network.observed, options.window_margin, keep, options.rounding_mode);
  // A TLU the rounding made constant costs no PBS. It is folded only where its input and output already share
  // a component, so the fold leaves every component, Δ and key as it was (the fill reads no input).
  build_components(c);
  fold_constant_tables(c.graph, [&](size_t i) {
    const auto& op = std::get<quant::TluOp>(c.graph.ops[i]);
    return component_of(c, op.input) == component_of(c, op.output);
  });
  const std::vector<size_t> tlu_ops = tlu_op_indices(c.graph);
  int own_max_precision = 1;
  for (size_t i : tlu_ops) {
    const auto& op = std::get<quant::TluOp>(c.graph.ops[i]);
    const int p = tlu_precision(op);
    const quant::IntRange acc = tlu_accumulator_domain(op);
    FHEQ_REQUIRE(p <= kMaxPbsPrecision, "TLU '", value_name(c.graph, op.output), "' reads a ", p,
                 "-bit table index (accumulator range [", acc.min, ", ", acc.max, "]); PBS precision is at most ",
                 kMaxPbsPrecision, " bits: use --rounding N with N ≤ ", kMaxPbsPrecision,
                 ", --rounding auto, or fewer --n-bits");
    own_max_precision = std::max(own_max_precision, p);
  }

  // 2. Components and the bits each must hold above its Δ.
  build_components(c);
  const std::vector<quant::IntRange> worst = quant::worst_case_ranges(c.graph, network.input_range);
  c.output.value = c.graph.output;
  // The output window: the calibrated range widened by the margin (within the worst case). Decoding is
  // relative to its start with one padding and one margin bit above it, so values up to 2^(bits+1) away from
  // the start still decode; only far outliers wrap. Worst-case ranges of 8-bit models are ~2^5 wider than
  // what is ever seen, and every one of those bits would divide the output's noise budget by 4.
  c.output.range = worst[static_cast<size_t>(c.graph.output)];
  c.output.observed = network.observed.size() > static_cast<size_t>(c.graph.output)
                          ? network.observed[static_cast<size_t>(c.graph.output)]
                          : c.output.range;
  if (options.window_margin >= 0 && c.output.observed.min <= c.output.observed.max) {
    const auto widen =
        static_cast<int64_t>(std::ceil(options.window_margin * static_cast<double>(c.output.observed.span())));
    c.output.range = quant::IntRange{std::max(c.output.range.min, c.output.observed.min - widen),
                                     std::min(c.output.range.max, c.output.observed.max + widen)};
  }
  c.output.offset = c.output.range.min;
  c.output.bits = static_cast<uint32_t>(std::max(1, quant::bits_for_range(c.output.range)));
  for (Component& comp : c.components) comp.bits_needed = 2;
  auto need = [&](ValueId v, uint32_t bits) {
    Component& comp = c.components[static_cast<size_t>(component_of(c, v))];
    comp.bits_needed = std::max(comp.bits_needed, bits);
  };
  for (size_t i : tlu_ops) {
    const auto& op = std::get<quant::TluOp>(c.graph.ops[i]);
    need(op.input, static_cast<uint32_t>(tlu_precision(op) + op.rounding_shift + 1));
  }
  need(c.output.value, c.output.bits + 2);
  for (const Component& comp : c.components)
    FHEQ_REQUIRE(comp.bits_needed <= 63, "value '", value_name(c.graph, comp.values.front()), "': its encoding needs ",
                 comp.bits_needed, " bits of the 64-bit torus (accumulators too wide): use fewer --n-bits");
  for (Component& comp : c.components) comp.log2_delta = 64 - comp.bits_needed;
  for (ValueEncoding& v : c.values) v.log2_delta = c.components[static_cast<size_t>(v.component)].log2_delta;

  // 3. Input key: the small key when no PBS output and no client-decrypted output share its component, and no
  //    exact-rounding TLU reads it (its chunk steps subtract PBS outputs, under the big key, from the input).
  const int32_t input_comp = component_of(c, c.graph.input);
  bool small = options.input_on_small_key && component_of(c, c.graph.output) != input_comp;
  for (size_t i : tlu_ops) {
    const auto& op = std::get<quant::TluOp>(c.graph.ops[i]);
    if (component_of(c, op.output) == input_comp) small = false;
    if (component_of(c, op.input) == input_comp && op.rounding == quant::RoundingMode::kExact && op.rounding_shift > 0)
      small = false;
  }
  c.components[static_cast<size_t>(input_comp)].key = small ? LweKeyKind::kSmall : LweKeyKind::kBig;
  c.input = InputEncoding{c.graph.input, c.values[static_cast<size_t>(c.graph.input)].log2_delta,
                          small ? LweKeyKind::kSmall : LweKeyKind::kBig, network.input_range};

  // 4. Per TLU: the PBS reads p + k bits of the accumulator. The component's Δ leaves room for
  //    bits_needed − 1 − k ≥ p_own bits (a wider accumulator of the component may have set it): the table is padded
  //    up to the circuit's largest precision where that room allows (free guard entries: an accumulator past
  //    the window clamps instead of wrapping), and the rest of the room becomes a clear scale 2^s of the input
  //    ciphertext. The graph itself never changes here, so the clear run of c.graph — what the rounding search
  //    evaluates — is the circuit's computation.
  for (size_t i : tlu_ops) {
    auto& op = std::get<quant::TluOp>(c.graph.ops[i]);
    const uint32_t bits = c.components[static_cast<size_t>(component_of(c, op.input))].bits_needed;
    const int64_t room = static_cast<int64_t>(bits) - 1 - op.rounding_shift;
    const int64_t p = std::min<int64_t>(room, own_max_precision);
    FHEQ_CHECK(p >= tlu_precision(op), "TLU room ", room, " below its precision");
    TluEncoding t;
    t.op_index = i;
    t.input = op.input;
    t.output = op.output;
    t.input_log2_delta = c.values[static_cast<size_t>(op.input)].log2_delta;
    t.input_scale_log2 = static_cast<uint32_t>(room - p);
    t.output_log2_delta = c.values[static_cast<size_t>(op.output)].log2_delta;
    t.keyswitch = c.components[static_cast<size_t>(component_of(c, op.input))].key == LweKeyKind::kBig;
    t.pbs_per_sample = c.graph.elements(op.output);
    layout_window(t, op, static_cast<uint32_t>(p));
    c.tlus.push_back(std::move(t));
  }
  c.output.log2_delta = c.values[static_cast<size_t>(c.output.value)].log2_delta;
  // Output words travel as their top 32 bits when Δ_out ≥ 2^−(32 − 16): the rounding noise
  // σ = 2^−32·√((1 + k·N/2)/12) then stays under Δ_out/2^10 for every k·N ≤ 2^15 (predict_noise adds it).
  c.output.transport_bits =
      options.compress_output && 64 - c.output.log2_delta + kOutputTransportGuardBits <= kOutputTransportBits
          ? kOutputTransportBits
          : 64;
  c.max_precision = 1;
  for (const TluEncoding& t : c.tlus) c.max_precision = std::max(c.max_precision, t.precision);
  plan_chunks_and_count(c, c.max_precision);

  // 5. Parameters.
  c.tolerate_off_by_one = options.tolerate_off_by_one;
  using Decoding = FheOutputDecoding;
  FHEQ_REQUIRE(options.output_noise_bits >= 0 && options.output_noise_bits <= 30, "output noise bits ",
               options.output_noise_bits, " outside [0, 30]");
  c.output.noise_bound = options.output_noise_bits > 0
                             ? std::ldexp(static_cast<double>(std::max<int64_t>(c.output.observed.span(), 1)),
                                          -options.output_noise_bits)
                             : 0.0;
  // Exact rounding makes the search judge accumulators k bits finer: say so when nothing fits.
  std::string exact_hint;
  int64_t widest_exact = 0;
  for (const TluEncoding& t : c.tlus)
    if (uses_exact_chunks(t) && t.rounding_shift > widest_exact) {
      widest_exact = t.rounding_shift;
      exact_hint = "; exact rounding needs accumulator noise below half an LSB (TLU '" + value_name(c.graph, t.output) +
                   "' drops " + std::to_string(t.rounding_shift) + " bits): try --rounding-mode approximate";
    }
  // Selection for one chunk plan (everything below reads c.pbs_count etc. of that plan).
  auto select = [&](FheCircuit& c) {
    c.target_p_error = options.global_p_error > 0 && c.pbs_count > 0
                           ? options.global_p_error / static_cast<double>(c.pbs_count)
                           : options.p_error;
    if (options.fixed_params) {
      c.params = *options.fixed_params;
      c.log2_norm2 = initial_log2_norm(c, c.max_precision, OutputConstraint::kNone);
    } else if (options.output_decoding == Decoding::kRequireExact) {
      const auto chosen = choose_parameters(c, OutputConstraint::kExact);
      FHEQ_REQUIRE(chosen.has_value(), "no 128-bit parameter set reaches p_error ", c.target_p_error, " for ",
                   c.max_precision, "-bit PBS and exact decoding of the ", c.output.bits,
                   "-bit output: allow bounded output noise, raise --p-error or use fewer --n-bits", exact_hint);
      std::tie(c.params, c.log2_norm2) = *chosen;
    } else {
      const auto bounded = choose_parameters(c, OutputConstraint::kBounded);
      FHEQ_REQUIRE(bounded.has_value(), "no 128-bit parameter set reaches p_error ", c.target_p_error, " for ",
                   c.max_precision, "-bit PBS (weight norm 2^", initial_log2_norm(c, c.max_precision, OutputConstraint::kNone),
                   ") with output noise ≤ ", c.output.noise_bound,
                   ": raise --p-error, use --rounding with fewer bits or fewer --n-bits", exact_hint);
      std::tie(c.params, c.log2_norm2) = *bounded;
      if (options.output_decoding == Decoding::kPreferExact) {
        const auto exact_out = choose_parameters(c, OutputConstraint::kExact);
        if (exact_out && cost_of(exact_out->first) <= kExactOutputCostFactor * cost_of(bounded->first))
          std::tie(c.params, c.log2_norm2) = *exact_out;
      }
    }
  };
  // Exact rounding: chunks up to the circuit's max precision M are served by the set chosen for M anyway; chunks
  // of M + 1 or M + 2 bits need fewer reads but a set that decides at that many bits. Take the cheapest sample.
  const bool any_exact = std::any_of(c.tlus.begin(), c.tlus.end(), [](const TluEncoding& t) { return uses_exact_chunks(t); });
  const uint32_t last_limit =
      any_exact && !options.fixed_params ? std::min<uint32_t>(kMaxPbsPrecision, c.max_precision + 2) : c.max_precision;
  std::optional<FheCircuit> best;
  std::optional<Error> first_error;
  int64_t previous_pbs = -1;
  for (uint32_t limit = c.max_precision; limit <= last_limit; ++limit) {
    FheCircuit trial = c;
    plan_chunks_and_count(trial, limit);
    if (trial.pbs_count == previous_pbs) continue;  // the larger limit changes no plan's cost
    previous_pbs = trial.pbs_count;
    try {
      select(trial);
    } catch (const Error& e) {
      if (!first_error) first_error = e;
      continue;
    }
    if (!best || sample_cost(trial) < sample_cost(*best)) best = std::move(trial);
  }
  if (!best) throw *first_error;
  c = std::move(*best);
  predict_noise(c, c.params, c.target_p_error, OutputConstraint::kNone);
  c.output.exact = c.output.p_error <= c.target_p_error;
  c.output.noise_std = std::sqrt(c.output.max_variance) * std::ldexp(1.0, 64 - static_cast<int>(c.output.log2_delta));
  const uint32_t table_bits = std::max(c.max_precision, largest_chunk(c));
  FHEQ_REQUIRE((size_t{1} << table_bits) <= c.params.polynomial_size.value, "parameter set ", c.params.name,
               ": polynomial size ", c.params.polynomial_size.value, " cannot hold a ", table_bits, "-bit table");

  // 6. Latency: every PBS of the circuit (plus its keyswitch when there is one) spread over the threads.
  c.threads = options.threads > 0 ? options.threads : static_cast<int32_t>(core::default_thread_pool().size());
  c.pbs_ms = modelled_ks_pbs_ms(c.params);
  const double ks_ms = tfhe::keyswitch_cost(c.params) * kMsPerCostUnit;
  const double total_ms = static_cast<double>(c.pbs_count) * c.pbs_ms - static_cast<double>(c.pbs_count - c.keyswitch_count) * ks_ms;
  c.estimated_latency_ms = total_ms / c.threads;
  validate_circuit(c);
  return c;
}

}  // namespace fheq::compiler
