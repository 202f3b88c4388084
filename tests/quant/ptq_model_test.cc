// PTQ on the shipped models: structure of the integer graph, fast == reference executor on real data,
// and accuracy against the float reference on held-out test data.
#include <gtest/gtest.h>

#include <filesystem>

#include "fheq/data.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"
#include "quant/ptq.h"

namespace fheq {
namespace {

std::string model_path(const std::string& name) { return std::string(FHEQ_SOURCE_DIR) + "/models/" + name + ".onnx"; }

TEST(PtqModel, DigitsMlpStructureAndAccuracy) {
  const FloatModel model = FloatModel::load(model_path("digits_mlp"));
  const Dataset train = load_dataset("digits", "train");
  const Dataset test = load_dataset("digits", "test");
  const QuantizedModel q = quantize(model, train.x, PtqOptions{});
  const quant::IntegerGraph& g = q.network().graph;
  // Gemm → Relu → Gemm becomes Dense → TLU (rescale, bias, relu, requantize) → Dense; no TLU at the end.
  ASSERT_EQ(g.ops.size(), 3u);
  EXPECT_EQ(quant::op_kind(g.ops[0]), "Dense");
  EXPECT_EQ(quant::op_kind(g.ops[1]), "TLU");
  EXPECT_EQ(quant::op_kind(g.ops[2]), "Dense");
  EXPECT_EQ(quant::op_output(g.ops[2]), g.output);
  const IntTensor codes = q.quantize_input(test.x);
  EXPECT_EQ(q.run_clear(codes).data, q.run_clear_ref(codes).data);
  const double float_accuracy = evaluate_float(model, test);
  const double quantized_accuracy = evaluate_quantized(q, test);
  std::cout << "digits_mlp: float " << float_accuracy << ", 8-bit " << quantized_accuracy << "\n";
  EXPECT_GE(quantized_accuracy, float_accuracy - 0.01);
  // One PBS per hidden unit: the TLU has as many elements as the first Gemm has outputs.
  EXPECT_EQ(q.report().pbs_count, model.ops()[0].output_shape.back());
}

TEST(PtqModel, FashionMlpSigmoidAt8And4Bits) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") &&
      std::getenv("FHEQ_FASHION_MNIST_DIR") == nullptr)
    GTEST_SKIP() << "Fashion-MNIST not installed (dataset-fashion-mnist)";
  const FloatModel model = FloatModel::load(model_path("fmnist_mlp_sigmoid"));
  const Dataset train = load_dataset("fashion-mnist", "train");
  Dataset test = load_dataset("fashion-mnist", "test");
  test.x = slice_batch(test.x, 0, 3000);
  test.y.resize(3000);
  const double float_accuracy = evaluate_float(model, test);
  const QuantizedModel q8 = quantize(model, train.x, PtqOptions{});
  const double acc8 = evaluate_quantized(q8, test);
  PtqOptions four;
  four.n_bits = NBits::all(4);
  four.per_channel = true;
  four.calibration.method = CalibrationMethod::kMse;
  const double acc4 = evaluate_quantized(quantize(model, train.x, four), test);
  std::cout << "fmnist_mlp_sigmoid (3000 test images): float " << float_accuracy << ", 8-bit " << acc8 << ", 4-bit " << acc4 << "\n";
  // Targets on the full test set are 0.1 / 2 points (docs/BENCHMARKS.md); on 3000 images allow sampling slack.
  EXPECT_GE(acc8, float_accuracy - 0.003);
  EXPECT_GE(acc4, float_accuracy - 0.03);
}

// 300 Relu in a row would each extend the fused table's chain (copied per value: quadratic memory); refused past
// 256 with one line naming the node, in well under a second.
TEST(PtqModel, OverlongElementwiseChainIsRefusedNamingTheNode) {
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/tests/data/onnx/relu_chain300.onnx");
  FloatTensor calib(Shape{8, 4});
  for (int64_t i = 0; i < calib.size(); ++i) calib[i] = static_cast<double>(i % 7) - 3.0;
  try {
    quantize(model, calib, PtqOptions{});
    FAIL() << "expected fheq::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("relu256"), std::string::npos) << what;
    EXPECT_NE(what.find("more than 256 elementwise ops"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(PtqModel, BadOptionsAreErrors) {
  const FloatModel model = FloatModel::load(model_path("digits_mlp"));
  const Dataset train = load_dataset("digits", "train");
  PtqOptions bad;
  bad.n_bits.weights = 1;
  EXPECT_THROW(quantize(model, train.x, bad), Error);
  EXPECT_THROW(quantize(model, FloatTensor(Shape{3, 5}), PtqOptions{}), Error);
  const QuantizedModel q = quantize(model, train.x, PtqOptions{});
  EXPECT_THROW(q.quantize_input(FloatTensor(Shape{2, 63})), Error);
}

}  // namespace
}  // namespace fheq
