// MaxPool(Relu(x)) → Relu(MaxPool(x)). ReLU is non-decreasing, so it commutes with a maximum: max_i relu(x_i) =
// relu(max_i x_i), bit for bit in floating point, with MaxPool's padding (never the maximum) and ceil_mode alike.
// After the swap the activation runs on the pooled tensor: a 2×2 pool after a convolution needs a quarter of
// the activation's table lookups (one PBS each in FHE).
#include <algorithm>

#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

bool is_graph_output(const Graph& graph, const std::string& value) {
  return std::any_of(graph.outputs.begin(), graph.outputs.end(), [&](const ValueInfo& v) { return v.name == value; });
}

// Index of the only node reading `value` (as any input), or -1 when none or several read it.
int64_t only_reader(const Graph& graph, const std::string& value) {
  int64_t found = -1;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto& in = graph.nodes[i].inputs;
    const auto uses = std::count(in.begin(), in.end(), value);
    if (uses == 0) continue;
    if (uses > 1 || found >= 0) return -1;
    found = static_cast<int64_t>(i);
  }
  return found;
}

}  // namespace

void pool_before_relu(Graph& graph) {
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (graph.nodes[i].op_type != "Relu" || graph.nodes[i].outputs.size() != 1) continue;
    const std::string between = graph.nodes[i].outputs[0];
    if (is_graph_output(graph, between)) continue;
    const int64_t j = only_reader(graph, between);
    if (j < 0) continue;
    Node& pool = graph.nodes[static_cast<size_t>(j)];
    const bool no_indices = pool.outputs.size() == 1 || (pool.outputs.size() == 2 && pool.outputs[1].empty());
    if (pool.op_type != "MaxPool" || pool.inputs.at(0) != between || !no_indices) continue;
    Node relu = graph.nodes[i];
    const std::string pooled = pool.outputs[0];
    pool.inputs[0] = relu.inputs[0];
    pool.outputs[0] = between;  // now the pooled pre-activation tensor
    relu.inputs[0] = between;
    relu.outputs[0] = pooled;
    // The pool moves up to the ReLU's place (its input is defined there), the ReLU down to the pool's.
    graph.nodes[i] = pool;
    graph.nodes[static_cast<size_t>(j)] = relu;
    // `between` now holds the pooled tensor: the ReLU keeps shapes, so it has the shape the pool's output had.
    if (const auto shape = graph.value_shapes.find(pooled); shape != graph.value_shapes.end())
      graph.value_shapes[between] = shape->second;
  }
}

}  // namespace fheq::graph::simplify
