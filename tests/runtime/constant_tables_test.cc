// Constant tables (compiler/constant_tables.h): a TLU whose tables hold one value is computed in the clear when
// its input and output share a component, the circuit's clear run is unchanged, and the encrypted run equals it.
#include <gtest/gtest.h>

#include "../quant/quant_test_support.h"
#include "compiler/constant_tables.h"
#include "compiler/tlu_rounding.h"
#include "quant/integer_executor.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using quant::testing::random_vector;

quant::TluOp table_op(quant::ValueId input, quant::ValueId output, quant::IntRange domain,
                      const std::function<int64_t(int64_t)>& f) {
  quant::TluOp t;
  t.input = input;
  t.output = output;
  quant::LookupTable table;
  table.input_min = domain.min;
  for (int64_t a = domain.min; a <= domain.max; ++a) table.values.push_back(f(a));
  t.tables = {table};
  return t;
}

// x[16] codes in [0, 15] → Dense 16→8 = d → s = d + 3 (a constant TLU of d; d and s share a component)
// → f(s) = s mod 7 − 3 (a real TLU) → Dense 8→3 = out; beside it, g = 2 (a constant TLU of d whose output
// starts a component of its own: not folded) → Dense 8→3 added to out.
quant::QuantizedNetwork network_with_constant_tables(std::mt19937_64& rng) {
  quant::QuantizedNetwork net;
  quant::IntegerGraph& g = net.graph;
  net.input_range = {0, 15};
  g.input = g.add_value("x", Shape{16});
  quant::DenseOp d;
  d.input = g.input;
  d.in_features = 16;
  d.out_features = 8;
  d.weights = random_vector(rng, 16 * 8, -7, 7);
  d.bias = random_vector(rng, 8, -20, 20);
  d.output = g.add_value("d", Shape{8});
  g.ops.push_back(d);
  const quant::IntRange acc = quant::worst_case_ranges(g, net.input_range)[static_cast<size_t>(d.output)];
  const quant::ValueId three = g.add_value("three", Shape{8});
  g.ops.push_back(table_op(d.output, three, acc, [](int64_t) { return 3; }));
  quant::AddOp s;
  s.lhs = d.output;
  s.rhs = three;
  s.output = g.add_value("s", Shape{8});
  g.ops.push_back(s);
  const quant::IntRange s_range = quant::worst_case_ranges(g, net.input_range)[static_cast<size_t>(s.output)];
  const quant::ValueId act = g.add_value("act", Shape{8});
  g.ops.push_back(table_op(s.output, act, s_range, [](int64_t a) { return ((a % 7) + 7) % 7 - 3; }));
  const quant::ValueId two = g.add_value("two", Shape{8});
  g.ops.push_back(table_op(d.output, two, acc, [](int64_t) { return 2; }));
  quant::DenseOp head;
  head.input = act;
  head.in_features = 8;
  head.out_features = 3;
  head.weights = random_vector(rng, 8 * 3, -5, 5);
  head.bias = random_vector(rng, 3, -9, 9);
  head.output = g.add_value("head", Shape{3});
  g.ops.push_back(head);
  quant::DenseOp side = head;
  side.input = two;
  side.weights = random_vector(rng, 8 * 3, -5, 5);
  side.output = g.add_value("side", Shape{3});
  g.ops.push_back(side);
  quant::AddOp out;
  out.lhs = head.output;
  out.rhs = side.output;
  out.output = g.add_value("out", Shape{3});
  g.ops.push_back(out);
  g.output = out.output;
  quant::validate(g);
  return net;
}

TEST(ConstantTables, ConstantTableSharingItsInputsComponentCostsNoPbsAndEncryptedEqualsClear) {
  const uint64_t seed = testing::test_seed("ConstantTables.ConstantTableSharingItsInputsComponentCostsNoPbsAndEncryptedEqualsClear");
  std::mt19937_64 rng(seed);
  const quant::QuantizedNetwork net = network_with_constant_tables(rng);
  const compiler::FheCircuit circuit = testing::compile_exact_on_toy(net, 5);
  ASSERT_LT(circuit.global_p_error, 1e-6) << "TOY set too noisy for this circuit: the test would not be exact";

  // Op 1 (d + 3's table) became a fill of 3; op 4 (the table 2, alone in its component) stayed a PBS.
  const auto* folded = std::get_if<quant::IndexMapOp>(&circuit.graph.ops[1]);
  ASSERT_NE(folded, nullptr) << "the constant table sharing its input's component was not folded";
  EXPECT_EQ(folded->fill, 3);
  EXPECT_TRUE(std::holds_alternative<quant::TluOp>(circuit.graph.ops[4]));
  EXPECT_EQ(circuit.tlus.size(), 2u);
  int64_t pbs = 0;
  for (const compiler::TluEncoding& t : circuit.tlus) {
    EXPECT_NE(t.op_index, 1u);
    pbs += t.pbs_per_sample;
  }
  EXPECT_EQ(circuit.pbs_count, pbs);

  // The fold changes no clear value: the circuit graph and the unfolded rounded graph agree on every value.
  const quant::IntegerGraph unfolded = compiler::rounded_circuit_graph(
      net.graph, net.observed, compiler::CircuitOptions{}.window_margin, std::vector<int>(3, 5), quant::RoundingMode::kExact);
  const IntTensor codes = quant::testing::random_input(net.graph, 8, rng, 0, 15);
  const std::vector<IntTensor> clear = quant::run_integer_graph_all(circuit.graph, codes);
  const std::vector<IntTensor> reference = quant::run_integer_graph_all(unfolded, codes);
  for (size_t v = 0; v < clear.size(); ++v)
    EXPECT_EQ(clear[v].data, reference[v].data) << "value " << circuit.graph.value(static_cast<quant::ValueId>(v)).name;

  const ClientSpec client = make_client_spec(circuit, net);
  const IntTensor encrypted = testing::encrypt_run_decrypt(circuit, client, codes, seed);
  EXPECT_EQ(encrypted.data, clear[static_cast<size_t>(circuit.graph.output)].data);
}

TEST(ConstantTables, OnlyTablesHoldingOneValueAreConstant) {
  quant::TluOp op = table_op(0, 1, quant::IntRange{-2, 2}, [](int64_t) { return -4; });
  EXPECT_EQ(compiler::constant_table_value(op), std::optional<int64_t>(-4));
  op.tables.push_back(op.tables.front());
  op.tables.back().values[3] = 0;  // a second table differing in one entry
  op.element_table = {0, 1};
  EXPECT_EQ(compiler::constant_table_value(op), std::nullopt);
}

}  // namespace
}  // namespace fheq::runtime
