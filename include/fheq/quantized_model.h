// Post-training quantization (PTQ) of a FloatModel into an integer-only model with fused table lookups,
// runnable in the clear (bit-exact to FHE's exact mode) and ready for the FHE compiler. docs/PTQ.md.
//
//   fheq::FloatModel model = fheq::FloatModel::load("models/fmnist_mlp_sigmoid.onnx");
//   fheq::Dataset train = fheq::load_dataset("fashion-mnist", "train");
//   fheq::PtqOptions options;                 // 8 bits everywhere, min/max calibration, per-channel weights
//   fheq::QuantizedModel q = fheq::quantize(model, train.x, options);
//   fheq::IntTensor codes = q.quantize_input(x);       // client
//   fheq::IntTensor acc = q.run_clear(codes);          // server (integers only)
//   fheq::FloatTensor logits = q.dequantize_output(acc);  // client
//   std::cout << q.report().to_text();
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fheq/calibration.h"
#include "fheq/tensor.h"

namespace fheq {

class FloatModel;
namespace quant {
struct QuantizedNetwork;
}

// Bits per role. outputs = 0 keeps the last accumulator exact (the client dequantizes it); n > 0 rounds it
// to its n most significant bits first (one extra PBS per output).
struct NBits {
  int inputs = 8;
  int weights = 8;
  int activations = 8;
  int outputs = 0;
  static NBits all(int n) { return NBits{n, n, n, 0}; }
};

struct PtqOptions {
  NBits n_bits;
  CalibrationOptions calibration;  // inputs and activations (weights: min/max, or MSE when calibration.method is MSE)
  // Per-output-channel weight scales (one table per channel). The default: BatchNorm folding gives channels
  // very different weight ranges, and one shared scale wastes bits on all but the widest (false: per-tensor).
  bool per_channel = true;
  int64_t calib_size = 1000;   // the first calib_size samples of the calibration data are used (0: all)
  int rounding_bits = 0;       // 0: exact accumulators (tables up to 2^max_table_bits); r: keep r MSBs
  int max_table_bits = 14;
  // Per-layer weight bits, by ONNX node name (the Gemm/MatMul/Conv that reads the weights), overriding
  // n_bits.weights for that layer's calibrated weights. Bit allocation writes it to lower the bits of the layer
  // whose weight norm sets the parameter set (docs/COMPILER.md §2.4); a name matching no such layer is an error.
  std::map<std::string, int> layer_weight_bits;
};

// One row per op of the integer graph.
struct QuantOpReport {
  size_t index = 0;
  std::string kind;  // Dense, Conv2d, SumPool2d, WindowTap, Add, Sub, TLU, Reshape
  std::string name;  // the value it writes
  Shape shape;       // per sample
  int64_t worst_min = 0, worst_max = 0;        // worst-case output range (interval arithmetic)
  int64_t observed_min = 0, observed_max = 0;  // output range on the calibration set
  int64_t pbs = 0;                             // PBS per sample
  // TLU only: the accumulator it reads and the table.
  bool is_tlu = false;
  int64_t input_worst_min = 0, input_worst_max = 0;
  int64_t input_observed_min = 0, input_observed_max = 0;
  int input_bits_worst = 0, input_bits_observed = 0;
  int64_t rounding_shift = 0;  // low accumulator bits dropped before the lookup
  int precision = 0;           // bits of the table index (the PBS input precision)
  int64_t tables = 0;
};

// Where one tensor's integer grid came from: the model's own quantizer (a quantization-aware model: QDQ or
// QONNX, docs/QAT.md) or calibration.
struct QuantGridReport {
  std::string role;    // "input", "weights" (tensor = the node reading them), "activation"
  std::string tensor;
  bool from_model = false;
  std::string detail;
};

// "node=bits, node=bits" for PtqOptions::layer_weight_bits (empty for none).
std::string format_layer_weight_bits(const std::map<std::string, int>& layer_weight_bits);

struct QuantReport {
  NBits n_bits;
  std::map<std::string, int> layer_weight_bits;  // PtqOptions::layer_weight_bits
  std::vector<QuantGridReport> grids;
  std::string calibration;
  bool per_channel = false;
  int64_t calibration_samples = 0;
  std::vector<QuantOpReport> ops;
  int64_t pbs_count = 0;                // per sample
  int max_bit_width = 0;                // max TLU input precision (after rounding)
  int max_tlu_input_bits_observed = 0;  // max TLU accumulator width before rounding, calibration set
  int max_tlu_input_bits_worst = 0;     // same, worst case
  int output_bits_observed = 0;         // the accumulator the client decrypts
  int output_bits_worst = 0;
  int64_t input_min = 0, input_max = 0;  // input codes

  std::string to_text() const;  // per-layer table + totals
  std::string to_json() const;  // the same as a JSON object
};

class QuantizedModel {
 public:
  // Client: float input [N, ...] → integer codes (fheq::Error on a shape mismatch or NaN).
  IntTensor quantize_input(const FloatTensor& x) const;
  // Server: the integer graph in the clear, int64 only (fast path, and its slow reference twin).
  IntTensor run_clear(const IntTensor& codes) const;
  IntTensor run_clear_ref(const IntTensor& codes) const;
  // Client: decrypted accumulator → float outputs, then the client-side tail (Softmax…) if any.
  FloatTensor dequantize_output(const IntTensor& accumulator) const;
  // All three in sequence.
  FloatTensor predict(const FloatTensor& x) const;

  QuantReport report() const;
  const PtqOptions& options() const { return options_; }
  // A listing of the integer graph: one line per op with shapes, constants' sizes and ranges.
  std::string describe() const;

  // The internal representation (for the FHE compiler and tests).
  const quant::QuantizedNetwork& network() const { return *network_; }

  explicit QuantizedModel(std::shared_ptr<const quant::QuantizedNetwork> network, PtqOptions options);

 private:
  std::shared_ptr<const quant::QuantizedNetwork> network_;
  PtqOptions options_;
};

// Calibrates on `calibration_data` (first options.calib_size samples) and lowers the model to integers.
// Throws fheq::Error naming the file/node for unsupported models and naming the option for bad options.
QuantizedModel quantize(const FloatModel& model, const FloatTensor& calibration_data, const PtqOptions& options = {});

}  // namespace fheq
