// Bit-width analysis of an IntegerGraph (docs/PTQ.md §5).
//
// Worst case: interval arithmetic from the input code range. For a linear op y_o = b_o + Σ_i w_oi·x_i with
// x_i ∈ [lo, hi]: y_o ∈ [b_o + Σ_i min(w·lo, w·hi), b_o + Σ_i max(w·lo, w·hi)] (padding taps read pad_value,
// so it joins [lo, hi]); sums add intervals; a TLU's output is the min/max of the table entries its
// (rounded, clamped) input interval can reach. Sums are taken in 128 bits and must fit in 62 (else
// fheq::Error: the model's accumulators would overflow int64).
// Observed: min/max over a batch actually executed (the calibration set).
// Bits: a range [min, max] needs bits_for_span(max − min) = ⌈log2(max − min + 1)⌉ bits once offset to be
// non-negative; that is the PBS precision a TLU reading it needs (DESIGN.md §2).
#pragma once

#include <string>
#include <vector>

#include "fheq/tensor.h"
#include "quant/integer_graph.h"

namespace fheq::quant {

int bits_for_span(int64_t span);
inline int bits_for_range(const IntRange& r) { return bits_for_span(r.max - r.min); }

// Fills ranges[op_output(op)] from the ranges of the op's inputs (ranges is indexed by ValueId).
void propagate_worst_case(const IntegerGraph& graph, const IntOp& op, std::vector<IntRange>& ranges);
// Worst-case range of every value given the range of the input codes.
std::vector<IntRange> worst_case_ranges(const IntegerGraph& graph, const IntRange& input_range);

// min/max of a non-empty tensor.
IntRange observed_range(const IntTensor& values);

// One row per op of the integer graph.
struct OpBitWidth {
  size_t op_index = 0;
  std::string kind;         // op_kind()
  std::string name;         // output value name
  Shape shape;              // per-sample output shape
  IntRange worst;           // worst-case output range
  IntRange observed;        // output range seen on the calibration set
  int64_t pbs = 0;          // PBS per sample (TLU elements)
  // TLU only: what the lookup reads.
  bool is_tlu = false;
  IntRange input_worst;     // accumulator before rounding, worst case
  IntRange input_observed;  // accumulator before rounding, calibration
  int64_t rounding_shift = 0;
  IntRange domain;          // table domain after rounding (what the PBS must cover)
  int precision = 0;        // bits of the widest single table domain: the PBS input precision
  int64_t tables = 0;       // distinct tables (1 per tensor, or 1 per channel/feature)
};

struct BitWidthReport {
  std::vector<OpBitWidth> ops;
  int64_t pbs_count = 0;            // per sample, all TLUs
  int max_tlu_precision = 0;        // max precision over TLUs (rounded table domain)
  int max_tlu_input_bits_observed = 0;  // max bits of a TLU's accumulator before rounding, calibration set
  int max_tlu_input_bits_worst = 0;     // same, worst case
  IntRange output_worst;            // the accumulator the client decrypts
  IntRange output_observed;
  int output_bits_worst = 0;
  int output_bits_observed = 0;
};

// `observed` is indexed by ValueId (from the calibration run); `input_range` is the input code range.
BitWidthReport analyse_bit_widths(const IntegerGraph& graph, const IntRange& input_range,
                                  const std::vector<IntRange>& observed);

}  // namespace fheq::quant
