// ONNX → Graph: parse, screen operators, run the ONNX checker and shape inference, convert,
// then simplify (graph/simplify/passes.h).
#include "graph/onnx/onnx_import.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "core/check.h"
#include "graph/onnx/op_rules.h"
#include "graph/onnx/tensor_proto.h"
#include "graph/simplify/passes.h"

namespace fheq::graph {
namespace {

constexpr int64_t kMinOpset = 13, kMaxOpset = 17;

// ONNX error texts can span lines; fheq errors are one line.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string supported_list() {
  std::string list;
  for (const auto& op : supported_ops()) list += (list.empty() ? "" : ", ") + op;
  return list;
}

int64_t default_opset(const onnx::ModelProto& model, const std::string& source) {
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") return entry.version();
  FHEQ_THROW(source, ": model imports no default-domain (ai.onnx) opset");
}

std::string node_name(const onnx::NodeProto& node, size_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
}

// QONNX quantizers (https://github.com/fastmachinelearning/qonnx): Brevitas exports them in onnx.brevitas, QONNX
// tools in qonnx.custom_op.general (finn.custom_op.general before the rename).
const std::set<std::string> kQonnxOps = {"Quant", "BipolarQuant", "Trunc"};
bool is_qonnx_domain(const std::string& domain) {
  return domain == "onnx.brevitas" || domain == "qonnx.custom_op.general" || domain == "finn.custom_op.general";
}

// Trunc changed meaning in version 2 of the QONNX domain (it rescales its output); fheq implements version 1.
void screen_qonnx_versions(const onnx::ModelProto& model, const std::string& source) {
  for (const auto& entry : model.opset_import())
    if (is_qonnx_domain(entry.domain()))
      for (const auto& n : model.graph().node())
        FHEQ_REQUIRE(n.op_type() != "Trunc" || n.domain() != entry.domain() || entry.version() <= 1, source,
                     ": node '", n.name(), "' (Trunc, domain '", entry.domain(), "' version ", entry.version(),
                     "): only Trunc version 1 is supported");
}

// Fails early, before the checker, with the most useful message for unsupported operators.
void screen_operators(const onnx::GraphProto& g, const std::string& source, int64_t opset) {
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const std::string prefix = source + ": node '" + node_name(n, static_cast<size_t>(i)) + "' (" + n.op_type();
    if (is_qonnx_domain(n.domain())) {
      FHEQ_REQUIRE(kQonnxOps.count(n.op_type()), prefix, ", domain '", n.domain(),
                   "'): operator not supported; supported QONNX ops: Quant, BipolarQuant, Trunc");
      continue;
    }
    FHEQ_REQUIRE(n.domain().empty() || n.domain() == "ai.onnx", prefix, ", domain '", n.domain(),
                 "'): operator not supported (custom domain); supported ops: ", supported_list(),
                 "; QONNX Quant, BipolarQuant, Trunc");
    FHEQ_REQUIRE(onnx_import::is_supported_op(n.op_type()), prefix, ", opset ", opset,
                 "): operator not supported; supported ops: ", supported_list());
  }
}

// Window attributes are checked before libonnx sees them: its shape inference divides by the strides (a zero
// stride is SIGFPE inside the library, not an exception) and trusts kernel sizes and dilations.
void screen_window_attributes(const onnx::GraphProto& g, const std::string& source) {
  static const std::set<std::string> kWindowOps = {"Conv", "ConvTranspose", "AveragePool", "MaxPool", "LpPool"};
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (!kWindowOps.count(n.op_type())) continue;
    for (const auto& attr : n.attribute()) {
      const std::string& name = attr.name();
      const bool positive = name == "strides" || name == "kernel_shape" || name == "dilations";
      if (!positive && name != "pads") continue;
      for (int64_t v : attr.ints())
        FHEQ_REQUIRE(positive ? v > 0 && v <= (int64_t{1} << 20) : v >= 0 && v <= (int64_t{1} << 20), source,
                     ": node '", node_name(n, static_cast<size_t>(i)), "' (", n.op_type(), "): attribute ", name,
                     " has ", v, positive ? " (each must be ≥ 1)" : " (pads must be ≥ 0)");
    }
  }
}

