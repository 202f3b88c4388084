// Float reference executor: runs the nodes in order in double precision. A batch is split into
// chunks that run in parallel on the default thread pool (every supported op treats batch
// entries independently), then the chunk results are concatenated along each value's batch axis.
#include "graph/float_executor.h"

#include <algorithm>
#include <set>

#include "core/check.h"
#include "core/thread_pool.h"
#include "graph/ops/op_kernel.h"

namespace fheq::graph {
namespace {

// Rows [begin, begin+count) of `t` along `axis`.
FloatTensor slice_axis(const FloatTensor& t, int64_t axis, int64_t begin, int64_t count) {
  Shape shape = t.shape;
  const int64_t dim = shape[static_cast<size_t>(axis)];
  shape[static_cast<size_t>(axis)] = count;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= t.dim(d);
  for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.dim(d);
  FloatTensor out(shape);
  for (int64_t o = 0; o < outer; ++o)
    std::copy_n(t.data.data() + (o * dim + begin) * inner, count * inner, out.data.data() + o * count * inner);
  return out;
}

FloatTensor concat_axis(const std::vector<FloatTensor>& parts, int64_t axis) {
  if (parts.size() == 1) return parts[0];
  Shape shape = parts[0].shape;
  int64_t total = 0;
  for (const auto& p : parts) total += p.dim(axis);
  shape[static_cast<size_t>(axis)] = total;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d) inner *= shape[static_cast<size_t>(d)];
  FloatTensor out(shape);
  double* dst = out.data.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (const auto& p : parts) {
      const int64_t n = p.dim(axis) * inner;
      dst = std::copy_n(p.data.data() + o * n, n, dst);
    }
  }
  return out;
}

// "node 'x' (Conv): ..." → "node 'x' (Conv, opset 13): ..." (the file-level error format).
std::string with_opset(const std::string& message, const Node& node, int64_t opset) {
  const std::string prefix = node.describe();
  if (opset <= 0 || message.rfind(prefix, 0) != 0) return message;
  return "node '" + node.name + "' (" + node.op_type + ", opset " + std::to_string(opset) + ")" +
         message.substr(prefix.size());
}

// Runs every node once over `inputs` (one chunk of the batch).
ValueMap run_chunk(const Graph& graph, ValueMap values, bool keep_intermediates,
                   const std::map<std::string, size_t>& last_reader) {
  std::vector<const FloatTensor*> args;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    args.clear();
    for (const auto& name : node.inputs) {
      if (name.empty()) {
        args.push_back(nullptr);
      } else if (auto c = graph.constants.find(name); c != graph.constants.end()) {
        args.push_back(&c->second);
      } else {
        auto v = values.find(name);
        FHEQ_REQUIRE(v != values.end(), graph.source, ": ", node.describe(), ": input '", name,
                     "' is not computed before it is used");
        args.push_back(&v->second);
      }
    }
    std::vector<FloatTensor> results;
    try {
      results = run_node(node, args);
    } catch (const Error& e) {
      throw Error(graph.source + ": " + with_opset(e.what(), node, graph.opset));
    }
    for (size_t k = 0; k < node.outputs.size() && k < results.size(); ++k) {
      if (!node.outputs[k].empty()) values[node.outputs[k]] = std::move(results[k]);
    }
    if (!keep_intermediates) {
      // Drop values this node was the last to read (graph outputs are never in last_reader).
      for (const auto& name : node.inputs) {
        auto it = last_reader.find(name);
        if (it != last_reader.end() && it->second == i) values.erase(name);
      }
    }
  }
  if (keep_intermediates) return values;
  ValueMap outputs;
  for (const auto& out : graph.outputs) {
    if (auto c = graph.constants.find(out.name); c != graph.constants.end()) {
      outputs[out.name] = c->second;
      continue;
    }
    auto v = values.find(out.name);
    FHEQ_REQUIRE(v != values.end(), graph.source, ": graph output '", out.name, "' is never computed");
    outputs[out.name] = std::move(v->second);
  }
  return outputs;
}

// The axis along which `value`'s entries follow the batch: its first dynamic (-1) dim; 0 when
// the graph has a fixed batch or no recorded shape (hand-built graphs); -1 when the value does
// not depend on the batch at all.
int64_t batch_axis(const Graph& graph, const std::string& value, bool static_batch) {
  if (static_batch) return 0;
  auto it = graph.value_shapes.find(value);
  if (it == graph.value_shapes.end()) return 0;
  for (size_t d = 0; d < it->second.size(); ++d)
    if (it->second[d] == -1) return static_cast<int64_t>(d);
  return -1;
}

}  // namespace

