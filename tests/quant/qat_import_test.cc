// Quantization-aware models (docs/QAT.md), one per producer: torch.ao eager QAT (ONNX QDQ), onnxruntime's static
// QDQ layout, fheq_qat (QONNX Quant) and a hand-built QONNX model (per-channel weight Quant, Trunc, BipolarQuant,
// one float layer). References: the producer's own fake-quant forward (torch, or NumPy written from the specs)
// on 512 inputs, and fheq's float reference on jittered inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "../graph/test_support.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"
#include "quant/ptq.h"

namespace fheq {
namespace {

using graph::testing::read_npy;
using graph::testing::test_model_path;

struct QatCase {
  std::string name;
  size_t calibrated_grids;  // tensors without a model quantizer (calibrated as in PTQ)
};

class QatImport : public ::testing::TestWithParam<QatCase> {};

// Fraction of rows that agree: same argmax, or the same values to 1e-9 (a quantized output often ties two
// classes, and a tie may break either way after a last-bit difference in the dequantization).
double agreement(const FloatTensor& a, const FloatTensor& b) {
  const int64_t rows = a.dim(0), cols = a.size() / rows;
  int64_t agree = 0;
  for (int64_t r = 0; r < rows; ++r) {
    bool same_values = true;
    int64_t arg_a = 0, arg_b = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const double va = a[r * cols + c], vb = b[r * cols + c];
      same_values = same_values && std::abs(va - vb) <= 1e-9 * (1.0 + std::abs(vb));
      if (va > a[r * cols + arg_a]) arg_a = c;
      if (vb > b[r * cols + arg_b]) arg_b = c;
    }
    agree += (same_values || arg_a == arg_b) ? 1 : 0;
  }
  return static_cast<double>(agree) / static_cast<double>(rows);
}

TEST_P(QatImport, FloatReferenceIsTheProducersFakeQuantForward) {
  const QatCase& c = GetParam();
  const FloatModel model = FloatModel::load(test_model_path(c.name + ".onnx"));
  const FloatTensor x = read_npy(test_model_path(c.name + ".input.npy"));
  const FloatTensor expected = read_npy(test_model_path(c.name + ".output.npy"));
  const FloatTensor y = model.run(x);
  ASSERT_EQ(y.shape, expected.shape);
  // float32 (producer) and double (fheq) differ by one quantization step where a value sits on a rounding
  // boundary; nearly every output is equal to float32 precision.
  int64_t close = 0;
  for (int64_t i = 0; i < y.size(); ++i) close += std::abs(y[i] - expected[i]) <= 1e-4 * (1.0 + std::abs(expected[i]));
  const double close_fraction = static_cast<double>(close) / static_cast<double>(y.size());
  std::cout << c.name << ": float reference equal to the producer on " << close_fraction << " of outputs, argmax "
            << agreement(y, expected) << "\n";
  EXPECT_GE(close_fraction, 0.98);
  EXPECT_GE(agreement(y, expected), 0.99);
}

TEST_P(QatImport, ClearIntegerRunReproducesTheModelsGrids) {
  const QatCase& c = GetParam();
  const FloatModel model = FloatModel::load(test_model_path(c.name + ".onnx"));
  const FloatTensor x = read_npy(test_model_path(c.name + ".input.npy"));
  const FloatTensor expected = read_npy(test_model_path(c.name + ".output.npy"));
  // Tables wide enough for the whole worst-case accumulator (these models' int8 layers reach 2^18): no rounding
  // before a lookup, so every difference left would be a grid fheq got wrong. (The default 14-bit cap rounds
  // wider accumulators; the FHE compiler rounds further, and eval measures what that costs.)
  PtqOptions options;
  options.max_table_bits = 20;
  const QuantizedModel q = quantize(model, x, options);
  size_t calibrated = 0;
  for (const QuantGridReport& g : q.report().grids) calibrated += g.from_model ? 0 : 1;
  EXPECT_EQ(calibrated, c.calibrated_grids) << q.report().to_text();

  // Held-out inputs: the reference inputs jittered (seeded), 8 per reference input.
  const uint64_t seed = test_support::test_seed(c.name.c_str());
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0.0, 0.05);
  const int64_t copies = 8, n = x.dim(0), per = x.size() / n;
  Shape shape = x.shape;
  shape[0] = n * copies;
  FloatTensor held_out(shape);
  for (int64_t k = 0; k < copies; ++k)
    for (int64_t i = 0; i < n * per; ++i) held_out[k * n * per + i] = std::max(0.0, x[i] + jitter(rng));
  const IntTensor codes = q.quantize_input(held_out);
  EXPECT_EQ(q.run_clear(codes).data, q.run_clear_ref(codes).data);
  const double with_float = agreement(q.dequantize_output(q.run_clear(codes)), model.run(held_out));
  const double with_producer = agreement(q.predict(x), expected);
  std::cout << c.name << ": clear integer argmax = fake-quant float argmax on " << with_float << " of "
            << held_out.dim(0) << " held-out inputs; = producer on " << with_producer << "\n";
  EXPECT_GE(with_float, 0.999);
  EXPECT_GE(with_producer, 0.99);
}

INSTANTIATE_TEST_SUITE_P(Producers, QatImport,
                         ::testing::Values(QatCase{"qdq_torch_small", 0}, QatCase{"qdq_ort_small", 0},
                                           QatCase{"qonnx_fheq_qat_small", 0}, QatCase{"qonnx_brevitas_small", 1},
                                           QatCase{"qonnx_signed_input", 0}),
                         [](const auto& info) { return info.param.name; });

TEST(QatImport, ModelInputQuantizerIsTheClients) {
  // The torch model's input FakeQuant clips to [0, 127] (reduce_range): the client must do exactly that.
  const FloatModel model = FloatModel::load(test_model_path("qdq_torch_small.onnx"));
  const QuantizedModel q = quantize(model, read_npy(test_model_path("qdq_torch_small.input.npy")), PtqOptions{});
  const quant::InputQuantizer& in = q.network().input;
  EXPECT_EQ(in.params.qmin, 0);
  EXPECT_EQ(in.params.qmax, 127);
  ASSERT_FALSE(q.report().grids.empty());
  EXPECT_EQ(q.report().grids[0].role, "input");
  EXPECT_TRUE(q.report().grids[0].from_model);
  // A TLU per hidden unit and nothing for the input quantizer: the client's codes are the model's.
  EXPECT_EQ(q.report().pbs_count, 12);
}

}  // namespace
}  // namespace fheq
