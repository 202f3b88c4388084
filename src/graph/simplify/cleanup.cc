// Identity / Dropout removal and dead-constant removal.
#include <algorithm>
#include <set>

#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {


}  // namespace

void remove_identities(Graph& graph) {
  std::vector<Node> kept;
  std::vector<Node> pending = std::move(graph.nodes);
  graph.nodes.clear();
  // Process in order; renames apply to the nodes still pending and those already kept.
  for (size_t i = 0; i < pending.size(); ++i) {
    Node node = pending[i];
    const bool dropout_mask_used =
        node.op_type == "Dropout" && node.outputs.size() > 1 && !node.outputs[1].empty() &&
        (graph.is_output(node.outputs[1]) ||
         std::any_of(pending.begin() + static_cast<std::ptrdiff_t>(i) + 1, pending.end(), [&](const Node& n) {
           return std::find(n.inputs.begin(), n.inputs.end(), node.outputs[1]) != n.inputs.end();
         }));
    const bool removable = (node.op_type == "Identity" || node.op_type == "Dropout") && !dropout_mask_used &&
                           !node.inputs.empty() && !node.inputs[0].empty();
    if (!removable) {
      kept.push_back(std::move(node));
      continue;
    }
    const std::string in = node.inputs[0], out = node.outputs[0];
    if (graph.is_output(out)) {
      // The graph output name must survive: make the producer write `out` directly.
      if (graph.is_input(in) || graph.is_constant(in) || graph.is_output(in)) {
        kept.push_back(std::move(node));
        continue;
      }
      for (Node& n : kept) {
        std::replace(n.inputs.begin(), n.inputs.end(), in, out);
        std::replace(n.outputs.begin(), n.outputs.end(), in, out);
      }
      for (size_t j = i + 1; j < pending.size(); ++j)
        std::replace(pending[j].inputs.begin(), pending[j].inputs.end(), in, out);
    } else {
      for (size_t j = i + 1; j < pending.size(); ++j)
        std::replace(pending[j].inputs.begin(), pending[j].inputs.end(), out, in);
    }
  }
  graph.nodes = std::move(kept);
}

void remove_unused_constants(Graph& graph) {
  std::set<std::string> used;
  for (const Node& node : graph.nodes) used.insert(node.inputs.begin(), node.inputs.end());
  for (const ValueInfo& out : graph.outputs) used.insert(out.name);
  for (auto it = graph.constants.begin(); it != graph.constants.end();) {
    it = used.count(it->first) ? std::next(it) : graph.constants.erase(it);
  }
  for (auto it = graph.grid_scales.begin(); it != graph.grid_scales.end();)
    it = graph.constants.count(it->first) ? std::next(it) : graph.grid_scales.erase(it);
}

}  // namespace fheq::graph::simplify
