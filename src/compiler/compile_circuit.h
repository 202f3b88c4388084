// Quantized network → FHE circuit (docs/COMPILER.md): rounding, components and encodings, PBS windows and
// tables, noise analysis, parameter choice, predictions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/fhe_circuit.h"
#include "quant/ptq.h"
#include "tfhe/commons/params.h"

namespace fheq::compiler {

// Largest PBS precision the compiler accepts (the largest named 128-bit set, CONCRETE_P8_128).
inline constexpr int kMaxPbsPrecision = 8;
// Default per-PBS error probability target: 2^−40.
inline constexpr double kDefaultPError = 9.094947017729282e-13;

struct CircuitOptions {
  // Rounding: keep this many MSBs of every TLU accumulator (0: keep PTQ's tables as they are).
  int rounding_bits = 0;
  // Per TLU (op order) kept bits, overriding rounding_bits where > 0 (what `auto` computes).
  std::vector<int> tlu_rounding_bits;
  // kApproximate: the PBS's modulus switch rounds (free, off by one near ties); kExact: round half up exactly,
  // with extra KS + PBS per element of every TLU with k > 0 (exact_rounding_plan.h).
  quant::RoundingMode rounding_mode = quant::RoundingMode::kApproximate;
  // PBS windows cover each TLU's calibrated accumulator range widened by this fraction of its span per side
  // (< 0: PTQ's table domains, i.e. calibrated range + 25%). Accumulators beyond a window wrap in FHE.
  double window_margin = 0.05;
  double p_error = kDefaultPError;  // target per PBS
  // Approximate-rounding TLUs: count only errors beyond off-by-one (noise ≥ Δ_p) against the target
  // (FheCircuit::tolerate_off_by_one). Halves the noise budget's cost: about one bit of precision.
  bool tolerate_off_by_one = true;
  double global_p_error = 0;        // > 0: target for the whole sample instead (p_error = global / PBS count)
  bool input_on_small_key = true;   // encrypt inputs under the small key when the first ops allow it
  bool compress_output = true;      // send outputs as 32-bit torus words when Δ_out allows (OutputEncoding)
  // How exact the decrypted output accumulator must be (docs/COMPILER.md §3.2). Wide outputs (8-bit models:
  // ~20-bit accumulators) would need far costlier parameters to decode exactly; the client only dequantizes
  // them (argmax), so a bounded noise is enough:
  //   kBounded:      σ_out ≤ (observed output span) / 2^output_noise_bits;
  //   kRequireExact: decoding noise < Δ_out/2 w.p. ≥ 1 − target;
  //   kPreferExact:  exact when that costs at most exact_output_cost_factor × the kBounded set, else kBounded.
  // (Exact output decoding is what makes execute == clear on every output value; latency is the price.)
  enum class OutputDecoding { kPreferExact, kRequireExact, kBounded };
  OutputDecoding output_decoding = OutputDecoding::kPreferExact;
  int output_noise_bits = 8;  // kBounded: 0 means no constraint at all
  double exact_output_cost_factor = 1.25;
  std::optional<tfhe::TfheParams> fixed_params;  // skip selection (tests: TOY sets)
  int threads = 0;                  // threads for the latency estimate (0: the default pool's size)
};

// Throws fheq::Error (one line, naming the TLU / option) when the circuit cannot be built: precision above
// kMaxPbsPrecision, no parameter set meeting the target (exact rounding with a rounding shift k > 0 costs
// extra KS + PBS per element and needs accumulator noise below half an accumulator LSB: docs/COMPILER.md §2.2).
FheCircuit compile_circuit(const quant::QuantizedNetwork& network, const CircuitOptions& options);

// Modelled single-thread time of one keyswitch + PBS with `params` (milliseconds; docs/COMPILER.md §3).
double modelled_ks_pbs_ms(const tfhe::TfheParams& params);

}  // namespace fheq::compiler
