// Automatic bit allocation (CompileOptions::allocate_bits; docs/COMPILER.md §2.4): which weight bits and weight
// scale granularity to quantize with, chosen by estimated latency under auto rounding's accuracy tolerance.
//
// Every candidate (granularity × weight bits, from the options' bits down) is quantized, its rounding searched
// (global cap only, on the calibration samples the final search uses) against the UNROUNDED model at the
// options' own bits, and compiled to get its parameter set and estimated latency. Per granularity the descent
// stops at the first candidate out of tolerance (fewer bits only lose more). Fewer weight bits shrink the weight
// 2-norm that sets the noise budget (docs/COMPILER.md §3), hence N and the PBS cost.
//
// Then per layer, where the weight norm binds the parameter set (norm_binds): one parameter set serves the whole
// circuit, and the tables that demand the most of it (weight norm + precision) set it. From the cheapest
// candidate, the layers behind those tables lose one more weight bit
// (PtqOptions::layer_weight_bits) while that stays in tolerance and lowers the estimated latency; lowering any
// other layer would cost accuracy and buy nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fheq/compiler.h"
#include "compiler/fhe_circuit.h"
#include "fheq/quantized_model.h"
#include "quant/ptq.h"

namespace fheq::compiler {

// Where the first candidate's global-cap scan starts (8-bit models of the zoo settle at 5-7).
inline constexpr int kFirstCapGuess = 6;
// Per-layer steps after the uniform descent (each is one more quantize + screen + compile).
inline constexpr int kMaxLayerBitSteps = 3;

struct AllocationCandidate {
  CompileAllocationRow row;
  PtqOptions ptq;
  std::shared_ptr<const QuantizedModel> model;  // accepted candidates only
  // Accepted candidates whose parameter set the weight norm binds (norm_binds): see noisiest_layers().
  std::vector<std::string> noisiest_layers;
};

// Tables "bind" the parameter set when their failure probability is within this factor of the worst one's.
inline constexpr double kBindingFactor = 16.0;

// Whether the weight norm binds the circuit's parameter set, so that fewer weight bits could lower the latency:
// (1) the worst table fails within kBindingFactor of the target (else the set was sized by precision, not noise);
// (2) the binding tables' weight norms lie within 2 bits of each other (else keyswitch and modulus-switch noise,
// which every table shares, dominate: a max-chain table of norm 2^1 failing as often as a convolution's of
// norm 2^8); (3) a norm one bit smaller would select a cheaper set at the circuit's precision.
bool norm_binds(const FheCircuit& circuit);

struct BitAllocation {
  std::vector<AllocationCandidate> tried;  // in the order tried
  int64_t samples = 0;                     // screening samples (the first ones of the calibration set)
};

// The ONNX nodes of the calibrated-weight layers whose outputs reach, through linear ops only, the accumulators of
// the TLUs that demand the most noise budget (log2 weight norm + precision, within one bit of the largest; TLUs
// fed by fresh inputs only are left out: they do not bound the norm).
std::vector<std::string> noisiest_layers(const quant::QuantizedNetwork& net, const FheCircuit& circuit);

// `baseline`: the model quantized with options.ptq (the tolerance's reference, and the first candidate).
BitAllocation allocate_bits(const FloatModel& model, const QuantizedModel& baseline, const FloatTensor& calibration,
                            const CompileOptions& options);

// Indices into allocation.tried of the accepted candidates, lowest estimated latency first (ties: more bits).
std::vector<size_t> by_latency(const BitAllocation& allocation);

}  // namespace fheq::compiler
