// Encrypted = simulate = clear for the ops that move elements (Concat, Transpose, Slice, Pad, Gather), reduce
// (ReduceMean) and multiply two encrypted tensors (a gated product and an SE-style broadcast product), in one
// float graph quantized at 4 bits and compiled with a TOY parameter set.
#include <gtest/gtest.h>

#include "../compiler/window_check.h"
#include "../quant/float_graph_builder.h"
#include "../quant/quant_test_support.h"
#include "compiler/simulate.h"
#include "graph/float_executor.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"
#include "runtime/client_crypto.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using testing::test_seed;

// [2, 4, 4] input: two conv-free branches (Relu, Sigmoid of a scaled copy) concatenated on channels, a channels-
// last transpose, a slice and a gather, a pad, a channel mean gating the tensor, a tanh, a row sum, a gated
// product, a classifier.
graph::Graph structure_graph(std::mt19937_64& rng) {
  quant::testing::GraphBuilder b(Shape{2, 4, 4});
  const std::string left = b.node("Relu", {"x"}, Shape{2, 4, 4});
  const std::string right = b.node("Tanh", {b.node("Mul", {"x", b.constant_values("two", Shape{}, {2.0})}, Shape{2, 4, 4})},
                                   Shape{2, 4, 4});
  const std::string cat = b.node("Concat", {left, right}, Shape{4, 4, 4}, {{"axis", int64_t{1}}});
  const std::string nhwc = b.node("Transpose", {cat}, Shape{4, 4, 4}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
  const std::string sliced = b.node("Slice", {nhwc, b.constant_values("s", Shape{1}, {1}), b.constant_values("e", Shape{1}, {4}),
                                              b.constant_values("a", Shape{1}, {1})},
                                    Shape{3, 4, 4});
  const std::string picked = b.node("Gather", {sliced, b.constant_values("i", Shape{2}, {0, 2})}, Shape{3, 2, 4},
                                    {{"axis", int64_t{2}}});
  const std::string padded = b.node("Pad", {picked, b.constant_values("p", Shape{8}, {0, 0, 1, 0, 0, 0, 0, 0})}, Shape{3, 3, 4});
  const std::string mean = b.node("ReduceMean", {padded}, Shape{3, 1, 1}, {{"axes", std::vector<int64_t>{2, 3}}});
  const std::string gated = b.node("Mul", {padded, b.node("Sigmoid", {mean}, Shape{3, 1, 1})}, Shape{3, 3, 4});
  const std::string squashed = b.node("Tanh", {gated}, Shape{3, 3, 4});
  const std::string rows = b.node("ReduceSum", {squashed, b.constant_values("ax", Shape{1}, {3})}, Shape{3, 3},
                                  {{"keepdims", int64_t{0}}});
  const std::string flat = b.node("Flatten", {rows}, Shape{9}, {{"axis", int64_t{1}}});
  const std::string value = b.linear(flat, 9, 6, rng);
  const std::string gate = b.node("Sigmoid", {b.linear(flat, 9, 6, rng)}, Shape{6});
  return b.finish(b.linear(b.node("Mul", {value, gate}, Shape{6}), 6, 3, rng));
}

// Quantizes `g` (4-bit inputs and activations, 3-bit weights: the TOY set stays exact after the products),
// checks that every op kind in `kinds` is in the integer graph, compiles it with exact rounding on its TOY set,
// and holds the decrypted outputs of 8 calibration rows equal to the noiseless simulation, and to the clear run on
// the samples inside every window.
void expect_encrypted_equals_simulate_and_clear(const graph::Graph& g, const Shape& sample, uint64_t seed,
                                                std::mt19937_64& rng, const std::vector<std::string>& kinds) {
  const FloatTensor calibration = quant::testing::random_batch(sample, 300, rng, -1, 1);
  PtqOptions ptq = quant::testing::test_ptq_options();
  ptq.n_bits = NBits{4, 3, 4, 0};
  const quant::QuantizedNetwork net = quant::quantize_graph(g, calibration, ptq);
  for (const std::string& kind : kinds) {
    bool found = false;
    for (const quant::IntOp& op : net.graph.ops) found = found || quant::op_kind(op) == kind;
    EXPECT_TRUE(found) << kind << " missing from the integer graph";
  }
  const compiler::FheCircuit circuit = testing::compile_exact_on_toy(net, 5);
  ASSERT_LT(circuit.global_p_error, 1e-6) << "TOY set too noisy for this circuit: the test would not be exact";
  const ClientSpec client = make_client_spec(circuit, net);
  const IntTensor codes = quant::quantize_input(net.input, slice_batch(calibration, 0, 8));
  const std::vector<IntTensor> all = quant::run_integer_graph_all(circuit.graph, codes);
  const IntTensor encrypted = testing::encrypt_run_decrypt(circuit, client, codes, seed);
  compiler::SimulateOptions noiseless;
  noiseless.noise_scale = 0;
  const IntTensor simulated = compiler::run_circuit_simulate(circuit, codes, noiseless);
  ASSERT_EQ(encrypted.shape, simulated.shape);
  const int64_t tolerance = circuit.output.exact ? 0 : static_cast<int64_t>(std::ceil(8 * circuit.output.noise_std));
  for (int64_t i = 0; i < encrypted.size(); ++i)
    ASSERT_LE(std::abs(encrypted[i] - simulated[i]), tolerance) << "output element " << i;
  // Clear clamps where FHE wraps (an accumulator past its table window after upstream rounding): compare the
  // samples inside every window.
  const int64_t inside = compiler::testing::expect_equal_to_clear_inside_windows(circuit, all, encrypted, tolerance);
  std::printf("%lld of 8 samples inside every window, compared with clear\n", static_cast<long long>(inside));
  EXPECT_GE(inside, 4);
}

TEST(ExecuteStructure, MovesReductionsAndProductsEqualSimulateAndClear) {
  const uint64_t seed = test_seed("ExecuteStructure.MovesReductionsAndProductsEqualSimulateAndClear");
  std::mt19937_64 rng(seed);
  expect_encrypted_equals_simulate_and_clear(structure_graph(rng), Shape{2, 4, 4}, seed, rng,
                                             {"Concat", "Transpose", "Slice", "Gather", "Pad", "ReduceSum", "Expand"});
}

// Attention-style scores q·kᵀ: a MatMul of two encrypted matrices (IndexMap expansions, products, a ReduceSum).
TEST(ExecuteStructure, ProductOfTwoEncryptedMatricesEqualsSimulateAndClear) {
  const uint64_t seed = test_seed("ExecuteStructure.ProductOfTwoEncryptedMatricesEqualsSimulateAndClear");
  std::mt19937_64 rng(seed);
  quant::testing::GraphBuilder b(Shape{8});
  const std::string q = b.node("Reshape", {b.linear("x", 8, 6, rng), b.constant_values("q_shape", Shape{3}, {0, 3, 2})},
                               Shape{3, 2});
  const std::string kt = b.node("Reshape", {b.linear("x", 8, 6, rng), b.constant_values("k_shape", Shape{3}, {0, 2, 3})},
                                Shape{2, 3});
  const graph::Graph g = b.finish(b.node("MatMul", {q, kt}, Shape{3, 3}));
  expect_encrypted_equals_simulate_and_clear(g, Shape{8}, seed, rng, {"Expand", "ReduceSum"});
}

// Conv → MaxPool → Relu (how the import writes F.max_pool2d(F.relu(conv(x)), 2)): the max chain runs on the
// convolution's accumulators, its difference tables rounded like any other table.
TEST(ExecuteStructure, MaxPoolOfConvolutionAccumulatorsEqualsSimulateAndClear) {
  const uint64_t seed = test_seed("ExecuteStructure.MaxPoolOfConvolutionAccumulatorsEqualsSimulateAndClear");
  std::mt19937_64 rng(seed);
  quant::testing::GraphBuilder b(Shape{1, 6, 6});
  const std::string conv = b.node("Conv", {"x", b.constant("conv_w", Shape{2, 1, 3, 3}, rng, 0.5), b.constant("conv_b", Shape{2}, rng, 0.1)},
                                  Shape{2, 4, 4}, {{"kernel_shape", std::vector<int64_t>{3, 3}}});
  const std::string pool = b.node("MaxPool", {conv}, Shape{2, 2, 2},
                                  {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}});
  const std::string relu = b.node("Relu", {pool}, Shape{2, 2, 2});
  const std::string flat = b.node("Flatten", {relu}, Shape{8}, {{"axis", int64_t{1}}});
  const graph::Graph g = b.finish(b.linear(flat, 8, 3, rng));
  expect_encrypted_equals_simulate_and_clear(g, Shape{1, 6, 6}, seed, rng, {"WindowTap", "Conv2d"});
}

}  // namespace
}  // namespace fheq::runtime
