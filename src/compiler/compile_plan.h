// What fheq::compile decides before building a circuit, shared by compiled_model.cc and bit_allocation.cc:
// the circuit options an fheq::CompileOptions means, whether auto rounding runs, and on how many samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/compile_circuit.h"
#include "fheq/compiler.h"
#include "fheq/quantized_model.h"

namespace fheq::compiler {

CircuitOptions circuit_options(const CompileOptions& options);

// Auto rounding runs when asked for, or when no rounding was given, auto_rounding_when_too_wide holds and a TLU
// of `network` reads more bits than a PBS takes; `note` (may be null) then receives the one line saying so.
bool runs_auto_rounding(const quant::QuantizedNetwork& network, const CompileOptions& options, std::string* note);

// Calibration samples the rounding search (first ones) and the accuracy prediction (last ones) run on.
int64_t search_sample_count(const quant::QuantizedNetwork& network, const FloatTensor& calibration,
                            const CompileOptions& options);

// The dequantized outputs of `network` unrounded on `codes` (what auto rounding's tolerance is measured against).
FloatTensor unrounded_outputs(const quant::QuantizedNetwork& network, const IntTensor& codes);

// The first `samples` calibration samples as the rounding search reads them: input codes (the input quantizer
// depends on the inputs only, so they serve every weight quantization), their labels (empty without
// calibration labels) and `reference`'s unrounded outputs, which the tolerance is measured against.
struct SearchSamples {
  IntTensor codes;
  std::vector<int64_t> labels;
  FloatTensor reference_outputs;
};
SearchSamples search_samples(const QuantizedModel& reference, const FloatTensor& calibration,
                             const CompileOptions& options, int64_t samples);

}  // namespace fheq::compiler
