// fheq inspect MODEL.onnx [--dataset NAME | --data X.npy] [--n-bits N] [--calibration M] [--per-tensor]
//                         [--calib-size K] [--rounding-bits R] [--json]
// Prints the quantized integer graph (one line per op), the per-layer bit widths and the PBS count.
// Without data, calibrates on uniform random inputs in [0, 1] (fixed seed) and says so.
#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "quantization_options.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

struct InspectArgs {
  std::string model, dataset, data, calibration = "minmax";
  int n_bits = 8, rounding_bits = 0;
  bool per_channel = true, json = false;
  int64_t calib_size = 1000;
};

void run_inspect(const InspectArgs& a) {
  if (!a.dataset.empty() && !a.data.empty()) throw Error("inspect: give at most one of --dataset and --data");
  const FloatModel model = FloatModel::load(a.model);
  FloatTensor calibration;
  std::string source;
  if (!a.dataset.empty()) {
    calibration = load_dataset(a.dataset, "train").x;
    source = a.dataset + " (train)";
  } else if (!a.data.empty()) {
    calibration = read_npy(a.data);
    source = a.data;
  } else {
    Shape shape = model.input_shape();
    if (shape.empty()) throw Error(a.model + ": the model input has no batch dimension");
    shape[0] = 256;
    for (int64_t d : shape)
      if (d <= 0) throw Error(a.model + ": input shape " + shape_to_string(model.input_shape()) + " is not static; pass --data");
    calibration = FloatTensor(shape);
    std::mt19937_64 rng(0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (double& v : calibration.data) v = u(rng);
    source = "256 uniform random inputs in [0, 1] (no --dataset/--data given)";
  }
  PtqOptions options;
  options.n_bits = NBits::all(a.n_bits);
  options.calibration.method = parse_calibration_method(a.calibration);
  options.per_channel = a.per_channel;
  options.calib_size = a.calib_size;
  options.rounding_bits = a.rounding_bits;
  const QuantizedModel q = quantize(model, calibration, options);
  const QuantReport report = q.report();
  if (a.json) {
    nlohmann::json j = nlohmann::json::parse(report.to_json());
    j["model"] = a.model;
    j["calibration_data"] = source;
    j["graph"] = q.describe();
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("model: %s\ncalibration data: %s\n\n%s\n%s", a.model.c_str(), source.c_str(), q.describe().c_str(),
              report.to_text().c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand("inspect", "Quantize a model and print its integer graph, bit widths and PBS count");
  sub->add_option("model", args->model, "ONNX model file")->required();
  sub->add_option("--dataset", args->dataset, "calibrate on this dataset's train split");
  sub->add_option("--data", args->data, "calibrate on these inputs (.npy)");
  sub->add_option("--n-bits", args->n_bits, "bits for inputs, weights and activations")->check(CLI::Range(2, 16));
  sub->add_option("--calibration", args->calibration, "minmax | percentile | mse")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  add_weight_scale_option(sub, args->per_channel);
  sub->add_option("--calib-size", args->calib_size, "calibration samples (0: all)")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  sub->add_option("--rounding-bits", args->rounding_bits, "keep R MSBs of each TLU input (0: exact)")->check(CLI::Range(0, 30));
  sub->add_flag("--json", args->json, "print JSON");
  sub->callback([args] { run_inspect(*args); });
});

}  // namespace
}  // namespace fheq::cli
