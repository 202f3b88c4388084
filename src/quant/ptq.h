// Post-training quantization: float graph + calibration data → integer graph with fused TLUs
// (DESIGN.md §2, docs/PTQ.md). The public face is fheq/quantized_model.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fheq/calibration.h"
#include "fheq/tensor.h"
#include "graph/graph.h"
#include "quant/client_records.h"
#include "quant/integer_graph.h"

namespace fheq::quant {

struct BitsByRole {
  int inputs = 8;       // the client's input codes (unsigned, asymmetric)
  int weights = 8;      // linear-layer weights (signed, symmetric, narrow: Zw = 0)
  int activations = 8;  // every TLU output that feeds another layer (unsigned, asymmetric)
  int outputs = 0;      // 0: the client decrypts the exact last accumulator; n > 0: it is first rounded
                        // to its n most significant bits (one more TLU, one PBS per output)
};

struct PtqConfig {
  BitsByRole n_bits;
  CalibrationOptions calibration;  // activations and inputs; weights use min/max, or MSE when this is MSE
  bool per_channel = false;        // one weight scale per output channel (and so one table per channel)
  // 0: accumulators are exact up to max_table_bits; r > 0: round every TLU input to its r most
  // significant bits (of the table domain) before the lookup.
  int rounding_bits = 0;
  int max_table_bits = 14;         // a table never has more than 2^max_table_bits entries
  double table_margin = 0.25;      // domain = calibrated range widened by this fraction of its span per side
};

// Where a tensor's integer grid came from: the model's own quantizer (quantization-aware models, docs/QAT.md) or
// calibration (PTQ). One entry per quantized input, weight tensor and requantized activation.
struct GridSource {
  std::string role;    // "input", "weights", "activation"
  std::string tensor;  // the float graph's value (weights: the node that reads them)
  bool from_model = false;
  std::string detail;  // e.g. "4-bit, scale 0.0123 (node 'q1')" or "calibrated, 8-bit"
};

struct QuantizedNetwork {
  IntegerGraph graph;
  InputQuantizer input;
  OutputDequantizer output;
  std::vector<graph::Node> client_tail;  // float ops the client runs after dequantizing (Softmax…)
  IntRange input_range;                  // the input code range [qmin, qmax]
  std::vector<IntRange> observed;        // per value: range seen on the calibration set
  int64_t calibration_samples = 0;
  std::vector<GridSource> grids;
};

// Throws fheq::Error naming the file and node for an unsupported model, bad options or bad data.
QuantizedNetwork quantize_graph(const graph::Graph& graph, const FloatTensor& calibration, const PtqConfig& config);

}  // namespace fheq::quant
