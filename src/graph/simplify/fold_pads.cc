// Constant-zero Pad folding. torch.onnx.export writes an explicit Pad node in front of
// AveragePool (AvgPool2d with padding at opset ≥ 11, count_include_pad=True, ceil_mode=False)
// and users write nn.ZeroPad2d / F.pad in front of convolutions. Zero padding of the two
// spatial axes is exactly the `pads` attribute of the Conv or AveragePool that reads it
// (ONNX Operators: Conv, AveragePool "pads"), so the Pad disappears and its consumer pads.
#include <algorithm>

#include "graph/simplify/passes.h"

namespace fheq::graph::simplify {
namespace {

// The Pad's 2·rank pads when it is a constant-zero pad on axes 2 and 3 of a 4-D tensor only
// (begin pads first, then end pads, as ONNX orders them); empty otherwise.
std::vector<int64_t> spatial_zero_pads(const Graph& graph, const Node& pad) {
  if (pad.attr_string("mode", "constant") != "constant" || pad.inputs.size() < 2 || pad.inputs.size() > 3) return {};
  if (!graph.is_constant(pad.inputs[1])) return {};
  if (pad.inputs.size() == 3 && !pad.inputs[2].empty()) {
    if (!graph.is_constant(pad.inputs[2])) return {};
    const FloatTensor& value = graph.constant(pad.inputs[2]);
    if (value.size() != 1 || value[0] != 0.0) return {};
  }
  const FloatTensor& pads_tensor = graph.constant(pad.inputs[1]);
  if (pads_tensor.size() != 8) return {};
  std::vector<int64_t> pads(8);
  for (size_t i = 0; i < 8; ++i) {
    pads[i] = static_cast<int64_t>(pads_tensor[i]);
    if (pads[i] < 0) return {};  // negative pads crop; not a padding of the consumer
  }
  if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) return {};  // batch or channel axis
  return pads;
}

// Whether `consumer` reads a zero-padded input the same way with the padding moved into its
// own pads attribute. AveragePool counts the explicit zeros in its divisor, so the fold keeps
// that only with count_include_pad = 1 (or when the pool pads nothing and the fold sets it).
bool can_absorb(const Node& consumer, size_t input_index) {
  if (input_index != 0 || consumer.attr_string("auto_pad", "NOTSET") != "NOTSET") return false;
  const std::vector<int64_t> own = consumer.attr_ints("pads", {0, 0, 0, 0});
  if (own.size() != 4) return false;
  if (consumer.op_type == "Conv") return true;
  if (consumer.op_type != "AveragePool") return false;
  const bool pads_nothing = std::all_of(own.begin(), own.end(), [](int64_t p) { return p == 0; });
  return pads_nothing || consumer.attr_int("count_include_pad", 0) != 0;
}

}  // namespace

void fold_zero_pads(Graph& graph) {
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& pad = graph.nodes[i];
    if (pad.op_type != "Pad" || pad.outputs.size() != 1 || graph.is_output(pad.outputs[0])) continue;
    const std::vector<int64_t> pads = spatial_zero_pads(graph, pad);
    if (pads.empty()) continue;
    const std::string in = pad.inputs[0], out = pad.outputs[0];
    std::vector<Node*> readers;
    for (Node& n : graph.nodes)
      if (std::find(n.inputs.begin(), n.inputs.end(), out) != n.inputs.end()) readers.push_back(&n);
    // A Pad of zero width is an identity: every reader reads its input.
    const bool pads_nothing = std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
    const bool all_absorb = pads_nothing || std::all_of(readers.begin(), readers.end(), [&](const Node* n) {
      const auto at = std::find(n->inputs.begin(), n->inputs.end(), out);
      return std::count(n->inputs.begin(), n->inputs.end(), out) == 1 &&
             can_absorb(*n, static_cast<size_t>(at - n->inputs.begin()));
    });
    if (readers.empty() || !all_absorb) continue;
    for (Node* n : readers) {
      if (pads_nothing) {
        std::replace(n->inputs.begin(), n->inputs.end(), out, in);
        continue;
      }
      std::vector<int64_t> own = n->attr_ints("pads", {0, 0, 0, 0});
      own[0] += pads[2];  // H begin
      own[1] += pads[3];  // W begin
      own[2] += pads[6];  // H end
      own[3] += pads[7];  // W end
      n->attributes["pads"] = own;
      if (n->op_type == "AveragePool") n->attributes["count_include_pad"] = int64_t{1};
      n->inputs[0] = in;
    }
    removed[i] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
}

}  // namespace fheq::graph::simplify
