// The import pass that moves a non-decreasing activation after the MaxPool reading it
// (graph/simplify/pool_before_activation.cc): which nodes move, and that the outputs stay those of the graph as
// written — bit for bit for the piecewise-linear activations, to the last place for the others.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "../quant/float_graph_builder.h"
#include "common/test_seed.h"
#include "graph/float_executor.h"
#include "graph/simplify/passes.h"

namespace fheq::graph {
namespace {

using quant::testing::GraphBuilder;
using quant::testing::random_batch;

// conv → `op` (its scalar inputs as constants) → MaxPool 2×2 → linear, as written (activation before the pool).
Graph conv_activation_pool(const std::string& op, std::map<std::string, AttributeValue> attributes,
                           std::mt19937_64& rng, std::vector<std::pair<std::string, double>> scalar_inputs = {}) {
  GraphBuilder b(Shape{1, 6, 6});
  const std::string conv = b.node("Conv", {"x", b.constant("w", Shape{3, 1, 3, 3}, rng, 0.7), b.constant("b", Shape{3}, rng, 0.2)},
                                  Shape{3, 4, 4}, {{"kernel_shape", std::vector<int64_t>{3, 3}}});
  std::vector<std::string> inputs{conv};
  for (const auto& [name, value] : scalar_inputs) inputs.push_back(b.constant_values(name, Shape{}, {value}));
  const std::string act = b.node(op, inputs, Shape{3, 4, 4}, std::move(attributes));
  const std::string pool = b.node("MaxPool", {act}, Shape{3, 2, 2},
                                  {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  const std::string flat = b.node("Flatten", {pool}, Shape{12}, {{"axis", int64_t{1}}});
  return b.finish(b.linear(flat, 12, 4, rng));
}

// Moves the activation, checks the new order and returns the largest output difference to the graph as written.
double moved_difference(const Graph& written, std::mt19937_64& rng) {
  Graph moved = written;
  simplify::pool_before_activation(moved);
  simplify::check_value_shapes(moved);
  EXPECT_EQ(moved.nodes[1].op_type, "MaxPool");
  EXPECT_EQ(moved.nodes[2].op_type, written.nodes[1].op_type);
  const FloatTensor x = random_batch(Shape{1, 6, 6}, 64, rng, -2, 2);
  const FloatTensor a = run_graph(written, x), b = run_graph(moved, x);
  double worst = 0;
  for (int64_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

TEST(PoolBeforeActivation, PiecewiseLinearActivationsMoveBitForBit) {
  std::mt19937_64 rng(test_support::test_seed("PoolBeforeActivation.PiecewiseLinearActivationsMoveBitForBit"));
  EXPECT_EQ(moved_difference(conv_activation_pool("Relu", {}, rng), rng), 0.0);
  EXPECT_EQ(moved_difference(conv_activation_pool("LeakyRelu", {{"alpha", 0.1}}, rng), rng), 0.0);
  EXPECT_EQ(moved_difference(conv_activation_pool("HardSigmoid", {}, rng), rng), 0.0);
  EXPECT_EQ(moved_difference(conv_activation_pool("Clip", {}, rng, {{"lo", -0.5}, {"hi", 0.8}}), rng), 0.0);
}

TEST(PoolBeforeActivation, SmoothActivationsMoveToTheLastPlace) {
  std::mt19937_64 rng(test_support::test_seed("PoolBeforeActivation.SmoothActivationsMoveToTheLastPlace"));
  for (const char* op : {"Sigmoid", "Tanh", "Softplus", "Softsign", "Elu", "Celu", "Selu"})
    EXPECT_LE(moved_difference(conv_activation_pool(op, {}, rng), rng), 1e-12) << op;
}

TEST(PoolBeforeActivation, OtherActivationsAndSharedValuesStay) {
  std::mt19937_64 rng(test_support::test_seed("PoolBeforeActivation.OtherActivationsAndSharedValuesStay"));
  // Not non-decreasing: Gelu dips below zero, HardSwish too, LeakyRelu with a negative slope falls.
  for (const auto& [op, attributes] : std::vector<std::pair<std::string, std::map<std::string, AttributeValue>>>{
           {"Gelu", {}}, {"HardSwish", {}}, {"LeakyRelu", {{"alpha", -0.5}}}, {"Abs", {}}}) {
    Graph g = conv_activation_pool(op, attributes, rng);
    simplify::pool_before_activation(g);
    EXPECT_EQ(g.nodes[1].op_type, op) << op << " moved";
  }
  // A Relu read by the pool and by something else stays where it is.
  GraphBuilder b(Shape{4, 4, 4});
  const std::string relu = b.node("Relu", {"x"}, Shape{4, 4, 4});
  const std::string pool = b.node("MaxPool", {relu}, Shape{4, 2, 2},
                                  {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  const std::string pooled_sum = b.node("ReduceSum", {pool, b.constant_values("axes", Shape{2}, {2, 3})}, Shape{4, 1, 1});
  const std::string relu_sum = b.node("ReduceSum", {relu, b.constant_values("axes2", Shape{2}, {2, 3})}, Shape{4, 1, 1});
  Graph shared = b.finish(b.node("Add", {pooled_sum, relu_sum}, Shape{4, 1, 1}));
  simplify::pool_before_activation(shared);
  EXPECT_EQ(shared.nodes[0].op_type, "Relu");
  EXPECT_EQ(shared.nodes[1].op_type, "MaxPool");
}

}  // namespace
}  // namespace fheq::graph
