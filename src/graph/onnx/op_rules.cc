// Import rules per operator (see op_rules.h).
#include "graph/onnx/op_rules.h"

#include <functional>
#include <map>

#include "core/check.h"

namespace fheq::graph {
namespace onnx_import {
namespace {

using Rule = std::function<void(const Graph&, const Node&)>;

std::string where(const Graph& graph, const Node& node) {
  return graph.source + ": node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(graph.opset) + ")";
}

bool present(const Node& node, size_t index) { return index < node.inputs.size() && !node.inputs[index].empty(); }

// Input `index`, when present, must be a constant (a clear value known at compile time).
Rule constant_input(size_t index, const char* what) {
  return [index, what](const Graph& graph, const Node& node) {
    FHEQ_REQUIRE(!present(node, index) || graph.is_constant(node.inputs[index]), where(graph, node), ": ", what,
                 " must be a constant (an initializer or computed from initializers)");
  };
}

Rule all_of(std::vector<Rule> rules) {
  return [rules](const Graph& graph, const Node& node) {
    for (const auto& rule : rules) rule(graph, node);
  };
}

void no_extra_outputs(const Graph& graph, const Node& node, size_t allowed, const char* what) {
  for (size_t i = allowed; i < node.outputs.size(); ++i)
    FHEQ_REQUIRE(node.outputs[i].empty(), where(graph, node), ": the ", what, " output is not supported");
}

const Rule kNone = [](const Graph&, const Node&) {};

const std::map<std::string, Rule>& rules() {
  static const std::map<std::string, Rule> table = [] {
    std::map<std::string, Rule> t;
    // Elementwise activations and math: no extra requirements.
    for (const char* op : {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Softsign", "Elu", "Celu", "Selu",
                           "HardSigmoid", "HardSwish", "Erf", "Gelu", "Exp", "Log", "Abs", "Neg", "Sqrt",
                           "Reciprocal", "Identity", "Dropout", "Add", "Sub", "Mul", "Max", "Min", "Sum",
                           "Flatten", "Transpose", "Concat", "MatMul", "GlobalAveragePool", "GlobalMaxPool",
                           "Softmax", "LogSoftmax", "Shape", "Cast"})
      t[op] = kNone;
    t["Div"] = constant_input(1, "the divisor");
    t["Pow"] = constant_input(1, "the exponent");
    t["PRelu"] = constant_input(1, "the slope");
    t["Clip"] = all_of({constant_input(1, "min"), constant_input(2, "max")});
    t["Gemm"] = kNone;
    t["Conv"] = all_of({constant_input(1, "the weight"), constant_input(2, "the bias")});
    t["AveragePool"] = kNone;
    t["MaxPool"] = [](const Graph& graph, const Node& node) {
      no_extra_outputs(graph, node, 1, "Indices");
      FHEQ_REQUIRE(node.attr_int("storage_order", 0) == 0, where(graph, node), ": storage_order=1 is not supported");
    };
    t["BatchNormalization"] = [](const Graph& graph, const Node& node) {
      for (size_t i = 1; i < 5; ++i) constant_input(i, "scale, B, mean and var")(graph, node);
      FHEQ_REQUIRE(node.attr_int("training_mode", 0) == 0, where(graph, node), ": training_mode=1 is not supported");
      no_extra_outputs(graph, node, 1, "running mean / var");
    };
    t["LayerNormalization"] = [](const Graph& graph, const Node& node) {
      constant_input(1, "the scale")(graph, node);
      constant_input(2, "the bias")(graph, node);
      no_extra_outputs(graph, node, 1, "Mean / InvStdDev");
    };
    for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"}) t[op] = constant_input(1, "axes");
    t["Reshape"] = constant_input(1, "the target shape");
    t["Squeeze"] = constant_input(1, "axes");
    t["Unsqueeze"] = constant_input(1, "axes");
    t["Expand"] = constant_input(1, "the target shape");
    t["Gather"] = constant_input(1, "indices");
    t["Slice"] = all_of({constant_input(1, "starts"), constant_input(2, "ends"), constant_input(3, "axes"),
                         constant_input(4, "steps")});
    t["Pad"] = all_of({constant_input(1, "pads"), constant_input(2, "the constant value"),
                       [](const Graph& graph, const Node& node) {
                         FHEQ_REQUIRE(!present(node, 3), where(graph, node), ": the axes input is not supported");
                       }});
    t["ConstantOfShape"] = constant_input(0, "the shape");
    // Model quantizers (graph/ops/quantize.h): their parameters define the integer grid, so they must be known.
    const Rule quantizer_parameters = all_of({constant_input(1, "the scale"), constant_input(2, "the zero point"),
                                             constant_input(3, "the bit width"), constant_input(4, "the output bit width")});
    for (const char* op : {"QuantizeLinear", "DequantizeLinear", "Quant", "FakeQuant", "BipolarQuant", "Trunc"})
      t[op] = quantizer_parameters;
    // Constant is turned into a graph constant by the importer and never reaches the rules.
    t["Constant"] = kNone;
    return t;
  }();
  return table;
}

}  // namespace

bool is_supported_op(const std::string& op_type) { return rules().count(op_type) != 0; }

void check_node_rules(const Graph& graph, const Node& node) {
  auto it = rules().find(node.op_type);
  FHEQ_REQUIRE(it != rules().end(), where(graph, node), ": operator not supported");
  it->second(graph, node);
}

}  // namespace onnx_import

const std::vector<std::string>& supported_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (const auto& [name, rule] : onnx_import::rules())
      if (name != "FakeQuant") names.push_back(name);  // fheq's internal form of the quantizers, not an ONNX op
    return names;  // std::map keeps them sorted
  }();
  return ops;
}

}  // namespace fheq::graph
