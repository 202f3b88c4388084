// BatchNormalization folding into the preceding Conv or Gemm.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

struct BnFactors {
  std::vector<double> scale;  // γ / √(σ² + ε)
  std::vector<double> shift;  // β − μ · scale
  std::vector<double> mean;
};

bool all_constant(const Graph& graph, const Node& node, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i)
    if (i >= node.inputs.size() || !graph.is_constant(node.inputs[i])) return false;
  return true;
}

std::string fresh_name(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int i = 1; graph.is_constant(name); ++i) name = base + "_" + std::to_string(i);
  return name;
}

BnFactors bn_factors(const Graph& graph, const Node& bn) {
  const int64_t channels = graph.constant(bn.inputs[1]).size();
  BnFactors f;
  const double epsilon = bn.attr_float("epsilon", 1e-5);
  for (int64_t c = 0; c < channels; ++c) {
    const double gamma = graph.constant(bn.inputs[1])[c], beta = graph.constant(bn.inputs[2])[c];
    const double mean = graph.constant(bn.inputs[3])[c], var = graph.constant(bn.inputs[4])[c];
    const double s = gamma / std::sqrt(var + epsilon);
    f.scale.push_back(s);
    f.mean.push_back(mean);
    f.shift.push_back(beta);
  }
  return f;
}

// Folds `bn` into `producer` when possible; returns false to leave both unchanged.
bool fold_into(Graph& graph, Node& producer, const Node& bn) {
  const int64_t channels = graph.constant(bn.inputs[1]).size();
  // A weight on a model quantizer's grid keeps its integers; the BN then goes into the next table instead.
  if (producer.inputs.size() > 1 && graph.grid_scales.count(producer.inputs[1])) return false;
  const BnFactors f = bn_factors(graph, bn);
  if (producer.op_type == "Conv") {
    if (!all_constant(graph, producer, 1, producer.inputs.size() > 2 && !producer.inputs[2].empty() ? 3 : 2)) return false;
    FloatTensor w = graph.constant(producer.inputs[1]);
    if (w.rank() < 3 || w.dim(0) != channels) return false;
    const int64_t per_channel = w.size() / channels;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < per_channel; ++i) w[c * per_channel + i] *= f.scale[static_cast<size_t>(c)];
    FloatTensor b({channels});
    const bool has_bias = producer.inputs.size() > 2 && !producer.inputs[2].empty();
    for (int64_t c = 0; c < channels; ++c) {
      const double bias = has_bias ? graph.constant(producer.inputs[2])[c] : 0.0;
      b[c] = (bias - f.mean[static_cast<size_t>(c)]) * f.scale[static_cast<size_t>(c)] + f.shift[static_cast<size_t>(c)];
    }
    const std::string w_name = fresh_name(graph, producer.name + "/bn_folded_weight");
    graph.constants[w_name] = std::move(w);
    const std::string b_name = fresh_name(graph, producer.name + "/bn_folded_bias");
    graph.constants[b_name] = std::move(b);
    producer.inputs.resize(3);
    producer.inputs[1] = w_name;
    producer.inputs[2] = b_name;
    return true;
  }
  if (producer.op_type == "Gemm") {
    // Y = α·A'·B' + β·C; BN(Y)_j = s_j·(Y_j − μ_j) + shift_j: scale column j of B', and
    // C' = s_j·(β·C_j − μ_j) + shift_j with β' = 1. Needs C (if any) constant per column.
    if (!graph.is_constant(producer.inputs[1])) return false;
    const bool has_c = producer.inputs.size() > 2 && !producer.inputs[2].empty();
    if (has_c && !graph.is_constant(producer.inputs[2])) return false;
    FloatTensor b = graph.constant(producer.inputs[1]);
    const bool trans_b = producer.attr_int("transB", 0) != 0;
    if (b.rank() != 2) return false;
    const int64_t n = trans_b ? b.dim(0) : b.dim(1), k = trans_b ? b.dim(1) : b.dim(0);
    if (n != channels) return false;
    std::vector<double> c_values(static_cast<size_t>(n), 0.0);
    if (has_c) {
      const FloatTensor& c = graph.constant(producer.inputs[2]);
      const bool per_column = c.size() == n && (c.rank() == 1 || (c.rank() == 2 && c.dim(0) == 1));
      if (!per_column && c.size() != 1) return false;
      for (int64_t j = 0; j < n; ++j) c_values[static_cast<size_t>(j)] = c.size() == 1 ? c[0] : c[j];
    }
    const double beta = producer.attr_float("beta", 1.0);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) b[trans_b ? j * k + p : p * n + j] *= f.scale[static_cast<size_t>(j)];
    FloatTensor c_new({n});
    for (int64_t j = 0; j < n; ++j) {
      const size_t u = static_cast<size_t>(j);
      c_new[j] = f.scale[u] * (beta * c_values[u] - f.mean[u]) + f.shift[u];
    }
    const std::string b_name = fresh_name(graph, producer.name + "/bn_folded_weight");
    graph.constants[b_name] = std::move(b);
    const std::string c_name = fresh_name(graph, producer.name + "/bn_folded_bias");
    graph.constants[c_name] = std::move(c_new);
    producer.inputs.resize(3);
    producer.inputs[1] = b_name;
    producer.inputs[2] = c_name;
    producer.attributes["beta"] = 1.0;
    return true;
  }
  return false;
}

