// Model quantizers' float kernels against the examples of their specifications (ONNX operator docs for
// QuantizeLinear / DequantizeLinear; QONNX IntQuant, BipolarQuant and Trunc v1 docs, worked by hand), and the
// import's refusals: one line naming the node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/float_executor.h"
#include "graph/onnx/onnx_import.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::test_model_path;

FloatTensor run1(const Node& node, const std::vector<FloatTensor>& inputs) {
  std::vector<const FloatTensor*> args;
  for (const auto& t : inputs) args.push_back(&t);
  return run_node(node, args).at(0);
}

FloatTensor vec(std::vector<double> v) {
  const auto n = static_cast<int64_t>(v.size());
  return FloatTensor({n}, std::move(v));
}
FloatTensor scalar(double v) { return FloatTensor({}, {v}); }

TEST(QuantizerOps, QuantizeLinearSpecExample) {
  // ONNX QuantizeLinear example: uint8, scale 2, zero point 128; saturates to [0, 255]; 3/2 = 1.5 rounds to 2.
  Node q{"q", "QuantizeLinear", {"x", "s", "z"}, {"y"}, {}};
  q.attributes["zero_point_type"] = std::string("uint8");
  EXPECT_EQ(run1(q, {vec({0, 2, 3, 1000, -254, -1000}), scalar(2), scalar(128)}).data,
            (std::vector<double>{128, 129, 130, 255, 1, 0}));
  q.attributes["zero_point_type"] = std::string("int8");  // int8: [-128, 127]
  EXPECT_EQ(run1(q, {vec({0, 5, 1000, -1000}), scalar(2), scalar(0)}).data, (std::vector<double>{0, 2, 127, -128}));
}

TEST(QuantizerOps, PerAxisQuantizeAndDequantize) {
  // x [2, 3], axis 1: column c uses scale s[c].
  Node q{"q", "QuantizeLinear", {"x", "s", "z"}, {"y"}, {{"axis", int64_t{1}}, {"zero_point_type", std::string("int8")}}};
  const FloatTensor x({2, 3}, {1, 2, 4, -1, -2, -4});
  const FloatTensor codes = run1(q, {x, vec({1, 2, 4}), vec({0, 0, 0})});
  EXPECT_EQ(codes.data, (std::vector<double>{1, 1, 1, -1, -1, -1}));
  Node dq{"dq", "DequantizeLinear", {"x", "s", "z"}, {"y"}, {{"axis", int64_t{1}}}};
  EXPECT_EQ(run1(dq, {codes, vec({1, 2, 4}), vec({0, 0, 0})}).data, x.data);
  // ONNX DequantizeLinear example: (x − 128) · 2.
  Node plain{"dq", "DequantizeLinear", {"x", "s", "z"}, {"y"}, {}};
  EXPECT_EQ(run1(plain, {vec({0, 3, 128, 255}), scalar(2), scalar(128)}).data, (std::vector<double>{-256, -250, 0, 254}));
}

TEST(QuantizerOps, QonnxQuantRoundingModesAndRanges) {
  // 3-bit signed narrow: codes [-3, 3]; x / 0.5 = -2.6, 0.52, 0.5, 1.5, 14.
  Node quant{"q", "Quant", {"x", "s", "z", "b"}, {"y"}, {{"signed", int64_t{1}}, {"narrow", int64_t{1}}}};
  const FloatTensor x = vec({-1.3, 0.26, 0.25, 0.75, 7});
  EXPECT_EQ(run1(quant, {x, scalar(0.5), scalar(0), scalar(3)}).data, (std::vector<double>{-1.5, 0.5, 0, 1.0, 1.5}));
  quant.attributes["rounding_mode"] = std::string("FLOOR");
  EXPECT_EQ(run1(quant, {x, scalar(0.5), scalar(0), scalar(3)}).data, (std::vector<double>{-1.5, 0, 0, 0.5, 1.5}));
  quant.attributes["rounding_mode"] = std::string("ceil");  // lowercase accepted, as in QONNX
  EXPECT_EQ(run1(quant, {x, scalar(0.5), scalar(0), scalar(3)}).data, (std::vector<double>{-1.0, 0.5, 0.5, 1.0, 1.5}));
  // 2-bit unsigned with zero point 1: codes [0, 3], values (q − 1) · 0.5.
  Node unsigned_quant{"q", "Quant", {"x", "s", "z", "b"}, {"y"}, {{"signed", int64_t{0}}}};
  EXPECT_EQ(run1(unsigned_quant, {x, scalar(0.5), scalar(1), scalar(2)}).data,
            (std::vector<double>{-0.5, 0.5, 0, 1.0, 1.0}));
  // Per-channel scale broadcast over [2, 2].
  EXPECT_EQ(run1(quant, {FloatTensor({2, 2}, {1, 1, 1, 1}), FloatTensor({2, 1}, {0.5, 0.25}), scalar(0), scalar(4)}).data,
            (std::vector<double>{1, 1, 1, 1}));
}

