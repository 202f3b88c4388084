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

struct QuantizedNetwork {
  IntegerGraph graph;
  InputQuantizer input;
  OutputDequantizer output;
  std::vector<graph::Node> client_tail;  // float ops the client runs after dequantizing (Softmax…)
  IntRange input_range;                  // the input code range [qmin, qmax]
  std::vector<IntRange> observed;        // per value: range seen on the calibration set
  int64_t calibration_samples = 0;
  std::vector<QuantGridReport> grids;  // where each grid came from (the public report type)
  // Linear ops whose weights PTQ calibrated (not a model's own grid): the value each writes, the ONNX node and
  // the weight bits it used. Bit allocation lowers the bits of the layers behind the noisiest table.
  struct CalibratedLayer {
    ValueId output = -1;
    std::string node;
    int weight_bits = 0;
  };
  std::vector<CalibratedLayer> calibrated_layers;
};

// Calibrates on the first options.calib_size samples of `calibration` (0: all of them), with the public options
// (fheq/quantized_model.h). Throws fheq::Error naming the file and node for an unsupported model, bad options or
// bad data.
QuantizedNetwork quantize_graph(const graph::Graph& graph, const FloatTensor& calibration, const PtqOptions& options);

}  // namespace fheq::quant
