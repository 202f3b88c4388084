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
  return std::visit(
      [](const auto& o) -> std::vector<ValueId> {
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, AddOp>) {
          return {o.lhs, o.rhs};
        } else {
          return {o.input};
        }
      },
      op);
}

std::string op_kind(const IntOp& op) {
  struct Namer {
    std::string operator()(const DenseOp&) const { return "Dense"; }
    std::string operator()(const Conv2dOp&) const { return "Conv2d"; }
    std::string operator()(const SumPool2dOp&) const { return "SumPool2d"; }
    std::string operator()(const WindowTapOp&) const { return "WindowTap"; }
    std::string operator()(const AddOp& o) const { return o.rhs_sign >= 0 ? "Add" : "Sub"; }
    std::string operator()(const TluOp&) const { return "TLU"; }
    std::string operator()(const ReshapeOp&) const { return "Reshape"; }
  };
  return std::visit(Namer{}, op);
}

int64_t op_pbs_count(const IntegerGraph& graph, const IntOp& op) {
  if (const auto* tlu = std::get_if<TluOp>(&op)) return graph.elements(tlu->output);
  return 0;
}

// A malformed graph is a compiler bug when it comes from lowering, and a corrupt or hand-edited file when it
// comes from circuit.bin: both get one error line naming the failed condition (never an abort or a crash).
#define GRAPH_REQUIRE(condition, ...) \
  FHEQ_REQUIRE(condition, "malformed integer graph: " #condition __VA_OPT__(, " (", ) __VA_ARGS__ __VA_OPT__(, ")"))

namespace {

void check_window(const Window2d& w, const Shape& in, const Shape& out, int64_t in_c, int64_t out_c) {
  GRAPH_REQUIRE(in.size() == 3 && out.size() == 3, "window ops read and write [C, H, W]");
  GRAPH_REQUIRE(in[0] == in_c && in[1] == w.in_h && in[2] == w.in_w, "input shape ", shape_to_string(in));
  GRAPH_REQUIRE(out[0] == out_c && out[1] == w.out_h && out[2] == w.out_w, "output shape ", shape_to_string(out));
  GRAPH_REQUIRE(w.kernel_h >= 1 && w.kernel_w >= 1 && w.stride_h >= 1 && w.stride_w >= 1 && w.dilation_h >= 1 &&
             w.dilation_w >= 1 && w.pad_top >= 0 && w.pad_left >= 0);
}

struct Validator {
  const IntegerGraph& g;
  void id(ValueId v) const { GRAPH_REQUIRE(v >= 0 && static_cast<size_t>(v) < g.values.size(), "value id ", v); }
  void operator()(const DenseOp& o) const {
    id(o.input), id(o.output);
    GRAPH_REQUIRE(g.elements(o.input) == o.in_features && g.elements(o.output) == o.out_features);
    GRAPH_REQUIRE(static_cast<int64_t>(o.weights.size()) == o.in_features * o.out_features);
    GRAPH_REQUIRE(static_cast<int64_t>(o.bias.size()) == o.out_features);
  }
  void operator()(const Conv2dOp& o) const {
    id(o.input), id(o.output);
    check_window(o.window, g.value(o.input).shape, g.value(o.output).shape, o.in_channels, o.out_channels);
    GRAPH_REQUIRE(o.groups >= 1 && o.in_channels % o.groups == 0 && o.out_channels % o.groups == 0);
    GRAPH_REQUIRE(static_cast<int64_t>(o.weights.size()) ==
               o.out_channels * (o.in_channels / o.groups) * o.window.kernel_size());
    GRAPH_REQUIRE(static_cast<int64_t>(o.bias.size()) == o.out_channels);
  }
  void operator()(const SumPool2dOp& o) const {
    id(o.input), id(o.output);
    check_window(o.window, g.value(o.input).shape, g.value(o.output).shape, o.channels, o.channels);
  }
  void operator()(const WindowTapOp& o) const {
    id(o.input), id(o.output);
    check_window(o.window, g.value(o.input).shape, g.value(o.output).shape, o.channels, o.channels);
    GRAPH_REQUIRE(o.tap_h >= 0 && o.tap_h < o.window.kernel_h && o.tap_w >= 0 && o.tap_w < o.window.kernel_w);
  }
  void operator()(const AddOp& o) const {
    id(o.lhs), id(o.rhs), id(o.output);
    GRAPH_REQUIRE(g.value(o.lhs).shape == g.value(o.rhs).shape && g.value(o.lhs).shape == g.value(o.output).shape);
    GRAPH_REQUIRE(o.rhs_sign == 1 || o.rhs_sign == -1);
  }
  void operator()(const TluOp& o) const {
    id(o.input), id(o.output);
    GRAPH_REQUIRE(g.value(o.input).shape == g.value(o.output).shape);
    GRAPH_REQUIRE(!o.tables.empty() && o.rounding_shift >= 0 && o.rounding_shift < 62);
    for (const auto& t : o.tables) GRAPH_REQUIRE(!t.values.empty());
    if (o.tables.size() > 1 || !o.element_table.empty()) {
      GRAPH_REQUIRE(static_cast<int64_t>(o.element_table.size()) == g.elements(o.input));
      for (int32_t t : o.element_table) GRAPH_REQUIRE(t >= 0 && static_cast<size_t>(t) < o.tables.size());
    }
  }
  void operator()(const ReshapeOp& o) const {
    id(o.input), id(o.output);
    GRAPH_REQUIRE(g.elements(o.input) == g.elements(o.output));
  }
};

}  // namespace

void validate(const IntegerGraph& graph) {
  std::vector<bool> defined(graph.values.size(), false);
  GRAPH_REQUIRE(graph.input >= 0 && static_cast<size_t>(graph.input) < graph.values.size());
  defined[static_cast<size_t>(graph.input)] = true;
  for (const IntOp& op : graph.ops) {
    std::visit(Validator{graph}, op);
    for (ValueId in : op_inputs(op)) GRAPH_REQUIRE(defined[static_cast<size_t>(in)], "value ", in, " read before written");
    ValueId out = op_output(op);
    GRAPH_REQUIRE(!defined[static_cast<size_t>(out)], "value ", out, " written twice");
    defined[static_cast<size_t>(out)] = true;
  }
  GRAPH_REQUIRE(graph.output >= 0 && defined[static_cast<size_t>(graph.output)]);
}

#undef GRAPH_REQUIRE

}  // namespace fheq::quant
