#include "quant/bit_width.h"

#include <algorithm>
#include <bit>

#include "core/check.h"
#include "quant/tlu.h"

namespace fheq::quant {

int bits_for_span(int64_t span) {
  FHEQ_CHECK(span >= 0, "negative span ", span);
  // Smallest b with 2^b ≥ span + 1 (a single value needs 0 bits; reported as at least 1 by callers if needed).
  return static_cast<int>(std::bit_width(static_cast<uint64_t>(span)));
}

namespace {

using Wide = __int128;
constexpr Wide kLimit = Wide{1} << 62;

IntRange narrow(Wide lo, Wide hi, const std::string& what) {
  FHEQ_REQUIRE(lo > -kLimit && hi < kLimit, "integer graph: worst-case range of '", what,
               "' exceeds 62 bits; reduce n_bits");
  return IntRange{static_cast<int64_t>(lo), static_cast<int64_t>(hi)};
}

// The range of one tap's input: [lo, hi] joined with the pad value when the window pads.
IntRange with_pad(const IntRange& r, const Window2d& w, int64_t pad_value) {
  const bool pads = w.pad_top > 0 || w.pad_left > 0 || (w.out_h - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1 > w.in_h + w.pad_top ||
                    (w.out_w - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w + 1 > w.in_w + w.pad_left;
  if (!pads) return r;
  return IntRange{std::min(r.min, pad_value), std::max(r.max, pad_value)};
}

// Σ_i w_i·x_i + bias over x_i ∈ [lo, hi]: min and max.
void dot_bounds(const int64_t* w, int64_t count, int64_t bias, const IntRange& x, Wide& lo, Wide& hi) {
  lo = bias;
  hi = bias;
  for (int64_t i = 0; i < count; ++i) {
    const Wide a = Wide{w[i]} * x.min, b = Wide{w[i]} * x.max;
    lo += std::min(a, b);
    hi += std::max(a, b);
  }
}

struct Propagator {
  const IntegerGraph& g;
  std::vector<IntRange>& r;
  const IntRange& at(ValueId v) const { return r[static_cast<size_t>(v)]; }
  void set(ValueId v, IntRange range) { r[static_cast<size_t>(v)] = range; }

  void operator()(const DenseOp& op) {
    Wide lo_all = 0, hi_all = 0;
    for (int64_t o = 0; o < op.out_features; ++o) {
      Wide lo, hi;
      dot_bounds(op.weights.data() + o * op.in_features, op.in_features, op.bias[static_cast<size_t>(o)], at(op.input), lo, hi);
      lo_all = o == 0 ? lo : std::min(lo_all, lo);
      hi_all = o == 0 ? hi : std::max(hi_all, hi);
    }
    set(op.output, narrow(lo_all, hi_all, g.value(op.output).name));
  }
  void operator()(const Conv2dOp& op) {
    const IntRange x = with_pad(at(op.input), op.window, op.pad_value);
    const int64_t taps = (op.in_channels / op.groups) * op.window.kernel_size();
    Wide lo_all = 0, hi_all = 0;
    for (int64_t oc = 0; oc < op.out_channels; ++oc) {
      Wide lo, hi;
      dot_bounds(op.weights.data() + oc * taps, taps, op.bias[static_cast<size_t>(oc)], x, lo, hi);
      lo_all = oc == 0 ? lo : std::min(lo_all, lo);
      hi_all = oc == 0 ? hi : std::max(hi_all, hi);
    }
    set(op.output, narrow(lo_all, hi_all, g.value(op.output).name));
  }
  void operator()(const SumPool2dOp& op) {
    const IntRange x = with_pad(at(op.input), op.window, op.pad_value);
    const Wide k = op.window.kernel_size();
    set(op.output, narrow(k * x.min, k * x.max, g.value(op.output).name));
  }
  void operator()(const WindowTapOp& op) { set(op.output, with_pad(at(op.input), op.window, op.pad_value)); }
  void operator()(const AddOp& op) {
    const IntRange a = at(op.lhs), b = at(op.rhs);
    if (op.rhs_sign > 0) set(op.output, narrow(Wide{a.min} + b.min, Wide{a.max} + b.max, g.value(op.output).name));
    else set(op.output, narrow(Wide{a.min} - b.max, Wide{a.max} - b.min, g.value(op.output).name));
  }
  void operator()(const TluOp& op) {
    const IntRange x = at(op.input);
    // Rounding is monotone, so the reachable indices are [round(min), round(max)], then clamped per table.
    const int64_t lo_index = round_shift_exact(x.min, op.rounding_shift);
    const int64_t hi_index = round_shift_exact(x.max, op.rounding_shift);
    bool first = true;
    IntRange out;
    for (const LookupTable& t : op.tables) {
      const int64_t from = std::clamp(lo_index, t.input_min, t.input_max());
      const int64_t to = std::clamp(hi_index, t.input_min, t.input_max());
      for (int64_t i = from; i <= to; ++i) {
        const int64_t v = t.values[static_cast<size_t>(i - t.input_min)];
        out.min = first ? v : std::min(out.min, v);
        out.max = first ? v : std::max(out.max, v);
        first = false;
      }
    }
    set(op.output, out);
  }
  void operator()(const ReshapeOp& op) { set(op.output, at(op.input)); }
};

}  // namespace

void propagate_worst_case(const IntegerGraph& graph, const IntOp& op, std::vector<IntRange>& ranges) {
  if (ranges.size() < graph.values.size()) ranges.resize(graph.values.size());
  std::visit(Propagator{graph, ranges}, op);
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

IntRange tlu_domain(const TluOp& op) {
  IntRange d{op.tables.front().input_min, op.tables.front().input_max()};
  for (const LookupTable& t : op.tables) {
    d.min = std::min(d.min, t.input_min);
    d.max = std::max(d.max, t.input_max());
  }
  return d;
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
      row.domain = tlu_domain(*tlu);
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
