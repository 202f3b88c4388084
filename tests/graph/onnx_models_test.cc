// Every op family against PyTorch: tests/data/onnx/NAME.onnx run on NAME.input.npy must match
// NAME.output.npy, which PyTorch computed in float64 from the same float32 weights
// (tests/data/make_test_models.py). Tolerance: 1e-5 relative (plus 1e-9 absolute near zero).
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

struct ModelCase {
  const char* name;
  std::vector<const char*> expected_ops;  // op types that must survive import (the family under test)
};

class OnnxModelTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(OnnxModelTest, MatchesPyTorchFloat64) {
  const ModelCase& c = GetParam();
  Graph graph = load_onnx(test_model_path(std::string(c.name) + ".onnx"));
  for (const char* op : c.expected_ops) {
    EXPECT_TRUE(std::any_of(graph.nodes.begin(), graph.nodes.end(), [&](const Node& n) { return n.op_type == op; }))
        << c.name << " lost its " << op << " node";
  }
  FloatTensor input = read_npy(test_model_path(std::string(c.name) + ".input.npy"));
  FloatTensor expected = read_npy(test_model_path(std::string(c.name) + ".output.npy"));
  FloatTensor actual = run_graph(graph, input);
  EXPECT_TRUE(tensors_near(actual, expected, 1e-5));
  // The dynamic batch dim survives import.
  ASSERT_EQ(graph.inputs.size(), 1u);
  EXPECT_EQ(graph.inputs[0].shape[0], -1);
}

INSTANTIATE_TEST_SUITE_P(
    Families, OnnxModelTest,
    ::testing::Values(ModelCase{"gemm", {"Gemm", "Relu"}}, ModelCase{"matmul", {"MatMul", "Add"}},
                      ModelCase{"conv", {"Conv"}}, ModelCase{"conv1d", {"Conv", "Tanh"}},
                      ModelCase{"pool", {"MaxPool", "AveragePool", "GlobalAveragePool"}},
                      ModelCase{"pool_ceil_avg", {"MaxPool", "AveragePool"}},
                      ModelCase{"activations",
                                {"Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Softplus", "Elu", "Selu",
                                 "HardSigmoid", "HardSwish", "Gelu", "Softsign", "Clip", "Celu", "Concat"}},
                      ModelCase{"math", {"Exp", "Log", "Abs", "Neg", "Sqrt", "Pow", "Div", "Erf"}},
                      ModelCase{"broadcast", {"Add", "Mul", "Sub"}},
                      ModelCase{"shape_ops", {"Transpose", "Reshape", "Flatten", "Pad", "Concat"}},
                      ModelCase{"pad_modes", {"Pad"}}, ModelCase{"batchnorm", {"Conv", "Gemm"}},
                      ModelCase{"softmax", {"Softmax"}}, ModelCase{"logsoftmax", {"LogSoftmax"}},
                      ModelCase{"small_cnn", {"Conv", "MaxPool", "Gemm"}},
                      ModelCase{"layernorm", {"LayerNormalization", "Gelu"}},
                      ModelCase{"hardswish13", {"HardSwish"}},
                      ModelCase{"zero_pads", {"Conv", "AveragePool", "MaxPool", "Pad", "Relu"}},
                      ModelCase{"reduce", {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "Slice", "Gather"}}),
    [](const ::testing::TestParamInfo<ModelCase>& info) { return std::string(info.param.name); });

// Zero padding read by a Conv or an AveragePool becomes that op's `pads` (the family test above
// holds the folded graph to PyTorch's outputs); the zero-width Pad before MaxPool disappears;
// the Pad before Relu is not a window's padding and stays.
TEST(OnnxImport, ZeroPadsFoldIntoTheWindowOpThatReadsThem) {
  Graph graph = load_onnx(test_model_path("zero_pads.onnx"));
  std::vector<const Node*> pads;
  for (const Node& n : graph.nodes)
    if (n.op_type == "Pad") pads.push_back(&n);
  ASSERT_EQ(pads.size(), 1u);
  EXPECT_EQ(graph.consumers(pads[0]->outputs[0]).at(0)->op_type, "Relu");
  for (const Node& n : graph.nodes) {
    // F.pad(x, (1, 2, 0, 1)) pads W by 1 / 2 and H by 0 / 1 around the conv's own padding of 1.
    if (n.op_type == "Conv") {
      EXPECT_EQ(n.attr_ints("pads", {}), (std::vector<int64_t>{1, 2, 2, 3}));
    }
    if (n.op_type == "AveragePool") {
      EXPECT_EQ(n.attr_ints("pads", {}), (std::vector<int64_t>{1, 1, 1, 1}));
      EXPECT_EQ(n.attr_int("count_include_pad", 0), 1);
    }
    if (n.op_type == "MaxPool") {
      EXPECT_EQ(graph.producer(n.inputs[0])->op_type, "AveragePool");
    }
  }
}

