// Re-rounding TLUs for FHE (docs/COMPILER.md §2): keep the r most significant bits of a TLU's accumulator
// domain by raising its rounding shift k, and derive the coarser table from the PTQ one.
//
// PTQ builds table entry t as f(t·2^k0) for the rounded index t = round(a / 2^k0) (quant/lowering.cc), so a
// coarser shift k ≥ k0 has entry t' = f(t'·2^k) = T[t'·2^(k−k0)] (clamped to the PTQ domain): sub-sampling
// the fine table is exactly the table PTQ would have built for shift k over the same domain.
#pragma once

#include <cstdint>
#include <vector>

#include "quant/integer_graph.h"

namespace fheq::compiler {

// The accumulator interval a TLU's tables cover (domain in rounded units × 2^k).
quant::IntRange tlu_accumulator_domain(const quant::TluOp& op);
// Bits of that interval: the width of the accumulator the TLU reads (before any rounding).
int tlu_accumulator_bits(const quant::TluOp& op);

// The TLU with rounding shift `shift` (≥ op.rounding_shift) and its tables sub-sampled accordingly.
quant::TluOp reround_tlu(const quant::TluOp& op, int64_t shift);

// The smallest shift ≥ op.rounding_shift whose rounded domain fits `keep_bits` bits (r ≥ 1).
int64_t shift_for_kept_bits(const quant::TluOp& op, int keep_bits);

// PBS precision the TLU needs: bits of its rounded domain (at least 1). When the domain does not fill the 2^p
// window, the spare entries are split between both ends (compile_circuit.cc layout_window): they act as guard
// entries, so an edge accumulator whose low bits are near a tie, reading one index past the domain, gets the
// clamped value instead of wrapping negacyclically into −T. A domain that fills the window has no guard: such
// wraps are rare (edge of the calibrated range and a near-tie) and simulate counts them.
int tlu_precision(const quant::TluOp& op);

// A copy of `graph` whose TLU number i (in op order) keeps keep_bits[i] MSBs (0: unchanged) and uses
// `mode` wherever its shift is > 0.
quant::IntegerGraph apply_rounding(const quant::IntegerGraph& graph, const std::vector<int>& keep_bits,
                                   quant::RoundingMode mode);

// The TLU with every table restricted to the accumulator interval `window` (intersected with its own domain;
// inputs beyond it clamp to the window's ends). Never empty: a table missing the window keeps its nearest end.
quant::TluOp restrict_tlu(const quant::TluOp& op, const quant::IntRange& window);

// The PTQ graph with every TLU restricted to the accumulator range seen on the calibration set, widened by
// margin·span per side (docs/COMPILER.md §2.1). PTQ's own tables cover that range plus 25% per side; the PBS
// window does not need that slack, and every bit of it costs rounding resolution. margin < 0: unchanged.
quant::IntegerGraph restrict_tlus_to_calibration(const quant::IntegerGraph& graph,
                                                 const std::vector<quant::IntRange>& observed, double margin);

// THE integer graph a circuit runs for per-TLU kept bits `keep_bits` (0: unchanged): the PTQ graph with its TLUs
// restricted to the calibrated windows (`margin`, CircuitOptions::window_margin), then re-rounded. compile_circuit
// runs exactly this graph (it only adds encodings) and the rounding search evaluates candidates with it, so the
// search's estimate and the compiled circuit are one computation.
quant::IntegerGraph rounded_circuit_graph(const quant::IntegerGraph& graph, const std::vector<quant::IntRange>& observed,
                                          double margin, const std::vector<int>& keep_bits, quant::RoundingMode mode);

// Indices into graph.ops of the TLU ops, in op order.
std::vector<size_t> tlu_op_indices(const quant::IntegerGraph& graph);

}  // namespace fheq::compiler
