// Conv output geometry (dilations, strides, asymmetric pads, groups) against an independent
// reference that zero-pads the input explicitly and slides the dilated window over it, counting
// the positions that fit: nothing shared with window.cc / kernels.cc. Also the value_shapes check
// that catches a hand-written shape disagreeing with the attributes — the cause of the report
// "dilated grouped Conv gives 5×5 from run_node in test_quant": the float reference gave 4×4, the
// quantized path 5×5, taken from a stale hand-declared shape.
#include <gtest/gtest.h>

#include <random>

#include "graph/float_executor.h"
#include "graph/simplify/passes.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

struct ConvCase {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w, group;
  std::vector<int64_t> strides, dilations, pads;  // pads in ONNX order [h_begin, w_begin, h_end, w_end]
  bool bias;
};

Node conv_node(const ConvCase& c) {
  Node n;
  n.name = "conv";
  n.op_type = "Conv";
  n.inputs = {"x", "w"};
  if (c.bias) n.inputs.push_back("b");
  n.outputs = {"y"};
  n.attributes = {{"group", c.group}, {"strides", c.strides}, {"dilations", c.dilations}, {"pads", c.pads}};
  return n;
}

FloatTensor random_tensor(Shape shape, std::mt19937_64& rng) {
  FloatTensor t(std::move(shape));
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (double& v : t.data) v = u(rng);
  return t;
}

// ONNX Conv by its definition: pad x with zeros, then every window position whose dilated extent
// lies inside the padded plane gives one output (stride apart), summing the group's channels.
FloatTensor conv_by_definition(const ConvCase& c, const FloatTensor& x, const FloatTensor& w, const FloatTensor* b) {
  const int64_t ph = c.in_h + c.pads[0] + c.pads[2], pw = c.in_w + c.pads[1] + c.pads[3];
  std::vector<double> padded(static_cast<size_t>(c.batch * c.in_channels * ph * pw), 0.0);
  auto at = [&](int64_t n, int64_t ch, int64_t h, int64_t wc) -> double& {
    return padded[static_cast<size_t>(((n * c.in_channels + ch) * ph + h) * pw + wc)];
  };
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t ch = 0; ch < c.in_channels; ++ch)
      for (int64_t h = 0; h < c.in_h; ++h)
        for (int64_t wc = 0; wc < c.in_w; ++wc)
          at(n, ch, h + c.pads[0], wc + c.pads[1]) = x.data[static_cast<size_t>(((n * c.in_channels + ch) * c.in_h + h) * c.in_w + wc)];
  auto positions = [](int64_t padded_size, int64_t kernel, int64_t stride, int64_t dilation) {
    int64_t count = 0;
    while (count * stride + (kernel - 1) * dilation < padded_size) ++count;
    return count;
  };
  const int64_t oh_n = positions(ph, c.kernel_h, c.strides[0], c.dilations[0]);
  const int64_t ow_n = positions(pw, c.kernel_w, c.strides[1], c.dilations[1]);
  const int64_t cin_g = c.in_channels / c.group, cout_g = c.out_channels / c.group;
  FloatTensor y({c.batch, c.out_channels, oh_n, ow_n});
  size_t i = 0;
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t oc = 0; oc < c.out_channels; ++oc)
      for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow) {
          double s = b ? b->data[static_cast<size_t>(oc)] : 0.0;
          for (int64_t ic = 0; ic < cin_g; ++ic)
            for (int64_t kh = 0; kh < c.kernel_h; ++kh)
              for (int64_t kw = 0; kw < c.kernel_w; ++kw)
                s += w.data[static_cast<size_t>(((oc * cin_g + ic) * c.kernel_h + kh) * c.kernel_w + kw)] *
                     at(n, (oc / cout_g) * cin_g + ic, oh * c.strides[0] + kh * c.dilations[0],
                        ow * c.strides[1] + kw * c.dilations[1]);
          y.data[i++] = s;
        }
  return y;
}

FloatTensor run_case(const ConvCase& c, std::mt19937_64& rng, FloatTensor* expected) {
  const FloatTensor x = random_tensor({c.batch, c.in_channels, c.in_h, c.in_w}, rng);
  const FloatTensor w = random_tensor({c.out_channels, c.in_channels / c.group, c.kernel_h, c.kernel_w}, rng);
  const FloatTensor b = random_tensor({c.out_channels}, rng);
  *expected = conv_by_definition(c, x, w, c.bias ? &b : nullptr);
  std::vector<const FloatTensor*> inputs{&x, &w};
  if (c.bias) inputs.push_back(&b);
  return run_node(conv_node(c), inputs)[0];
}

