// Re-fuses activations that torch.onnx.export (opset <= 17) writes as chains of elementwise
// ops, so that each becomes one function of one tensor (one table lookup when encrypted)
// instead of a product of two encrypted tensors:
//   Gelu:     Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)      (torch.nn.functional.gelu)
//   Softsign: Div(x, Add(Abs(x), 1))                         (torch.nn.functional.softsign)
//   HardSwish: Mul(x, HardSigmoid(x, alpha=1/6, beta=1/2))   (torch.nn.functional.hardswish, opset < 14)
#include <algorithm>
#include <cmath>
#include <set>

#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

class Matcher {
 public:
  explicit Matcher(const Graph& graph) : graph_(graph) {}

  // The node producing `value` if it has type `op` and `value` feeds exactly one node.
  const Node* single_use_producer(const std::string& value, const char* op) const {
    const Node* p = graph_.producer(value);
    if (p == nullptr || p->op_type != op || p->outputs.size() != 1) return nullptr;
    if (graph_.consumers(value).size() != 1 || is_output(value)) return nullptr;
    return p;
  }

  // `value` is a constant holding one element close to `expected` (float32 precision).
  bool is_scalar(const std::string& value, double expected) const {
    if (!graph_.is_constant(value)) return false;
    const FloatTensor& t = graph_.constant(value);
    return t.size() == 1 && std::abs(t[0] - expected) <= 1e-6 * std::max(1.0, std::abs(expected));
  }

  // For a binary node with one constant operand equal to `expected`, the other operand; else "".
  std::string other_than_scalar(const Node& node, double expected) const {
    if (node.inputs.size() != 2) return "";
    if (is_scalar(node.inputs[1], expected)) return node.inputs[0];
    if (is_scalar(node.inputs[0], expected)) return node.inputs[1];
    return "";
  }

 private:
  bool is_output(const std::string& value) const { return graph_.is_output(value); }
  const Graph& graph_;
};

// Tries to match Gelu ending at `node` (the final Mul by 0.5); fills the nodes to delete.
std::string match_gelu(const Matcher& m, const Node& node, std::vector<const Node*>& chain) {
  if (node.op_type != "Mul") return "";
  std::string product = m.other_than_scalar(node, 0.5);
  const Node* mul = product.empty() ? nullptr : m.single_use_producer(product, "Mul");
  if (mul == nullptr || mul->inputs.size() != 2) return "";
  for (int side = 0; side < 2; ++side) {
    const std::string& x = mul->inputs[static_cast<size_t>(side)];
    const Node* add = m.single_use_producer(mul->inputs[static_cast<size_t>(1 - side)], "Add");
    if (add == nullptr) continue;
    std::string erf_out = m.other_than_scalar(*add, 1.0);
    const Node* erf = erf_out.empty() ? nullptr : m.single_use_producer(erf_out, "Erf");
    if (erf == nullptr) continue;
    const Node* div = m.single_use_producer(erf->inputs[0], "Div");
    if (div == nullptr || div->inputs.size() != 2 || div->inputs[0] != x || !m.is_scalar(div->inputs[1], std::sqrt(2.0)))
      continue;
    chain = {div, erf, add, mul};
    return x;
  }
  return "";
}

std::string match_softsign(const Matcher& m, const Node& node, std::vector<const Node*>& chain) {
  if (node.op_type != "Div" || node.inputs.size() != 2) return "";
  const std::string& x = node.inputs[0];
  const Node* add = m.single_use_producer(node.inputs[1], "Add");
  if (add == nullptr) return "";
  std::string abs_out = m.other_than_scalar(*add, 1.0);
  const Node* abs = abs_out.empty() ? nullptr : m.single_use_producer(abs_out, "Abs");
  if (abs == nullptr || abs->inputs[0] != x) return "";
  chain = {abs, add};
  return x;
}

std::string match_hardswish(const Matcher& m, const Node& node, std::vector<const Node*>& chain) {
  if (node.op_type != "Mul" || node.inputs.size() != 2) return "";
  for (int side = 0; side < 2; ++side) {
    const std::string& x = node.inputs[static_cast<size_t>(side)];
    const Node* hs = m.single_use_producer(node.inputs[static_cast<size_t>(1 - side)], "HardSigmoid");
    if (hs == nullptr || hs->inputs[0] != x) continue;
    if (std::abs(hs->attr_float("alpha", 0.2) - 1.0 / 6.0) > 1e-6 || std::abs(hs->attr_float("beta", 0.5) - 0.5) > 1e-6)
      continue;
    chain = {hs};
    return x;
  }
  return "";
}

}  // namespace

void fuse_exported_patterns(Graph& graph) {
  bool changed = true;
  while (changed) {
    changed = false;
    Matcher m(graph);
    for (size_t i = 0; i < graph.nodes.size() && !changed; ++i) {
      std::vector<const Node*> chain;
      std::string x = match_gelu(m, graph.nodes[i], chain);
      const char* fused_op = "Gelu";
      if (x.empty()) {
        x = match_softsign(m, graph.nodes[i], chain);
        fused_op = "Softsign";
      }
      if (x.empty()) {
        x = match_hardswish(m, graph.nodes[i], chain);
        fused_op = "HardSwish";
      }
      if (x.empty()) continue;
      std::set<std::string> dead;
      for (const Node* n : chain) dead.insert(n->name);
      Node& last = graph.nodes[i];
      last.op_type = fused_op;
      last.inputs = {x};
      last.attributes.clear();
      std::erase_if(graph.nodes, [&](const Node& n) { return dead.count(n.name) != 0; });
      changed = true;
    }
  }
  remove_unused_constants(graph);
}

}  // namespace fheq::graph::simplify