bool is_inference_batch_norm(const Graph& graph, const Node& bn) {
  return bn.op_type == "BatchNormalization" && !bn.outputs.empty() && bn.inputs.size() >= 5 &&
         all_constant(graph, bn, 1, 5) && bn.attr_int("training_mode", 0) == 0 &&
         std::none_of(bn.outputs.begin() + 1, bn.outputs.end(), [](const std::string& o) { return !o.empty(); });
}

// A BatchNormalization with no producer to fold into, as Mul(x, scale) → Add(·, shift) with [C, 1, …, 1]
// constants: two elementwise ops the quantizer fuses into the next table.
std::vector<Node> as_scale_and_shift(Graph& graph, const Node& bn) {
  const BnFactors f = bn_factors(graph, bn);
  const auto channels = static_cast<int64_t>(f.scale.size());
  const size_t rank = graph.value_shapes.at(bn.inputs[0]).size();
  Shape shape(rank > 1 ? rank - 1 : 1, 1);
  shape[0] = channels;
  FloatTensor scale(shape), shift(shape);
  for (int64_t c = 0; c < channels; ++c) {
    const size_t u = static_cast<size_t>(c);
    scale[c] = f.scale[u];
    shift[c] = f.shift[u] - f.mean[u] * f.scale[u];
  }
  const std::string scale_name = fresh_name(graph, bn.name + "/scale"), shift_name = fresh_name(graph, bn.name + "/shift");
  graph.constants[scale_name] = std::move(scale);
  graph.constants[shift_name] = std::move(shift);
  Node mul{bn.name + "/mul", "Mul", {bn.inputs[0], scale_name}, {bn.name + "/scaled"}, {}};
  Node add{bn.name, "Add", {mul.outputs[0], shift_name}, {bn.outputs[0]}, {}};
  return {std::move(mul), std::move(add)};
}

}  // namespace

void fold_batch_norm(Graph& graph) {
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& bn = graph.nodes[i];
    if (!is_inference_batch_norm(graph, bn)) continue;
    const std::string& x = bn.inputs[0];
    int64_t p = graph.producer_index(x);
    if (p < 0) continue;
    // The pre-BN value must feed only this BN and not be a graph output.
    if (graph.consumers(x).size() != 1) continue;
    if (graph.is_output(x)) continue;
    Node& producer = graph.nodes[static_cast<size_t>(p)];
    if (producer.outputs.size() != 1) continue;
    if (!fold_into(graph, producer, bn)) continue;
    producer.outputs[0] = bn.outputs[0];
    graph.value_shapes.erase(x);
    removed[i] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (removed[i]) continue;
    Node& bn = graph.nodes[i];
    if (is_inference_batch_norm(graph, bn) && graph.value_shapes.count(bn.inputs[0])) {
      for (Node& node : as_scale_and_shift(graph, bn)) kept.push_back(std::move(node));
      continue;
    }
    kept.push_back(std::move(bn));
  }
  graph.nodes = std::move(kept);
  remove_unused_constants(graph);
}

}  // namespace fheq::graph::simplify
