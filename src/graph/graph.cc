// Graph IR helpers: typed attribute access and graph queries.
#include "graph/graph.h"

#include <algorithm>
#include <set>

#include "core/check.h"

namespace fheq::graph {
namespace {

template <typename T>
const T* find_attr(const Node& node, const std::string& key, const char* expected_type) {
  auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return nullptr;
  const T* value = std::get_if<T>(&it->second);
  FHEQ_REQUIRE(value != nullptr, node.describe(), ": attribute '", key, "' is not ", expected_type);
  return value;
}

}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const int64_t* v = find_attr<int64_t>(*this, key, "an integer");
  return v ? *v : fallback;
}

double Node::attr_float(const std::string& key, double fallback) const {
  // An integer attribute where a float is expected is accepted (e.g. alpha=1 written as INT).
  auto it = attributes.find(key);
  if (it != attributes.end()) {
    if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  }
  const double* v = find_attr<double>(*this, key, "a float");
  return v ? *v : fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const std::string* v = find_attr<std::string>(*this, key, "a string");
  return v ? *v : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key, const std::vector<int64_t>& fallback) const {
  const std::vector<int64_t>* v = find_attr<std::vector<int64_t>>(*this, key, "a list of integers");
  return v ? *v : fallback;
}

std::vector<double> Node::attr_floats(const std::string& key, const std::vector<double>& fallback) const {
  const std::vector<double>* v = find_attr<std::vector<double>>(*this, key, "a list of floats");
  return v ? *v : fallback;
}

std::string Node::describe() const { return "node '" + name + "' (" + op_type + ")"; }

const FloatTensor& Graph::constant(const std::string& value) const {
  auto it = constants.find(value);
  FHEQ_REQUIRE(it != constants.end(), source, ": value '", value, "' is not a constant");
  return it->second;
}

const Node* Graph::producer(const std::string& value) const {
  int64_t index = producer_index(value);
  return index < 0 ? nullptr : &nodes[static_cast<size_t>(index)];
}

bool Graph::is_input(const std::string& value) const {
  return std::any_of(inputs.begin(), inputs.end(), [&](const ValueInfo& v) { return v.name == value; });
}

bool Graph::is_output(const std::string& value) const {
  return std::any_of(outputs.begin(), outputs.end(), [&](const ValueInfo& v) { return v.name == value; });
}

int64_t Graph::producer_index(const std::string& value) const {
  if (value.empty()) return -1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& outs = nodes[i].outputs;
    if (std::find(outs.begin(), outs.end(), value) != outs.end()) return static_cast<int64_t>(i);
  }
  return -1;
}

std::vector<const Node*> Graph::consumers(const std::string& value) const {
  std::vector<const Node*> result;
  if (value.empty()) return result;
  for (const Node& node : nodes) {
    if (std::find(node.inputs.begin(), node.inputs.end(), value) != node.inputs.end()) result.push_back(&node);
  }
  return result;
}

std::vector<std::string> Graph::server_outputs() const {
  FHEQ_CHECK(client_side_tail >= 0 && client_side_tail <= static_cast<int64_t>(nodes.size()));
  std::set<std::string> tail_outputs;
  std::vector<std::string> result;
  auto add = [&result](const std::string& name) {
    if (!name.empty() && std::find(result.begin(), result.end(), name) == result.end()) result.push_back(name);
  };
  for (size_t i = static_cast<size_t>(server_node_count()); i < nodes.size(); ++i) {
    for (const auto& out : nodes[i].outputs) tail_outputs.insert(out);
  }
  for (const auto& output : outputs) {
    if (!tail_outputs.count(output.name)) add(output.name);
  }
  for (size_t i = static_cast<size_t>(server_node_count()); i < nodes.size(); ++i) {
    for (const auto& in : nodes[i].inputs) {
      if (!is_constant(in) && !tail_outputs.count(in)) add(in);
    }
  }
  return result;
}

const Shape& Graph::shape_of(const std::string& value) const {
  if (auto it = constants.find(value); it != constants.end()) return it->second.shape;
  if (auto it = value_shapes.find(value); it != value_shapes.end()) return it->second;
  for (const auto& input : inputs) {
    if (input.name == value) return input.shape;
  }
  FHEQ_THROW(source, ": no shape known for value '", value, "'");
}

}  // namespace fheq::graph
