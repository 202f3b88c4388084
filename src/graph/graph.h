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
  // Constants a model quantizer produced (quantization-aware weights, folded at import): the distinct scales of
  // their grid. Every element is an integer multiple of one of them, which the quantizer keeps instead of
  // re-quantizing the weights (docs/QAT.md).
  std::map<std::string, std::vector<double>> grid_scales;

  bool is_constant(const std::string& value) const { return constants.count(value) != 0; }
  bool is_input(const std::string& value) const;   // one of `inputs`
  bool is_output(const std::string& value) const;  // one of `outputs`
  const FloatTensor& constant(const std::string& value) const;  // throws fheq::Error if absent
  // The node producing `value`, or nullptr for graph inputs and constants.
  const Node* producer(const std::string& value) const;
  // Nodes that read `value`.
  std::vector<const Node*> consumers(const std::string& value) const;

  // --- added by the importer (g1) ---
  // Client-side tail: the last `client_side_tail` entries of `nodes` (Softmax / LogSoftmax, only
  // allowed as final ops) run on the client in float after decryption, never encrypted. The
  // quantizer compiles nodes [0, server_node_count()) and leaves the tail to the client.
  int64_t client_side_tail = 0;
  int64_t server_node_count() const { return static_cast<int64_t>(nodes.size()) - client_side_tail; }
  // The values the encrypted (server) part must produce: graph outputs not made by the tail,
  // plus the inputs the tail nodes read. Equals the output names when there is no tail.
  std::vector<std::string> server_outputs() const;
  // Shape of a value (graph input, constant or computed); throws fheq::Error if unknown.
  const Shape& shape_of(const std::string& value) const;
  // Index in `nodes` of the node producing `value`, or -1.
  int64_t producer_index(const std::string& value) const;
};

// How load_onnx simplifies the imported graph (defaults: everything on).
struct ImportOptions {
  // Shape→Gather→Concat chains and constant subgraphs (Constant nodes always become constants).
  // Off, the constant-operand rules of op_rules.h are not checked either (debugging aid).
  bool fold_constants = true;
  bool fold_batch_norm = true;     // BatchNormalization into the preceding Conv / Gemm
  bool remove_identities = true;   // Identity, Dropout (inference)
  bool fuse_activations = true;    // torch's Gelu / Softsign op chains back into one op
  bool pool_before_activation = true;  // Relu (or another non-decreasing activation) → MaxPool becomes
                                       // MaxPool → Relu: same outputs, fewer activations
};

// Supported ONNX operator types (default domain), sorted; for docs and error messages.
const std::vector<std::string>& supported_ops();

}  // namespace fheq::graph
