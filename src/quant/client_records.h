// The float parts of a quantized model, which run on the CLIENT only: the input quantizer (float → codes
// before encryption) and the output dequantizer (decrypted accumulator → float), plus the description of
// a per-element float function used while BUILDING tables (AffineGroup). The integer graph itself holds no
// float (integer_graph.h); these records are kept beside it, never inside it.
#pragma once

#include <cstdint>
#include <vector>

#include "fheq/quantizer.h"
#include "fheq/tensor.h"
#include "graph/graph.h"

namespace fheq::quant {

// One float-graph node applied elementwise to a value: the value is input `operand`, every other
// (present) input is a scalar constant for this element group, in input order.
struct UnaryStep {
  graph::Node node;
  int operand = 0;
  std::vector<double> constants;  // one per present non-operand input
  bool same_as(const UnaryStep& other) const {
    return node.name == other.node.name && operand == other.operand && constants == other.constants;
  }
};

// The float value an integer q stands for: x = steps(scale · (q − offset)). An affine group has no steps.
struct AffineGroup {
  double scale = 1.0;
  double offset = 0.0;
  std::vector<UnaryStep> steps;
  bool is_affine() const { return steps.empty(); }
  bool same_as(const AffineGroup& other) const;
};

// Evaluates the group's function at each integer (given as double: accumulators fit 53 bits). The steps
// run through the float reference's own kernels (graph::run_node), so tables match the float model's ops.
std::vector<double> evaluate_group(const AffineGroup& group, std::vector<double> q);

// Client side, before encryption: codes = clip(rint(x / S) + Z) (fheq/quantizer.h), per tensor.
struct InputQuantizer {
  QuantParams params;
  Shape shape;  // per-sample shape
};
IntTensor quantize_input(const InputQuantizer& quantizer, const FloatTensor& x);

// Client side, after decryption: element e of a sample is groups[element_group[e]] applied to its integer.
struct OutputDequantizer {
  std::vector<AffineGroup> groups;
  std::vector<int32_t> element_group;  // per-sample element → group
  Shape shape;                         // per-sample shape
};
FloatTensor dequantize_output(const OutputDequantizer& dequantizer, const IntTensor& q);

// Runs the float client-side tail (Softmax / LogSoftmax after the last server op) on a batch.
FloatTensor run_client_tail(const std::vector<graph::Node>& tail, FloatTensor x);

}  // namespace fheq::quant
