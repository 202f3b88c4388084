// fheq compile MODEL.onnx (--dataset NAME | --data X.npy) [--n-bits N] [--rounding N|auto]
//              [--rounding-mode exact|approximate] [--p-error P | --global-p-error P] [--params NAME] -o ART/
// Quantizes (PTQ), compiles to an FHE circuit and writes ART/client/ and ART/server/ (no secret in either).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "quantization_options.h"
#include "rounding_options.h"
#include "fheq/compiler.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct CompileArgs {
  std::string model, dataset, data, output, params;
  RoundingArgs rounding;
  int n_bits = 0, bits_inputs = 0, bits_weights = 0, bits_activations = 0;
  int64_t calib_size = 1000;
  double p_error = 0, global_p_error = 0;
  bool per_channel = true, big_key_inputs = false, json = false;
  std::vector<std::string> layer_weight_bits;  // --layer-weight-bits NODE=BITS
  bool bits_fixed = false;  // --n-bits* or a weight scale flag given: no automatic bit allocation
};

void run_compile(const CompileArgs& a) {
  if (a.dataset.empty() == a.data.empty()) throw Error("compile: give exactly one of --dataset NAME or --data X.npy");
  const auto start = std::chrono::steady_clock::now();
  CompileOptions o;
  if (a.n_bits) o.ptq.n_bits = NBits::all(a.n_bits);
  if (a.bits_inputs) o.ptq.n_bits.inputs = a.bits_inputs;
  if (a.bits_weights) o.ptq.n_bits.weights = a.bits_weights;
  if (a.bits_activations) o.ptq.n_bits.activations = a.bits_activations;
  o.ptq.per_channel = a.per_channel;
  o.ptq.layer_weight_bits = parse_layer_weight_bits(a.layer_weight_bits);
  o.allocate_bits = !a.bits_fixed;
  o.ptq.calib_size = a.calib_size;
  if (a.p_error > 0) o.p_error = a.p_error;
  o.global_p_error = a.global_p_error;
  o.input_on_small_key = !a.big_key_inputs;
  o.parameter_set = a.params;
  o.allow_toy_parameters = toy_parameters_allowed();
  const FloatModel model = FloatModel::load(a.model);
  Dataset train;
  if (a.data.empty()) train = load_dataset(a.dataset, "train");
  const FloatTensor calibration = a.data.empty() ? train.x : read_npy(a.data);
  apply_rounding_options(a.rounding, "compile", o, train.y);
  const CompiledModel compiled = compile(model, calibration, o);
  const uint64_t fingerprint = save_artifacts(compiled, a.output);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (a.json) {
    std::printf("%s\n", compiled.report().to_json().c_str());
    return;
  }
  std::printf("%s", compiled.report().to_text().c_str());
  std::printf("wrote %s/client and %s/server (circuit %016llx) in %.2f s\n", a.output.c_str(), a.output.c_str(),
              static_cast<unsigned long long>(fingerprint), seconds);
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* sub = app.add_subcommand("compile", "Quantize and compile an ONNX model to client/server FHE artifacts");
  sub->add_option("model", args->model, "ONNX model file")->required();
  sub->add_option("--dataset", args->dataset, "calibration: the train split of fashion-mnist | digits | ...");
  sub->add_option("--data", args->data, "calibration inputs (.npy)");
  sub->add_option("--n-bits", args->n_bits, "bits for inputs, weights and activations (default 8)")->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-inputs", args->bits_inputs, "override: input bits")->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-weights", args->bits_weights, "override: weight bits")->check(CLI::Range(2, 16));
  sub->add_option("--n-bits-activations", args->bits_activations, "override: activation bits")->check(CLI::Range(1, 16));
  add_weight_scale_option(sub, args->per_channel);
  add_layer_weight_bits_option(sub, args->layer_weight_bits);
  sub->add_option("--calib-size", args->calib_size, "calibration samples (0: all)");
  add_rounding_options(sub, args->rounding);
  sub->add_option("--p-error", args->p_error, "error probability per PBS (default 2^-40)")
      ->check(probability_validator());
  sub->add_option("--global-p-error", args->global_p_error, "error probability per sample (overrides --p-error)")
      ->check(probability_validator());
  sub->add_option("--params", args->params, "force a named TFHE parameter set");
  sub->add_flag("--big-key-inputs", args->big_key_inputs, "encrypt inputs under the big key (default: small key)");
  sub->add_flag("--json", args->json, "print the compile report as JSON");
  sub->add_option("-o,--output", args->output, "artifact directory")->required();
  sub->callback([args, sub] {
    args->bits_fixed = bits_fixed_by_user(sub);
    run_compile(*args);
  });
});

}  // namespace
}  // namespace fheq::cli
