// What per-channel PBS windows would buy (issue #8, item 4). A TLU's PBS window covers the accumulator range of
// ALL its elements today; BatchNorm-folded channels have very different ranges, so each channel uses only part of
// the window. With one window offset per channel (a clear constant per element, free in FHE) and the same
// rounding shift, the PBS would need only the widest channel's span. This prints, per TLU of a model compiled with
// default options (as `fheq compile --dataset D`), the observed accumulator span of the whole tensor and of its
// widest channel on the calibration samples, the bits of PBS precision the per-channel window would save, and
// whether the compiled tables are one constant (a PBS that could be dropped).
//
// Usage: build/bench/bench_tlu_windows MODEL.onnx DATASET
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "compiler/fhe_circuit.h"
#include "fheq/fheq.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.onnx DATASET\n", argv[0]);
    return 2;
  }
  try {
    const fheq::FloatModel model = fheq::FloatModel::load(argv[1]);
    const fheq::Dataset train = fheq::load_dataset(argv[2], "train");
    fheq::CompileOptions options;  // the CLI's defaults with --dataset
    options.calibration_labels = train.y;
    const fheq::CompiledModel compiled = fheq::compile(model, train.x, options);
    const fheq::quant::QuantizedNetwork& net = compiled.network();
    const fheq::compiler::FheCircuit& circuit = compiled.circuit();
    const fheq::IntTensor codes = compiled.quantized().quantize_input(fheq::slice_batch(train.x, 0, 1000));
    const std::vector<fheq::IntTensor> values = fheq::quant::run_integer_graph_all(net.graph, codes);
    std::printf("model %s; %s; %lld PBS/image; %s\n", argv[1], compiled.report().params_name.c_str(),
                static_cast<long long>(circuit.pbs_count), compiled.report().quantization.c_str());
    std::printf("| TLU | elements | channels | k | p | span (all) | span (widest channel) | bits saved | constant table |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
    double weighted_saved = 0;
    int64_t elements_total = 0;
    for (const fheq::compiler::TluEncoding& t : circuit.tlus) {
      const auto& op = std::get<fheq::quant::TluOp>(net.graph.ops[t.op_index]);
      const fheq::Shape& shape = net.graph.value(op.input).shape;
      const int64_t elements = fheq::shape_size(shape), channels = shape.empty() ? 1 : shape[0];
      const int64_t per_channel = elements / channels;
      const fheq::IntTensor& acc = values[static_cast<size_t>(op.input)];
      std::vector<fheq::quant::IntRange> seen(static_cast<size_t>(channels), {INT64_MAX, INT64_MIN});
      fheq::quant::IntRange all{INT64_MAX, INT64_MIN};
      for (int64_t i = 0; i < acc.size(); ++i) {
        auto& r = seen[static_cast<size_t>((i % elements) / per_channel)];
        r.min = std::min(r.min, acc[i]);
        r.max = std::max(r.max, acc[i]);
        all.min = std::min(all.min, acc[i]);
        all.max = std::max(all.max, acc[i]);
      }
      int64_t widest = 0;
      for (const auto& r : seen) widest = std::max(widest, r.span());
      // Bits the rounded index needs at the circuit's shift k: whole tensor vs widest channel.
      const int64_t k = t.rounding_shift;
      const int bits_all = fheq::quant::bits_for_range({0, all.span() >> k});
      const int bits_channel = fheq::quant::bits_for_range({0, widest >> k});
      const int saved = bits_all - bits_channel;
      // Whether every entry of every table of the compiled TLU is one value: the PBS then computes a constant.
      bool constant = true;
      for (const std::vector<int64_t>& table : t.tables)
        constant = constant && std::all_of(table.begin(), table.end(), [&](int64_t y) { return y == t.tables[0][0]; });
      weighted_saved += static_cast<double>(saved) * static_cast<double>(elements);
      elements_total += elements;
      std::printf("| %s | %lld | %lld | %lld | %u | %lld | %lld | %d | %s |\n", net.graph.value(op.output).name.c_str(),
                  static_cast<long long>(elements), static_cast<long long>(channels), static_cast<long long>(k),
                  t.precision, static_cast<long long>(all.span()), static_cast<long long>(widest), saved,
                  constant ? "yes" : "no");
    }
    std::printf("PBS-weighted mean bits saved: %.2f\n", elements_total ? weighted_saved / static_cast<double>(elements_total) : 0.0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
