// The ops that move elements, reduce, or multiply two encrypted tensors, quantized at 8 bits against their
// float ops (R² ≥ 0.99 over the outputs, fast executor = reference: ptq_check.h), and the integer graph they
// lower to (one IndexMap per move, a ReduceSum, two square TLUs per product).
#include <gtest/gtest.h>

#include "float_graph_builder.h"
#include "ptq_check.h"
#include "quant_test_support.h"

namespace fheq::quant {
namespace {

using testing::expect_close_to_float;
using testing::GraphBuilder;
using testing::random_batch;
using testing::test_seed;

int count_kind(const QuantizedNetwork& net, const std::string& kind) {
  int n = 0;
  for (const IntOp& op : net.graph.ops) n += op_kind(op) == kind ? 1 : 0;
  return n;
}

QuantizedNetwork quantize(const graph::Graph& g, const Shape& sample, std::mt19937_64& rng) {
  return quantize_graph(g, random_batch(sample, 200, rng, -1, 1), testing::test_ptq_options());
}

TEST(PtqStructure, TransposeChannelsLastThenFlatten) {
  std::mt19937_64 rng(test_seed("PtqStructure.TransposeChannelsLastThenFlatten"));
  GraphBuilder b(Shape{3, 4, 5});
  const std::string relu = b.node("Relu", {"x"}, Shape{3, 4, 5});
  const std::string t = b.node("Transpose", {relu}, Shape{4, 5, 3}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
  const std::string f = b.node("Flatten", {t}, Shape{60}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(f, 60, 4, rng));
  expect_close_to_float(g, Shape{3, 4, 5}, rng);
  EXPECT_EQ(count_kind(quantize(g, Shape{3, 4, 5}, rng), "Transpose"), 1);
}

TEST(PtqStructure, ConcatOfTwoBranchesKeepsEachBranchsScale) {
  std::mt19937_64 rng(test_seed("PtqStructure.ConcatOfTwoBranchesKeepsEachBranchsScale"));
  GraphBuilder b(Shape{8});
  const std::string left = b.node("Tanh", {b.linear("x", 8, 5, rng)}, Shape{5});
  const std::string right = b.linear("x", 8, 3, rng);  // an accumulator: its own scale and offset per channel
  const std::string c = b.node("Concat", {left, right}, Shape{8}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(b.node("Relu", {c}, Shape{8}), 8, 4, rng));
  expect_close_to_float(g, Shape{8}, rng);
  expect_close_to_float(g, Shape{8}, rng, /*per_channel=*/true);
  const QuantizedNetwork net = quantize(g, Shape{8}, rng);
  EXPECT_EQ(count_kind(net, "Concat"), 1);
  // Concat needs no table: Tanh and Relu fuse into the tables after it (one per branch group).
  EXPECT_EQ(count_kind(net, "TLU"), 1);
}

TEST(PtqStructure, SliceSplitGatherPad) {
  std::mt19937_64 rng(test_seed("PtqStructure.SliceSplitGatherPad"));
  GraphBuilder b(Shape{2, 6, 5});
  const std::string s = b.node("Slice", {"x", b.constant_values("starts", Shape{2}, {1, 0}), b.constant_values("ends", Shape{2}, {5, 4}),
                                         b.constant_values("axes", Shape{2}, {2, 3})},
                               Shape{2, 4, 4});
  const std::vector<std::string> parts = b.multi_node("Split", {s, b.constant_values("split", Shape{2}, {1, 3})},
                                                      {Shape{2, 1, 4}, Shape{2, 3, 4}}, {{"axis", int64_t{2}}});
  const std::string gathered = b.node("Gather", {parts[1], b.constant_values("idx", Shape{3}, {2, 0, 2})}, Shape{2, 3, 3},
                                      {{"axis", int64_t{3}}});
  const std::string padded = b.node("Pad", {gathered, b.constant_values("pads", Shape{8}, {0, 1, 0, 1, 0, 0, 1, 0}),
                                            b.constant_values("value", Shape{}, {0.75})},
                                    Shape{3, 4, 4});
  const std::string sum = b.node("ReduceSum", {parts[0], b.constant_values("axes2", Shape{1}, {2})}, Shape{2, 4},
                                 {{"keepdims", int64_t{0}}});
  const std::string flat = b.node("Flatten", {padded}, Shape{48}, {{"axis", int64_t{1}}});
  const std::string flat2 = b.node("Flatten", {sum}, Shape{8}, {{"axis", int64_t{1}}});
  const std::string both = b.node("Concat", {flat, flat2}, Shape{56}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(b.node("Sigmoid", {both}, Shape{56}), 56, 3, rng));
  expect_close_to_float(g, Shape{2, 6, 5}, rng);
  const QuantizedNetwork net = quantize(g, Shape{2, 6, 5}, rng);
  for (const char* kind : {"Slice", "Gather", "Pad", "ReduceSum", "Concat"}) EXPECT_EQ(count_kind(net, kind), 1) << kind;
  EXPECT_EQ(count_kind(net, "Split"), 2);  // one IndexMap per output
}

TEST(PtqStructure, ReduceMeanOverAdjacentAxes) {
  std::mt19937_64 rng(test_seed("PtqStructure.ReduceMeanOverAdjacentAxes"));
  GraphBuilder b(Shape{4, 3, 5});
  const std::string r = b.node("Relu", {"x"}, Shape{4, 3, 5});
  const std::string m = b.node("ReduceMean", {r}, Shape{4, 1, 1}, {{"axes", std::vector<int64_t>{2, 3}}});
  const std::string f = b.node("Flatten", {m}, Shape{4}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(f, 4, 3, rng));
  expect_close_to_float(g, Shape{4, 3, 5}, rng);
}

TEST(PtqStructure, GatedProductOfTwoEncryptedTensors) {
  std::mt19937_64 rng(test_seed("PtqStructure.GatedProductOfTwoEncryptedTensors"));
  GraphBuilder b(Shape{10});
  const std::string value = b.linear("x", 10, 6, rng);
  const std::string gate = b.node("Sigmoid", {b.linear("x", 10, 6, rng)}, Shape{6});
  const std::string y = b.node("Mul", {value, gate}, Shape{6});
  const graph::Graph g = b.finish(b.linear(y, 6, 3, rng));
  expect_close_to_float(g, Shape{10}, rng);
  const QuantizedNetwork net = quantize(g, Shape{10}, rng);
  // Two requantizing tables (the value's wide accumulator too: its codes must be as narrow as the gate's, or
  // (x+y)² − (x−y)² would cancel after rounding), two quarter-square tables; x+y, x−y, their squares' difference.
  EXPECT_EQ(count_kind(net, "TLU"), 4);
  EXPECT_EQ(count_kind(net, "Add"), 1);
  EXPECT_EQ(count_kind(net, "Sub"), 2);
}

TEST(PtqStructure, SquareAndBroadcastProducts) {
  std::mt19937_64 rng(test_seed("PtqStructure.SquareAndBroadcastProducts"));
  GraphBuilder b(Shape{3, 2, 2});
  const std::string x2 = b.node("Mul", {"x", "x"}, Shape{3, 2, 2});                 // x·x written as two tensors
  const std::string se = b.node("ReduceMean", {"x"}, Shape{3, 1, 1}, {{"axes", std::vector<int64_t>{2, 3}}});
  const std::string scaled = b.node("Mul", {x2, b.node("Sigmoid", {se}, Shape{3, 1, 1})}, Shape{3, 2, 2});  // SE-style
  const std::string f = b.node("Flatten", {scaled}, Shape{12}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(f, 12, 3, rng));
  expect_close_to_float(g, Shape{3, 2, 2}, rng);
  EXPECT_EQ(count_kind(quantize(g, Shape{3, 2, 2}, rng), "Expand"), 1);
}

TEST(PtqStructure, AttentionScoresAreAProductOfTwoEncryptedMatrices) {
  std::mt19937_64 rng(test_seed("PtqStructure.AttentionScoresAreAProductOfTwoEncryptedMatrices"));
  GraphBuilder b(Shape{12});
  const std::string q = b.node("Reshape", {b.linear("x", 12, 12, rng), b.constant_values("q_shape", Shape{3}, {0, 4, 3})},
                               Shape{4, 3});
  const std::string kt = b.node("Reshape", {b.linear("x", 12, 12, rng), b.constant_values("k_shape", Shape{3}, {0, 3, 4})},
                                Shape{3, 4});
  const std::string scores = b.node("MatMul", {q, kt}, Shape{4, 4});  // q·kᵀ, both encrypted
  const std::string flat = b.node("Flatten", {scores}, Shape{16}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(flat, 16, 3, rng));
  expect_close_to_float(g, Shape{12}, rng);
  const QuantizedNetwork net = quantize(g, Shape{12}, rng);
  EXPECT_EQ(count_kind(net, "ReduceSum"), 1);
  EXPECT_EQ(count_kind(net, "Expand"), 2);
  // q and kᵀ requantized (12 + 12 elements), then two quarter-square tables per term (4·4·3 = 48 terms).
  int64_t pbs = 0;
  for (const IntOp& op : net.graph.ops) pbs += op_pbs_count(net.graph, op);
  EXPECT_EQ(pbs, 12 + 12 + 2 * 48);
}

TEST(PtqStructure, MovesAcrossTheBatchAxisAreRefusedByName) {
  std::mt19937_64 rng(test_seed("PtqStructure.MovesAcrossTheBatchAxisAreRefusedByName"));
  GraphBuilder b(Shape{4, 6});
  const graph::Graph g = b.finish(b.node("Concat", {"x", "x"}, Shape{4, 6}, {{"axis", int64_t{0}}}));
  try {
    quantize(g, Shape{4, 6}, rng);
    FAIL() << "a transpose of the batch axis was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Concat_0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("batch axis"), std::string::npos) << e.what();
  }
}

TEST(PtqStructure, AnIndexMapOfConstantsAloneIsRefusedByName) {
  // Import folds such nodes; a graph that reaches PTQ unfolded gets one line naming the node. The builder
  // checks every value has a batch axis, so the constant-only Slice is spliced in after finish().
  std::mt19937_64 rng(test_seed("PtqStructure.AnIndexMapOfConstantsAloneIsRefusedByName"));
  GraphBuilder b(Shape{4});
  const std::string bias = b.constant_values("bias", Shape{1, 4}, {1, 2, 3, 4});
  graph::Graph g = b.finish(b.node("Add", {"x", bias}, Shape{4}));
  graph::Node slice;
  slice.name = "SliceOfConstants";
  slice.op_type = "Slice";
  slice.outputs = {"sliced"};
  for (const auto& [name, values] : std::vector<std::pair<std::string, std::vector<double>>>{
           {"table", {1, 2, 3, 4, 5, 6}}, {"starts", {1}}, {"ends", {5}}, {"axes", {1}}}) {
    g.constants[name] = FloatTensor(name == "table" ? Shape{1, 6} : Shape{1}, values);
    slice.inputs.push_back(name);
  }
  g.value_shapes["sliced"] = Shape{1, 4};
  g.nodes.insert(g.nodes.begin(), slice);
  g.nodes[1].inputs[1] = "sliced";
  try {
    quantize(g, Shape{4}, rng);
    FAIL() << "an index map without an encrypted input was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SliceOfConstants"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no input is computed from the model input"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fheq::quant
