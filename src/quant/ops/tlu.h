// Table lookup, elementwise: y[e] = T_{element_table[e]}[clamp(round(x[e] / 2^rounding_shift))], where the
// clamp is to the table's domain (the domain covers the calibrated range with a margin, or the whole
// worst-case range when that is small: see bit_width.h). element_table is empty when there is one table.
// One PBS per element in FHE. Also here: how an accumulator is rounded and how a table is indexed, shared by
// the clear executors, the table builder and the FHE compiler.
#pragma once

#include <sstream>

#include "fheq/rounding_mode.h"
#include "quant/ops/op_support.h"

namespace fheq::quant {

// A table over the integers [input_min, input_min + values.size() − 1].
struct LookupTable {
  int64_t input_min = 0;
  std::vector<int64_t> values;
  static constexpr int kFieldCount = 2;
  int64_t input_max() const { return input_min + static_cast<int64_t>(values.size()) - 1; }
};

// How the accumulator is reduced to its most significant bits before the lookup: the public type.
using RoundingMode = FheRoundingMode;

// Exact rounding of acc to its bits above k: ⌊(acc + 2^(k−1)) / 2^k⌋ = round(acc / 2^k) with ties
// toward +∞ (round half up), for negative acc too (C++20 >> on signed values is an arithmetic shift,
// i.e. floor division by 2^k). k = 0 returns acc. Example: k = 2: 5 → 1, 6 → 2 (tie, up), −6 → −1 (tie, up).
inline int64_t round_shift_exact(int64_t acc, int64_t k) {
  if (k == 0) return acc;
  return (acc + (int64_t{1} << (k - 1))) >> k;
}

// T[clamp(index, input_min, input_max)]: inputs outside the table domain saturate to its ends.
inline int64_t lookup_clamped(const LookupTable& table, int64_t index) {
  int64_t i = index - table.input_min;
  const int64_t last = static_cast<int64_t>(table.values.size()) - 1;
  if (i < 0) i = 0;
  if (i > last) i = last;
  return table.values[static_cast<size_t>(i)];
}

struct TluOp {
  static constexpr int32_t kTag = 6;
  static constexpr OpClass kClass = OpClass::kTableLookup;
  ValueId input = -1;
  ValueId output = -1;
  int64_t rounding_shift = 0;  // k ≥ 0: number of least significant accumulator bits dropped
  RoundingMode rounding = RoundingMode::kExact;
  std::vector<LookupTable> tables;
  std::vector<int32_t> element_table;  // per-sample element → table index (size = per-sample element count)
  static constexpr int kFieldCount = 6;

  // Index of the table an element uses.
  size_t table_of(int64_t element) const {
    return element_table.empty() ? 0 : static_cast<size_t>(element_table[static_cast<size_t>(element)]);
  }
  // The domain the tables cover, in rounded units: the union of the tables' domains.
  IntRange domain() const {
    IntRange d{tables.front().input_min, tables.front().input_max()};
    for (const LookupTable& t : tables) d = IntRange{std::min(d.min, t.input_min), std::max(d.max, t.input_max())};
    return d;
  }

  std::vector<ValueId> inputs() const { return {input}; }
  std::string kind() const { return "TLU"; }
  std::string describe(const Namer& name) const {
    const IntRange d = domain();
    std::ostringstream out;
    out << "T[round(" << name(input) << " / 2^" << rounding_shift << ")], " << tables.size()
        << (tables.size() == 1 ? " table" : " tables") << " over [" << d.min << ", " << d.max << "]";
    return out.str();
  }
  void validate(const OpContext& c) const {
    FHEQ_GRAPH_REQUIRE(c.inputs.at(0) == c.output);
    FHEQ_GRAPH_REQUIRE(!tables.empty() && rounding_shift >= 0 && rounding_shift < 62);
    FHEQ_GRAPH_REQUIRE(rounding == RoundingMode::kExact || rounding == RoundingMode::kApproximate);
    for (const auto& t : tables) FHEQ_GRAPH_REQUIRE(!t.values.empty());
    if (tables.size() > 1 || !element_table.empty()) {
      FHEQ_GRAPH_REQUIRE(static_cast<int64_t>(element_table.size()) == c.output_elements());
      for (int32_t t : element_table) FHEQ_GRAPH_REQUIRE(t >= 0 && static_cast<size_t>(t) < tables.size());
    }
  }
  IntRange range(const std::vector<IntRange>& in, const OpContext&) const {
    // Rounding is monotone, so the reachable indices are [round(min), round(max)], then clamped per table.
    const int64_t lo_index = round_shift_exact(in[0].min, rounding_shift);
    const int64_t hi_index = round_shift_exact(in[0].max, rounding_shift);
    bool first = true;
    IntRange out;
    for (const LookupTable& t : tables) {
      const int64_t from = std::clamp(lo_index, t.input_min, t.input_max());
      const int64_t to = std::clamp(hi_index, t.input_min, t.input_max());
      for (int64_t i = from; i <= to; ++i) {
        const int64_t v = t.values[static_cast<size_t>(i - t.input_min)];
        out.min = first ? v : std::min(out.min, v);
        out.max = first ? v : std::max(out.max, v);
        first = false;
      }
    }
    return out;
  }
  void run_ref(const OpContext& c, const std::vector<const int64_t*>& in, int64_t* y,
               const ClearRunOptions& options) const {
    for (int64_t e = 0; e < c.output_elements(); ++e) {
      const int64_t acc = in[0][e];
      int64_t index = acc;
      if (rounding_shift > 0) {
        if (rounding == RoundingMode::kApproximate) {
          FHEQ_REQUIRE(static_cast<bool>(options.approximate_rounding), "TLU on '", c.output_name,
                       "': approximate rounding needs the simulate mode's rounding model");
          index = options.approximate_rounding(acc, rounding_shift);
        } else {
          // round(acc / 2^k), ties up: floor division of acc + 2^(k−1), written without shifts.
          const int64_t divisor = int64_t{1} << rounding_shift;
          const int64_t shifted = acc + divisor / 2;
          index = shifted / divisor - ((shifted % divisor != 0 && shifted < 0) ? 1 : 0);
        }
      }
      const LookupTable& table = tables[table_of(e)];
      if (index < table.input_min) index = table.input_min;
      if (index > table.input_max()) index = table.input_max();
      y[e] = table.values[static_cast<size_t>(index - table.input_min)];
    }
  }
  double multiply_adds(const OpContext& c) const { return static_cast<double>(c.output_elements()); }
};

}  // namespace fheq::quant
