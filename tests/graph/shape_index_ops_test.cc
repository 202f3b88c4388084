// Layout / indexing kernels on small tensors whose results are worked out by hand from the ONNX
// spec (numpy semantics), for the ops the PyTorch models exercise only partly.
#include <gtest/gtest.h>

#include <numeric>

#include "graph/float_executor.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

Node node(std::string op, std::map<std::string, AttributeValue> attrs = {}) {
  Node n;
  n.name = "n";
  n.op_type = std::move(op);
  n.outputs = {"y"};
  n.attributes = std::move(attrs);
  return n;
}

FloatTensor iota(Shape shape) {
  FloatTensor t(std::move(shape));
  std::iota(t.data.begin(), t.data.end(), 0.0);
  return t;
}

FloatTensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return FloatTensor({n}, std::move(v));
}

TEST(ShapeIndexOps, SliceWithNegativeStepAndClampedEnds) {
  FloatTensor x = iota({3, 4});  // rows [0..3], [4..7], [8..11]
  FloatTensor starts = vec({-1, 1}), ends = vec({-1e19, 1e19}), axes = vec({0, 1}), steps = vec({-2, 2});
  FloatTensor y = run_node(node("Slice"), {&x, &starts, &ends, &axes, &steps})[0];
  // rows 2, 0 (step -2 from the last); columns 1, 3.
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{9, 11, 1, 3}));
}

TEST(ShapeIndexOps, GatherOnAxisOneWithNegativeIndex) {
  FloatTensor x = iota({2, 3}), idx({2}, {-1, 0});
  FloatTensor y = run_node(node("Gather", {{"axis", int64_t{1}}}), {&x, &idx})[0];
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{2, 0, 5, 3}));
}

TEST(ShapeIndexOps, SqueezeUnsqueezeExpand) {
  FloatTensor x = iota({1, 3, 1}), axes = vec({0, 2});
  EXPECT_EQ(run_node(node("Squeeze"), {&x, &axes})[0].shape, (Shape{3}));
  EXPECT_EQ(run_node(node("Squeeze"), {&x})[0].shape, (Shape{3}));
  FloatTensor u_axes = vec({0, -1});
  EXPECT_EQ(run_node(node("Unsqueeze"), {&x, &u_axes})[0].shape, (Shape{1, 1, 3, 1, 1}));
}

TEST(ShapeIndexOps, ExpandBroadcastsToTarget) {
  FloatTensor row = vec({1, 2, 3}), target = vec({2, 1, 3});
  FloatTensor y = run_node(node("Expand"), {&row, &target})[0];
  EXPECT_EQ(y.shape, (Shape{2, 1, 3}));
  EXPECT_EQ(y.data, (std::vector<double>{1, 2, 3, 1, 2, 3}));
}

TEST(ShapeIndexOps, TransposeDefaultReversesDims) {
  FloatTensor x = iota({2, 3});
  FloatTensor y = run_node(node("Transpose"), {&x})[0];
  EXPECT_EQ(y.shape, (Shape{3, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(ShapeIndexOps, ReshapeCopiesZeroAndInfersMinusOne) {
  FloatTensor x = iota({2, 3, 4}), target = vec({0, -1});
  EXPECT_EQ(run_node(node("Reshape"), {&x, &target})[0].shape, (Shape{2, 12}));
  FloatTensor bad = vec({5, -1});
  EXPECT_THROW(run_node(node("Reshape"), {&x, &bad}), Error);
}

TEST(ShapeIndexOps, CastTruncatesToIntegers) {
  FloatTensor x = vec({-1.7, 2.9, 0.0});
  FloatTensor y = run_node(node("Cast", {{"to", int64_t{7}}}), {&x})[0];
  EXPECT_EQ(y.data, (std::vector<double>{-1, 2, 0}));
  FloatTensor b = run_node(node("Cast", {{"to", int64_t{9}}}), {&x})[0];
  EXPECT_EQ(b.data, (std::vector<double>{1, 1, 0}));
}

TEST(ShapeIndexOps, VariadicMaxMinSum) {
  FloatTensor a = vec({1, 5, -2}), b = vec({3}), c = vec({0, 0, 10});
  EXPECT_EQ(run_node(node("Max"), {&a, &b, &c})[0].data, (std::vector<double>{3, 5, 10}));
  EXPECT_EQ(run_node(node("Min"), {&a, &b, &c})[0].data, (std::vector<double>{0, 0, -2}));
  EXPECT_EQ(run_node(node("Sum"), {&a, &b, &c})[0].data, (std::vector<double>{4, 8, 11}));
}

TEST(ShapeIndexOps, GlobalMaxPoolAndShapeWithStart) {
  FloatTensor x = iota({1, 2, 2, 2});
  FloatTensor y = run_node(node("GlobalMaxPool"), {&x})[0];
  EXPECT_EQ(y.shape, (Shape{1, 2, 1, 1}));
  EXPECT_EQ(y.data, (std::vector<double>{3, 7}));
  FloatTensor s = run_node(node("Shape", {{"start", int64_t{1}}, {"end", int64_t{-1}}}), {&x})[0];
  EXPECT_EQ(s.data, (std::vector<double>{2, 2}));
}

TEST(ShapeIndexOps, ConvSameUpperPadsLikeExplicitPads) {
  // 1x1x5x5 input, 2x2 kernel, stride 2, SAME_UPPER: output 3x3, total pad 1 per axis, all at
  // the end (bottom/right) — identical to explicit pads [0, 0, 1, 1].
  FloatTensor x = iota({1, 1, 5, 5}), w({1, 1, 2, 2}, {1, 2, 3, 4});
  FloatTensor same = run_node(node("Conv", {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<int64_t>{2, 2}}}),
                              {&x, &w})[0];
  FloatTensor explicit_pads = run_node(
      node("Conv", {{"pads", std::vector<int64_t>{0, 0, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}}), {&x, &w})[0];
  EXPECT_EQ(same.shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(same.data, explicit_pads.data);
  // Top-left output: 1·x00 + 2·x01 + 3·x10 + 4·x11 = 0 + 2 + 15 + 24; bottom-right sees only x44 = 24.
  EXPECT_EQ(same[0], 41.0);
  EXPECT_EQ(same[8], 24.0);
}

}  // namespace
}  // namespace fheq::graph
