#include "compiler/fhe_circuit.h"

#include "compiler/exact_rounding_plan.h"

#include "core/check.h"
#include "quant/bit_width.h"

namespace fheq::compiler {

int64_t decode_output(const OutputEncoding& output, tfhe::Torus phase) {
  const uint32_t shift = output.log2_delta;
  const uint32_t bits = 64 - shift;  // bits of the decoded residue
  const tfhe::Torus shifted = phase - encode_integer(output.offset, shift);
  uint64_t u = shift == 0 ? shifted : (shifted >> shift) + ((shifted >> (shift - 1)) & 1);
  if (bits < 64) u &= (uint64_t{1} << bits) - 1;
  // Read u as a signed residue modulo 2^bits (values a little below the offset stay negative).
  int64_t s = static_cast<int64_t>(u);
  if (bits < 64 && (u >> (bits - 1)) != 0) s -= static_cast<int64_t>(uint64_t{1} << bits);
  return s + output.offset;
}

namespace {

// The exact-rounding plan of a TLU (fhe_circuit.h, exact_rounding_plan.h).
void validate_exact_plan(const FheCircuit& c, const TluEncoding& t, const std::string& where) {
  if (!uses_exact_chunks(t)) {
    FHEQ_REQUIRE(t.exact_chunk_bits.empty() && t.exact_chunk_p_error.empty() && t.accumulator_variance.empty() &&
                     t.exact_read_added_variance == 0 && t.exact_pbs_output_variance == 0,
                 where, ": exact-rounding chunks on a TLU without exact rounding");
    return;
  }
  FHEQ_REQUIRE(!t.exact_chunk_bits.empty(), where, ": exact rounding of ", t.rounding_shift,
               " bits without a chunk plan (circuit written before exact rounding was implemented?)");
  FHEQ_REQUIRE(t.keyswitch, where, ": exact rounding needs its input under the big key");
  int64_t covered = 0;
  for (uint32_t m : t.exact_chunk_bits) {
    FHEQ_REQUIRE(m >= 1 && m <= 20 && (size_t{1} << m) <= c.params.polynomial_size.value, where,
                 ": exact-rounding chunk of ", m, " bits (polynomial size ", c.params.polynomial_size.value, ")");
    covered += m;
  }
  FHEQ_REQUIRE(covered == t.rounding_shift, where, ": exact-rounding chunks cover ", covered, " bits, k = ",
               t.rounding_shift);
  FHEQ_REQUIRE(t.exact_chunk_p_error.size() == t.exact_chunk_bits.size(), where, ": ", t.exact_chunk_p_error.size(),
               " chunk error probabilities for ", t.exact_chunk_bits.size(), " chunks");
  FHEQ_REQUIRE(t.accumulator_variance.size() == t.input_variance.size(), where, ": ", t.accumulator_variance.size(),
               " accumulator variances");
  FHEQ_REQUIRE(t.exact_read_added_variance >= 0 && t.exact_pbs_output_variance >= 0, where,
               ": negative exact-rounding noise variance");
}

}  // namespace

void validate_circuit(const FheCircuit& c, const std::string& context) {
  const quant::IntegerGraph& g = c.graph;
  FHEQ_REQUIRE(c.values.size() == g.values.size(), context, ": ", c.values.size(), " value encodings for ",
               g.values.size(), " values");
  for (size_t v = 0; v < c.values.size(); ++v) {
    const ValueEncoding& e = c.values[v];
    FHEQ_REQUIRE(e.component >= 0 && static_cast<size_t>(e.component) < c.components.size(), context, ": value ", v,
                 " has component ", e.component);
    const Component& comp = c.components[static_cast<size_t>(e.component)];
    FHEQ_REQUIRE(e.log2_delta == comp.log2_delta, context, ": value ", v, " log2 Δ ", e.log2_delta,
                 " differs from its component's ", comp.log2_delta);
  }
  for (const Component& comp : c.components)
    FHEQ_REQUIRE(comp.log2_delta >= 1 && comp.log2_delta < 63 && comp.bits_needed + comp.log2_delta <= 64, context,
                 ": component with log2 Δ ", comp.log2_delta, " and ", comp.bits_needed, " bits");
  for (const TluEncoding& t : c.tlus) {
    FHEQ_REQUIRE(t.op_index < g.ops.size() && std::holds_alternative<quant::TluOp>(g.ops[t.op_index]), context,
                 ": TLU encoding points at op ", t.op_index, " which is not a TLU");
    const auto& op = std::get<quant::TluOp>(g.ops[t.op_index]);
    const std::string where = context + ": TLU '" + g.value(op.output).name + "'";
    FHEQ_REQUIRE(t.input == op.input && t.output == op.output && t.rounding_shift == op.rounding_shift &&
                     t.rounding == op.rounding,
                 where, ": encoding does not match the graph op");
    FHEQ_REQUIRE(t.precision >= 1 && t.precision <= 20, where, ": precision ", t.precision);
    FHEQ_REQUIRE(t.input_log2_delta == c.values[static_cast<size_t>(t.input)].log2_delta &&
                     t.output_log2_delta == c.values[static_cast<size_t>(t.output)].log2_delta,
                 where, ": Δ differs from its components'");
    FHEQ_REQUIRE(t.input_scale_log2 < 63 && read_log2_delta(t) + t.rounding_shift + t.precision == 63, where,
                 ": log2 Δ ", t.input_log2_delta, " + scale ", t.input_scale_log2, " + k ", t.rounding_shift, " + p ", t.precision, " ≠ 63 (the PBS would not read round(u / 2^k))");
    FHEQ_REQUIRE(t.input_offset == -t.window_start * (int64_t{1} << t.rounding_shift), where,
                 ": input offset does not match the window start");
    const LweKeyKind key = c.components[static_cast<size_t>(c.values[static_cast<size_t>(t.input)].component)].key;
    FHEQ_REQUIRE(t.keyswitch == (key == LweKeyKind::kBig), where, ": keyswitch flag does not match the input key");
    FHEQ_REQUIRE(t.tables.size() == op.tables.size(), where, ": ", t.tables.size(), " tables, graph op has ",
                 op.tables.size());
    for (const auto& table : t.tables)
      FHEQ_REQUIRE(table.size() == (size_t{1} << t.precision), where, ": table of ", table.size(),
                   " entries, expected 2^", t.precision);
    FHEQ_REQUIRE(t.element_table == op.element_table, where, ": element → table map differs from the graph op");
    const quant::IntRange domain = op.domain();
    FHEQ_REQUIRE(t.window_start <= domain.min && domain.max < t.window_start + (int64_t{1} << t.precision), where,
                 ": window [", t.window_start, ", +2^", t.precision, ") misses the table domain [", domain.min, ", ",
                 domain.max, "]");
    FHEQ_REQUIRE(t.input_variance.size() == static_cast<size_t>(g.elements(t.input)), where, ": ",
                 t.input_variance.size(), " noise variances");
    validate_exact_plan(c, t, where);
  }
  FHEQ_REQUIRE(c.input.value == g.input && c.input.log2_delta == c.values[static_cast<size_t>(g.input)].log2_delta,
               context, ": input encoding does not match the graph input");
  FHEQ_REQUIRE(c.output.value == g.output && c.output.log2_delta == c.values[static_cast<size_t>(g.output)].log2_delta,
               context, ": output encoding does not match the graph output");
  FHEQ_REQUIRE(c.output.bits + 2 + c.output.log2_delta <= 64, context, ": output of ", c.output.bits,
               " bits does not fit above Δ = 2^", c.output.log2_delta, " with padding and margin");
  FHEQ_REQUIRE(c.output.transport_bits == 64 ||
                   (c.output.transport_bits == kOutputTransportBits &&
                    64 - c.output.log2_delta + kOutputTransportGuardBits <= kOutputTransportBits),
               context, ": output transport of ", c.output.transport_bits, " bits for an output with Δ = 2^",
               c.output.log2_delta, " (32 needs Δ ≥ 2^", 64 - kOutputTransportBits + kOutputTransportGuardBits,
               "; otherwise 64)");
  FHEQ_REQUIRE(c.output.variance.size() == static_cast<size_t>(g.elements(g.output)), context, ": ",
               c.output.variance.size(), " output noise variances");
  // Every accumulator fits 62 bits for every input code (interval arithmetic over the weights): a circuit file
  // whose weights would overflow the integer executors' int64 sums is refused here, not computed with.
  try {
    (void)quant::worst_case_ranges(g, c.input.code_range);
  } catch (const Error& e) {
    FHEQ_THROW(context, ": ", e.what());
  }
}

}  // namespace fheq::compiler
