// fheq eval MODEL.onnx --dataset NAME | --data X.npy --labels y.npy [--n-bits N] [--calibration M]
//                      [--per-tensor] [--calib-size K] [--rounding-bits R] [--limit N] [--json]
// Float vs quantized (clear, integer-only) top-1 accuracy, and agreement_with_float (the fraction of test
// samples whose quantized argmax equals the float argmax). Calibration uses the TRAIN split (or the first
// calib-size rows of --calib-data / --data); accuracy the TEST split (or --data/--labels).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "command.h"
#include "quantization_options.h"
#include "rounding_options.h"
#include "fheq/compiler.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct EvalArgs {
  std::string model;
  std::string dataset;
  std::string data;
  std::string labels;
  std::string calib_data;
  int n_bits = 8;
  int bits_inputs = 0, bits_weights = 0, bits_activations = 0, bits_outputs = 0;
  std::string calibration = "minmax";
  bool per_channel = true;
  std::vector<std::string> layer_weight_bits;  // --layer-weight-bits NODE=BITS
  bool bits_fixed = false;  // --n-bits* or a weight scale flag given: no automatic bit allocation
  int64_t calib_size = 1000;
  int rounding_bits = 0;
  int64_t limit = 0;
  bool json = false;
  // FHE modes (r1): --mode clear|simulate|execute compiles the model and adds fhe_accuracy etc.
  std::string mode;
  int64_t count = 0;            // FHE samples (0: all for clear/simulate, 10 for execute)
  RoundingArgs rounding;
  double p_error = 0;
  uint64_t seed = 1;
};

struct FheEval {
  double accuracy = 0;
  double quantized_accuracy = 0;  // the unrounded model at the asked bits on the same samples (the tolerance's reference)
  double unrounded_accuracy = 0;  // the compiled model (bit allocation's choice) unrounded, same samples
  int64_t samples = 0;
  double latency_ms = 0;  // per sample (simulate/clear: host time of the mode; execute: server evaluation)
  CompileReport report;
  SimulationCounts counts;  // simulate only: what the sampled noise did
};

// Compiles with the PTQ options and runs `mode` on the first samples of `test` (r1).
FheEval run_fhe_mode(const EvalArgs& a, const FloatModel& model, const FloatTensor& calibration,
                     const std::vector<int64_t>& calibration_labels, const Dataset& test,
                     const PtqOptions& ptq, const QuantizedModel& baseline) {
  CompileOptions o;
  o.ptq = ptq;
  o.ptq.rounding_bits = 0;
  o.allocate_bits = !a.bits_fixed;
  apply_rounding_options(a.rounding, "eval", o, calibration_labels);
  if (a.p_error > 0) o.p_error = a.p_error;
  const CompiledModel compiled = compile(model, calibration, o);
  FheEval r;
  r.report = compiled.report();
  const int64_t n = std::min<int64_t>(test.x.dim(0), a.count > 0 ? a.count : (a.mode == "execute" ? 10 : test.x.dim(0)));
  const FloatTensor x = slice_batch(test.x, 0, n);
  const std::vector<int64_t> labels(test.y.begin(), test.y.begin() + n);
  r.samples = n;
  const auto start = std::chrono::steady_clock::now();
  FloatTensor y;
  if (a.mode == "clear") {
    y = compiled.predict_clear(x);
  } else if (a.mode == "simulate") {
    y = compiled.dequantize_output(compiled.run_simulate(compiled.quantize_input(x), a.seed, &r.counts));
  } else {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("fheq_eval_" + std::to_string(::getpid()));
    save_artifacts(compiled, (dir / "ART").string());
    Client client = Client::load((dir / "ART").string());
    client.generate_keys();
    client.save_evaluation_keys((dir / "eval.keys").string());
    client.encrypt(x, (dir / "IN.ct").string());
    const Server server = Server::load((dir / "ART").string(), (dir / "eval.keys").string());
    const ServerRunReport run = server.run((dir / "IN.ct").string(), (dir / "OUT.ct").string());
    if (!a.json) std::fprintf(stderr, "%s", run.to_text().c_str());
    y = client.decrypt((dir / "OUT.ct").string());
    r.latency_ms = run.ms_per_sample;
    fs::remove_all(dir);
  }
  if (a.mode != "execute")
    r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
                   static_cast<double>(std::max<int64_t>(n, 1));
  r.accuracy = top1_accuracy(y, labels);
  r.quantized_accuracy = top1_accuracy(baseline.predict(x), labels);
  r.unrounded_accuracy = top1_accuracy(compiled.quantized().predict(x), labels);
  return r;
}

