// The compiled FHE circuit, as plain data (docs/COMPILER.md). The compiler (compile_circuit.h) fills it;
// the runtime evaluates it on ciphertexts, serializes it (server artifact) and the client uses its input /
// output encodings. Nothing in here is secret.
//
// Encoding (torus Z/2^64, DESIGN.md §3): every encrypted value belongs to a COMPONENT (values connected by
// linear ops: Dense, Conv2d, SumPool2d, WindowTap, Add, Reshape). All values of a component share one
// scaling Δ = 2^log2_delta: an integer x is the torus value x·Δ mod 2^64 (two's complement for x < 0), so
// linear ops with clear int64 weights (and clear biases / pad values, encoded as trivial ciphertexts
// bias·Δ) compute the graph's integers exactly, up to noise.
//
// How the server evaluates a TLU op (TluEncoding t, op = graph.ops[t.op_index]) on element e of a sample:
//   1. c = ciphertext of the accumulator a (phase a·Δ_in + noise, Δ_in = 2^t.input_log2_delta);
//   2. c = 2^s·c, s = t.input_scale_log2 (a clear power of two: the accumulator now sits at
//      Δ_read = Δ_in·2^s, its noise grows by 2^s too; s > 0 when the component's Δ is set by a wider
//      accumulator than this TLU reads, e.g. MaxPool's b − a next to a convolution's sum), then
//      c += trivial(t.input_offset · Δ_read)         (u = a − window_start·2^k ≥ 0 inside the window)
//   3. if t.keyswitch: c = keyswitch(c) (big key k·N → small key n); otherwise c is already under the
//      small key (the input component was encrypted under it);
//   4. PBS with message_bits = t.precision and the table t.tables[table_of(e)] (2^p entries), whose
//      entry j is the torus value  (uint64)t.tables[..][j] << t.output_log2_delta  (tlu_output_torus()).
// Invariant: read_log2_delta(t) + rounding_shift + precision == 63, i.e. Δ_read·2^k = Δ_p = 2^(64−(p+1)), so the
// PBS (boxes centred on multiples of Δ_p, tfhe/entities/lookup_table.h) reads j = round(u / 2^k) — the
// modulus switch drops the k low bits: approximate rounding for free, off by one when noise tips a
// near-tie. The circuit graph's TLU tables are already windowed (calibrated range ± margin) and re-rounded:
// the clear executor on `graph` computes T_op[clamp(round(a / 2^k))] and the FHE table entry j equals
// T_op[clamp(window_start + j)] (entries beyond the op's domain repeat its end values = the clamp).
// Accumulators beyond the 2^p window wrap negacyclically in FHE (−T[j − 2^p]); simulate models that.
//
// EXACT rounding with k > 0 (t.rounding == kExact, t.rounding_shift > 0; docs/COMPILER.md §2.2,
// exact_rounding_plan.h): step 2 adds (input_offset + 2^(k−1))·Δ_in instead, so the phase holds
// v = u + 2^(k−1), and before step 3 the k low bits of v are cleared chunk by chunk (t.exact_chunk_bits,
// lowest first): per chunk of m bits one (m = 1) or two (m ≥ 2) extra keyswitch + PBS whose outputs are
// subtracted from c. Step 4 then reads j = ⌊v / 2^k⌋ = round-half-up(u / 2^k) at the centre of its box,
// exactly the clear executor's kExact semantics. The input must be under the big key (t.keyswitch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quant/integer_graph.h"
#include "tfhe/commons/params.h"
#include "tfhe/commons/types.h"

