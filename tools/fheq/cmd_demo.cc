// fheq demo: the PTQ accuracy report of the embedded models/fmnist_mlp_sigmoid.onnx on Fashion-MNIST at
// several n_bits, and the per-layer bit-width table at 8 bits. The model is found via $FHEQ_HOME/models,
// then by walking up from the executable, then the source tree the binary was built from.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "command.h"
#include "fheq/fheq.h"

namespace fheq::cli {
namespace {

namespace fs = std::filesystem;

std::string find_model(const std::string& file) {
  std::vector<fs::path> candidates;
  if (const char* home = std::getenv("FHEQ_HOME")) candidates.push_back(fs::path(home) / "models" / file);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = ec ? fs::path() : exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
    candidates.push_back(dir / "models" / file);
#ifdef FHEQ_SOURCE_DIR
  candidates.push_back(fs::path(FHEQ_SOURCE_DIR) / "models" / file);
#endif
  for (const fs::path& p : candidates)
    if (fs::exists(p)) return p.string();
  throw Error("demo: models/" + file + " not found (set FHEQ_HOME to the fheq source directory)");
}

void run_demo() {
  const std::string path = find_model("fmnist_mlp_sigmoid.onnx");
  std::printf("fheq demo: post-training quantization of %s on Fashion-MNIST\n", path.c_str());
  std::printf("(calibration: 1000 train images; accuracy: the 10000 test images; integers only between the\n"
              " client's input quantizer and output dequantizer)\n\n");
  const FloatModel model = FloatModel::load(path);
  const Dataset train = load_dataset("fashion-mnist", "train");
  const Dataset test = load_dataset("fashion-mnist", "test");
  const double float_accuracy = evaluate_float(model, test);
  std::printf("float accuracy: %.4f\n\n", float_accuracy);
  std::printf("%-7s %-28s %-10s %-8s %-12s %s\n", "n_bits", "configuration", "accuracy", "drop", "PBS/sample", "max TLU bits");
  struct Config {
    const char* name;
    CalibrationMethod method;
    bool per_channel;
  };
  const Config configs[] = {{"minmax, per-tensor", CalibrationMethod::kMinMax, false},
                            {"mse, per-channel", CalibrationMethod::kMse, true}};
  for (int bits : {8, 6, 5, 4, 3, 2}) {
    for (const Config& c : configs) {
      PtqOptions options;
      options.n_bits = NBits::all(bits);
      options.calibration = c.method;
      options.per_channel = c.per_channel;
      const QuantizedModel q = quantize(model, train.x, options);
      const double accuracy = evaluate_quantized(q, test);
      const QuantReport r = q.report();
      std::printf("%-7d %-28s %-10.4f %-8.2f %-12lld %d\n", bits, c.name, accuracy, 100.0 * (float_accuracy - accuracy),
                  static_cast<long long>(r.pbs_count), r.max_bit_width);
    }
  }
  std::printf("\nper-layer bit widths at 8 bits (minmax, per-tensor):\n");
  const QuantizedModel q8 = quantize(model, train.x, PtqOptions{});
  std::printf("%s\n%s", q8.describe().c_str(), q8.report().to_text().c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  CLI::App* sub = app.add_subcommand("demo", "PTQ accuracy of the embedded Fashion-MNIST MLP at several bit widths");
  sub->callback([] { run_demo(); });
});

}  // namespace
}  // namespace fheq::cli
