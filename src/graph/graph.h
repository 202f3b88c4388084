// The float graph IR: an ONNX model after import and simplification (BatchNormalization folded,
// Constant/Identity/Dropout removed, initializers as constants), in topological order.
// Ops keep their ONNX names and attributes; values are named as in the ONNX file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fheq/tensor.h"

namespace fheq::graph {

using AttributeValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>, FloatTensor>;

struct Node {
  std::string name;      // ONNX node name (or "<op_type>_<index>" when the file has none)
  std::string op_type;   // ONNX op type, e.g. "Gemm", "Conv", "Relu"
  std::vector<std::string> inputs;   // value names; "" for an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, AttributeValue> attributes;

  bool has_attr(const std::string& key) const { return attributes.count(key) != 0; }
  // Typed attribute access with a default; a wrong type throws fheq::Error naming node and attribute.
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  double attr_float(const std::string& key, double fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key, const std::vector<int64_t>& fallback) const;
  std::vector<double> attr_floats(const std::string& key, const std::vector<double>& fallback) const;
  // "node 'conv1' (Conv)" for error messages.
  std::string describe() const;
};

struct ValueInfo {
  std::string name;
  Shape shape;   // -1 for a dynamic dimension (the batch)
};

struct Graph {
  std::string source;                 // file the graph came from (for error messages)
  int64_t opset = 0;                  // default-domain opset of the model
  std::vector<ValueInfo> inputs;      // graph inputs that are not constants
  std::vector<ValueInfo> outputs;
  std::map<std::string, FloatTensor> constants;  // initializers and folded Constant nodes
  std::vector<Node> nodes;            // topological order
  std::map<std::string, Shape> value_shapes;     // inferred shapes of every value (batch dim -1)

  bool is_constant(const std::string& value) const { return constants.count(value) != 0; }
  const FloatTensor& constant(const std::string& value) const;  // throws fheq::Error if absent
  // The node producing `value`, or nullptr for graph inputs and constants.
  const Node* producer(const std::string& value) const;
  // Nodes that read `value`.
  std::vector<const Node*> consumers(const std::string& value) const;
};

}  // namespace fheq::graph
