// A user-style network built from the ops that move elements and multiply encrypted tensors
// (models/zoo/cnn_branches_gated.onnx, models/zoo/train_zoo.py: two conv branches concatenated, AvgPool, a gated
// product value·sigmoid(gate), a channels-last permute, a classifier), compiled with DEFAULT options:
//   - the integer graph holds the new ops (Concat, Transpose, the product's quarter-square tables);
//   - held-out accuracy of the compiled circuit, simulated with noise, stays within 3 points of float on 1000 test
//     images (the target is 2 on the full test set, bench/zoo.sh; σ of a 1000-image difference ≈ 0.8 point);
//   - the circuit's clear run equals its noiseless simulation on every sample whose accumulators stay inside
//     their windows (FHE wraps where clear clamps; tests/runtime/execute_structure_test.cc runs the same ops
//     encrypted against both).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "../compiler/window_check.h"
#include "compiler/simulate.h"
#include "fheq/compiler.h"
#include "fheq/data.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "quant/integer_executor.h"

namespace fheq {
namespace {

constexpr int64_t kSearchSamples = 1500;
constexpr int64_t kTestSamples = 1000;

TEST(UserStructureModel, GatedBranchesCompileWithDefaultsAndKeepFloatAccuracy) {
  const std::string path = std::string(FHEQ_SOURCE_DIR) + "/models/zoo/cnn_branches_gated.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing";
  const FloatModel model = FloatModel::load(path);
  Dataset train = load_dataset("fashion-mnist", "train"), test = load_dataset("fashion-mnist", "test");
  train.x = slice_batch(train.x, 0, 2 * kSearchSamples);
  train.y.resize(2 * kSearchSamples);
  test.x = slice_batch(test.x, 0, kTestSamples);
  test.y.resize(kTestSamples);

  CompileOptions options;  // defaults
  options.calibration_labels = train.y;
  options.auto_samples = kSearchSamples;
  const CompiledModel c = compile(model, train.x, options);
  std::cout << c.report().to_text();
  int64_t concat = 0, transpose = 0, subtractions = 0;
  for (const quant::IntOp& op : c.circuit().graph.ops) {
    const std::string kind = quant::op_kind(op);
    concat += kind == "Concat", transpose += kind == "Transpose", subtractions += kind == "Sub";
  }
  EXPECT_EQ(concat, 1);
  EXPECT_EQ(transpose, 1);
  EXPECT_EQ(subtractions, 2);  // x − y and the difference of the two quarter squares

  const double float_acc = top1_accuracy(model.run(test.x), test.y);
  const double simulated = top1_accuracy(c.predict_simulate(test.x, 1), test.y);
  std::cout << "test (" << kTestSamples << "): float " << float_acc << ", FHE simulate " << simulated << "\n";
  EXPECT_GE(simulated, float_acc - 0.03);

  const IntTensor codes = c.quantize_input(slice_batch(test.x, 0, 64));
  // Default rounding is approximate: the clear run rounds to nearest, as the noiseless simulation does.
  quant::ClearRunOptions nearest;
  nearest.approximate_rounding = [](int64_t acc, int64_t shift) { return quant::round_shift_exact(acc, shift); };
  const std::vector<IntTensor> all = quant::run_integer_graph_all(c.circuit().graph, codes, nearest);
  compiler::SimulateOptions noiseless;
  noiseless.noise_scale = 0;
  const IntTensor simulated_codes = compiler::run_circuit_simulate(c.circuit(), codes, noiseless);
  const int64_t inside = compiler::testing::expect_equal_to_clear_inside_windows(c.circuit(), all, simulated_codes, 0);
  std::cout << inside << " of 64 samples inside every window\n";
  EXPECT_GE(inside, 32);
}

}  // namespace
}  // namespace fheq
