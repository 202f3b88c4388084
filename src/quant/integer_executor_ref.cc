// The slow, obviously correct clear executor: one sample at a time through each op's own run_ref (straight
// from its definition in quant/ops/*.h: one scalar at a time, every window tap bounds-checked),
// single-threaded. The fast executor must equal it exactly.
#include "core/check.h"
#include "quant/integer_executor.h"

namespace fheq::quant {

void run_integer_op_ref(const IntegerGraph& graph, const IntOp& op, std::vector<IntTensor>& values,
                        const ClearRunOptions& options) {
  const OpContext context = op_context(graph, op);
  const std::vector<ValueId> inputs = op_inputs(op);
  const int64_t batch = values[static_cast<size_t>(inputs[0])].dim(0);
  Shape shape{batch};
  for (int64_t d : context.output) shape.push_back(d);
  IntTensor y(shape);
  for (int64_t n = 0; n < batch; ++n) {
    std::vector<const int64_t*> in;
    for (size_t i = 0; i < inputs.size(); ++i)
      in.push_back(values[static_cast<size_t>(inputs[i])].data.data() + n * context.input_elements(i));
    int64_t* out = y.data.data() + n * context.output_elements();
    std::visit([&](const auto& o) { o.run_ref(context, in, out, options); }, op);
  }
  values[static_cast<size_t>(op_output(op))] = std::move(y);
}

std::vector<IntTensor> run_integer_graph_all_ref(const IntegerGraph& graph, const IntTensor& input,
                                                 const ClearRunOptions& options) {
  check_integer_input(graph, input);
  std::vector<IntTensor> values(graph.values.size());
  values[static_cast<size_t>(graph.input)] = input;
  for (const IntOp& op : graph.ops) run_integer_op_ref(graph, op, values, options);
  return values;
}

IntTensor run_integer_graph_ref(const IntegerGraph& graph, const IntTensor& input, const ClearRunOptions& options) {
  return run_integer_graph_all_ref(graph, input, options)[static_cast<size_t>(graph.output)];
}

}  // namespace fheq::quant