// The reported case: 9×9, 2×2 kernel, dilation 2, stride 2, pads {1,1,0,0}, 2 groups.
// ONNX: floor((9 + 1 + 0 − ((2 − 1)·2 + 1)) / 2) + 1 = 4 per axis; torch.nn.functional.conv2d on
// the input padded by (1, 0, 1, 0) also gives [1, 6, 4, 4].
TEST(ConvGeometry, DilatedGroupedStridedConvIsFourByFour) {
  std::mt19937_64 rng(testing::test_seed());
  const ConvCase c{3, 4, 9, 9, 6, 2, 2, 2, {2, 2}, {2, 2}, {1, 1, 0, 0}, false};
  FloatTensor expected;
  const FloatTensor y = run_case(c, rng, &expected);
  EXPECT_EQ(y.shape, (Shape{3, 6, 4, 4}));
  EXPECT_TRUE(testing::tensors_near(y, expected, 1e-12, 1e-12));
}

// Pads {2, 0, 1, 0} on a 9×7 input with stride 1 give 10×5 only when read as [h_begin, w_begin,
// h_end, w_end]; reading them as [h_begin, h_end, w_begin, w_end] would give 9×6.
TEST(ConvGeometry, AsymmetricPadsFollowOnnxOrder) {
  std::mt19937_64 rng(testing::test_seed());
  const ConvCase c{2, 2, 9, 7, 3, 2, 2, 1, {1, 1}, {2, 2}, {2, 0, 1, 0}, true};
  FloatTensor expected;
  const FloatTensor y = run_case(c, rng, &expected);
  EXPECT_EQ(y.shape, (Shape{2, 3, 10, 5}));
  EXPECT_TRUE(testing::tensors_near(y, expected, 1e-12, 1e-12));
}

TEST(ConvGeometry, MixedDilationsStridesAndGroupsMatchDefinition) {
  std::mt19937_64 rng(testing::test_seed());
  const std::vector<ConvCase> cases = {
      {2, 3, 11, 8, 6, 3, 2, 3, {3, 2}, {3, 1}, {0, 2, 2, 1}, true},
      {1, 4, 6, 10, 4, 2, 3, 4, {1, 3}, {1, 2}, {1, 0, 0, 3}, false},
      {2, 2, 5, 5, 2, 1, 1, 1, {2, 2}, {3, 3}, {1, 1, 1, 1}, true},
      {1, 6, 13, 12, 3, 3, 3, 3, {2, 1}, {2, 3}, {2, 2, 0, 0}, true},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    FloatTensor expected;
    const FloatTensor y = run_case(cases[k], rng, &expected);
    EXPECT_TRUE(testing::tensors_near(y, expected, 1e-12, 1e-12)) << "case " << k;
  }
}

// A one-node graph holding the reported Conv, with value_shapes written by hand.
Graph reported_conv_graph(const Shape& declared_output) {
  std::mt19937_64 rng(7);
  const ConvCase c{1, 4, 9, 9, 6, 2, 2, 2, {2, 2}, {2, 2}, {1, 1, 0, 0}, false};
  Graph g;
  g.source = "hand-built";
  g.opset = 14;
  g.inputs = {ValueInfo{"x", {-1, 4, 9, 9}}};
  g.outputs = {ValueInfo{"y", declared_output}};
  g.constants["w"] = random_tensor({6, 2, 2, 2}, rng);
  g.nodes = {conv_node(c)};
  g.value_shapes = {{"x", {-1, 4, 9, 9}}, {"y", declared_output}};
  return g;
}

TEST(ConvGeometry, InferredShapeOfDilatedConvIsFourByFour) {
  Graph g = reported_conv_graph({-1, 6, 4, 4});
  simplify::infer_shapes(g);
  EXPECT_EQ(g.value_shapes.at("y"), (Shape{-1, 6, 4, 4}));
  EXPECT_NO_THROW(simplify::check_value_shapes(reported_conv_graph({-1, 6, 4, 4})));
}

TEST(ConvGeometry, StaleHandWrittenShapeIsRejectedNamingTheValue) {
  try {
    simplify::check_value_shapes(reported_conv_graph({-1, 6, 5, 5}));
    FAIL() << "expected fheq::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'y'"), std::string::npos) << what;
    EXPECT_NE(what.find(shape_to_string({-1, 6, 5, 5})), std::string::npos) << what;
    EXPECT_NE(what.find(shape_to_string({-1, 6, 4, 4})), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  Graph unknown = reported_conv_graph({-1, 6, 4, 4});
  unknown.value_shapes["typo"] = {-1, 6, 4, 4};
  EXPECT_THROW(simplify::check_value_shapes(unknown), Error);
}

}  // namespace
}  // namespace fheq::graph
