// The integer graph: what post-training quantization produces and what the FHE compiler consumes.
//
// Every value is a batch of integer tensors ([N, per-sample shape...]) that would be ENCRYPTED in FHE.
// Every op (one header each under quant/ops/, registered in quant/ops/registry.h) is one of two classes:
//   (a) linear: rows of (input element, clear int64 weight) plus a constant (quant/linear_form.h) — Dense,
//       Conv2d, SumPool2d, the sum of two encrypted tensors (Add), and the pure index maps (Reshape, WindowTap,
//       IndexMap for Transpose / Concat / Slice / Pad / Gather); cost-free in FHE except noise;
//   (b) a table lookup (Tlu): one PBS per element in FHE, tables indexed by the (rounded) input integer.
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
#include "quant/ops/registry.h"

namespace fheq::quant {

struct IntValue {
  std::string name;  // the float-graph value it stands for (or a derived name such as "pool1/tap3")
  Shape shape;       // per-sample shape, batch dimension excluded
  static constexpr int kFieldCount = 2;
};

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
// "Dense", "Conv2d", "SumPool2d", "WindowTap", "Add", "Sub", "TLU", "Reshape", or an IndexMap's label.
std::string op_kind(const IntOp& op);
bool is_tlu(const IntOp& op);
// The op's input and output shapes (and output name), as its own functions take them.
OpContext op_context(const IntegerGraph& graph, const IntOp& op);
OpContext op_context(const IntegerGraph& graph, const std::vector<ValueId>& inputs, ValueId output);
// Number of PBS one sample costs in this op (its element count for a TLU, 0 otherwise).
int64_t op_pbs_count(const IntegerGraph& graph, const IntOp& op);
// Clear multiply-adds per sample.
double op_multiply_adds(const IntegerGraph& graph, const IntOp& op);
// One line of maths (`fheq inspect`).
std::string op_describe(const IntegerGraph& graph, const IntOp& op);
// The rows of a linear op (FHEQ_CHECK-fails on a TLU).
LinearForm op_linear_form(const IntegerGraph& graph, const IntOp& op);

// Checks ids, shapes and constant sizes of every op, and that every value is written once before it is read;
// throws fheq::Error (one line naming the failed condition) on a malformed graph.
void validate(const IntegerGraph& graph);

}  // namespace fheq::quant
