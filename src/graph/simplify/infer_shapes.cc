// Value shapes by dry runs: zero inputs with batch 1 and batch 2; dims that differ are the batch.
#include "core/check.h"
#include "graph/float_executor.h"
#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

ValueMap dry_run(const Graph& graph, int64_t batch) {
  ValueMap inputs;
  for (const auto& in : graph.inputs) {
    Shape shape = in.shape;
    FHEQ_REQUIRE(!shape.empty(), graph.source, ": input '", in.name, "' has no known shape");
    for (size_t d = 1; d < shape.size(); ++d)
      FHEQ_REQUIRE(shape[d] > 0, graph.source, ": input '", in.name, "' has shape ", shape_to_string(shape),
                   "; only the first (batch) dim may be dynamic");
    if (shape[0] < 0) shape[0] = batch;
    inputs[in.name] = FloatTensor(shape);
  }
  try {
    return run_graph(graph, inputs, /*keep_intermediates=*/true);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (found checking shapes with a batch of " + std::to_string(batch) + ")");
  }
}

}  // namespace

void infer_shapes(Graph& graph) {
  bool dynamic = false;
  for (const auto& in : graph.inputs) dynamic = dynamic || (!in.shape.empty() && in.shape[0] < 0);
  ValueMap one = dry_run(graph, 1);
  ValueMap two = dynamic ? dry_run(graph, 2) : ValueMap{};
  graph.value_shapes.clear();
  for (const auto& [name, tensor] : one) {
    Shape shape = tensor.shape;
    if (dynamic) {
      const Shape& other = two.at(name).shape;
      FHEQ_REQUIRE(other.size() == shape.size(), graph.source, ": the rank of value '", name,
                   "' changes with the batch size (e.g. a Squeeze without axes); not supported");
      for (size_t d = 0; d < shape.size(); ++d)
        if (other[d] != shape[d]) shape[d] = -1;
    }
    graph.value_shapes[name] = shape;
  }
  for (auto& out : graph.outputs) {
    if (auto it = graph.value_shapes.find(out.name); it != graph.value_shapes.end()) out.shape = it->second;
    else if (graph.is_constant(out.name)) out.shape = graph.constant(out.name).shape;
  }
}

void check_value_shapes(const Graph& graph) {
  Graph inferred = graph;
  infer_shapes(inferred);
  for (const auto& [name, recorded] : graph.value_shapes) {
    auto it = inferred.value_shapes.find(name);
    if (it == inferred.value_shapes.end()) {
      FHEQ_REQUIRE(graph.is_constant(name), graph.source, ": value_shapes records '", name,
                   "', which no node, graph input or constant defines");
      FHEQ_REQUIRE(recorded == graph.constant(name).shape, graph.source, ": value_shapes records constant '", name,
                   "' as ", shape_to_string(recorded), ", but it has shape ", shape_to_string(graph.constant(name).shape));
      continue;
    }
    FHEQ_REQUIRE(recorded == it->second, graph.source, ": value_shapes records '", name, "' as ",
                 shape_to_string(recorded), ", but its producer's attributes give ", shape_to_string(it->second));
  }
}

}  // namespace fheq::graph::simplify
