// The shipped models (models/*.onnx, made by models/train.py) against their stored PyTorch
// logits (models/NAME.ref_input.npy / NAME.ref_output.npy, float32).
// Tolerance: 1e-5 relative to the largest |logit| of the sample batch. The stored logits were
// computed in float32, whose rounding over ~800-term sums is ~1e-6 of the sum's scale, so a
// per-element relative bound would judge float32 noise on logits near zero, not our executor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "graph/float_executor.h"
#include "graph/onnx/onnx_import.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

class ShippedModelTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedModelTest, MatchesStoredPyTorchLogits) {
  const std::string base = std::string(FHEQ_SOURCE_DIR) + "/models/" + GetParam();
  for (const char* suffix : {".onnx", ".ref_input.npy", ".ref_output.npy"})
    if (!std::filesystem::exists(base + suffix)) GTEST_SKIP() << base + suffix << " is missing";
  Graph graph = load_onnx(base + ".onnx");
  FloatTensor input = testing::read_npy(base + ".ref_input.npy");
  FloatTensor expected = testing::read_npy(base + ".ref_output.npy");
  FloatTensor actual = run_graph(graph, input);
  double scale = 0.0;
  for (double v : expected.data) scale = std::max(scale, std::abs(v));
  EXPECT_TRUE(testing::tensors_near(actual, expected, 0.0, 1e-5 * scale));
  // Same predicted class for every sample.
  const int64_t classes = expected.dim(1);
  for (int64_t i = 0; i < expected.dim(0); ++i) {
    auto row = [&](const FloatTensor& t) { return t.data.begin() + i * classes; };
    EXPECT_EQ(std::max_element(row(actual), row(actual) + classes) - row(actual),
              std::max_element(row(expected), row(expected) + classes) - row(expected)) << "sample " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModelTest,
                         ::testing::Values("fmnist_mlp_sigmoid", "fmnist_mlp_relu", "fmnist_cnn", "digits_mlp",
                                           "fmnist_mlp_fhe", "fmnist_cnn_fhe"));

}  // namespace
}  // namespace fheq::graph
