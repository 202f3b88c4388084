// The PTQ op tests' criterion: a small float graph quantized at 8 bits on random calibration inputs must
// reproduce the float reference (graph::run_graph) with R² ≥ 0.99, and the fast integer executor must equal
// the reference one.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "graph/float_executor.h"
#include "quant/client_records.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"
#include "float_graph_builder.h"

namespace fheq::quant::testing {

inline double r_squared(const FloatTensor& reference, const FloatTensor& approx) {
  double mean = 0.0;
  for (double v : reference.data) mean += v;
  mean /= static_cast<double>(reference.size());
  double residual = 0.0, total = 0.0;
  for (int64_t i = 0; i < reference.size(); ++i) {
    residual += (reference[i] - approx[i]) * (reference[i] - approx[i]);
    total += (reference[i] - mean) * (reference[i] - mean);
  }
  return 1.0 - residual / total;
}

// Quantizes at 8 bits, checks R² against the float reference and fast == reference executors.
// The float reference: graph::run_graph, or graph::run_node on the whole batch for a one-node graph.
inline FloatTensor float_reference(const graph::Graph& g, const FloatTensor& x) {
  if (g.nodes.size() != 1) return graph::run_graph(g, x);
  std::vector<const FloatTensor*> inputs;
  for (const std::string& name : g.nodes[0].inputs) inputs.push_back(name == "x" ? &x : &g.constants.at(name));
  return graph::run_node(g.nodes[0], inputs)[0];
}

inline void expect_close_to_float(const graph::Graph& g, const Shape& sample, std::mt19937_64& rng, bool per_channel = false,
                           double lo = -1.0, double hi = 1.0) {
  PtqOptions config = test_ptq_options();
  config.per_channel = per_channel;
  // The test inputs are part of the calibration batch. This test measures the error of quantizing each
  // op inside its calibrated range; a fresh test batch sometimes reaches past the calibrated maximum
  // of an accumulator and saturates there (by design), which with x² alone cost R² 0.94 on ~3 % of seeds.
  const FloatTensor calibration = random_batch(sample, 600, rng, lo, hi);
  const int64_t test_rows = 200, row_size = calibration.size() / 600;
  Shape test_shape = calibration.shape;
  test_shape[0] = test_rows;
  const FloatTensor test(test_shape, std::vector<double>(calibration.data.end() - test_rows * row_size, calibration.data.end()));
  const QuantizedNetwork net = quantize_graph(g, calibration, config);
  const IntTensor codes = quantize_input(net.input, test);
  const IntTensor acc = run_integer_graph(net.graph, codes);
  EXPECT_EQ(acc.data, run_integer_graph_ref(net.graph, codes).data);
  const FloatTensor approx = run_client_tail(net.client_tail, dequantize_output(net.output, acc));
  const FloatTensor reference = float_reference(g, test);
  ASSERT_EQ(approx.shape, reference.shape);
  const double r2 = r_squared(reference, approx);
  EXPECT_GE(r2, 0.99) << "ops: " << [&] {
    std::string s;
    for (const auto& n : g.nodes) s += n.op_type + " ";
    return s;
  }();
  // The last server op is linear or structural, never a TLU: the client gets the raw accumulator.
  bool output_from_tlu = false;
  for (const IntOp& op : net.graph.ops)
    if (op_output(op) == net.graph.output) output_from_tlu = std::holds_alternative<TluOp>(op);
  EXPECT_FALSE(output_from_tlu);
}

}  // namespace fheq::quant::testing
