#include "compiler/constant_tables.h"

namespace fheq::compiler {

std::optional<int64_t> constant_table_value(const quant::TluOp& op) {
  if (op.tables.empty() || op.tables.front().values.empty()) return std::nullopt;
  const int64_t c = op.tables.front().values.front();
  for (const quant::LookupTable& t : op.tables)
    for (int64_t v : t.values)
      if (v != c) return std::nullopt;
  return c;
}

std::vector<size_t> fold_constant_tables(quant::IntegerGraph& graph, const std::function<bool(size_t)>& allowed) {
  std::vector<size_t> folded;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const auto* tlu = std::get_if<quant::TluOp>(&graph.ops[i]);
    if (tlu == nullptr) continue;
    const std::optional<int64_t> c = constant_table_value(*tlu);
    if (!c || !allowed(i)) continue;
    quant::IndexMapOp fill;
    fill.sources = {tlu->input};
    fill.output = tlu->output;
    fill.index.assign(static_cast<size_t>(graph.elements(tlu->output)), -1);
    fill.fill = *c;
    fill.label = "ConstantTLU";
    graph.ops[i] = std::move(fill);
    folded.push_back(i);
  }
  return folded;
}

}  // namespace fheq::compiler
