// Structural guarantee: the integer graph can not hold a float. Checked at compile time by reflecting over
// every field of every op (integer_fields.h); the negative controls show the check does reject floats.
#include <gtest/gtest.h>

#include <type_traits>

#include "quant/client_records.h"
#include "quant/integer_fields.h"
#include "quant/integer_graph.h"
#include "quant/ptq.h"

namespace fheq::quant {
namespace {

using fields::is_integer_only;

static_assert(is_integer_only<IntegerGraph>, "the integer graph must hold no floating-point data");
static_assert(is_integer_only<IntOp>);
static_assert(is_integer_only<DenseOp> && is_integer_only<Conv2dOp> && is_integer_only<SumPool2dOp> &&
              is_integer_only<WindowTapOp> && is_integer_only<AddOp> && is_integer_only<TluOp> &&
              is_integer_only<ReshapeOp> && is_integer_only<IndexMapOp> && is_integer_only<LookupTable> && is_integer_only<Window2d>);

// Negative controls: the same machinery refuses floats anywhere, however deep.
struct WithDouble {
  int64_t a = 0;
  double scale = 1.0;
  static constexpr int kFieldCount = 2;
};
struct Nested {
  std::vector<WithDouble> items;
  static constexpr int kFieldCount = 1;
};
static_assert(!is_integer_only<double> && !is_integer_only<float> && !is_integer_only<std::vector<float>>);
static_assert(!is_integer_only<WithDouble> && !is_integer_only<Nested>);
static_assert(!is_integer_only<std::variant<DenseOp, WithDouble>>);
// The client-side records do hold floats (scales, offsets), which is why they live outside IntegerGraph.
static_assert(!is_integer_only<InputQuantizer> && !is_integer_only<OutputDequantizer>);
static_assert(!std::is_same_v<decltype(QuantizedNetwork::graph), InputQuantizer>);

TEST(IntegerGraph, OpKindsAndPbsCount) {
  IntegerGraph g;
  g.input = g.add_value("x", Shape{2, 3});
  TluOp t{g.input, g.add_value("y", Shape{2, 3}), 0, RoundingMode::kExact, {LookupTable{0, {1}}}, {}};
  g.ops.push_back(t);
  ReshapeOp r{t.output, g.add_value("z", Shape{6})};
  g.ops.push_back(r);
  g.output = r.output;
  validate(g);
  EXPECT_EQ(op_kind(g.ops[0]), "TLU");
  EXPECT_EQ(op_pbs_count(g, g.ops[0]), 6);
  EXPECT_EQ(op_pbs_count(g, g.ops[1]), 0);
  EXPECT_EQ(op_inputs(g.ops[1]), std::vector<ValueId>{t.output});
}

}  // namespace
}  // namespace fheq::quant
