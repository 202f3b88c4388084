#include "compiler/tlu_rounding.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "quant/bit_width.h"

namespace fheq::compiler {

quant::IntRange tlu_accumulator_domain(const quant::TluOp& op) {
  const quant::IntRange d = op.domain();
  return {d.min * (int64_t{1} << op.rounding_shift), d.max * (int64_t{1} << op.rounding_shift)};
}

int tlu_accumulator_bits(const quant::TluOp& op) { return quant::bits_for_range(tlu_accumulator_domain(op)); }

int tlu_precision(const quant::TluOp& op) { return std::max(1, quant::bits_for_range(op.domain())); }

quant::TluOp reround_tlu(const quant::TluOp& op, int64_t shift) {
  FHEQ_CHECK(shift >= op.rounding_shift && shift < 62, "shift ", shift, " < ", op.rounding_shift);
  if (shift == op.rounding_shift) return op;
  const int64_t extra = shift - op.rounding_shift;
  quant::TluOp out = op;
  out.rounding_shift = shift;
  for (size_t t = 0; t < op.tables.size(); ++t) {
    const quant::LookupTable& fine = op.tables[t];
    // Domain in the new units: the rounded images of the fine domain's ends (in accumulator units).
    const int64_t lo = quant::round_shift_exact(fine.input_min, extra);
    const int64_t hi = quant::round_shift_exact(fine.input_max(), extra);
    quant::LookupTable coarse;
    coarse.input_min = lo;
    coarse.values.reserve(static_cast<size_t>(hi - lo + 1));
    for (int64_t c = lo; c <= hi; ++c) coarse.values.push_back(quant::lookup_clamped(fine, c * (int64_t{1} << extra)));
    out.tables[t] = std::move(coarse);
  }
  return out;
}

int64_t shift_for_kept_bits(const quant::TluOp& op, int keep_bits) {
  FHEQ_CHECK(keep_bits >= 1);
  const int bits = tlu_accumulator_bits(op);
  int64_t shift = std::max<int64_t>(op.rounding_shift, bits - keep_bits);
  // Rounding both ends can add one index: shift once more while the rounded span needs more bits.
  while (true) {
    const quant::IntRange acc = tlu_accumulator_domain(op);
    const int64_t span = quant::round_shift_exact(acc.max, shift) - quant::round_shift_exact(acc.min, shift);
    if (quant::bits_for_span(span) <= keep_bits || shift >= 61) break;
    ++shift;
  }
  return shift;
}

quant::TluOp restrict_tlu(const quant::TluOp& op, const quant::IntRange& window) {
  FHEQ_CHECK(window.min <= window.max);
  quant::TluOp out = op;
  const int64_t lo_w = quant::round_shift_exact(window.min, op.rounding_shift);
  const int64_t hi_w = quant::round_shift_exact(window.max, op.rounding_shift);
  for (quant::LookupTable& table : out.tables) {
    const quant::LookupTable& full = op.tables[static_cast<size_t>(&table - out.tables.data())];
    int64_t lo = std::max(lo_w, full.input_min), hi = std::min(hi_w, full.input_max());
    if (lo > hi) lo = hi = std::clamp(lo_w, full.input_min, full.input_max());
    table.input_min = lo;
    table.values.clear();
    for (int64_t t = lo; t <= hi; ++t) table.values.push_back(quant::lookup_clamped(full, t));
  }
  return out;
}

quant::IntegerGraph restrict_tlus_to_calibration(const quant::IntegerGraph& graph,
                                                 const std::vector<quant::IntRange>& observed, double margin) {
  quant::IntegerGraph out = graph;
  if (margin < 0) return out;
  for (size_t i : tlu_op_indices(graph)) {
    auto& op = std::get<quant::TluOp>(out.ops[i]);
    if (static_cast<size_t>(op.input) >= observed.size()) continue;
    const quant::IntRange seen = observed[static_cast<size_t>(op.input)];
    if (seen.min > seen.max) continue;
    const auto widen = static_cast<int64_t>(std::ceil(margin * static_cast<double>(seen.span())));
    op = restrict_tlu(op, quant::IntRange{seen.min - widen, seen.max + widen});
  }
  return out;
}

std::vector<size_t> tlu_op_indices(const quant::IntegerGraph& graph) {
  std::vector<size_t> out;
  for (size_t i = 0; i < graph.ops.size(); ++i)
    if (std::holds_alternative<quant::TluOp>(graph.ops[i])) out.push_back(i);
  return out;
}

quant::IntegerGraph apply_rounding(const quant::IntegerGraph& graph, const std::vector<int>& keep_bits,
                                   quant::RoundingMode mode) {
  quant::IntegerGraph out = graph;
  const std::vector<size_t> tlus = tlu_op_indices(graph);
  FHEQ_CHECK(keep_bits.empty() || keep_bits.size() == tlus.size(), keep_bits.size(), " vs ", tlus.size());
  for (size_t i = 0; i < tlus.size(); ++i) {
    auto& op = std::get<quant::TluOp>(out.ops[tlus[i]]);
    if (!keep_bits.empty() && keep_bits[i] > 0) op = reround_tlu(op, shift_for_kept_bits(op, keep_bits[i]));
    op.rounding = op.rounding_shift > 0 ? mode : quant::RoundingMode::kExact;
  }
  return out;
}

quant::IntegerGraph rounded_circuit_graph(const quant::IntegerGraph& graph, const std::vector<quant::IntRange>& observed,
                                          double margin, const std::vector<int>& keep_bits, quant::RoundingMode mode) {
  return apply_rounding(restrict_tlus_to_calibration(graph, observed, margin), keep_bits, mode);
}

}  // namespace fheq::compiler
