// The integer graph: what post-training quantization produces and what the FHE compiler consumes.
//
// Every value is a batch of integer tensors ([N, per-sample shape...]) that would be ENCRYPTED in FHE.
// Every op is one of:
//   (a) a linear op with clear int64 constants (Dense, Conv2d, SumPool2d): cost-free in FHE except noise;
//   (b) a sum or difference of two encrypted tensors (Add);
//   (c) a table lookup (Tlu): one PBS per element in FHE, tables indexed by the (rounded) input integer;
//   (d) structural ops that only move elements (Reshape, WindowTap — used to write MaxPool as a + relu(b − a)).
// The types below hold NO floating-point data at all: the float parts of a quantized model (the client's
// input quantizer and output dequantizer) live in client_records.h. tests/quant/integer_graph_test.cc proves
// this at compile time by reflecting over every field (see integer_fields.h), so a float can not sneak in.
// Semantics of each op, with the maths: docs/PTQ.md.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fheq/tensor.h"

namespace fheq::quant {

// Index of a value in IntegerGraph::values.
using ValueId = int32_t;

// A closed integer interval [min, max].
struct IntRange {
  int64_t min = 0;
  int64_t max = 0;
  static constexpr int kFieldCount = 2;
  int64_t span() const { return max - min; }
  bool operator==(const IntRange&) const = default;
};

struct IntValue {
  std::string name;  // the float-graph value it stands for (or a derived name such as "pool1/tap3")
  Shape shape;       // per-sample shape, batch dimension excluded
  static constexpr int kFieldCount = 2;
};

// y[n, o] = bias[o] + Σ_i weights[o·in_features + i] · x[n, i]   (x flattened per sample).
struct DenseOp {
  ValueId input = -1;
  ValueId output = -1;
  int64_t in_features = 0;
  int64_t out_features = 0;
  std::vector<int64_t> weights;  // out_features × in_features, row-major
  std::vector<int64_t> bias;     // out_features clear constants (zero-point terms, quantized float bias)
  static constexpr int kFieldCount = 6;
};

// Geometry of a 2-D sliding window over [C, in_h, in_w] planes. Positions outside the input (padding)
// read the op's pad_value. pad_bottom/pad_right are implied by out_h/out_w.
struct Window2d {
  int64_t in_h = 1, in_w = 1;
  int64_t out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  static constexpr int kFieldCount = 12;
  int64_t kernel_size() const { return kernel_h * kernel_w; }
};

// ONNX Conv (cross-correlation) on integers:
//   y[oc, oh, ow] = bias[oc] + Σ_{ic in group(oc), kh, kw} w[oc, ic', kh, kw] · x[ic, oh·s_h − p_t + kh·d_h, ow·s_w − p_l + kw·d_w]
// with x = pad_value outside the input.
struct Conv2dOp {
  ValueId input = -1;
  ValueId output = -1;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
  Window2d window;
  int64_t pad_value = 0;
  std::vector<int64_t> weights;  // out_channels × (in_channels/groups) × kernel_h × kernel_w
  std::vector<int64_t> bias;     // out_channels
  static constexpr int kFieldCount = 9;
};

// AveragePool without the division: y[c, oh, ow] = Σ_{window} x (pad_value outside). The 1/k is folded
// into whatever reads y (the next TLU or the next linear layer's rescale).
struct SumPool2dOp {
  ValueId input = -1;
  ValueId output = -1;
  int64_t channels = 0;
  Window2d window;
  int64_t pad_value = 0;
  static constexpr int kFieldCount = 5;
};

// One tap of a sliding window: y[c, oh, ow] = x[c, oh·s_h − p_t + tap_h·d_h, ow·s_w − p_l + tap_w·d_w]
// (pad_value outside). Free in FHE (it only selects ciphertexts). MaxPool = taps folded with a + relu(b − a).
struct WindowTapOp {
  ValueId input = -1;
  ValueId output = -1;
  int64_t channels = 0;
  Window2d window;
  int64_t tap_h = 0;
  int64_t tap_w = 0;
  int64_t pad_value = 0;
  static constexpr int kFieldCount = 7;
};

// y = lhs + rhs_sign · rhs, elementwise on equal shapes (rhs_sign is +1 or −1).
struct AddOp {
  ValueId lhs = -1;
  ValueId rhs = -1;
  ValueId output = -1;
  int64_t rhs_sign = 1;
  static constexpr int kFieldCount = 4;
};

// A table over the integers [input_min, input_min + values.size() − 1].
struct LookupTable {
  int64_t input_min = 0;
  std::vector<int64_t> values;
  static constexpr int kFieldCount = 2;
  int64_t input_max() const { return input_min + static_cast<int64_t>(values.size()) - 1; }
};

// How the accumulator is reduced to its most significant bits before the lookup (docs/PTQ.md §4).
enum class RoundingMode : int32_t {
  kExact = 0,        // t = ⌊(acc + 2^(k−1)) / 2^k⌋: round half up (toward +∞), bit-exact
  kApproximate = 1,  // FHE's free rounding by the PBS modulus switch; off by one sometimes. Not available in
                     // the clear executor unless a hook is given (the simulate mode supplies one).
};

// Table lookup, elementwise: y[e] = T_{element_table[e]}[clamp(round(x[e] / 2^rounding_shift))], where the
// clamp is to the table's domain (the domain covers the calibrated range with a margin, or the whole
// worst-case range when that is small: see bit_width.h). element_table is empty when there is one table.
struct TluOp {
  ValueId input = -1;
  ValueId output = -1;
  int64_t rounding_shift = 0;  // k ≥ 0: number of least significant accumulator bits dropped
  RoundingMode rounding = RoundingMode::kExact;
  std::vector<LookupTable> tables;
  std::vector<int32_t> element_table;  // per-sample element → table index (size = per-sample element count)
  static constexpr int kFieldCount = 6;
};

// Same data, new per-sample shape (row-major order unchanged): Flatten, Reshape.
struct ReshapeOp {
  ValueId input = -1;
  ValueId output = -1;
  static constexpr int kFieldCount = 2;
};

using IntOp = std::variant<DenseOp, Conv2dOp, SumPool2dOp, WindowTapOp, AddOp, TluOp, ReshapeOp>;

struct IntegerGraph {
  std::vector<IntValue> values;
  std::vector<IntOp> ops;  // topological order; each op writes a new value
  ValueId input = -1;      // the client's quantized input codes
  ValueId output = -1;     // the accumulator the client decrypts and dequantizes
  static constexpr int kFieldCount = 4;

  ValueId add_value(std::string name, Shape shape);
  const IntValue& value(ValueId id) const;
  int64_t elements(ValueId id) const { return shape_size(value(id).shape); }
};

// The value an op writes and the values it reads.
ValueId op_output(const IntOp& op);
std::vector<ValueId> op_inputs(const IntOp& op);
// "Dense", "Conv2d", "SumPool2d", "WindowTap", "Add", "Sub", "TLU", "Reshape".
std::string op_kind(const IntOp& op);
// Number of PBS one sample costs in this op (its element count for a TLU, 0 otherwise).
int64_t op_pbs_count(const IntegerGraph& graph, const IntOp& op);

// Checks ids, shapes and constant sizes of every op, and that every value is written once before it is read;
// throws fheq::Error (one line naming the failed condition) on a malformed graph.
void validate(const IntegerGraph& graph);

}  // namespace fheq::quant