// External data is refused before the ONNX checker, which would only report the side file as missing.
void screen_external_data(const onnx::GraphProto& g, const std::string& source) {
  for (const auto& t : g.initializer()) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL) continue;
    std::string location;
    for (const auto& entry : t.external_data())
      if (entry.key() == "location") location = entry.value();
    FHEQ_THROW(source, ": initializer '", t.name(), "' is stored as external data",
               location.empty() ? std::string() : " (in '" + location + "')",
               "; fheq reads self-contained models: save with onnx.save(model, path, save_as_external_data=False)");
  }
}

void run_onnx_checks(onnx::ModelProto& model, const std::string& source) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    FHEQ_THROW(source, ": ONNX checker: ", one_line(e.what()));
  }
  try {
    // Strict: node-level inference errors (bad shapes, wrong types) are errors.
    onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    FHEQ_THROW(source, ": ONNX shape inference: ", one_line(e.what()));
  }
}

FloatTensor constant_node_value(const onnx::NodeProto& n, const std::string& context) {
  FHEQ_REQUIRE(n.attribute_size() == 1, context, ": expected exactly one value attribute");
  const auto& attr = n.attribute(0);
  const std::string& key = attr.name();
  if (key == "value") return onnx_import::tensor_from_proto(attr.t(), context);
  if (key == "value_float") return FloatTensor({}, {attr.f()});
  if (key == "value_int") return FloatTensor({}, {static_cast<double>(attr.i())});
  if (key == "value_floats") {
    std::vector<double> v(attr.floats().begin(), attr.floats().end());
    return FloatTensor({static_cast<int64_t>(v.size())}, v);
  }
  if (key == "value_ints") {
    std::vector<double> v(attr.ints().begin(), attr.ints().end());
    return FloatTensor({static_cast<int64_t>(v.size())}, v);
  }
  FHEQ_THROW(context, ": attribute '", key, "' is not supported");
}

bool is_float_type(int32_t elem_type) {
  return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::DOUBLE ||
         elem_type == onnx::TensorProto::FLOAT16;
}

std::string zero_point_type_name(int32_t data_type, const std::string& context) {
  switch (data_type) {
    case onnx::TensorProto::UINT8: return "uint8";
    case onnx::TensorProto::INT8: return "int8";
    case onnx::TensorProto::UINT16: return "uint16";
    case onnx::TensorProto::INT16: return "int16";
    case onnx::TensorProto::INT32: return "int32";
    default: FHEQ_THROW(context, ": zero point of ONNX data type ", data_type, " is not supported (uint8, int8, uint16, int16, int32)");
  }
}

Graph convert(const onnx::ModelProto& model, const std::string& source, int64_t opset) {
  const onnx::GraphProto& g = model.graph();
  Graph graph;
  graph.source = source;
  graph.opset = opset;
  for (const auto& init : g.initializer())
    graph.constants[init.name()] = onnx_import::tensor_from_proto(init, source + ": initializer '" + init.name() + "'");
  for (const auto& in : g.input()) {
    if (graph.is_constant(in.name())) continue;  // older exporters list initializers as inputs
    bool has_shape = false;
    ValueInfo info{in.name(), onnx_import::shape_from_value_info(in, has_shape)};
    FHEQ_REQUIRE(has_shape, source, ": input '", in.name(), "' has no shape");
    FHEQ_REQUIRE(is_float_type(in.type().tensor_type().elem_type()), source, ": input '", in.name(),
                 "' is not a float tensor");
    graph.inputs.push_back(std::move(info));
  }
  FHEQ_REQUIRE(!graph.inputs.empty(), source, ": model has no (non-constant) input");
  for (const auto& out : g.output()) {
    bool has_shape = false;
    graph.outputs.push_back({out.name(), onnx_import::shape_from_value_info(out, has_shape)});
  }
  // Data types of constants, for QuantizeLinear, whose output type is its zero point's type.
  std::map<std::string, int32_t> constant_types;
  for (const auto& init : g.initializer()) constant_types[init.name()] = init.data_type();
  std::set<std::string> names;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    Node node;
    node.name = node_name(n, static_cast<size_t>(i));
    // Unique names: the IR and error messages refer to nodes by name.
    for (int k = 1; names.count(node.name); ++k) node.name = node_name(n, static_cast<size_t>(i)) + "#" + std::to_string(k);
    names.insert(node.name);
    node.op_type = n.op_type();
    const std::string context = source + ": node '" + node.name + "' (" + n.op_type() + ", opset " + std::to_string(opset) + ")";
    if (n.op_type() == "Constant") {
      FHEQ_REQUIRE(n.output_size() == 1, context, ": expected one output");
      graph.constants[n.output(0)] = constant_node_value(n, context);
      if (n.attribute(0).name() == "value") constant_types[n.output(0)] = n.attribute(0).t().data_type();
      continue;
    }
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& attr : n.attribute()) node.attributes[attr.name()] = onnx_import::attribute_from_proto(attr, context);
    if (node.op_type == "Identity" && node.inputs.size() == 1 && constant_types.count(node.inputs[0]))
      constant_types[node.outputs.at(0)] = constant_types[node.inputs[0]];  // torch 1.13 aliases shared zero points
    if (node.op_type == "QuantizeLinear" && node.inputs.size() > 2 && !node.inputs[2].empty()) {
      auto type = constant_types.find(node.inputs[2]);
      FHEQ_REQUIRE(type != constant_types.end(), context, ": the zero point must be an initializer or a Constant");
      node.attributes["zero_point_type"] = zero_point_type_name(type->second, context);
    }
    graph.nodes.push_back(std::move(node));
  }
  return graph;
}