namespace fheq::compiler {

// Which LWE secret key a component's ciphertexts are under.
enum class LweKeyKind : int32_t {
  kBig = 0,    // the GLWE key flattened, dimension k·N (what PBS outputs are under)
  kSmall = 1,  // the small LWE key, dimension n (only the client's inputs, when the first op reads them)
};

// Encoding of one graph value (index = quant::ValueId).
struct ValueEncoding {
  int32_t component = -1;    // index into FheCircuit::components
  uint32_t log2_delta = 0;   // Δ of the component (copied for convenience)
};

struct Component {
  uint32_t log2_delta = 0;              // Δ = 2^log2_delta shared by every value of the component
  LweKeyKind key = LweKeyKind::kBig;    // key of its ciphertexts
  std::vector<quant::ValueId> values;   // members, ascending
  // Why Δ is what it is: bits (above Δ, including padding) the component must hold = 64 − log2_delta.
  uint32_t bits_needed = 0;
};

// One TLU op of the graph, as one PBS per element.
struct TluEncoding {
  size_t op_index = 0;              // index of the quant::TluOp in FheCircuit::graph.ops
  quant::ValueId input = -1;        // the accumulator read
  quant::ValueId output = -1;       // the value written
  uint32_t precision = 0;           // p: PBS message bits; each table has 2^p entries
  int64_t rounding_shift = 0;       // k: accumulator low bits dropped (equals the graph TluOp's)
  quant::RoundingMode rounding = quant::RoundingMode::kExact;  // as the graph op (kExact with k > 0: chunks)
  int64_t window_start = 0;         // w0 (rounded units): the PBS index is j = round(a / 2^k) − w0
  int64_t input_offset = 0;         // −w0·2^k: clear constant added to the accumulator before the PBS
  uint32_t input_log2_delta = 0;    // Δ of the input's component
  uint32_t input_scale_log2 = 0;    // s: the input ciphertext is multiplied by 2^s before the PBS (step 2)
  uint32_t output_log2_delta = 0;   // Δ of the output's component (the PBS writes y·2^output_log2_delta)
  bool keyswitch = true;            // false: the input is under the small key already (no keyswitch)
  // tables[t][j], j ∈ [0, 2^p): the integer y the PBS outputs (encoded at the output Δ).
  std::vector<std::vector<int64_t>> tables;
  std::vector<int32_t> element_table;  // per-sample element → table index; empty: one table for all
  // Predicted noise at the PBS decision point (after linear ops, keyswitch and modulus switch), as a
  // torus fraction squared, per per-sample element (elements differ by their weights' 2-norm).
  std::vector<double> input_variance;
  double max_input_variance = 0;    // max over elements
  double p_error = 0;               // max over elements and reads of P(PBS error) (FheCircuit::tolerate_off_by_one)
  double log2_norm2 = 0;            // log2 of the largest equivalent weight 2-norm feeding it (report)
  int64_t pbs_per_sample = 0;       // PBS per sample: elements × (1 + exact-rounding reads)
  // Exact rounding with k > 0 only (empty otherwise), see above and exact_rounding_plan.h:
  std::vector<uint32_t> exact_chunk_bits;    // chunk sizes m_i, lowest bits first, Σ m_i = k (m_i ≤ max_precision + 2)
  std::vector<double> exact_chunk_p_error;   // per chunk: max over elements of P(one of its reads decides wrongly)
  std::vector<double> accumulator_variance;  // per element: noise of the accumulator (torus fraction², before any
                                             // keyswitch); input_variance is then the FINAL read's (after the chunks)
  double exact_read_added_variance = 0;      // keyswitch + modulus switch noise every read adds (torus fraction²)
  double exact_pbs_output_variance = 0;      // noise of each PBS output subtracted from c
};

// log2 of the Δ at which the PBS reads the TLU's accumulator: the component's Δ times the input scale.
inline uint32_t read_log2_delta(const TluEncoding& t) { return t.input_log2_delta + t.input_scale_log2; }

// How the client encrypts the input codes.
struct InputEncoding {
  quant::ValueId value = -1;
  uint32_t log2_delta = 0;            // codes x are encrypted as x·2^log2_delta
  LweKeyKind key = LweKeyKind::kBig;  // kSmall: encrypt under the small LWE key (dimension n) with
                                      // params.lwe_noise; kBig: under the big key (k·N) with params.glwe_noise
                                      // (the noise analysis assumes exactly these distributions)
  quant::IntRange code_range;         // [qmin, qmax] of the codes
};

// How the client decodes the output accumulator (no PBS; decrypted under the big key).
struct OutputEncoding {
  quant::ValueId value = -1;
  uint32_t log2_delta = 0;    // Δ_out = 2^(64 − (bits + 2)) (one padding bit + one margin bit), or smaller
                              // when the component also feeds TLUs
  int64_t offset = 0;         // range.min: decoding is relative to it (decode_output)
  uint32_t bits = 0;          // bits_for_span(range): the span the client must recover exactly
  quant::IntRange range;      // the output window: calibrated range ± window_margin (within the worst case;
                              // the worst case itself when window_margin < 0)
  std::vector<double> variance;  // per element: predicted noise of the decrypted phase (torus fraction²)
  double max_variance = 0;
  double p_error = 0;         // max over elements of P(decoded value ≠ exact accumulator)
  // True when the parameters were chosen so that p_error ≤ the target; false: the low bits of the decoded
  // accumulator carry noise of standard deviation up to noise_std (accumulator units), which the client
  // tolerates (it only dequantizes / takes an argmax) and simulate models.
  bool exact = false;
  double noise_std = 0;
  quant::IntRange observed;   // output range seen on the calibration set (PTQ)
  double noise_bound = 0;     // the σ bound (accumulator units) parameters were chosen for; 0: none / exact
  // The server rounds every output torus word to its top `transport_bits` bits (a modulus switch to 2^q) and
  // sends only those: 32 halves OUT.ct. `variance` includes the rounding noise (docs/COMPILER.md §3.2,
  // "Output transport").
  // 64: sent as computed. 32 only when Δ_out ≥ 2^−(32 − kOutputTransportGuardBits) (compile_circuit.cc).
  uint32_t transport_bits = 64;
};

inline constexpr uint32_t kOutputTransportBits = 32;
inline constexpr uint32_t kOutputTransportGuardBits = 16;

struct FheCircuit {
  // The integer graph FHE computes: the PTQ graph with every TLU re-rounded for FHE (rounding_shift,
  // rounding mode, tables). The clear executor on it (approximate rounding → nearest) is "clear" mode.
  quant::IntegerGraph graph;
  std::vector<ValueEncoding> values;  // per ValueId
  std::vector<Component> components;
  std::vector<TluEncoding> tlus;      // in op order
  InputEncoding input;
  OutputEncoding output;

