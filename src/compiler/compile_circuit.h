// Quantized network → FHE circuit (docs/COMPILER.md): rounding, components and encodings, PBS windows and
// tables, noise analysis, parameter choice, predictions.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/fhe_circuit.h"
#include "fheq/compiler.h"
#include "quant/ptq.h"
#include "tfhe/commons/params.h"

namespace fheq::compiler {

// Largest PBS precision the compiler accepts (the largest named 128-bit set, CONCRETE_P8_128).
inline constexpr int kMaxPbsPrecision = 8;
// Default per-PBS error probability target: 2^−40.
inline constexpr double kDefaultPError = 9.094947017729282e-13;

// What compile_circuit builds from: the public options (their rounding fields as given or as auto rounding
// resolved them into tlu_rounding_bits; ptq and the allocation fields are not read here) with the parameter set
// resolved. fixed_params skips the parameter selection (a named set, or a TOY set in tests).
struct CircuitOptions : CompileOptions {
  std::optional<tfhe::TfheParams> fixed_params;
};

// kPreferExact: the exact-output set is taken when it costs at most this factor × the kBounded set.
inline constexpr double kExactOutputCostFactor = 1.25;

// Throws fheq::Error (one line, naming the TLU / option) when the circuit cannot be built: precision above
// kMaxPbsPrecision, no parameter set meeting the target (exact rounding with a rounding shift k > 0 costs
// extra KS + PBS per element and needs accumulator noise below half an accumulator LSB: docs/COMPILER.md §2.2).
FheCircuit compile_circuit(const quant::QuantizedNetwork& network, const CircuitOptions& options);

// Modelled single-thread time of one keyswitch + PBS with `params` (milliseconds; docs/COMPILER.md §3).
double modelled_ks_pbs_ms(const tfhe::TfheParams& params);

}  // namespace fheq::compiler
