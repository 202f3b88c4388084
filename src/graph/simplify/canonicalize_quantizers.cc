// Model quantizers to FakeQuant (passes.h; semantics in graph/ops/quantize.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "core/check.h"
#include "graph/ops/quantize.h"
#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

std::string where(const Graph& graph, const Node& node) {
  return graph.source + ": node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(graph.opset) + ")";
}

const FloatTensor& constant_parameter(const Graph& graph, const Node& node, size_t index, const char* what) {
  FHEQ_REQUIRE(index < node.inputs.size() && !node.inputs[index].empty(), where(graph, node), ": ", what, " is missing");
  FHEQ_REQUIRE(graph.is_constant(node.inputs[index]), where(graph, node), ": ", what,
               " must be a constant (an initializer or computed from initializers)");
  return graph.constant(node.inputs[index]);
}

std::string add_constant(Graph& graph, const std::string& base, FloatTensor value) {
  std::string name = base;
  for (int i = 1; graph.is_constant(name) || graph.value_shapes.count(name); ++i) name = base + "_" + std::to_string(i);
  graph.constants[name] = std::move(value);
  return name;
}

// Scales positive and finite, zero points integers (QONNX allows fractional ones; fheq's grids need integers).
void check_grid(const Graph& graph, const Node& node, const FloatTensor& scale, const FloatTensor& zero_point) {
  for (double s : scale.data)
    FHEQ_REQUIRE(std::isfinite(s) && s > 0.0, where(graph, node), ": scale ", s, " is not a positive finite number");
  for (double z : zero_point.data)
    FHEQ_REQUIRE(std::isfinite(z) && z == std::floor(z) && std::abs(z) < 65536.0, where(graph, node), ": zero point ", z,
                 " is not an integer of at most 16 bits");
}

Node fake_quant(const std::string& name, const std::string& x, const std::string& scale, const std::string& zero_point,
                const std::string& output, ops::CodeInterval codes, const std::string& rounding_mode) {
  Node node{name, "FakeQuant", {x, scale, zero_point}, {output}, {}};
  node.attributes["qmin"] = codes.min;
  node.attributes["qmax"] = codes.max;
  node.attributes["rounding_mode"] = rounding_mode;
  return node;
}

// QONNX Quant: bit width, signed and narrow give the code range; scale and zero point already broadcast.
Node from_qonnx_quant(Graph& graph, const Node& quant) {
  const FloatTensor& bits = constant_parameter(graph, quant, 3, "the bit width");
  check_grid(graph, quant, constant_parameter(graph, quant, 1, "the scale"),
             constant_parameter(graph, quant, 2, "the zero point"));
  FHEQ_REQUIRE(bits.size() == 1, where(graph, quant), ": the bit width must be a scalar");
  const ops::CodeInterval codes = ops::bit_width_interval(quant, bits[0], quant.attr_int("signed", 1) != 0,
                                                          quant.attr_int("narrow", 0) != 0);
  ops::quant_rounding(quant);  // refuses unknown modes here, at import
  return fake_quant(quant.name, quant.inputs[0], quant.inputs[1], quant.inputs[2], quant.outputs.at(0), codes,
                    quant.attr_string("rounding_mode", "ROUND"));
}

FloatTensor zero_point_of(const Graph& graph, const Node& node) {
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) return constant_parameter(graph, node, 2, "the zero point");
  return FloatTensor({}, {0.0});
}

