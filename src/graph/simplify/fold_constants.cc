// Constant folding, including the Shape→Gather→Unsqueeze→Concat→Reshape chains that
// torch.onnx.export writes for x.view(x.size(0), -1) with a dynamic batch.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/check.h"
#include "graph/float_executor.h"
#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

// Stands for the run-time batch size inside folded shape tensors. Exactly representable in a
// double and far above any real dimension, so it cannot be confused with one.
constexpr double kBatchMarker = 1099511627853.0;  // 2^40 + 77

// Ops that only move shape values around, so a marker passes through them unchanged.
const std::set<std::string> kMarkerPreserving = {"Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Identity"};

bool holds_marker(const FloatTensor& t) {
  return std::any_of(t.data.begin(), t.data.end(), [](double v) { return v == kBatchMarker; });
}

std::string where(const Graph& graph, const Node& node) {
  return graph.source + ": node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(graph.opset) + ")";
}

// Shape's output for an input of known shape; dynamic dims become the marker.
FloatTensor fold_shape(const Graph& graph, const Node& node) {
  auto it = graph.value_shapes.find(node.inputs[0]);
  FHEQ_REQUIRE(it != graph.value_shapes.end(), where(graph, node), ": shape of input '", node.inputs[0], "' is unknown");
  const Shape& shape = it->second;
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t start = node.attr_int("start", 0), end = node.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  FloatTensor out({end - start});
  for (int64_t i = start; i < end; ++i)
    out[i - start] = shape[static_cast<size_t>(i)] < 0 ? kBatchMarker : static_cast<double>(shape[static_cast<size_t>(i)]);
  return out;
}

// Folded quantizers put their output on a grid; ops that only move elements keep it (graph.grid_scales).
const std::set<std::string> kGridMaking = {"DequantizeLinear", "Quant", "FakeQuant", "BipolarQuant"};
const std::set<std::string> kGridKeeping = {"Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
                                            "Identity",  "Gather",  "Slice",   "Concat"};

// The grid of a folded node's output, or nothing.
std::vector<double> folded_grid(const Graph& graph, const Node& node) {
  std::set<double> scales;
  if (kGridMaking.count(node.op_type)) {
    const FloatTensor& s = graph.constants.at(node.inputs.at(1));
    scales.insert(s.data.begin(), s.data.end());
  } else if (kGridKeeping.count(node.op_type)) {
    const size_t data_inputs = node.op_type == "Concat" ? node.inputs.size() : 1;
    for (size_t i = 0; i < data_inputs; ++i) {
      auto it = graph.grid_scales.find(node.inputs[i]);
      if (it == graph.grid_scales.end()) return {};
      scales.insert(it->second.begin(), it->second.end());
    }
  }
  return {scales.begin(), scales.end()};
}

std::string fresh_constant_name(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int i = 1; graph.is_constant(name) || graph.value_shapes.count(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

}  // namespace

void fold_constants(Graph& graph) {
  std::set<std::string> batch_dependent;  // folded values that hold the marker
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    bool all_constant = true, uses_marker = false;
    for (const auto& in : node.inputs) {
      if (in.empty()) continue;
      all_constant = all_constant && graph.is_constant(in);
      uses_marker = uses_marker || batch_dependent.count(in);
    }
    if (node.op_type == "Shape" && !all_constant) {
      FloatTensor folded = fold_shape(graph, node);
      if (holds_marker(folded)) batch_dependent.insert(node.outputs[0]);
      graph.constants[node.outputs[0]] = std::move(folded);
      continue;
    }
    if (all_constant && !node.inputs.empty()) {
      FHEQ_REQUIRE(!uses_marker || kMarkerPreserving.count(node.op_type), where(graph, node),
                   ": computes with the batch size, which is only known at run time (not supported)");
      std::vector<const FloatTensor*> args;
      for (const auto& in : node.inputs) args.push_back(in.empty() ? nullptr : &graph.constants.at(in));
      std::vector<FloatTensor> results;
      try {
        results = run_node(node, args);
      } catch (const Error& e) {
        throw Error(graph.source + ": " + e.what());
      }
      if (std::vector<double> grid = folded_grid(graph, node); !grid.empty() && !node.outputs.empty())
        graph.grid_scales[node.outputs[0]] = std::move(grid);
      for (size_t k = 0; k < node.outputs.size() && k < results.size(); ++k) {
        if (node.outputs[k].empty()) continue;
        if (uses_marker && holds_marker(results[k])) batch_dependent.insert(node.outputs[k]);
        graph.constants[node.outputs[k]] = std::move(results[k]);
      }
      continue;
    }
    if (uses_marker) {
      // Only a Reshape target may carry the batch: as 0 ("copy this dim") where the data's
      // dim at the same index is the dynamic batch dim.
      const bool reshape_target = node.op_type == "Reshape" && node.inputs.size() > 1 &&
                                  batch_dependent.count(node.inputs[1]) && !batch_dependent.count(node.inputs[0]);
      FHEQ_REQUIRE(reshape_target, where(graph, node),
                   ": computes with the batch size, which is only known at run time (not supported)");
      FHEQ_REQUIRE(node.attr_int("allowzero", 0) == 0, where(graph, node), ": allowzero=1 with a batch-dependent shape");
      FloatTensor target = graph.constants.at(node.inputs[1]);
      const Shape& data_shape = graph.value_shapes.at(node.inputs[0]);
      for (int64_t i = 0; i < target.size(); ++i) {
        if (target[i] != kBatchMarker) continue;
        FHEQ_REQUIRE(i < static_cast<int64_t>(data_shape.size()) && data_shape[static_cast<size_t>(i)] == -1,
                     where(graph, node), ": target shape puts the batch size at dim ", i,
                     ", which is not the input's batch dim (not supported)");
        target[i] = 0.0;
      }
      const std::string name = fresh_constant_name(graph, node.name + "/target_shape");
      graph.constants[name] = std::move(target);
      node.inputs[1] = name;
    }
    kept.push_back(std::move(node));
  }
  graph.nodes = std::move(kept);
  for (const auto& value : batch_dependent) {
    for (const auto& out : graph.outputs)
      FHEQ_REQUIRE(out.name != value, graph.source, ": graph output '", value, "' depends on the run-time batch size");
  }
  remove_unused_constants(graph);
}

}  // namespace fheq::graph::simplify
