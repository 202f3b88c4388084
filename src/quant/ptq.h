// Post-training quantization: float graph + calibration data → integer graph with fused TLUs
// (DESIGN.md §2, docs/PTQ.md). The public face is fheq/quantized_model.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fheq/calibration.h"
#include "fheq/quantized_model.h"
#include "fheq/tensor.h"
#include "graph/graph.h"
#include "quant/client_records.h"
#include "quant/integer_graph.h"

namespace fheq::quant {

struct PtqConfig {
  NBits n_bits;  // the public type (fheq/quantized_model.h): inputs, weights, activations, outputs
  CalibrationOptions calibration;  // activations and inputs; weights use min/max, or MSE when this is MSE
  bool per_channel = false;        // one weight scale per output channel (and so one table per channel)
  // 0: accumulators are exact up to max_table_bits; r > 0: round every TLU input to its r most
  // significant bits (of the table domain) before the lookup.
  int rounding_bits = 0;
  int max_table_bits = 14;         // a table never has more than 2^max_table_bits entries
  double table_margin = 0.25;      // domain = calibrated range widened by this fraction of its span per side
};

struct QuantizedNetwork {
  IntegerGraph graph;
  InputQuantizer input;
  OutputDequantizer output;
  std::vector<graph::Node> client_tail;  // float ops the client runs after dequantizing (Softmax…)
  IntRange input_range;                  // the input code range [qmin, qmax]
  std::vector<IntRange> observed;        // per value: range seen on the calibration set
  int64_t calibration_samples = 0;
  std::vector<QuantGridReport> grids;  // where each grid came from (the public report type)
};

// Throws fheq::Error naming the file and node for an unsupported model, bad options or bad data.
QuantizedNetwork quantize_graph(const graph::Graph& graph, const FloatTensor& calibration, const PtqConfig& config);

}  // namespace fheq::quant
