// Softmax / LogSoftmax as a client-side tail (they are monotone normalizations the client
// applies after decryption, as Concrete ML does; they never run encrypted).
#include <algorithm>

#include "core/check.h"
#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {

void mark_client_side_tail(Graph& graph) {
  std::vector<Node> body, tail;
  for (Node& node : graph.nodes) {
    if (node.op_type != "Softmax" && node.op_type != "LogSoftmax") {
      body.push_back(std::move(node));
      continue;
    }
    for (const auto& out : node.outputs) {
      FHEQ_REQUIRE(graph.is_output(out) && graph.consumers(out).empty(), graph.source, ": node '", node.name, "' (", node.op_type,
                   ", opset ", graph.opset, "): ", node.op_type,
                   " is supported only as a final op (it runs on the client after decryption)");
    }
    tail.push_back(std::move(node));
  }
  graph.client_side_tail = static_cast<int64_t>(tail.size());
  for (Node& node : tail) body.push_back(std::move(node));
  graph.nodes = std::move(body);
}

}  // namespace fheq::graph::simplify
