#include "quant/bit_width.h"

#include <algorithm>
#include <bit>

#include "core/check.h"

namespace fheq::quant {

int bits_for_span(int64_t span) {
  FHEQ_CHECK(span >= 0, "negative span ", span);
  // Smallest b with 2^b ≥ span + 1 (a single value needs 0 bits; reported as at least 1 by callers if needed).
  return static_cast<int>(std::bit_width(static_cast<uint64_t>(span)));
}

void propagate_worst_case(const IntegerGraph& graph, const IntOp& op, std::vector<IntRange>& ranges) {
  if (ranges.size() < graph.values.size()) ranges.resize(graph.values.size());
  std::vector<IntRange> in;
  for (ValueId v : op_inputs(op)) in.push_back(ranges[static_cast<size_t>(v)]);
  const OpContext context = op_context(graph, op);
  ranges[static_cast<size_t>(op_output(op))] = std::visit([&](const auto& o) { return o.range(in, context); }, op);
}

std::vector<IntRange> worst_case_ranges(const IntegerGraph& graph, const IntRange& input_range) {
  std::vector<IntRange> ranges(graph.values.size());
  ranges[static_cast<size_t>(graph.input)] = input_range;
  for (const IntOp& op : graph.ops) propagate_worst_case(graph, op, ranges);
  return ranges;
}

IntRange observed_range(const IntTensor& values) {
  FHEQ_CHECK(!values.data.empty(), "observed_range of an empty tensor");
  auto [lo, hi] = std::minmax_element(values.data.begin(), values.data.end());
  return IntRange{*lo, *hi};
}

BitWidthReport analyse_bit_widths(const IntegerGraph& graph, const IntRange& input_range,
                                  const std::vector<IntRange>& observed) {
  FHEQ_CHECK(observed.size() == graph.values.size(), "observed ranges for ", observed.size(), " of ",
             graph.values.size(), " values");
  const std::vector<IntRange> worst = worst_case_ranges(graph, input_range);
  BitWidthReport report;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const IntOp& op = graph.ops[i];
    const ValueId out = op_output(op);
    OpBitWidth row;
    row.op_index = i;
    row.kind = op_kind(op);
    row.name = graph.value(out).name;
    row.shape = graph.value(out).shape;
    row.worst = worst[static_cast<size_t>(out)];
    row.observed = observed[static_cast<size_t>(out)];
    row.pbs = op_pbs_count(graph, op);
    if (const auto* tlu = std::get_if<TluOp>(&op)) {
      row.is_tlu = true;
      row.input_worst = worst[static_cast<size_t>(tlu->input)];
      row.input_observed = observed[static_cast<size_t>(tlu->input)];
      row.rounding_shift = tlu->rounding_shift;
      row.domain = tlu->domain();
      // Each element's table is offset to start at 0 by a clear constant, so the PBS precision is that of
      // the widest single table, not of the union of the domains.
      for (const LookupTable& t : tlu->tables)
        row.precision = std::max(row.precision, bits_for_span(t.input_max() - t.input_min));
      row.tables = static_cast<int64_t>(tlu->tables.size());
      report.max_tlu_precision = std::max(report.max_tlu_precision, row.precision);
      report.max_tlu_input_bits_observed = std::max(report.max_tlu_input_bits_observed, bits_for_range(row.input_observed));
      report.max_tlu_input_bits_worst = std::max(report.max_tlu_input_bits_worst, bits_for_range(row.input_worst));
    }
    report.pbs_count += row.pbs;
    report.ops.push_back(std::move(row));
  }
  report.output_worst = worst[static_cast<size_t>(graph.output)];
  report.output_observed = observed[static_cast<size_t>(graph.output)];
  report.output_bits_worst = bits_for_range(report.output_worst);
  report.output_bits_observed = bits_for_range(report.output_observed);
  return report;
}

}  // namespace fheq::quant