std::vector<FloatTensor> run_node(const Node& node, const std::vector<const FloatTensor*>& inputs) {
  const auto& table = ops::kernel_table();
  auto it = table.find(node.op_type);
  FHEQ_REQUIRE(it != table.end(), node.describe(), ": operator '", node.op_type, "' has no float kernel");
  return it->second(node, inputs);
}

ValueMap run_graph(const Graph& graph, const ValueMap& inputs, bool keep_intermediates) {
  FHEQ_REQUIRE(!graph.inputs.empty(), graph.source, ": graph has no inputs");
  int64_t batch = -1, static_batch = 0;
  for (const auto& declared : graph.inputs) {
    auto it = inputs.find(declared.name);
    FHEQ_REQUIRE(it != inputs.end(), graph.source, ": graph input '", declared.name, "' is not given");
    const FloatTensor& t = it->second;
    FHEQ_REQUIRE(t.rank() >= 1, graph.source, ": input '", declared.name, "' must have a batch dim");
    if (!declared.shape.empty()) {
      bool ok = t.rank() == static_cast<int64_t>(declared.shape.size());
      for (size_t d = 1; ok && d < declared.shape.size(); ++d)
        ok = declared.shape[d] < 0 || declared.shape[d] == t.shape[d];
      FHEQ_REQUIRE(ok, graph.source, ": input '", declared.name, "' has shape ", shape_to_string(t.shape),
                   ", expected ", shape_to_string(declared.shape));
      if (declared.shape[0] > 0) static_batch = declared.shape[0];
    }
    FHEQ_REQUIRE(batch < 0 || t.dim(0) == batch, graph.source, ": inputs disagree on the batch size");
    batch = t.dim(0);
  }
  // A model exported with a fixed batch B runs B samples at a time.
  if (static_batch > 0)
    FHEQ_REQUIRE(batch % static_batch == 0, graph.source, ": batch of ", batch,
                 " is not a multiple of the model's fixed batch size ", static_batch);

  const size_t threads = core::default_thread_pool().size();
  // Small chunks keep each intermediate tensor in cache-sized, reused allocations (large fresh
  // allocations cost more in page faults than the arithmetic), while giving the pool enough tasks.
  constexpr int64_t kMaxChunk = 16;
  int64_t chunk = static_batch > 0
                      ? static_batch
                      : std::clamp<int64_t>((batch + 4 * threads - 1) / (4 * threads), 1, kMaxChunk);
  if (static_batch == 0 && batch < 8) chunk = std::max<int64_t>(batch, 1);
  const int64_t chunks = batch == 0 ? 1 : (batch + chunk - 1) / chunk;
  // Index of the last node reading each intermediate value, so a chunk frees it early.
  std::map<std::string, size_t> last_use;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const auto& name : graph.nodes[i].inputs)
      if (!name.empty() && !graph.is_constant(name)) last_use[name] = i;
  for (const auto& out : graph.outputs) last_use.erase(out.name);

  if (chunks == 1) return run_chunk(graph, inputs, keep_intermediates, last_use);

  std::vector<ValueMap> results(static_cast<size_t>(chunks));
  core::default_thread_pool().parallel_for(0, static_cast<size_t>(chunks), [&](size_t c) {
    const int64_t begin = static_cast<int64_t>(c) * chunk, count = std::min(chunk, batch - begin);
    ValueMap part;
    for (const auto& [name, t] : inputs) part[name] = slice_axis(t, 0, begin, count);
    results[c] = run_chunk(graph, std::move(part), keep_intermediates, last_use);
  });
  ValueMap merged;
  for (const auto& [name, first] : results[0]) {
    const int64_t axis = batch_axis(graph, name, static_batch > 0);
    if (axis < 0 || axis >= first.rank()) {
      merged[name] = first;
      continue;
    }
    std::vector<FloatTensor> parts;
    parts.reserve(results.size());
    for (auto& r : results) parts.push_back(std::move(r.at(name)));
    merged[name] = concat_axis(parts, axis);
  }
  return merged;
}

FloatTensor run_graph(const Graph& graph, const FloatTensor& input) {
  FHEQ_REQUIRE(graph.inputs.size() == 1 && graph.outputs.size() == 1, graph.source, ": graph has ",
               graph.inputs.size(), " inputs and ", graph.outputs.size(), " outputs, expected 1 and 1");
  ValueMap outputs = run_graph(graph, ValueMap{{graph.inputs[0].name, input}}, false);
  return std::move(outputs.at(graph.outputs[0].name));
}

}  // namespace fheq::graph
