// Automatic bit allocation (CompileOptions::allocate_bits; docs/COMPILER.md §2.4): which weight bits and weight
// scale granularity to quantize with, chosen by estimated latency under auto rounding's accuracy tolerance.
//
// Every candidate (granularity × weight bits, from the options' bits down) is quantized, its rounding searched
// (global cap only, on the calibration samples the final search uses) against the UNROUNDED model at the
// options' own bits, and compiled to get its parameter set and estimated latency. Per granularity the descent
// stops at the first candidate out of tolerance (fewer bits only lose more). Fewer weight bits shrink the weight
// 2-norm that sets the noise budget (docs/COMPILER.md §3), hence N and the PBS cost.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fheq/compiler.h"
#include "fheq/quantized_model.h"

namespace fheq::compiler {

// Where the first candidate's global-cap scan starts (8-bit models of the zoo settle at 5-7).
inline constexpr int kFirstCapGuess = 6;

struct AllocationCandidate {
  CompileAllocationRow row;
  PtqOptions ptq;
  std::shared_ptr<const QuantizedModel> model;  // accepted candidates only
};

struct BitAllocation {
  std::vector<AllocationCandidate> tried;  // in the order tried
  int64_t samples = 0;                     // screening samples (the first ones of the calibration set)
};

// `baseline`: the model quantized with options.ptq (the tolerance's reference, and the first candidate).
BitAllocation allocate_bits(const FloatModel& model, const QuantizedModel& baseline, const FloatTensor& calibration,
                            const CompileOptions& options);

// Indices into allocation.tried of the accepted candidates, lowest estimated latency first (ties: more bits).
std::vector<size_t> by_latency(const BitAllocation& allocation);

}  // namespace fheq::compiler
