// Table-lookup semantics shared by the clear executors, the table builder and (next) the FHE compiler:
// how an accumulator is rounded to its most significant bits and how a table is indexed.
#pragma once

#include <cstdint>
#include <functional>

#include "quant/integer_graph.h"

namespace fheq::quant {

// Exact rounding of acc to its bits above k: ⌊(acc + 2^(k−1)) / 2^k⌋ = round(acc / 2^k) with ties
// toward +∞ (round half up), for negative acc too (C++20 >> on signed values is an arithmetic shift,
// i.e. floor division by 2^k). k = 0 returns acc. Example: k = 2: 5 → 1, 6 → 2 (tie, up), −6 → −1 (tie, up).
inline int64_t round_shift_exact(int64_t acc, int64_t k) {
  if (k == 0) return acc;
  return (acc + (int64_t{1} << (k - 1))) >> k;
}

// The hook for RoundingMode::kApproximate: given acc and k, returns the rounded index. The clear executor
// has no default for it (it is not deterministic in FHE); the simulate mode supplies its error model.
using ApproximateRounding = std::function<int64_t(int64_t acc, int64_t shift)>;

// T[clamp(index, input_min, input_max)]: inputs outside the table domain saturate to its ends.
inline int64_t lookup_clamped(const LookupTable& table, int64_t index) {
  int64_t i = index - table.input_min;
  const int64_t last = static_cast<int64_t>(table.values.size()) - 1;
  if (i < 0) i = 0;
  if (i > last) i = last;
  return table.values[static_cast<size_t>(i)];
}

// Index of the table an element uses.
inline size_t table_of_element(const TluOp& op, int64_t element) {
  return op.element_table.empty() ? 0 : static_cast<size_t>(op.element_table[static_cast<size_t>(element)]);
}

}  // namespace fheq::quant
