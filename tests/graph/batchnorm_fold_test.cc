// BatchNormalization folding must not change the function: folded and unfolded graphs agree,
// and both agree with PyTorch.
#include <gtest/gtest.h>

#include <algorithm>

#include "graph/float_executor.h"
#include "graph/onnx/onnx_import.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

using testing::read_npy;
using testing::tensors_near;
using testing::test_model_path;

int64_t count_ops(const Graph& g, const std::string& op) {
  return std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op_type == op; });
}

TEST(BatchNormFolding, FoldedEqualsUnfolded) {
  ImportOptions no_fold;
  no_fold.fold_batch_norm = false;
  Graph unfolded = load_onnx(test_model_path("batchnorm.onnx"), no_fold);
  Graph folded = load_onnx(test_model_path("batchnorm.onnx"));
  // Four BNs in the model: after the two Convs and the Linear they fold; the one on the raw
  // input has no producer and becomes a per-channel Mul + Add (elementwise, for the next table).
  EXPECT_EQ(count_ops(unfolded, "BatchNormalization"), 4);
  EXPECT_EQ(count_ops(folded, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(folded, "Mul"), count_ops(unfolded, "Mul") + 1);
  EXPECT_EQ(folded.nodes.size() + 2, unfolded.nodes.size());

  FloatTensor input = read_npy(test_model_path("batchnorm.input.npy"));
  FloatTensor expected = read_npy(test_model_path("batchnorm.output.npy"));
  FloatTensor a = run_graph(unfolded, input), b = run_graph(folded, input);
  // Folding only reassociates a few double operations per value.
  EXPECT_TRUE(tensors_near(b, a, 1e-12, 1e-12));
  EXPECT_TRUE(tensors_near(a, expected, 1e-5));
  EXPECT_TRUE(tensors_near(b, expected, 1e-5));
}

TEST(BatchNormFolding, FoldedGraphKeepsOutputNamesAndShapes) {
  Graph folded = load_onnx(test_model_path("batchnorm.onnx"));
  ASSERT_EQ(folded.outputs.size(), 1u);
  EXPECT_EQ(folded.outputs[0].name, "output");
  EXPECT_EQ(folded.outputs[0].shape, (Shape{-1, 6}));
  EXPECT_NE(folded.producer("output"), nullptr);
  EXPECT_EQ(folded.producer("output")->op_type, "Gemm");
}

}  // namespace
}  // namespace fheq::graph
