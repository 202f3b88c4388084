// MaxPool(f(x)) → f(MaxPool(x)) for an elementwise non-decreasing activation f: max_i f(x_i) = f(max_i x_i), with
// MaxPool's padding (never the maximum) and ceil_mode alike. For the piecewise-linear ones (Relu, LeakyRelu, Clip,
// HardSigmoid) this holds bit for bit in floating point; for the others it holds up to the last-place rounding of
// f near ties. After the swap the activation runs on the pooled tensor: a 2×2 pool after a convolution needs a
// quarter of the activation's table lookups (one PBS each in FHE).
#include <algorithm>

#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

// Whether `node` computes a non-decreasing function of its first input alone (its other inputs, if any, constant).
bool non_decreasing_activation(const Graph& graph, const Node& node) {
  const std::string& op = node.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Softplus" || op == "Softsign") return true;
  if (op == "LeakyRelu") return node.attr_float("alpha", 0.01) >= 0.0;
  if (op == "Elu") return node.attr_float("alpha", 1.0) >= 0.0;
  if (op == "Celu") return node.attr_float("alpha", 1.0) > 0.0;
  if (op == "Selu") return node.attr_float("alpha", 1.67326319217681884765625) >= 0.0 && node.attr_float("gamma", 1.05070102214813232421875) >= 0.0;
  if (op == "HardSigmoid") return node.attr_float("alpha", 0.2) >= 0.0;
  if (op == "Clip")  // min/max bounds must be constants (or absent) for Clip to be a function of x alone
    return std::all_of(node.inputs.begin() + 1, node.inputs.end(),
                       [&](const std::string& in) { return in.empty() || graph.is_constant(in); });
  return false;
}

}  // namespace

void pool_before_activation(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (!non_decreasing_activation(graph, graph.nodes[i]) || graph.nodes[i].outputs.size() != 1) continue;
    const std::string between = graph.nodes[i].outputs[0];
    if (graph.is_output(between)) continue;
    const std::vector<const Node*> readers = graph.consumers(between);
    if (readers.size() != 1) continue;
    const auto j = static_cast<size_t>(readers[0] - graph.nodes.data());
    Node& pool = graph.nodes[j];
    const bool no_indices = pool.outputs.size() == 1 || (pool.outputs.size() == 2 && pool.outputs[1].empty());
    if (pool.op_type != "MaxPool" || pool.inputs.at(0) != between || !no_indices) continue;
    Node activation = graph.nodes[i];
    const std::string pooled = pool.outputs[0];
    pool.inputs[0] = activation.inputs[0];
    pool.outputs[0] = between;  // now the pooled pre-activation tensor
    activation.inputs[0] = between;
    activation.outputs[0] = pooled;
    // The pool moves up to the activation's place (its input is defined there), the activation down to the pool's.
    graph.nodes[i] = pool;
    graph.nodes[j] = activation;
    // `between` now holds the pooled tensor: the activation keeps shapes, so it has the shape the pool's output had.
    if (const auto shape = graph.value_shapes.find(pooled); shape != graph.value_shapes.end())
      graph.value_shapes[between] = shape->second;
  }
}

}  // namespace fheq::graph::simplify
