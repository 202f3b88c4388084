#include "quant/integer_graph.h"

#include "core/check.h"

namespace fheq::quant {

ValueId IntegerGraph::add_value(std::string name, Shape shape) {
  values.push_back(IntValue{std::move(name), std::move(shape)});
  return static_cast<ValueId>(values.size() - 1);
}

const IntValue& IntegerGraph::value(ValueId id) const {
  FHEQ_CHECK(id >= 0 && static_cast<size_t>(id) < values.size(), "value id ", id, " of ", values.size());
  return values[static_cast<size_t>(id)];
}

ValueId op_output(const IntOp& op) {
  return std::visit([](const auto& o) { return o.output; }, op);
}

std::vector<ValueId> op_inputs(const IntOp& op) {
  return std::visit([](const auto& o) { return o.inputs(); }, op);
}

std::string op_kind(const IntOp& op) {
  return std::visit([](const auto& o) { return o.kind(); }, op);
}

bool is_tlu(const IntOp& op) {
  return std::visit([](const auto& o) { return std::decay_t<decltype(o)>::kClass == OpClass::kTableLookup; }, op);
}

OpContext op_context(const IntegerGraph& graph, const std::vector<ValueId>& inputs, ValueId output) {
  OpContext c;
  for (ValueId v : inputs) c.inputs.push_back(graph.value(v).shape);
  c.output = graph.value(output).shape;
  c.output_name = graph.value(output).name;
  return c;
}

OpContext op_context(const IntegerGraph& graph, const IntOp& op) {
  return op_context(graph, op_inputs(op), op_output(op));
}

int64_t op_pbs_count(const IntegerGraph& graph, const IntOp& op) {
  return is_tlu(op) ? graph.elements(op_output(op)) : 0;
}

double op_multiply_adds(const IntegerGraph& graph, const IntOp& op) {
  const OpContext c = op_context(graph, op);
  return std::visit([&](const auto& o) { return o.multiply_adds(c); }, op);
}

std::string op_describe(const IntegerGraph& graph, const IntOp& op) {
  const Namer name = [&](ValueId v) { return "'" + graph.value(v).name + "'"; };
  return std::visit([&](const auto& o) { return o.describe(name); }, op);
}

LinearForm op_linear_form(const IntegerGraph& graph, const IntOp& op) {
  const OpContext c = op_context(graph, op);
  return std::visit(
      [&](const auto& o) -> LinearForm {
        if constexpr (std::decay_t<decltype(o)>::kClass == OpClass::kLinear) {
          return o.linear_form(c);
        } else {
          FHEQ_CHECK(false, "op_linear_form: op ", o.kind(), " is not linear");
          return {};
        }
      },
      op);
}

void validate(const IntegerGraph& graph) {
  std::vector<bool> defined(graph.values.size(), false);
  const auto id_ok = [&](ValueId v) { return v >= 0 && static_cast<size_t>(v) < graph.values.size(); };
  FHEQ_GRAPH_REQUIRE(id_ok(graph.input));
  defined[static_cast<size_t>(graph.input)] = true;
  for (const IntOp& op : graph.ops) {
    const ValueId out = op_output(op);
    FHEQ_GRAPH_REQUIRE(id_ok(out), "value id ", out);
    for (ValueId in : op_inputs(op)) {
      FHEQ_GRAPH_REQUIRE(id_ok(in), "value id ", in);
      FHEQ_GRAPH_REQUIRE(defined[static_cast<size_t>(in)], "value ", in, " read before written");
    }
    const OpContext c = op_context(graph, op);
    std::visit([&](const auto& o) { o.validate(c); }, op);
    FHEQ_GRAPH_REQUIRE(!defined[static_cast<size_t>(out)], "value ", out, " written twice");
    defined[static_cast<size_t>(out)] = true;
  }
  FHEQ_GRAPH_REQUIRE(id_ok(graph.output) && defined[static_cast<size_t>(graph.output)]);
}

}  // namespace fheq::quant
