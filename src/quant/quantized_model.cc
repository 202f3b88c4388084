// fheq::QuantizedModel: the public face of PTQ (include/fheq/quantized_model.h) over quant::QuantizedNetwork.
#include "fheq/quantized_model.h"

#include <sstream>

#include "core/check.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"

namespace fheq {

QuantizedModel quantize(const FloatModel& model, const FloatTensor& calibration_data, const PtqOptions& options) {
  auto network = std::make_shared<quant::QuantizedNetwork>(quant::quantize_graph(model.graph(), calibration_data, options));
  return QuantizedModel(std::move(network), options);
}

QuantizedModel::QuantizedModel(std::shared_ptr<const quant::QuantizedNetwork> network, PtqOptions options)
    : network_(std::move(network)), options_(options) {}

IntTensor QuantizedModel::quantize_input(const FloatTensor& x) const { return quant::quantize_input(network_->input, x); }

IntTensor QuantizedModel::run_clear(const IntTensor& codes) const { return quant::run_integer_graph(network_->graph, codes); }

IntTensor QuantizedModel::run_clear_ref(const IntTensor& codes) const {
  return quant::run_integer_graph_ref(network_->graph, codes);
}

FloatTensor QuantizedModel::dequantize_output(const IntTensor& accumulator) const {
  return quant::run_client_tail(network_->client_tail, quant::dequantize_output(network_->output, accumulator));
}

FloatTensor QuantizedModel::predict(const FloatTensor& x) const { return dequantize_output(run_clear(quantize_input(x))); }

QuantReport QuantizedModel::report() const {
  const quant::BitWidthReport bits = quant::analyse_bit_widths(network_->graph, network_->input_range, network_->observed);
  QuantReport r;
  r.n_bits = options_.n_bits;
  r.layer_weight_bits = options_.layer_weight_bits;
  r.calibration = to_string(options_.calibration.method);
  r.per_channel = options_.per_channel;
  r.calibration_samples = network_->calibration_samples;
  r.grids = network_->grids;
  for (const quant::OpBitWidth& b : bits.ops) {
    QuantOpReport o;
    o.index = b.op_index;
    o.kind = b.kind;
    o.name = b.name;
    o.shape = b.shape;
    o.worst_min = b.worst.min, o.worst_max = b.worst.max;
    o.observed_min = b.observed.min, o.observed_max = b.observed.max;
    o.pbs = b.pbs;
    o.is_tlu = b.is_tlu;
    o.input_worst_min = b.input_worst.min, o.input_worst_max = b.input_worst.max;
    o.input_observed_min = b.input_observed.min, o.input_observed_max = b.input_observed.max;
    o.input_bits_worst = b.is_tlu ? quant::bits_for_range(b.input_worst) : 0;
    o.input_bits_observed = b.is_tlu ? quant::bits_for_range(b.input_observed) : 0;
    o.rounding_shift = b.rounding_shift;
    o.precision = b.precision;
    o.tables = b.tables;
    r.ops.push_back(std::move(o));
  }
  r.pbs_count = bits.pbs_count;
  r.max_bit_width = bits.max_tlu_precision;
  r.max_tlu_input_bits_observed = bits.max_tlu_input_bits_observed;
  r.max_tlu_input_bits_worst = bits.max_tlu_input_bits_worst;
  r.output_bits_observed = bits.output_bits_observed;
  r.output_bits_worst = bits.output_bits_worst;
  r.input_min = network_->input_range.min;
  r.input_max = network_->input_range.max;
  return r;
}

std::string QuantizedModel::describe() const {
  const quant::IntegerGraph& g = network_->graph;
  std::ostringstream out;
  out << "input " << "'" << g.value(g.input).name << "' " << shape_to_string(g.value(g.input).shape) << ": codes in ["
      << network_->input_range.min << ", " << network_->input_range.max << "], x = " << network_->input.params.scale
      << " · (q − " << network_->input.params.zero_point << ")\n";
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const quant::ValueId v = quant::op_output(g.ops[i]);
    out << "#" << i << " " << quant::op_kind(g.ops[i]) << " '" << g.value(v).name << "' "
        << shape_to_string(g.value(v).shape) << " = ";
    out << quant::op_describe(g, g.ops[i]);
    out << "\n";
  }
  out << "output '" << g.value(g.output).name << "': decrypted and dequantized by the client ("
      << network_->output.groups.size() << (network_->output.groups.size() == 1 ? " scale" : " scales") << ")";
  for (const auto& node : network_->client_tail) out << ", then " << node.op_type << " on the client";
  out << "\n";
  return out.str();
}

}  // namespace fheq
