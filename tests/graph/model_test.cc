// The public fheq::FloatModel (include/fheq/model.h) over the graph layer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fheq/fheq.h"
#include "graph/graph.h"
#include "test_support.h"

namespace fheq {
namespace {

using ::testing::HasSubstr;
using graph::testing::read_npy;
using graph::testing::test_model_path;

TEST(FloatModel, LoadsRunsAndDescribes) {
  FloatModel model = FloatModel::load(test_model_path("softmax.onnx"));
  EXPECT_EQ(model.input_name(), "input");
  EXPECT_EQ(model.input_shape(), (Shape{-1, 6}));
  EXPECT_EQ(model.output_shape(), (Shape{-1, 4}));
  EXPECT_EQ(model.opset(), 13);
  auto ops = model.ops();
  ASSERT_EQ(ops.size(), 4u);  // Gemm, Relu, Gemm, Softmax
  EXPECT_EQ(ops[0].op_type, "Gemm");
  EXPECT_EQ(ops[0].output_shape, (Shape{-1, 8}));
  EXPECT_FALSE(ops[2].client_side);
  EXPECT_TRUE(ops[3].client_side);
  EXPECT_EQ(ops[3].op_type, "Softmax");
  const std::string summary = model.summary();
  EXPECT_THAT(summary, HasSubstr("input  input [-1, 6]"));
  EXPECT_THAT(summary, HasSubstr("client side"));
  EXPECT_THAT(summary, HasSubstr("Gemmx2"));

  FloatTensor input = read_npy(test_model_path("softmax.input.npy"));
  FloatTensor expected = read_npy(test_model_path("softmax.output.npy"));
  EXPECT_TRUE(graph::testing::tensors_near(model.run(input), expected, 1e-5));
}

TEST(FloatModel, MoveKeepsTheModel) {
  FloatModel a = FloatModel::load(test_model_path("gemm.onnx"));
  FloatModel b = std::move(a);
  EXPECT_EQ(b.input_shape(), (Shape{-1, 8}));
  EXPECT_EQ(b.graph().nodes.size(), 3u);
}

TEST(FloatModel, LoadErrorIsFheqError) {
  EXPECT_THROW(FloatModel::load(test_model_path("unsupported_einsum.onnx")), Error);
  EXPECT_THROW(FloatModel::load("/nonexistent.onnx"), Error);
}

}  // namespace
}  // namespace fheq
