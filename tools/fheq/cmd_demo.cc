// fheq demo: encrypted inference end to end on the embedded models/fmnist_mlp_fhe.onnx — the seed 784-128-64-10
// MLP trained FHE-friendly (models/README.md) — compiled at 8-bit inputs/activations, 3-bit weights (the trained
// grid) and 4 kept bits per table lookup: compile, keygen, encrypt a handful of test images, run as the server
// would, decrypt; float / clear / simulated / encrypted accuracy, latency, PBS count, key sizes.
// `fheq demo --ptq`: the PTQ accuracy report of the conventionally trained fmnist_mlp_sigmoid at several n_bits,
// and the per-layer bit-width table at 8 bits. The model is found via $FHEQ_HOME/models,
// then by walking up from the executable, then the source tree the binary was built from.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "command.h"
#include "quantization_options.h"
#include "rounding_options.h"
#include "fheq/compiler.h"
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
      options.calibration.method = c.method;
      options.per_channel = c.per_channel;
      const QuantizedModel q = quantize(model, train.x, options);
      const double accuracy = evaluate_quantized(q, test);
      const QuantReport r = q.report();
      std::printf("%-7d %-28s %-10.4f %-8.2f %-12lld %d\n", bits, c.name, accuracy, 100.0 * (float_accuracy - accuracy),
                  static_cast<long long>(r.pbs_count), r.max_bit_width);
    }
  }
  std::printf("\nper-layer bit widths at 8 bits (minmax, per-tensor):\n");
  PtqOptions per_tensor;
  per_tensor.per_channel = false;
  const QuantizedModel q8 = quantize(model, train.x, per_tensor);
  std::printf("%s\n%s", q8.describe().c_str(), q8.report().to_text().c_str());
}