void simplify_graph(Graph& graph, const ImportOptions& options) {
  if (options.remove_identities) simplify::remove_identities(graph);
  simplify::infer_shapes(graph);
  if (options.fold_constants) simplify::fold_constants(graph);
  if (options.fold_constants) simplify::fold_zero_pads(graph);
  if (options.fold_constants) simplify::canonicalize_quantizers(graph);
  if (options.fuse_activations) simplify::fuse_exported_patterns(graph);
  if (options.fold_batch_norm) simplify::fold_batch_norm(graph);
  if (options.pool_before_activation) simplify::pool_before_activation(graph);
  simplify::mark_client_side_tail(graph);
  // The rules ask for constant operands, which only folding can produce from torch's exports;
  // without folding (a debugging aid) the graph is left as imported.
  if (options.fold_constants)
    for (const Node& node : graph.nodes) onnx_import::check_node_rules(graph, node);
  simplify::remove_unused_constants(graph);
  simplify::infer_shapes(graph);
}

}  // namespace

Graph load_onnx_from_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options) {
  FHEQ_REQUIRE(!bytes.empty(), source_name, ": file is empty");
  onnx::ModelProto model;
  FHEQ_REQUIRE(model.ParseFromString(bytes), source_name,
               ": not a valid ONNX model (protobuf parse failed: the file is truncated or not ONNX)");
  FHEQ_REQUIRE(model.has_graph() && model.ir_version() > 0, source_name,
               ": not a valid ONNX model (no graph or IR version; the file is truncated or not ONNX)");
  const int64_t opset = default_opset(model, source_name);
  FHEQ_REQUIRE(opset >= kMinOpset && opset <= kMaxOpset, source_name, ": opset ", opset,
               " is not supported (supported: ", kMinOpset, "-", kMaxOpset,
               "; export with torch.onnx.export(..., opset_version=13..17))");
  screen_operators(model.graph(), source_name, opset);
  screen_qonnx_versions(model, source_name);
  screen_window_attributes(model.graph(), source_name);
  screen_external_data(model.graph(), source_name);
  run_onnx_checks(model, source_name);
  Graph graph = convert(model, source_name, opset);
  simplify_graph(graph, options);
  return graph;
}

Graph load_onnx_from_bytes(const std::string& bytes, const std::string& source_name) {
  return load_onnx_from_bytes(bytes, source_name, ImportOptions{});
}

Graph load_onnx(const std::string& path, const ImportOptions& options) {
  std::ifstream file(path, std::ios::binary);
  FHEQ_REQUIRE(file.good(), path, ": cannot open file");
  std::ostringstream contents;
  contents << file.rdbuf();
  FHEQ_REQUIRE(!file.bad(), path, ": read error");
  return load_onnx_from_bytes(contents.str(), path, options);
}

Graph load_onnx(const std::string& path) { return load_onnx(path, ImportOptions{}); }

}  // namespace fheq::graph
