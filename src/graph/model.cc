// fheq::FloatModel: the public face of the graph layer (include/fheq/model.h).
#include "fheq/model.h"

#include <map>
#include <sstream>

#include "core/check.h"
#include "graph/float_executor.h"
#include "graph/graph.h"
#include "graph/onnx/onnx_import.h"

namespace fheq {

FloatModel::FloatModel(std::unique_ptr<graph::Graph> graph) : graph_(std::move(graph)) {}
FloatModel::FloatModel(FloatModel&&) noexcept = default;
FloatModel& FloatModel::operator=(FloatModel&&) noexcept = default;
FloatModel::~FloatModel() = default;

FloatModel FloatModel::load(const std::string& path) {
  return FloatModel(std::make_unique<graph::Graph>(graph::load_onnx(path)));
}

FloatTensor FloatModel::run(const FloatTensor& batch) const { return graph::run_graph(*graph_, batch); }

const std::string& FloatModel::source() const { return graph_->source; }
int64_t FloatModel::opset() const { return graph_->opset; }

const std::string& FloatModel::input_name() const {
  FHEQ_REQUIRE(graph_->inputs.size() == 1, graph_->source, ": model has ", graph_->inputs.size(), " inputs");
  return graph_->inputs[0].name;
}

Shape FloatModel::input_shape() const {
  FHEQ_REQUIRE(graph_->inputs.size() == 1, graph_->source, ": model has ", graph_->inputs.size(), " inputs");
  return graph_->inputs[0].shape;
}

Shape FloatModel::output_shape() const {
  FHEQ_REQUIRE(graph_->outputs.size() == 1, graph_->source, ": model has ", graph_->outputs.size(), " outputs");
  return graph_->outputs[0].shape;
}

std::vector<FloatModel::OpSummary> FloatModel::ops() const {
  std::vector<OpSummary> result;
  for (size_t i = 0; i < graph_->nodes.size(); ++i) {
    const auto& node = graph_->nodes[i];
    OpSummary op{node.name, node.op_type, {}, static_cast<int64_t>(i) >= graph_->server_node_count()};
    if (!node.outputs.empty()) {
      if (auto it = graph_->value_shapes.find(node.outputs[0]); it != graph_->value_shapes.end()) op.output_shape = it->second;
    }
    result.push_back(std::move(op));
  }
  return result;
}

std::string FloatModel::summary() const {
  std::ostringstream out;
  out << graph_->source << " (opset " << graph_->opset << ")\n";
  for (const auto& in : graph_->inputs) out << "  input  " << in.name << " " << shape_to_string(in.shape) << "\n";
  std::map<std::string, int> counts;
  for (const auto& op : ops()) {
    out << "  " << op.op_type << " '" << op.name << "' -> " << shape_to_string(op.output_shape)
        << (op.client_side ? "  (client side, after decryption)" : "") << "\n";
    ++counts[op.op_type];
  }
  for (const auto& o : graph_->outputs) out << "  output " << o.name << " " << shape_to_string(o.shape) << "\n";
  out << "  ops:";
  for (const auto& [type, n] : counts) out << " " << type << "x" << n;
  out << "\n";
  return out.str();
}

const graph::Graph& FloatModel::graph() const { return *graph_; }

}  // namespace fheq