// DequantizeLinear(Clip*(QuantizeLinear(x))) → FakeQuant(x); `chain` receives the nodes it absorbed.
Node from_qdq_pair(Graph& graph, const Node& dq, std::set<std::string>& chain, std::set<std::string>& names) {
  std::string value = dq.inputs[0];
  ops::CodeInterval clip{INT64_MIN, INT64_MAX};
  const Node* producer = graph.producer(value);
  while (producer != nullptr && producer->op_type == "Clip") {
    chain.insert(producer->name);
    for (size_t i : {size_t{1}, size_t{2}}) {
      if (i >= producer->inputs.size() || producer->inputs[i].empty()) continue;
      const FloatTensor& bound = constant_parameter(graph, *producer, i, i == 1 ? "min" : "max");
      FHEQ_REQUIRE(bound.size() == 1 && !std::isnan(bound[0]), where(graph, *producer),
                   ": a Clip of quantized codes needs scalar, non-NaN bounds");
      // Codes are at most 32-bit: bounds beyond ±2^40 clip nothing (and stay castable).
      const double b = std::clamp(bound[0], -1099511627776.0, 1099511627776.0);
      if (i == 1) clip.min = std::max(clip.min, static_cast<int64_t>(std::ceil(b)));
      else clip.max = std::min(clip.max, static_cast<int64_t>(std::floor(b)));
    }
    value = producer->inputs[0];
    producer = graph.producer(value);
  }
  FHEQ_REQUIRE(producer != nullptr && producer->op_type == "QuantizeLinear", where(graph, dq), ": reads '", value,
               "', which no QuantizeLinear produced; fheq takes integer tensors only between a QuantizeLinear and "
               "its DequantizeLinear");
  const Node& q = *producer;
  chain.insert(q.name);
  const FloatTensor& q_scale = constant_parameter(graph, q, 1, "the scale");
  const FloatTensor& dq_scale = constant_parameter(graph, dq, 1, "the scale");
  const FloatTensor q_zero = zero_point_of(graph, q), dq_zero = zero_point_of(graph, dq);
  const int64_t axis = q.attr_int("axis", 1);
  FHEQ_REQUIRE(q_scale.data == dq_scale.data && q_zero.data == dq_zero.data &&
                   (q_scale.size() == 1 || dq.attr_int("axis", 1) == axis),
               where(graph, dq), ": dequantizes with another scale, zero point or axis than its QuantizeLinear '",
               q.name, "' (a requantization fheq does not support)");
  check_grid(graph, q, q_scale, q_zero);
  ops::CodeInterval codes = ops::zero_point_type_interval(q);
  codes.min = std::max(codes.min, clip.min);
  codes.max = std::min(codes.max, clip.max);
  FHEQ_REQUIRE(codes.max > codes.min, where(graph, dq), ": the Clip before it leaves fewer than two codes");
  const std::string& x = q.inputs.at(0);
  const auto rank = static_cast<int64_t>(graph.shape_of(x).size());
  const std::string scale = add_constant(graph, q.name + "/scale", ops::broadcast_along_axis(q, q_scale, axis, rank));
  const std::string zero = add_constant(graph, q.name + "/zero_point", ops::broadcast_along_axis(q, q_zero, axis, rank));
  const std::string name = names.insert(q.name).second ? q.name : dq.name;
  return fake_quant(name, x, scale, zero, dq.outputs.at(0), codes, "ROUND");
}

bool is_read(const std::vector<Node>& nodes, const Graph& graph, const std::string& value) {
  if (graph.is_output(value))
    return true;
  return std::any_of(nodes.begin(), nodes.end(), [&](const Node& n) {
    return std::find(n.inputs.begin(), n.inputs.end(), value) != n.inputs.end();
  });
}

}  // namespace

void canonicalize_quantizers(Graph& graph) {
  std::vector<Node> nodes;
  std::set<std::string> chain, names;
  for (const Node& node : graph.nodes) {
    if (node.op_type == "BipolarQuant" || node.op_type == "Trunc") {
      check_grid(graph, node, constant_parameter(graph, node, 1, "the scale"),
                 node.op_type == "Trunc" ? constant_parameter(graph, node, 2, "the zero point") : FloatTensor({}, {0.0}));
      nodes.push_back(node);
    } else if (node.op_type == "Quant") {
      nodes.push_back(from_qonnx_quant(graph, node));
      names.insert(node.name);
    } else if (node.op_type == "DequantizeLinear" && !graph.is_constant(node.inputs.at(0))) {
      nodes.push_back(from_qdq_pair(graph, node, chain, names));
    } else {
      nodes.push_back(node);
    }
  }
  // The QuantizeLinear → Clip chains the FakeQuants replaced, once nothing reads them any more.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = nodes.begin(); it != nodes.end(); ++it) {
      if (!chain.count(it->name) || it->op_type == "FakeQuant" || is_read(nodes, graph, it->outputs.at(0))) continue;
      nodes.erase(it);
      changed = true;
      break;
    }
  }
  for (const Node& node : nodes) {
    if (node.op_type != "QuantizeLinear" && !(node.op_type == "Clip" && chain.count(node.name))) continue;
    std::string reader = "a graph output";
    for (const Node& n : nodes)
      if (std::find(n.inputs.begin(), n.inputs.end(), node.outputs.at(0)) != n.inputs.end())
        reader = "node '" + n.name + "' (" + n.op_type + ")";
    FHEQ_THROW(where(graph, node), ": its integer output reaches ", reader,
               "; fheq takes QuantizeLinear only when DequantizeLinear reads it (directly or through Clip)");
  }
  graph.nodes = std::move(nodes);
  remove_unused_constants(graph);
}

}  // namespace fheq::graph::simplify
