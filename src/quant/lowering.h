// The PTQ lowering pass (internal): walks the float graph node by node and keeps, for every float value,
// how it is represented by an integer value of the integer graph (QValue). Linear ops become integer
// ops with clear constants; univariate float ops are deferred as "steps" of the representation and fused
// into ONE table when a consumer needs fresh integers (requantize). Every op appended is executed at once
// on the calibration batch, so each table is calibrated on the integers the quantized model really
// produces, and the worst-case ranges are propagated alongside. Files: lowering.cc (driver, elementwise,
// tables), lowering_linear.cc (Gemm, MatMul, Conv), lowering_pool.cc (pools, Add/Sub of two encrypted),
// lowering_structure.cc (index maps, reductions, products of two encrypted tensors).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "quant/ptq.h"

namespace fheq::quant {

// A float value as integers: element e of a sample is groups[element_group[e]] applied to q[e].
struct QValue {
  ValueId id = -1;
  std::vector<AffineGroup> groups;
  std::vector<int32_t> element_group;  // size = per-sample elements

  bool is_affine() const;           // no group has steps
  bool uniform_scale() const;       // every group has the same scale
  bool uniform_offset() const;      // every group has the same offset
  // True when every channel (leading per-sample dim) uses one group throughout its plane.
  bool per_channel_groups(int64_t channels) const;
};

// numpy-broadcasts constant `c` to [1, sample...] and writes its value at each sample element; false when the
// shapes do not broadcast.
bool broadcast_to_sample(const FloatTensor& c, const Shape& sample, std::vector<double>& out);

class Lowering {
 public:
  Lowering(const graph::Graph& graph, const FloatTensor& calibration, const PtqOptions& options);
  QuantizedNetwork run();

 private:
  // ---- driver (lowering.cc)
  void lower_node(const graph::Node& node);
  bool is_encrypted(const std::string& value) const { return qvalues_.count(value) != 0; }
  const QValue& encrypted(const graph::Node& node, const std::string& value) const;
  Shape sample_shape(const std::string& value) const;  // graph shape without the batch dim
  [[noreturn]] void unsupported(const graph::Node& node, const std::string& why) const;
  ValueId append(IntOp op);  // runs it on the calibration batch and propagates ranges
  std::string fresh_name(const std::string& base);

  // ---- elementwise and tables (lowering.cc)
  void lower_elementwise(const graph::Node& node);
  void lower_reshape(const graph::Node& node);
  // x = f(q) on the calibration batch, per element.
  std::vector<double> calibration_floats(const QValue& value) const;
  // Builds a TLU reading `value`: for each group, table[t] = encode(group, f_group(t · 2^k)). Chooses
  // the domain and rounding shift (docs/PTQ.md §4). Returns the TLU's output value id.
  using Encoder = std::function<int64_t(size_t group, double x, int64_t rounded_index)>;
  ValueId build_tlu(const QValue& value, const std::string& name, int budget_bits, const Encoder& encode);
  // Requantizes to n_bits.activations unsigned codes over the calibrated range of f(value), centred
  // (the table writes q − Z, so the result is an affine QValue with offset 0 and one group).
  // When the last quantizer step of every group is a model quantizer (FakeQuant, BipolarQuant, Trunc) followed by
  // nothing but Relu, the table writes that quantizer's integers instead (no calibration).
  QValue requantize(const QValue& value, const std::string& name);
  // The scale of that model quantizer, or 0 when `value` is not on one model grid.
  double model_grid(const QValue& value) const;
  // FakeQuant: nothing to do when the value already lies on its grid within its code range; else a table step.
  void lower_fake_quant(const graph::Node& node);
  // The client's input quantizer: the model's, when the input feeds only FakeQuants with one scalar grid.
  InputQuantizer input_quantizer(const std::string& input_name, const Shape& sample);
  int table_budget() const;

  // ---- linear (lowering_linear.cc)
  void lower_gemm(const graph::Node& node);
  void lower_matmul(const graph::Node& node);
  void lower_conv(const graph::Node& node);
  // Integer weights for a row-major [rows × cols] float matrix: one symmetric scale per row or one in all.
  // Weights on a model quantizer's grid (graph.grid_scales[weight], times `factor`) keep their integers: each row
  // takes the largest of the grid's scales on which it is integral. True when the model's grid was used.
  bool quantize_weights(const graph::Node& node, const std::string& weight, double factor, const std::vector<double>& w,
                        int64_t rows, int64_t cols, std::vector<int64_t>& q, std::vector<double>& scales);
  // n_bits.weights, or the layer's entry in options.layer_weight_bits.
  int weight_bits(const graph::Node& node);
  // Records a linear op with calibrated weights (QuantizedNetwork::calibrated_layers).
  void note_calibrated_layer(const graph::Node& node, ValueId output, bool model_weights);
  bool weights_on_model_grid(const std::vector<double>& grid, const std::vector<double>& w, int64_t rows, int64_t cols,
                             std::vector<int64_t>& q, std::vector<double>& scales) const;
  QValue dense(const graph::Node& node, const QValue& x, const std::string& weight, double factor,
               const std::vector<double>& w, const std::vector<double>& bias, int64_t out_features,
               const std::string& out_name);

  // ---- element moves, reductions, products (lowering_structure.cc)
  static bool is_index_map(const std::string& op_type);
  void lower_index_map(const graph::Node& node);
  void lower_reduce(const graph::Node& node);
  // An IndexMap of x: element o of the result is x's element index[o]; each keeps its group.
  QValue select(const QValue& x, std::vector<int64_t> index, const Shape& sample, const std::string& label);
  // x as `sample` by numpy broadcasting (an IndexMap), or x itself when the shapes agree.
  QValue broadcast_to(const graph::Node& node, const QValue& x, const Shape& sample);
  // The input as codes fit for a product (offset 0, one scale, activation width), requantized when needed.
  QValue product_codes(const graph::Node& node, const std::string& input);
  // Elementwise a·b of two code tensors of one shape: quarter squares (two Adds, two TLUs, a Sub).
  QValue multiply(const QValue& a, const QValue& b, const std::string& base);
  void lower_product(const graph::Node& node);
  void lower_encrypted_matmul(const graph::Node& node);

  // ---- pools and two-operand sums (lowering_pool.cc)
  void lower_average_pool(const graph::Node& node, bool global);
  void lower_max_pool(const graph::Node& node);
  void lower_add_encrypted(const graph::Node& node, int64_t sign);

  const graph::Graph& graph_;
  const FloatTensor& calibration_;
  PtqOptions options_;
  QuantizedNetwork net_;
  std::map<std::string, QValue> qvalues_;
  std::vector<IntTensor> calib_;   // per ValueId: its integers on the calibration batch
  std::vector<IntRange> worst_;    // per ValueId: worst-case range
  std::map<std::string, int> name_uses_;
  std::set<std::string> layer_bits_used_;  // the options.layer_weight_bits entries a node matched
};

}  // namespace fheq::quant