// F.max_pool2d(F.relu(conv(x)), 2) imports as MaxPool → Relu: max commutes with ReLU, so the outputs are
// bit-identical to the graph imported without the swap, and each Relu reads a MaxPool that reads a Conv.
TEST(OnnxImport, ReluMovesAfterTheMaxPoolThatAloneReadsIt) {
  ImportOptions keep_order;
  keep_order.pool_before_activation = false;
  const Graph swapped = load_onnx(test_model_path("small_cnn.onnx"));
  const Graph as_written = load_onnx(test_model_path("small_cnn.onnx"), keep_order);
  int relus = 0;
  for (const Node& n : swapped.nodes) {
    if (n.op_type != "Relu") continue;
    ++relus;
    const Node* pool = swapped.producer(n.inputs[0]);
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->op_type, "MaxPool");
    EXPECT_EQ(swapped.producer(pool->inputs[0])->op_type, "Conv");
  }
  EXPECT_EQ(relus, 2);
  for (const Node& n : as_written.nodes)
    if (n.op_type == "MaxPool") {
      EXPECT_EQ(as_written.producer(n.inputs[0])->op_type, "Relu");
    }
  const FloatTensor input = read_npy(test_model_path("small_cnn.input.npy"));
  EXPECT_EQ(run_graph(swapped, input).data, run_graph(as_written, input).data);
}

// torch's x.view(x.size(0), -1) chain must fold away: no shape computation is left for the
// encrypted pipeline, and the Reshape copies the batch dim (0) instead of fixing it.
TEST(OnnxImport, ShapeChainFoldsToBatchIndependentReshape) {
  Graph graph = load_onnx(test_model_path("shape_ops.onnx"));
  for (const Node& n : graph.nodes) {
    EXPECT_NE(n.op_type, "Shape");
    EXPECT_NE(n.op_type, "Gather");
    EXPECT_NE(n.op_type, "Unsqueeze");
    EXPECT_NE(n.op_type, "ConstantOfShape");
    for (const auto& in : n.inputs) EXPECT_TRUE(in.empty() || graph.is_constant(in) || graph.value_shapes.count(in) ||
                                                in == graph.inputs[0].name);
  }
  const Node* reshape = nullptr;
  for (const Node& n : graph.nodes)
    if (n.op_type == "Reshape") reshape = &n;
  ASSERT_NE(reshape, nullptr);
  const FloatTensor& target = graph.constant(reshape->inputs[1]);
  ASSERT_EQ(target.size(), 2);
  EXPECT_EQ(target[0], 0.0);
  EXPECT_EQ(target[1], -1.0);
  // Different batch sizes run through the same graph (the reference was made for batch 3).
  FloatTensor input = read_npy(test_model_path("shape_ops.input.npy"));
  FloatTensor expected = read_npy(test_model_path("shape_ops.output.npy"));
  for (int64_t b = 1; b <= 3; ++b) {
    FloatTensor part({b, 2, 4, 6}, std::vector<double>(input.data.begin(), input.data.begin() + b * 48));
    FloatTensor want({b, 5}, std::vector<double>(expected.data.begin(), expected.data.begin() + b * 5));
    EXPECT_TRUE(tensors_near(run_graph(graph, part), want, 1e-5)) << "batch " << b;
  }
}

// Without folding, the Shape chain stays in the graph and is executed; the result is the same.
TEST(OnnxImport, UnfoldedShapeChainComputesTheSame) {
  ImportOptions no_fold;
  no_fold.fold_constants = false;
  Graph unfolded = load_onnx(test_model_path("shape_ops.onnx"), no_fold);
  Graph folded = load_onnx(test_model_path("shape_ops.onnx"));
  auto has = [](const Graph& g, const char* op) {
    return std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op_type == op; });
  };
  EXPECT_TRUE(has(unfolded, "Shape"));
  EXPECT_FALSE(has(folded, "Shape"));
  FloatTensor input = read_npy(test_model_path("shape_ops.input.npy"));
  EXPECT_TRUE(tensors_near(run_graph(unfolded, input), run_graph(folded, input), 0.0, 0.0));
}

