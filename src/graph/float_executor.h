// The float reference: executes a Graph in double precision on a batch.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace fheq::graph {

using ValueMap = std::map<std::string, FloatTensor>;

// Evaluates one node given its input tensors (nullptr for omitted optional inputs).
// Throws fheq::Error naming the node on shape errors or unsupported attributes.
std::vector<FloatTensor> run_node(const Node& node, const std::vector<const FloatTensor*>& inputs);

// Runs the whole graph. `inputs` maps graph input names to batched tensors (first dim = batch).
// With keep_intermediates, the result holds every value computed (for calibration);
// otherwise only the graph outputs.
ValueMap run_graph(const Graph& graph, const ValueMap& inputs, bool keep_intermediates = false);

// Convenience for single-input single-output graphs.
FloatTensor run_graph(const Graph& graph, const FloatTensor& input);

}  // namespace fheq::graph