Dataset first_rows(const Dataset& d, int64_t n) {
  if (n <= 0 || n >= d.x.dim(0)) return d;
  Dataset out;
  out.x = slice_batch(d.x, 0, n);
  out.y.assign(d.y.begin(), d.y.begin() + n);
  out.name = d.name;
  return out;
}

void run_eval(const EvalArgs& a) {
  if (a.dataset.empty() == a.data.empty()) throw Error("eval: give exactly one of --dataset NAME or --data X.npy");
  if (!a.data.empty() && a.labels.empty()) throw Error("eval: --data needs --labels y.npy");
  PtqOptions options;
  options.n_bits = NBits::all(a.n_bits);
  if (a.bits_inputs) options.n_bits.inputs = a.bits_inputs;
  if (a.bits_weights) options.n_bits.weights = a.bits_weights;
  if (a.bits_activations) options.n_bits.activations = a.bits_activations;
  options.n_bits.outputs = a.bits_outputs;
  options.calibration.method = parse_calibration_method(a.calibration);
  options.per_channel = a.per_channel;
  options.layer_weight_bits = parse_layer_weight_bits(a.layer_weight_bits);
  options.calib_size = a.calib_size;
  options.rounding_bits = a.rounding_bits;

  const FloatModel model = FloatModel::load(a.model);
  Dataset calibration, test;
  std::string dataset_name;
  if (!a.dataset.empty()) {
    calibration = load_dataset(a.dataset, "train");
    test = load_dataset(a.dataset, "test");
    dataset_name = a.dataset;
  } else {
    test.x = read_npy(a.data);
    const IntTensor labels = read_npy_int(a.labels);
    if (labels.size() != test.x.dim(0))
      throw Error(a.labels + ": " + std::to_string(labels.size()) + " labels for " + std::to_string(test.x.dim(0)) + " samples");
    test.y = labels.data;
    calibration.x = a.calib_data.empty() ? test.x : read_npy(a.calib_data);
    dataset_name = a.data;
  }
  test = first_rows(test, a.limit);
  const QuantizedModel quantized = quantize(model, calibration.x, options);
  const QuantizedEvaluation evaluation = evaluate_against_float(model, quantized, test);
  const double float_accuracy = evaluation.float_accuracy;
  const double quantized_accuracy = evaluation.quantized_accuracy;
  const QuantReport report = quantized.report();
  FheEval fhe;
  if (!a.mode.empty()) fhe = run_fhe_mode(a, model, calibration.x, calibration.y, test, options, quantized);

  if (a.json) {
    nlohmann::json j;
    j["model"] = a.model;
    j["dataset"] = dataset_name;
    j["test_samples"] = test.x.dim(0);
    j["calibration_samples"] = report.calibration_samples;
    j["float_accuracy"] = float_accuracy;
    j["quantized_accuracy"] = quantized_accuracy;
    j["accuracy_drop_points"] = 100.0 * (float_accuracy - quantized_accuracy);
    j["agreement_with_float"] = evaluation.agreement_with_float;
    j["n_bits"] = a.n_bits;
    j["n_bits_by_role"] = {{"inputs", options.n_bits.inputs}, {"weights", options.n_bits.weights},
                           {"activations", options.n_bits.activations}, {"outputs", options.n_bits.outputs}};
    j["calibration"] = a.calibration;
    j["per_channel"] = a.per_channel;
    j["rounding_bits"] = a.rounding_bits;
    j["max_bit_width"] = report.max_bit_width;
    j["max_tlu_input_bits_observed"] = report.max_tlu_input_bits_observed;
    j["max_tlu_input_bits_worst"] = report.max_tlu_input_bits_worst;
    j["output_bits_observed"] = report.output_bits_observed;
    j["pbs_count"] = report.pbs_count;
    j["grids"] = nlohmann::json::parse(report.to_json())["grids"];
    if (!a.mode.empty()) {
      j["mode"] = a.mode;
      j["fhe_accuracy"] = fhe.accuracy;
      j["fhe_samples"] = fhe.samples;
      j["latency_ms_per_sample"] = fhe.latency_ms;
      j["pbs_count"] = fhe.report.pbs_count;
      j["max_bit_width"] = fhe.report.max_precision;
      j["params"] = fhe.report.params_name;
      j["compile"] = nlohmann::json::parse(fhe.report.to_json());
      j["fhe_quantized_accuracy"] = fhe.quantized_accuracy;  // unrounded model at the asked bits, same samples
      j["fhe_unrounded_accuracy"] = fhe.unrounded_accuracy;  // the compiled (allocated) model unrounded
      j["rounding_loss_points"] = 100.0 * (fhe.quantized_accuracy - fhe.accuracy);
      if (a.mode == "simulate")
        j["simulate_counts"] = {{"pbs", fhe.counts.pbs},
                                {"off_by_one", fhe.counts.off_by_one},
                                {"larger_errors", fhe.counts.larger_errors},
                                {"wrapped", fhe.counts.wrapped},
                                {"outputs", fhe.counts.outputs},
                                {"output_errors", fhe.counts.output_errors}};
    }
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  for (const std::string& note : fhe.report.notes) std::printf("note: %s\n", note.c_str());
  std::printf("model:              %s\n", a.model.c_str());
  std::printf("dataset:            %s (%lld test samples, %lld calibration samples)\n", dataset_name.c_str(),
              static_cast<long long>(test.x.dim(0)), static_cast<long long>(report.calibration_samples));
  std::printf("quantization:       n_bits %d/%d/%d (inputs/weights/activations), %s calibration, %s weights\n",
              options.n_bits.inputs, options.n_bits.weights, options.n_bits.activations, a.calibration.c_str(),
              a.per_channel ? "per-channel" : "per-tensor");
  if (!options.layer_weight_bits.empty())
    std::printf("weight bits:        by layer %s\n", format_layer_weight_bits(options.layer_weight_bits).c_str());
  // The line above is the quantized baseline; with bit allocation the FHE circuit may use other weights.
  for (const CompileAllocationRow& row : fhe.report.allocation)
    if (row.chosen)
      std::printf("FHE weights:        %d-bit %s%s (bit allocation; the quantized baseline above is the reference)\n",
                  row.weight_bits, row.per_channel ? "per-channel" : "per-tensor",
                  row.layer_bits.empty() ? "" : (", by layer " + row.layer_bits).c_str());
  size_t from_model = 0;
  for (const QuantGridReport& g : report.grids) from_model += g.from_model ? 1 : 0;
  if (from_model > 0) {
    // A quantization-aware model: its own grids replace calibration (fheq inspect lists them).
    std::string calibrated;
    for (const QuantGridReport& g : report.grids)
      if (!g.from_model) calibrated += (calibrated.empty() ? "" : ", ") + g.role + " " + g.tensor;
    std::printf("model's quantizers: %zu grids from the model (float accuracy = its fake-quant forward); calibrated: %s\n",
                from_model, calibrated.empty() ? "none" : calibrated.c_str());
  }
  std::printf("float accuracy:     %.4f\n", float_accuracy);
  std::printf("quantized accuracy: %.4f (drop %.2f points)\n", quantized_accuracy, 100.0 * (float_accuracy - quantized_accuracy));
  std::printf("agreement w/ float: %.4f (quantized argmax = float argmax)\n", evaluation.agreement_with_float);
  std::printf("PBS per sample:     %lld; max TLU precision %d bits (accumulators up to %d bits on calibration)\n",
              static_cast<long long>(report.pbs_count), report.max_bit_width, report.max_tlu_input_bits_observed);
  if (!a.mode.empty())
    // execute: measured server time; clear/simulate: host time of the mode, plus the compiler's FHE estimate.
    std::printf("FHE (%s):%*s%.4f on %lld samples; %.1f ms/sample%s; %lld PBS/sample; max precision %u bits; %s\n",
                a.mode.c_str(), static_cast<int>(12 - a.mode.size()), "", fhe.accuracy,
                static_cast<long long>(fhe.samples), fhe.latency_ms,
                a.mode == "execute" ? " encrypted"
                                    : (" in " + a.mode + ", FHE estimate " +
                                       std::to_string(static_cast<long long>(fhe.report.estimated_latency_ms)) + " ms")
                                          .c_str(),
                static_cast<long long>(fhe.report.pbs_count), fhe.report.max_precision,
                fhe.report.params_name.c_str());
  if (!a.mode.empty()) {
    std::printf("rounding loss:      %.2f points measured here (unrounded quantized %.4f on the same samples",
                100.0 * (fhe.quantized_accuracy - fhe.accuracy), fhe.quantized_accuracy);
    if (fhe.unrounded_accuracy != fhe.quantized_accuracy)
      std::printf("; %.4f with the allocated bits", fhe.unrounded_accuracy);
    std::printf(")");
    if (fhe.report.predicted_by_accuracy)
      std::printf("; compile predicted %.2f (%s, %lld held-back calibration samples)",
                  100.0 * fhe.report.predicted_rounding_loss(), "simulated",
                  static_cast<long long>(fhe.report.predict_samples));
    std::printf("\n");
  }
  if (a.mode == "simulate")
    std::printf("simulated PBS:      %lld; off by one %lld, off by more %lld, left the table window %lld; outputs "
                "off the exact accumulator %lld of %lld (output noise σ %.3g units%s)\n",
                static_cast<long long>(fhe.counts.pbs), static_cast<long long>(fhe.counts.off_by_one),
                static_cast<long long>(fhe.counts.larger_errors), static_cast<long long>(fhe.counts.wrapped),
                static_cast<long long>(fhe.counts.output_errors), static_cast<long long>(fhe.counts.outputs),
                fhe.report.output_noise_std, fhe.report.output_exact ? "" : ", bounded by design: the client only dequantizes");
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* sub = app.add_subcommand("eval", "Float vs quantized (clear) accuracy and agreement of an ONNX model");
  sub->add_option("model", args->model, "ONNX model file")->required();
  sub->add_option("--dataset", args->dataset, "fashion-mnist | digits | iris | wine | breast-cancer");
  sub->add_option("--data", args->data, "test inputs (.npy)");
  sub->add_option("--labels", args->labels, "test labels (.npy, integers)");
  sub->add_option("--calib-data", args->calib_data, "calibration inputs (.npy; default: --data)");
  sub->add_option("--n-bits", args->n_bits, "bits for inputs, weights and activations")->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-inputs", args->bits_inputs, "override: input bits")->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-weights", args->bits_weights, "override: weight bits")->check(CLI::Range(2, 16));
  sub->add_option("--n-bits-activations", args->bits_activations, "override: activation bits")->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-outputs", args->bits_outputs, "round the output accumulator to N bits (0: exact)")
      ->check(CLI::Range(0, 30));
  sub->add_option("--calibration", args->calibration, "minmax | percentile | mse")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  add_weight_scale_option(sub, args->per_channel);
  add_layer_weight_bits_option(sub, args->layer_weight_bits);
  sub->add_option("--calib-size", args->calib_size, "calibration samples (0: all)")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  sub->add_option("--rounding-bits", args->rounding_bits, "keep R MSBs of each TLU input (0: exact)")->check(CLI::Range(0, 30));
  sub->add_option("--limit", args->limit, "evaluate only the first N test samples (0: all)")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  sub->add_flag("--json", args->json, "print JSON");
  sub->add_option("--mode", args->mode, "also compile and evaluate in FHE mode: clear | simulate | execute")
      ->check(CLI::IsMember({"clear", "simulate", "execute"}));
  sub->add_option("--count", args->count, "FHE-mode samples (default: all; execute: 10)");
  add_rounding_options(sub, args->rounding);
  sub->add_option("--p-error", args->p_error, "FHE error probability per PBS (default 2^-40)")
      ->check(probability_validator());
  sub->add_option("--seed", args->seed, "simulate seed (default 1)");
  sub->callback([args, sub] {
    args->bits_fixed = bits_fixed_by_user(sub);
    run_eval(*args);
  });
});

}  // namespace
}  // namespace fheq::cli
