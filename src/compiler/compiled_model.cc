// fheq::CompiledModel and fheq::compile (include/fheq/compiler.h) over compiler::compile_circuit.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/bit_allocation.h"
#include "compiler/compile_circuit.h"
#include "compiler/compile_plan.h"
#include "compiler/rounding_search.h"
#include "compiler/simulate.h"
#include "compiler/tlu_rounding.h"
#include "core/check.h"
#include "fheq/compiler.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "quant/client_records.h"
#include "tfhe/commons/parameter_selection.h"

namespace fheq {
namespace {

CompileReport make_report(const compiler::FheCircuit& c, const quant::IntegerGraph& original) {
  CompileReport r;
  const tfhe::TfheParams& p = c.params;
  r.params_name = p.name;
  r.lwe_dimension = p.lwe_dimension.value;
  r.glwe_dimension = p.glwe_dimension.value;
  r.polynomial_size = p.polynomial_size.value;
  r.pbs_level = p.pbs_level.value;
  r.pbs_base_log = p.pbs_base_log.value;
  r.ks_level = p.ks_level.value;
  r.ks_base_log = p.ks_base_log.value;
  r.pbs_count = c.pbs_count;
  r.keyswitch_count = c.keyswitch_count;
  r.max_precision = c.max_precision;
  r.log2_norm2 = c.log2_norm2;
  r.target_p_error = c.target_p_error;
  r.p_error = c.p_error;
  r.global_p_error = c.global_p_error;
  r.output_p_error = c.output.p_error;
  r.output_bits = c.output.bits;
  r.output_exact = c.output.exact;
  r.output_noise_std = c.output.noise_std;
  r.output_noise_bound = c.output.noise_bound;
  r.output_observed_span = c.output.observed.span();
  r.input_key = c.input.key == compiler::LweKeyKind::kSmall ? "small" : "big";
  r.output_transport_bits = static_cast<int>(c.output.transport_bits);
  r.pbs_ms = c.pbs_ms;
  r.threads = c.threads;
  r.estimated_latency_ms = c.estimated_latency_ms;
  for (const compiler::TluEncoding& t : c.tlus) {
    CompileTluReport tr;
    tr.name = c.graph.value(t.output).name;
    tr.pbs = t.pbs_per_sample;
    tr.accumulator_bits = compiler::tlu_accumulator_bits(std::get<quant::TluOp>(original.ops[t.op_index]));
    tr.rounding_shift = t.rounding_shift;
    tr.precision = t.precision;
    tr.log2_norm2 = t.log2_norm2;
    tr.p_error = t.p_error;
    tr.keyswitch = t.keyswitch;
    tr.exact_chunk_bits = t.exact_chunk_bits;
    r.tlus.push_back(tr);
  }
  return r;
}

// "N TLUs round to a constant table: …" when compile_circuit folded any (compiler/constant_tables.h).
std::string describe_folded_tables(const compiler::FheCircuit& c, const quant::IntegerGraph& original) {
  int64_t tables = 0;
  int64_t pbs = 0;
  for (size_t i = 0; i < original.ops.size(); ++i) {
    if (!quant::is_tlu(original.ops[i]) || quant::is_tlu(c.graph.ops[i])) continue;
    ++tables;
    pbs += original.elements(quant::op_output(original.ops[i]));
  }
  if (tables == 0) return "";
  std::ostringstream out;
  out << tables << (tables == 1 ? " TLU rounds" : " TLUs round") << " to a constant table: computed in the clear ("
      << pbs << " PBS per sample saved)";
  return out.str();
}

std::string describe_quantization(const PtqOptions& o) {
  return std::to_string(o.n_bits.inputs) + "/" + std::to_string(o.n_bits.weights) + "/" +
         std::to_string(o.n_bits.activations) + " bits (inputs/weights/activations), " +
         (o.per_channel ? "per-channel" : "per-tensor") + " weights" +
         (o.layer_weight_bits.empty() ? "" : " (by layer: " + format_layer_weight_bits(o.layer_weight_bits) + ")");
}

std::string fmt_p(double p) {
  std::ostringstream o;
  o << std::setprecision(3) << p;
  if (p > 0) o << " (2^" << std::fixed << std::setprecision(1) << std::log2(p) << ")";
  return o.str();
}

// Simulates the compiled circuit on the LAST `n` calibration samples (disjoint from the first calib_size ones
// that fitted the ranges and from the search's first ones whenever the set is large enough), against the
// unrounded `baseline` model (the options' n_bits) on the same samples.
void predict_accuracy(const QuantizedModel& q, const QuantizedModel& baseline, const compiler::FheCircuit& circuit,
                      const FloatTensor& calibration, const std::vector<int64_t>& labels, int64_t n,
                      CompileReport& report) {
  const int64_t end = calibration.dim(0), begin = end - n;
  const IntTensor codes = q.quantize_input(slice_batch(calibration, begin, end));
  compiler::SimulateOptions so;
  so.seed = 1;
  const FloatTensor simulated = q.dequantize_output(compiler::run_circuit_simulate(circuit, codes, so, nullptr));
  const FloatTensor unrounded = baseline.dequantize_output(baseline.run_clear(codes));
  report.predict_samples = n;
  report.predicted_agreement = argmax_agreement(simulated, unrounded);
  report.predicted_by_accuracy = !labels.empty();
  if (!labels.empty()) {
    const std::vector<int64_t> tail(labels.begin() + begin, labels.end());
    report.predicted_reference_accuracy = top1_accuracy(unrounded, tail);
    report.predicted_accuracy = top1_accuracy(simulated, tail);
  }
}

// `baseline`: the model auto rounding's tolerance and the prediction are measured against (null: q itself).
// `allocation`: the bit allocation that chose q (reported), if any.
// Screening many candidates on the same samples favours the ones whose loss there is luckily small; the held-back
// samples of the prediction (never searched on) catch that: a candidate whose simulated loss there exceeds the
// tolerance by more than two sampling σ of a paired accuracy difference (σ² ≈ disagreement / n) is passed over.
double held_back_limit(const CompileReport& r, double tolerance) {
  const double n = static_cast<double>(std::max<int64_t>(r.predict_samples, 1));
  return tolerance + 2.0 * std::sqrt(std::max(1.0 - r.predicted_agreement, 1.0 / n) / n);
}

// `notes`: lines for CompileReport::notes decided by the caller.
CompiledModel compile_quantized(QuantizedModel q, const QuantizedModel* baseline, const FloatTensor& calibration,
                                const CompileOptions& options, std::chrono::steady_clock::time_point start,
                                const compiler::BitAllocation* allocation = nullptr,
                                std::vector<std::string> notes = {}) {
  if (!baseline) baseline = &q;
  compiler::CircuitOptions co = compiler::circuit_options(options);
  FHEQ_REQUIRE(options.calibration_labels.empty() ||
                   static_cast<int64_t>(options.calibration_labels.size()) == calibration.dim(0),
               "calibration labels: ", options.calibration_labels.size(), " labels for ",
               calibration.rank() >= 1 ? calibration.dim(0) : 0, " calibration samples");
  std::string note;
  const bool run_auto = compiler::runs_auto_rounding(q.network(), options, &note);
  const int64_t samples = compiler::search_sample_count(q.network(), calibration, options);
  compiler::RoundingSearchResult found;  // untouched (agreement 1) without auto rounding
  if (run_auto) {
    FHEQ_REQUIRE(options.auto_samples > 0, "--rounding auto: auto_samples = ", options.auto_samples, " must be > 0");
    FHEQ_REQUIRE(samples > 0, "--rounding auto: calibration data is empty");
    const compiler::SearchSamples searched = compiler::search_samples(*baseline, calibration, options, samples);
    found = compiler::search_rounding(q.network(), searched.codes, &searched.labels, options.auto_tolerance,
                                      co.rounding_mode, co.window_margin, 40, &searched.reference_outputs);
    co.tlu_rounding_bits = found.keep_bits;
  }
  auto circuit = std::make_shared<compiler::FheCircuit>(compiler::compile_circuit(q.network(), co));
  CompileReport report = make_report(*circuit, q.network().graph);
  if (!note.empty()) notes.insert(notes.begin(), note);
  if (!options.parameter_set.empty() && report.p_error > report.target_p_error) {
    // A forced set is kept as asked, but a user must not read its failure rate as the target's.
    std::ostringstream forced;
    forced << "--params " << options.parameter_set << ": worst PBS p_error " << fmt_p(report.p_error)
           << " is above the target " << fmt_p(report.target_p_error) << " (max precision " << report.max_precision
           << " bits; the set was made for fewer)";
    notes.push_back(forced.str());
  }
  if (const std::string folded = describe_folded_tables(*circuit, q.network().graph); !folded.empty())
    notes.push_back(folded);
  report.notes = std::move(notes);
  report.quantization = describe_quantization(q.options());
  report.rounding = run_auto ? "auto" : options.rounding_bits > 0 ? std::to_string(options.rounding_bits) : "none";
  report.rounding_mode = options.rounding_mode == FheRoundingMode::kExact ? "exact" : "approximate";
  report.kept_bits = co.tlu_rounding_bits.empty()
                         ? std::vector<int>(compiler::tlu_op_indices(q.network().graph).size(), options.rounding_bits)
                         : co.tlu_rounding_bits;
  report.auto_agreement = found.agreement;
  if (run_auto) {
    report.auto_criterion = found.by_accuracy ? "accuracy" : "agreement";
    report.auto_reference_accuracy = found.reference_accuracy;
    report.auto_accuracy = found.accuracy;
    report.auto_samples = samples;
    report.auto_within_tolerance = found.met;
  }
  if (allocation) {
    for (const compiler::AllocationCandidate& c : allocation->tried) report.allocation.push_back(c.row);
    report.allocation_samples = allocation->samples;
  }
  if (options.predict_accuracy && samples > 0)
    predict_accuracy(q, *baseline, *circuit, calibration, options.calibration_labels, samples, report);
  report.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return CompiledModel(std::move(q), std::move(circuit), options, std::move(report));
}


}  // namespace

CompiledModel compile(const QuantizedModel& quantized, const FloatTensor& calibration, const CompileOptions& options) {
  return compile_quantized(quantized, nullptr, calibration, options, std::chrono::steady_clock::now());
}

CompiledModel compile(const FloatModel& model, const FloatTensor& calibration, const CompileOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  FHEQ_REQUIRE(options.ptq.rounding_bits == 0, "CompileOptions: set rounding_bits / rounding_auto, not ptq.rounding_bits");
  QuantizedModel baseline = quantize(model, calibration, options.ptq);
  std::string note;
  // A quantization-aware model's weights keep the integers its own quantizers chose: nothing to allocate.
  const auto& grids = baseline.network().grids;
  const bool weights_from_model = std::any_of(grids.begin(), grids.end(), [](const QuantGridReport& g) {
    return g.role == "weights" && g.from_model;
  });
  if (!options.allocate_bits || weights_from_model ||
      !compiler::runs_auto_rounding(baseline.network(), options, &note))
    return compile_quantized(std::move(baseline), nullptr, calibration, options, start);
  compiler::BitAllocation allocation = compiler::allocate_bits(model, baseline, calibration, options);
  const std::vector<size_t> order = compiler::by_latency(allocation);
  // Cheapest first; the full search (all its samples, per-TLU step) confirms the tolerance the screening saw.
  for (size_t i : order) {
    compiler::AllocationCandidate& c = allocation.tried[i];
    CompileOptions chosen = options;
    chosen.ptq = c.ptq;
    chosen.rounding_auto = true;  // a candidate narrow enough for a PBS still gets its rounding searched
    c.row.chosen = true;
    std::vector<std::string> notes;
    if (!note.empty()) notes.push_back(note);
    notes.push_back("bit allocation: " + std::to_string(c.ptq.n_bits.weights) + "-bit " +
                    (c.ptq.per_channel ? "per-channel" : "per-tensor") + " weights" +
                    (c.row.layer_bits.empty() ? "" : " (by layer: " + c.row.layer_bits + ")") +
                    ", the lowest estimated latency of " +
                    std::to_string(allocation.tried.size()) + " candidates within the tolerance (" +
                    "--n-bits-weights / --per-channel / --per-tensor fix them)");
    CompiledModel compiled =
        compile_quantized(*c.model, &baseline, calibration, chosen, start, &allocation, std::move(notes));
    const CompileReport& r = compiled.report();
    if (!r.auto_within_tolerance) {
      c.row.why = "out of tolerance on the full search samples";
    } else if (const double limit = held_back_limit(r, options.auto_tolerance);
               r.predicted_by_accuracy && r.predicted_rounding_loss() > limit) {
      std::ostringstream why;
      why << std::fixed << std::setprecision(2) << "loses " << 100 * r.predicted_rounding_loss()
          << " points on held-back samples (> " << 100 * limit << ")";
      c.row.why = why.str();
    } else {
      return compiled;
    }
    c.row.chosen = false;
  }
  return compile_quantized(std::move(baseline), nullptr, calibration, options, start, &allocation);
}

CompiledModel::CompiledModel(QuantizedModel quantized, std::shared_ptr<const compiler::FheCircuit> circuit,
                             CompileOptions options, CompileReport report)
    : quantized_(std::move(quantized)), circuit_(std::move(circuit)), options_(std::move(options)),
      report_(std::move(report)) {}

IntTensor CompiledModel::quantize_input(const FloatTensor& x) const { return quantized_.quantize_input(x); }

IntTensor CompiledModel::run_clear(const IntTensor& codes) const { return compiler::run_circuit_clear(*circuit_, codes); }

IntTensor CompiledModel::run_simulate(const IntTensor& codes, uint64_t seed, SimulationCounts* counts) const {
  compiler::SimulateOptions so;
  so.seed = seed;
  compiler::SimulationStats stats;
  IntTensor out = compiler::run_circuit_simulate(*circuit_, codes, so, &stats);
  if (counts) *counts = SimulationCounts{stats.pbs, stats.off_by_one, stats.larger_errors, stats.wrapped, stats.outputs, stats.output_errors};
  return out;
}

FloatTensor CompiledModel::dequantize_output(const IntTensor& acc) const { return quantized_.dequantize_output(acc); }

FloatTensor CompiledModel::predict_clear(const FloatTensor& x) const {
  return dequantize_output(run_clear(quantize_input(x)));
}

FloatTensor CompiledModel::predict_simulate(const FloatTensor& x, uint64_t seed) const {
  return dequantize_output(run_simulate(quantize_input(x), seed));
}

const CompileReport& CompiledModel::report() const { return report_; }
const CompileOptions& CompiledModel::options() const { return options_; }
const QuantizedModel& CompiledModel::quantized() const { return quantized_; }
const compiler::FheCircuit& CompiledModel::circuit() const { return *circuit_; }
const quant::QuantizedNetwork& CompiledModel::network() const { return quantized_.network(); }

std::string CompileReport::to_text() const {
  std::ostringstream o;
  for (const std::string& note : notes) o << "note: " << note << "\n";
  if (!quantization.empty()) o << "quantization    " << quantization << "\n";
  o << "parameters      " << params_name << "  (n=" << lwe_dimension << ", k=" << glwe_dimension
    << ", N=" << polynomial_size << ", PBS " << pbs_level << "x" << pbs_base_log << ", KS " << ks_level << "x"
    << ks_base_log << ")\n";
  o << "rounding        " << rounding << " (" << rounding_mode << ")";
  if (rounding == "auto") {
    o << ", kept bits";
    for (int b : kept_bits) o << " " << b;
    o << std::fixed << std::setprecision(4);
    if (auto_criterion == "accuracy")
      o << "; calibration accuracy " << auto_accuracy << " vs " << auto_reference_accuracy << " unrounded";
    o << "; agreement with unrounded model " << auto_agreement << std::defaultfloat << " (" << auto_samples
      << " calibration samples)";
  }
  o << "\n";
  if (!allocation.empty()) {
    o << "bit allocation  " << allocation.size() << " candidates on " << allocation_samples
      << " calibration samples (rounding: global cap only; score against the unrounded baseline)\n";
    o << "  " << std::left << std::setw(13) << "weights" << std::right << std::setw(8) << "score" << std::setw(4) << "P"
      << std::setw(8) << "PBS" << std::setw(9) << "log2|w|" << std::setw(12) << "est. ms" << "  parameters\n";
    for (const CompileAllocationRow& a : allocation) {
      o << (a.chosen ? "* " : "  ") << std::left << std::setw(13)
        << (std::to_string(a.weight_bits) + (a.per_channel ? "b channel" : "b tensor")) << std::right << std::fixed
        << std::setprecision(4) << std::setw(8) << a.score;
      if (a.accepted)
        o << std::setw(4) << a.max_precision << std::setw(8) << a.pbs_count << std::setprecision(2) << std::setw(9)
          << a.log2_norm2 << std::setprecision(1) << std::setw(12) << a.estimated_latency_ms << "  " << a.params_name
          << (a.layer_bits.empty() ? "" : "; by layer " + a.layer_bits)
          << (a.why.empty() ? "" : "; passed over: " + a.why);
      else
        o << "  rejected: " << a.why << (a.layer_bits.empty() ? "" : " (by layer " + a.layer_bits + ")");
      o << std::defaultfloat << "\n";
    }
  }
  if (predict_samples > 0) {
    o << "predicted       " << std::fixed << std::setprecision(4);
    if (predicted_by_accuracy)
      o << "accuracy " << predicted_accuracy << " vs " << predicted_reference_accuracy << " unrounded (rounding loss "
        << std::setprecision(2) << 100.0 * predicted_rounding_loss() << " points); " << std::setprecision(4);
    o << "agreement " << predicted_agreement << std::defaultfloat << " (simulated, " << predict_samples
      << " held-back calibration samples)\n";
  }
  o << "PBS per sample  " << pbs_count << " (" << keyswitch_count << " with keyswitch), max precision " << max_precision
    << " bits, log2 norm " << std::fixed << std::setprecision(2) << log2_norm2 << std::defaultfloat << "\n";
  o << "p_error         target " << fmt_p(target_p_error) << ", worst PBS " << fmt_p(p_error) << ", per sample "
    << fmt_p(global_p_error) << ", output decoding " << fmt_p(output_p_error) << " (" << output_bits << " bits, "
    << (output_exact ? "exact" : "noisy") << ", sigma " << std::setprecision(3) << output_noise_std
    << " units, bound " << output_noise_bound << ", calibrated span " << output_observed_span << ")\n";
  o << "inputs          encrypted under the " << input_key << " key; outputs sent as " << output_transport_bits
    << "-bit torus words\n";
  o << "latency (est.)  " << std::fixed << std::setprecision(1) << estimated_latency_ms << " ms/sample ("
    << std::setprecision(2) << pbs_ms << " ms per KS+PBS, " << threads << " threads)\n";
  o << "compile time    " << std::setprecision(2) << compile_seconds << " s\n" << std::defaultfloat;
  o << "TLUs:\n  " << std::left << std::setw(28) << "name" << std::right << std::setw(7) << "PBS" << std::setw(8)
    << "acc b" << std::setw(5) << "k" << std::setw(5) << "p" << std::setw(8) << "log2|w|" << std::setw(22)
    << "p_error" << std::setw(4) << "KS" << "\n";
  for (const CompileTluReport& t : tlus) {
    o << "  " << std::left << std::setw(28) << t.name << std::right << std::setw(7) << t.pbs << std::setw(8)
      << t.accumulator_bits << std::setw(5) << t.rounding_shift << std::setw(5) << t.precision << std::setw(8)
      << std::fixed << std::setprecision(2) << t.log2_norm2 << std::defaultfloat << std::setw(22) << fmt_p(t.p_error)
      << std::setw(4) << (t.keyswitch ? "y" : "n");
    if (!t.exact_chunk_bits.empty()) {
      o << "  exact: low-bit chunks";
      for (size_t c = 0; c < t.exact_chunk_bits.size(); ++c) o << (c ? "+" : " ") << t.exact_chunk_bits[c];
    }
    o << "\n";
  }
  return o.str();
}

std::string CompileReport::to_json() const {
  nlohmann::json j;
  j["params"] = {{"name", params_name},         {"lwe_dimension", lwe_dimension}, {"glwe_dimension", glwe_dimension},
                 {"polynomial_size", polynomial_size}, {"pbs_level", pbs_level}, {"pbs_base_log", pbs_base_log},
                 {"ks_level", ks_level},       {"ks_base_log", ks_base_log}};
  j["notes"] = notes;
  j["quantization"] = quantization;
  j["rounding"] = rounding;
  if (!allocation.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const CompileAllocationRow& a : allocation)
      rows.push_back({{"weight_bits", a.weight_bits}, {"per_channel", a.per_channel}, {"layer_bits", a.layer_bits},
                      {"accepted", a.accepted},
                      {"chosen", a.chosen}, {"score", a.score}, {"max_precision", a.max_precision},
                      {"pbs_count", a.pbs_count}, {"log2_norm2", a.log2_norm2}, {"params", a.params_name},
                      {"estimated_latency_ms", a.estimated_latency_ms}, {"why", a.why}});
    j["allocation"] = {{"samples", allocation_samples}, {"candidates", rows}};
  }
  if (predict_samples > 0) {
    j["prediction"] = {{"samples", predict_samples}, {"agreement", predicted_agreement}};
    if (predicted_by_accuracy) {
      j["prediction"]["accuracy"] = predicted_accuracy;
      j["prediction"]["reference_accuracy"] = predicted_reference_accuracy;
      j["prediction"]["rounding_loss"] = predicted_rounding_loss();
    }
  }
  j["rounding_mode"] = rounding_mode;
  j["kept_bits"] = kept_bits;
  j["auto_agreement"] = auto_agreement;
  if (rounding == "auto") {
    j["auto_criterion"] = auto_criterion;
    j["auto_reference_accuracy"] = auto_reference_accuracy;
    j["auto_accuracy"] = auto_accuracy;
    j["auto_samples"] = auto_samples;
    j["auto_within_tolerance"] = auto_within_tolerance;
  }
  j["pbs_count"] = pbs_count;
  j["keyswitch_count"] = keyswitch_count;
  j["max_bit_width"] = max_precision;
  j["log2_norm2"] = log2_norm2;
  j["target_p_error"] = target_p_error;
  j["p_error"] = p_error;
  j["global_p_error"] = global_p_error;
  j["output_p_error"] = output_p_error;
  j["output_bits"] = output_bits;
  j["output_exact"] = output_exact;
  j["output_noise_std"] = output_noise_std;
  j["output_noise_bound"] = output_noise_bound;
  j["input_key"] = input_key;
  j["output_transport_bits"] = output_transport_bits;
  j["pbs_ms"] = pbs_ms;
  j["threads"] = threads;
  j["estimated_latency_ms"] = estimated_latency_ms;
  j["compile_seconds"] = compile_seconds;
  nlohmann::json ts = nlohmann::json::array();
  for (const CompileTluReport& t : tlus)
    ts.push_back({{"name", t.name},           {"pbs", t.pbs},         {"accumulator_bits", t.accumulator_bits},
                  {"rounding_shift", t.rounding_shift}, {"precision", t.precision}, {"log2_norm2", t.log2_norm2},
                  {"p_error", t.p_error},     {"keyswitch", t.keyswitch}, {"exact_chunk_bits", t.exact_chunk_bits}});
  j["tlus"] = ts;
  return j.dump();
}

}  // namespace fheq