TEST(QuantizerOps, BipolarAndTrunc) {
  Node bipolar{"b", "BipolarQuant", {"x", "s"}, {"y"}, {}};
  EXPECT_EQ(run1(bipolar, {vec({-0.1, 0, 2}), scalar(0.5)}).data, (std::vector<double>{-0.5, 0.5, 0.5}));
  // Trunc v1, FLOOR, 4 → 2 bits at scale 0.25: x / s = 4, 11, 14 → / 4 = 1, 2.75, 3.5 → 1, 2, 3 → · 0.25.
  Node trunc{"t", "Trunc", {"x", "s", "z", "in", "out"}, {"y"}, {}};
  EXPECT_EQ(run1(trunc, {vec({1.0, 2.75, 3.5}), scalar(0.25), scalar(0), scalar(4), scalar(2)}).data,
            (std::vector<double>{0.25, 0.5, 0.75}));
  trunc.attributes["rounding_mode"] = std::string("ROUND");  // 2.75 → 3, 3.5 → 4 (half to even)
  EXPECT_EQ(run1(trunc, {vec({1.0, 2.75, 3.5}), scalar(0.25), scalar(0), scalar(4), scalar(2)}).data,
            (std::vector<double>{0.25, 0.75, 1.0}));
}

TEST(QuantizerOps, ImportMakesOneFakeQuantPerQdqPair) {
  const Graph g = load_onnx(test_model_path("qdq_ort_small.onnx"));
  int fake_quants = 0;
  for (const Node& n : g.nodes) {
    EXPECT_NE(n.op_type, "QuantizeLinear") << n.name;
    EXPECT_NE(n.op_type, "DequantizeLinear") << n.name;
    fake_quants += n.op_type == "FakeQuant";
    // The input quantizer's Clip to 127 narrowed its code range.
    if (n.name == "in_q") {
      EXPECT_EQ(n.attr_int("qmax", 0), 127);
    }
  }
  // input, the shared hidden quantizer once per reader, and the two branch quantizers.
  EXPECT_EQ(fake_quants, 5);
  // The int8 weights were folded to constants that keep their grid.
  EXPECT_FALSE(g.grid_scales.empty());
}

std::string import_error(const std::string& file) {
  try {
    load_onnx(test_model_path(file));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(QuantizerOps, RefusalsNameTheNode) {
  struct Case {
    const char* file;
    const char* node;
    const char* why;
  };
  for (const Case& c : {Case{"qonnx_bad_rounding.onnx", "q_half_up", "rounding_mode 'HALF_UP' is not supported"},
                        Case{"qonnx_bits17.onnx", "q_wide", "bit width 17 is not supported"},
                        Case{"qonnx_scale_from_input.onnx", "q_dynamic", "the scale must be a constant"},
                        Case{"qonnx_float_quant.onnx", "fq", "supported QONNX ops: Quant, BipolarQuant, Trunc"},
                        Case{"qonnx_trunc_v2.onnx", "trunc_v2", "only Trunc version 1 is supported"},
                        Case{"qdq_integer_escapes.onnx", "q_in", "its integer output reaches a graph output"},
                        Case{"qdq_requantize.onnx", "dq_other_scale", "another scale, zero point or axis"}}) {
    const std::string msg = import_error(c.file);
    std::string quoted_node = "node '";
    quoted_node.append(c.node);
    EXPECT_THAT(msg, AllOf(HasSubstr(c.file), HasSubstr(quoted_node), HasSubstr(c.why))) << c.file;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace fheq::graph