struct EncryptedDemoArgs {
  bool ptq = false;
  std::string model = "fmnist_mlp_fhe.onnx", dataset = "fashion-mnist";
  RoundingArgs rounding;  // empty: 4 for the embedded model, else the compiler's default (auto when too wide)
  int n_bits = 8;
  // -1: 3 for the embedded fmnist_mlp_fhe (trained on fheq's 3-bit per-tensor weight grid), else --n-bits.
  int weight_bits = -1;
  int64_t count = 10, simulate_count = 10000;
  bool bits_fixed = false;  // --n-bits / --n-bits-weights given: no automatic bit allocation
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The encrypted demo (r1): the client/server flow of docs/RUNTIME.md in one process, files in a temp dir.
void run_encrypted_demo(const EncryptedDemoArgs& a) {
  const std::string path = fs::exists(a.model) ? a.model : find_model(a.model);
  const fs::path dir = fs::temp_directory_path() / ("fheq_demo_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // The work files go whatever happens (an error below must not leave keys and ciphertexts in /tmp).
  struct RemoveOnExit {
    fs::path path;
    ~RemoveOnExit() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } remove_work_files{dir};
  std::printf("fheq demo: encrypted inference of %s on %s (work files in %s)\n\n", path.c_str(), a.dataset.c_str(),
              dir.c_str());
  const FloatModel model = FloatModel::load(path);
  const Dataset train = load_dataset(a.dataset, "train");
  const Dataset test = load_dataset(a.dataset, "test");
  CompileOptions options;
  options.ptq.n_bits = NBits::all(a.n_bits);
  const bool embedded = fs::path(path).filename() == "fmnist_mlp_fhe.onnx";
  const int weight_bits = a.weight_bits > 0 ? a.weight_bits : (a.weight_bits < 0 && embedded ? 3 : a.n_bits);
  options.ptq.n_bits.weights = weight_bits;
  options.ptq.per_channel = !embedded;  // the embedded model was trained on a per-tensor weight grid
  options.allocate_bits = !embedded && !a.bits_fixed;
  RoundingArgs rounding = a.rounding;
  if (embedded && rounding.rounding.empty()) rounding.rounding = "4";
  apply_rounding_options(rounding, "demo", options, train.y);
  auto t = std::chrono::steady_clock::now();
  const CompiledModel compiled = compile(model, train.x, options);
  const double compile_s = seconds_since(t);
  save_artifacts(compiled, (dir / "ART").string());
  std::printf("[developer] compiled in %.2f s\n%s\n", compile_s, compiled.report().to_text().c_str());

  const int64_t n_sim = std::min<int64_t>(a.simulate_count, test.x.dim(0));
  const FloatTensor x_sim = slice_batch(test.x, 0, n_sim);
  const std::vector<int64_t> y_sim(test.y.begin(), test.y.begin() + n_sim);
  const double float_acc = top1_accuracy(model.run(x_sim), y_sim);
  const double clear_acc = top1_accuracy(compiled.predict_clear(x_sim), y_sim);
  const double sim_acc = top1_accuracy(compiled.predict_simulate(x_sim, 1), y_sim);

  Client client = Client::load((dir / "ART").string());
  client.generate_keys();
  client.save_keys((dir / "secret.key").string(), (dir / "eval.keys").string());
  const KeySizeReport keys = client.key_sizes();
  const double mib = 1024.0 * 1024.0;
  std::printf("[client] keygen %.2f s; bootstrap key %.1f MiB (seeded %.1f), keyswitch key %.1f MiB (seeded %.2f); "
              "eval.keys file %.1f MiB\n",
              keys.keygen_seconds, keys.bootstrap_key / mib, keys.seeded_bootstrap_key / mib, keys.keyswitch_key / mib,
              keys.seeded_keyswitch_key / mib, static_cast<double>(fs::file_size(dir / "eval.keys")) / mib);
  const int64_t n = std::min<int64_t>(a.count, test.x.dim(0));
  const FloatTensor x = slice_batch(test.x, 0, n);
  client.encrypt(x, (dir / "IN.ct").string());
  t = std::chrono::steady_clock::now();
  const Server server = Server::load((dir / "ART").string(), (dir / "eval.keys").string());
  std::printf("[server] evaluation keys expanded in %.2f s\n", seconds_since(t));
  const ServerRunReport run = server.run((dir / "IN.ct").string(), (dir / "OUT.ct").string());
  std::printf("%s", run.to_text().c_str());
  const FloatTensor y = client.decrypt((dir / "OUT.ct").string());
  const std::vector<int64_t> labels(test.y.begin(), test.y.begin() + n);
  // With approximate rounding the encrypted accumulators differ from the clear ones by the rounding and output
  // noise (simulate models both), so the comparison that matters is the predicted class.
  const FloatTensor y_clear = compiled.dequantize_output(compiled.run_clear(compiled.quantize_input(x)));
  const double same_prediction = argmax_agreement(y, y_clear);
  std::printf("\n%-28s %s\n", "mode", "top-1 accuracy");
  std::printf("%-28s %.4f (%lld test images)\n", "float", float_acc, static_cast<long long>(n_sim));
  std::printf("%-28s %.4f (%lld)\n", "clear (quantized, FHE ints)", clear_acc, static_cast<long long>(n_sim));
  std::printf("%-28s %.4f (%lld)\n", "simulated FHE", sim_acc, static_cast<long long>(n_sim));
  std::printf("%-28s %.4f (%lld; same prediction as the clear run on %.0f%%)\n", "encrypted (real TFHE)",
              top1_accuracy(y, labels), static_cast<long long>(n), 100.0 * same_prediction);
  std::printf("latency %.1f ms per image (%u threads), %lld PBS per image, parameters %s\n", run.ms_per_sample,
              run.threads, static_cast<long long>(server.pbs_per_sample()), server.params_name().c_str());
}

const CommandRegistration registration([](CLI::App& app) {
  auto args = std::make_shared<EncryptedDemoArgs>();
  CLI::App* sub = app.add_subcommand("demo", "Encrypted inference end to end on the embedded Fashion-MNIST MLP "
                                             "(--ptq: PTQ accuracy at several bit widths)");
  sub->add_flag("--ptq", args->ptq, "the PTQ accuracy report instead (no encryption)");
  sub->add_option("--model", args->model, "model file (default: models/fmnist_mlp_fhe.onnx)");
  sub->add_option("--dataset", args->dataset, "dataset (default fashion-mnist)");
  sub->add_option("--n-bits", args->n_bits, "bits of inputs, weights and activations (default 8)")
      ->check(CLI::Range(1, 16));
  sub->add_option("--n-bits-weights", args->weight_bits,
                  "override: weight bits (default: 3 for the embedded model, which was trained on that grid; else "
                  "--n-bits)")
      ->check(CLI::Range(1, 16));
  add_rounding_options(sub, args->rounding);
  sub->add_option("--count", args->count, "images to encrypt (default 10)");
  sub->add_option("--simulate-count", args->simulate_count, "images for the float/clear/simulated accuracy (default 10000)");
  sub->callback([args, sub] {
    args->bits_fixed = bits_fixed_by_user(sub);
    if (args->ptq)
      run_demo();
    else
      run_encrypted_demo(*args);
  });
});

}  // namespace
}  // namespace fheq::cli