  tfhe::TfheParams params;            // one 128-bit set for the whole circuit (TOY only in tests)
  // What a PBS error is for a TLU with approximate rounding (k > 0): true: an index off by ≥ 2 from the nearest
  // (off-by-one is the accepted approximation), i.e. noise ≥ Δ_p; false: noise ≥ Δ_p/2 as for exact TLUs.
  // Only the predictions (p_error fields) depend on it.
  bool tolerate_off_by_one = true;
  double target_p_error = 0;          // per PBS, as requested (or global / pbs_count)
  double p_error = 0;                 // predicted, max over all PBS of the circuit
  double global_p_error = 0;          // predicted P(at least one PBS of one sample fails) = 1 − Π(1 − p_i)
  int64_t pbs_count = 0;              // PBS per sample (exact-rounding reads included)
  int64_t keyswitch_count = 0;        // keyswitches per sample (exact-rounding reads included)
  uint32_t max_precision = 0;         // max TLU precision p
  double log2_norm2 = 0;              // the norm passed to parameter selection
  double pbs_ms = 0;                  // modelled time of one KS+PBS on one thread with `params`
  int32_t threads = 1;                // threads assumed by the latency estimate
  double estimated_latency_ms = 0;    // per sample: pbs_count · pbs_ms / threads
};

// x·2^log2_delta mod 2^64.
inline tfhe::Torus encode_integer(int64_t x, uint32_t log2_delta) {
  return static_cast<tfhe::Torus>(x) << log2_delta;
}

// The torus value entry j of table t of a TLU writes.
inline tfhe::Torus tlu_output_torus(const TluEncoding& tlu, size_t table, size_t j) {
  return encode_integer(tlu.tables[table][j], tlu.output_log2_delta);
}

// The client's decoding of a decrypted output phase: u = round((phase − offset·Δ) / Δ) read as a signed
// integer modulo 2^(64 − log2_delta), result u + offset. Exact when |noise| < Δ/2.
int64_t decode_output(const OutputEncoding& output, tfhe::Torus phase);

// Checks the invariants listed above (sizes, Δ relations, table sizes, padding bit free, window inside the
// table domain); throws fheq::Error with one line starting with `context` (e.g. the file a circuit was read
// from) on the first violation.
void validate_circuit(const FheCircuit& circuit, const std::string& context = "circuit");

}  // namespace fheq::compiler
