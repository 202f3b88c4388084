// Measurements for docs/COMPILER.md: simulated accuracy on all 10,000 Fashion-MNIST test images for a few
// compile settings, calibrated on 1,000 train images. Run: build/bench/bench_simulate_settings
// (FHEQ_EXPLORE_MODEL=fmnist_mlp_relu to pick another shipped model).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "fheq/compiler.h"
#include "fheq/data.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "quant/ptq.h"
#include "quant/integer_executor.h"
#include <algorithm>

namespace fheq {
namespace {

double accuracy(const FloatTensor& y, const std::vector<int64_t>& labels) {
  const int64_t n = y.dim(0), per = y.size() / n;
  int64_t ok = 0;
  for (int64_t s = 0; s < n; ++s) {
    const auto b = y.data.begin() + s * per;
    ok += std::max_element(b, b + per) - b == labels[static_cast<size_t>(s)];
  }
  return static_cast<double>(ok) / static_cast<double>(n);
}

void run_settings() {
  const char* name = std::getenv("FHEQ_EXPLORE_MODEL") ? std::getenv("FHEQ_EXPLORE_MODEL") : "fmnist_mlp_sigmoid";
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/" + name + ".onnx");
  const Dataset train = load_dataset("fashion-mnist", "train");
  const Dataset test = load_dataset("fashion-mnist", "test");
  const FloatTensor calib = slice_batch(train.x, 0, 1000);
  const double float_acc = accuracy(model.run(test.x), test.y);
  std::cout << name << " float accuracy (10,000): " << float_acc << "\n";
  {
    const QuantizedModel q = quantize(model, calib, PtqOptions{});
    const auto& net = q.network();
    for (const auto& op : net.graph.ops)
      if (const auto* t = std::get_if<quant::TluOp>(&op)) {
        const auto& o = net.observed[static_cast<size_t>(t->input)];
        std::cout << "TLU " << net.graph.value(t->output).name << " k " << t->rounding_shift << " domain ["
                  << t->tables[0].input_min << ", " << t->tables[0].input_max() << "] observed acc [" << o.min << ", "
                  << o.max << "]\n";
      }
  }
  struct Setting {
    int weights, acts, rounding;
    bool automatic;
    double p_error, margin;
    int out_bits = 8;
  };
  const double p40 = 9.094947017729282e-13;
  const double p20 = 9.5367431640625e-07;
  for (const Setting& s : {Setting{8, 8, 6, false, p40, 0.05, 8}, Setting{8, 8, 5, false, p40, 0.05, 8},
                           Setting{8, 8, 7, false, p40, 0.05, 8}, Setting{8, 8, 4, false, p40, 0.05, 8},
                           Setting{8, 8, 6, false, p20, 0.05, 8}, Setting{8, 8, 0, true, p40, 0.05, 8}}) {
    CompileOptions o;
    o.ptq.n_bits.weights = s.weights;
    o.ptq.n_bits.activations = s.acts;
    o.rounding_bits = s.rounding;
    o.rounding_auto = s.automatic;
    o.p_error = s.p_error;
    o.window_margin = s.margin;
    o.output_noise_bits = s.out_bits;
    std::unique_ptr<CompiledModel> compiled;
    try {
      compiled = std::make_unique<CompiledModel>(compile(model, calib, o));
    } catch (const Error& e) {
      std::cout << "w" << s.weights << " rounding " << s.rounding << ": " << e.what() << "\n";
      continue;
    }
    const CompiledModel& c = *compiled;
    const auto t0 = std::chrono::steady_clock::now();
    const IntTensor codes = c.quantize_input(test.x);
    const double clear = accuracy(c.dequantize_output(c.run_clear(codes)), test.y);
    const double quantized = accuracy(c.dequantize_output(c.quantized().run_clear(codes)), test.y);
    SimulationCounts counts;
    const double sim = accuracy(c.dequantize_output(c.run_simulate(codes, 42, &counts)), test.y);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const CompileReport& r = c.report();
    std::cout << "w" << s.weights << " a" << s.acts << " margin " << s.margin << " out_bits " << s.out_bits << " rounding " << r.rounding << " p_error " << s.p_error
              << ": params " << r.params_name << " p=" << r.max_precision << " PBS " << r.pbs_count << " est "
              << r.estimated_latency_ms << " ms; compile " << r.compile_seconds << " s; quantized " << quantized << " clear " << clear
              << " simulate " << sim << " (" << secs << " s for clear+simulate); off-by-one " << counts.off_by_one
              << "/" << counts.pbs << " larger " << counts.larger_errors << " out sigma " << r.output_noise_std
              << "\n";
  }
}

}  // namespace
}  // namespace fheq

int main() {
  try {
    fheq::run_settings();
  } catch (const fheq::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