TEST(OnnxImport, ValueShapesMarkTheBatchDim) {
  Graph graph = load_onnx(test_model_path("small_cnn.onnx"));
  EXPECT_EQ(graph.inputs[0].shape, (Shape{-1, 1, 28, 28}));
  EXPECT_EQ(graph.outputs[0].shape, (Shape{-1, 10}));
  for (const Node& n : graph.nodes) {
    ASSERT_TRUE(graph.value_shapes.count(n.outputs[0])) << n.name;
    EXPECT_EQ(graph.value_shapes.at(n.outputs[0])[0], -1) << n.name;
  }
  EXPECT_EQ(graph.value_shapes.at(graph.nodes.front().outputs[0]), (Shape{-1, 8, 26, 26}));
}

TEST(OnnxImport, SoftmaxIsAClientSideTail) {
  for (const char* name : {"softmax.onnx", "logsoftmax.onnx"}) {
    Graph graph = load_onnx(test_model_path(name));
    ASSERT_EQ(graph.client_side_tail, 1) << name;
    const Node& last = graph.nodes.back();
    EXPECT_TRUE(last.op_type == "Softmax" || last.op_type == "LogSoftmax");
    // The server part ends at the tail's input (the logits).
    std::vector<std::string> server = graph.server_outputs();
    ASSERT_EQ(server.size(), 1u);
    EXPECT_EQ(server[0], last.inputs[0]);
    EXPECT_EQ(graph.producer(server[0])->op_type, "Gemm");
  }
  Graph plain = load_onnx(test_model_path("gemm.onnx"));
  EXPECT_EQ(plain.client_side_tail, 0);
  EXPECT_EQ(plain.server_outputs(), std::vector<std::string>{plain.outputs[0].name});
}

// A model exported with a fixed batch of 1 (torch folds x.view(x.size(0), -1) to [1, -1]) still
// runs a batch of 3: the executor feeds it one sample at a time.
TEST(OnnxImport, FixedBatchModelRunsLargerBatches) {
  Graph graph = load_onnx(test_model_path("static_batch.onnx"));
  EXPECT_EQ(graph.inputs[0].shape, (Shape{1, 2, 3, 4}));
  FloatTensor input = read_npy(test_model_path("static_batch.input.npy"));
  FloatTensor expected = read_npy(test_model_path("static_batch.output.npy"));
  ASSERT_EQ(input.dim(0), 3);
  EXPECT_TRUE(tensors_near(run_graph(graph, input), expected, 1e-5));
}

// Identity and inference Dropout disappear; the Constant node becomes a constant; the graph
// output keeps its name.
TEST(OnnxImport, IdentityDropoutAndConstantAreRemoved) {
  Graph graph = load_onnx(test_model_path("identity_dropout.onnx"));
  ASSERT_EQ(graph.nodes.size(), 2u);
  EXPECT_EQ(graph.nodes[0].op_type, "LeakyRelu");
  EXPECT_EQ(graph.nodes[0].inputs[0], "input");
  EXPECT_EQ(graph.nodes[1].op_type, "Mul");
  EXPECT_EQ(graph.nodes[1].outputs[0], "output");
  EXPECT_TRUE(graph.is_constant("slope"));
  FloatTensor x({2, 4}, {-4, -1, 0, 2, 3, -0.5, 8, -8});
  FloatTensor y = run_graph(graph, x);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_DOUBLE_EQ(y[i], (x[i] < 0 ? 0.25 * x[i] : x[i]) * 0.25);
}

// torch writes Gelu as Div/Erf/Add/Mul/Mul; the importer fuses it back into one Gelu node
// (one function of one tensor). Fused and unfused graphs compute the same values.
TEST(OnnxImport, GeluChainFusesIntoOneNode) {
  ImportOptions unfused_options;
  unfused_options.fuse_activations = false;
  Graph unfused = load_onnx(test_model_path("layernorm.onnx"), unfused_options);
  Graph fused = load_onnx(test_model_path("layernorm.onnx"));
  auto count = [](const Graph& g, const char* op) {
    return std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op_type == op; });
  };
  EXPECT_EQ(count(unfused, "Erf"), 1);
  EXPECT_EQ(count(unfused, "Gelu"), 0);
  EXPECT_EQ(count(fused, "Erf"), 0);
  EXPECT_EQ(count(fused, "Mul"), 0);
  EXPECT_EQ(count(fused, "Gelu"), 1);
  EXPECT_EQ(fused.nodes.size() + 4, unfused.nodes.size());
  FloatTensor input = read_npy(test_model_path("layernorm.input.npy"));
  EXPECT_TRUE(tensors_near(run_graph(fused, input), run_graph(unfused, input), 1e-7));
}

}  // namespace
}  // namespace fheq::graph
