// Float executor behaviour not covered by the PyTorch model files: broadcasting on hand-built
// graphs against explicit loops, batch chunking, intermediates, input checks, throughput.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "graph/float_executor.h"
#include "graph/onnx/onnx_import.h"
#include "test_support.h"

namespace fheq::graph {
namespace {

using ::testing::HasSubstr;
using testing::tensors_near;
using testing::test_model_path;

FloatTensor random_tensor(std::mt19937_64& rng, Shape shape) {
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  FloatTensor t(std::move(shape));
  for (double& v : t.data) v = dist(rng);
  return t;
}

Node make_node(std::string name, std::string op, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = std::move(name);
  n.op_type = std::move(op);
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST(FloatExecutor, BroadcastingMatchesExplicitLoops) {
  std::mt19937_64 rng(testing::test_seed());
  // y = (x + a) * b - c with x [N,3,4], a [4], b [3,1], c [1,3,1].
  Graph g;
  g.source = "handmade";
  g.inputs = {{"x", {-1, 3, 4}}};
  g.outputs = {{"y", {-1, 3, 4}}};
  g.constants["a"] = random_tensor(rng, {4});
  g.constants["b"] = random_tensor(rng, {3, 1});
  g.constants["c"] = random_tensor(rng, {1, 3, 1});
  g.nodes = {make_node("add", "Add", {"x", "a"}, {"t1"}), make_node("mul", "Mul", {"t1", "b"}, {"t2"}),
             make_node("sub", "Sub", {"t2", "c"}, {"y"})};
  FloatTensor x = random_tensor(rng, {5, 3, 4});
  FloatTensor y = run_graph(g, x);
  ASSERT_EQ(y.shape, (Shape{5, 3, 4}));
  const auto &a = g.constants["a"], &b = g.constants["b"], &c = g.constants["c"];
  for (int64_t n = 0; n < 5; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        const double want = (x[(n * 3 + i) * 4 + j] + a[j]) * b[i] - c[i];
        // Terms are below 16 in magnitude; the compiler may fuse a multiply-add (FMA) in one of
        // the two computations, which changes the result by a few ulps of the terms.
        EXPECT_NEAR(y[(n * 3 + i) * 4 + j], want, 1e-13);
      }
}

TEST(FloatExecutor, IncompatibleBroadcastNamesTheNode) {
  Graph g;
  g.source = "handmade";
  g.inputs = {{"x", {-1, 3}}};
  g.outputs = {{"y", {-1, 3}}};
  g.constants["a"] = FloatTensor({2}, {1.0, 2.0});
  g.nodes = {make_node("bad_add", "Add", {"x", "a"}, {"y"})};
  try {
    run_graph(g, FloatTensor({2, 3}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("handmade: node 'bad_add' (Add): shapes [2, 3] and [2] do not broadcast"));
  }
}

TEST(FloatExecutor, MatMulFollowsNumpyRanks) {
  Node n = make_node("mm", "MatMul", {"a", "b"}, {"y"});
  FloatTensor v({3}, {1, 2, 3}), m({3, 2}, {1, 2, 3, 4, 5, 6}), batch({2, 1, 3}, {1, 0, 0, 0, 1, 0});
  FloatTensor vm = run_node(n, {&v, &m})[0];  // [3] x [3,2] -> [2]
  EXPECT_EQ(vm.shape, (Shape{2}));
  EXPECT_EQ(vm.data, (std::vector<double>{22, 28}));
  FloatTensor mt({2, 3}, {1, 3, 5, 2, 4, 6});
  FloatTensor mv = run_node(n, {&mt, &v})[0];  // [2,3] x [3] -> [2]
  EXPECT_EQ(mv.data, (std::vector<double>{22, 28}));
  FloatTensor bm = run_node(n, {&batch, &m})[0];  // [2,1,3] x [3,2] -> [2,1,2]: picks rows 0 and 1 of m
  EXPECT_EQ(bm.shape, (Shape{2, 1, 2}));
  EXPECT_EQ(bm.data, (std::vector<double>{1, 2, 3, 4}));
}

TEST(FloatExecutor, SoftmaxRowsAreDistributions) {
  std::mt19937_64 rng(testing::test_seed());
  FloatTensor x = random_tensor(rng, {4, 7});
  for (double& v : x.data) v *= 300.0;  // large logits: the max shift must keep exp finite
  Node sm = make_node("sm", "Softmax", {"x"}, {"y"}), lsm = make_node("lsm", "LogSoftmax", {"x"}, {"y"});
  FloatTensor p = run_node(sm, {&x})[0], lp = run_node(lsm, {&x})[0];
  for (int64_t r = 0; r < 4; ++r) {
    double sum = 0.0;
    for (int64_t c = 0; c < 7; ++c) {
      sum += p[r * 7 + c];
      EXPECT_NEAR(std::exp(lp[r * 7 + c]), p[r * 7 + c], 1e-12);
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

TEST(FloatExecutor, WrongInputShapeIsAnError) {
  Graph g = load_onnx(test_model_path("small_cnn.onnx"));
  try {
    run_graph(g, FloatTensor({2, 1, 27, 28}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("small_cnn.onnx: input 'input' has shape [2, 1, 27, 28], expected [-1, 1, 28, 28]"));
  }
}

TEST(FloatExecutor, UnknownOpHasNoKernel) {
  Node n = make_node("e", "Einsum", {"x"}, {"y"});
  FloatTensor x({1});
  EXPECT_THROW(run_node(n, {&x}), Error);
}

// The parallel chunked run must equal running every sample alone, bit for bit.
TEST(FloatExecutor, ChunkedBatchEqualsSampleBySample) {
  std::mt19937_64 rng(testing::test_seed());
  Graph g = load_onnx(test_model_path("small_cnn.onnx"));
  FloatTensor batch = random_tensor(rng, {37, 1, 28, 28});
  FloatTensor all = run_graph(g, batch);
  ASSERT_EQ(all.shape, (Shape{37, 10}));
  for (int64_t i = 0; i < 37; ++i) {
    FloatTensor one({1, 1, 28, 28}, std::vector<double>(batch.data.begin() + i * 784, batch.data.begin() + (i + 1) * 784));
    FloatTensor y = run_graph(g, one);
    for (int64_t k = 0; k < 10; ++k) ASSERT_EQ(y[k], all[i * 10 + k]) << "sample " << i;
  }
}

TEST(FloatExecutor, KeepIntermediatesReturnsEveryValue) {
  std::mt19937_64 rng(testing::test_seed());
  Graph g = load_onnx(test_model_path("small_cnn.onnx"));
  FloatTensor batch = random_tensor(rng, {20, 1, 28, 28});
  ValueMap values = run_graph(g, ValueMap{{"input", batch}}, true);
  for (const Node& n : g.nodes) {
    ASSERT_TRUE(values.count(n.outputs[0])) << n.outputs[0];
    Shape want = g.value_shapes.at(n.outputs[0]);
    want[0] = 20;
    EXPECT_EQ(values.at(n.outputs[0]).shape, want) << n.outputs[0];
  }
  EXPECT_TRUE(tensors_near(values.at("output"), run_graph(g, batch), 0.0, 0.0));
}

// Throughput: 10,000 Fashion-MNIST-sized images through a small CNN in a few seconds.
// A full test-set-sized batch (10,000 images, split into chunks over the thread pool) gives, for every
// sample checked, exactly what that sample gives alone. Its speed is measured in bench/, not here.
TEST(FloatExecutor, TenThousandImageBatchEqualsSingleSampleRuns) {
  std::string path = std::string(FHEQ_SOURCE_DIR) + "/models/fmnist_cnn.onnx";
  if (!std::filesystem::exists(path)) path = test_model_path("small_cnn.onnx");
  Graph g = load_onnx(path);
  std::mt19937_64 rng(testing::test_seed());
  std::uniform_real_distribution<double> pixel(0.0, 1.0);
  FloatTensor batch({10000, 1, 28, 28});
  for (double& v : batch.data) v = pixel(rng);
  FloatTensor y = run_graph(g, batch);
  ASSERT_EQ(y.shape, (Shape{10000, 10}));
  const int64_t per_image = 28 * 28;
  for (int64_t sample : {int64_t{0}, int64_t{4999}, int64_t{9999}, static_cast<int64_t>(rng() % 10000)}) {
    FloatTensor one({1, 1, 28, 28},
                    std::vector<double>(batch.data.begin() + sample * per_image, batch.data.begin() + (sample + 1) * per_image));
    FloatTensor y_one = run_graph(g, one);
    for (int64_t c = 0; c < 10; ++c) ASSERT_EQ(y_one[c], y[sample * 10 + c]) << "sample " << sample << " class " << c;
  }
}

}  // namespace
}  // namespace fheq::graph
