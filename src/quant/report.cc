// Text and JSON renderings of a QuantReport (include/fheq/quantized_model.h).
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fheq/quantized_model.h"

namespace fheq {

namespace {

std::string range_text(int64_t lo, int64_t hi) {
  std::ostringstream out;
  out << '[' << lo << ", " << hi << ']';
  return out.str();
}

std::string pad_right(std::string s, size_t width) {
  // Width in characters, counting UTF-8 continuation bytes as nothing.
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars < width) s.append(width - chars, ' ');
  return s;
}

}  // namespace

std::string format_layer_weight_bits(const std::map<std::string, int>& layer_weight_bits) {
  std::string out;
  for (const auto& [layer, bits] : layer_weight_bits)
    out += (out.empty() ? "" : ", ") + layer + "=" + std::to_string(bits);
  return out;
}

std::string QuantReport::to_text() const {
  std::ostringstream out;
  out << "n_bits: inputs " << n_bits.inputs << ", weights " << n_bits.weights << ", activations " << n_bits.activations
      << ", outputs " << (n_bits.outputs == 0 ? std::string("exact") : std::to_string(n_bits.outputs)) << "; calibration "
      << calibration << " on " << calibration_samples << " samples; " << (per_channel ? "per-channel" : "per-tensor")
      << " weights\n";
  if (!layer_weight_bits.empty()) out << "weight bits by layer: " << format_layer_weight_bits(layer_weight_bits) << "\n";
  size_t from_model = 0;
  for (const QuantGridReport& g : grids) from_model += g.from_model ? 1 : 0;
  if (from_model > 0) {
    // A quantization-aware model: say which grids it defined and which were calibrated.
    out << "grids: " << from_model << " from the model's quantizers, " << grids.size() - from_model << " calibrated\n";
    for (const QuantGridReport& g : grids)
      out << "  " << pad_right(g.role, 11) << pad_right(g.tensor.substr(0, 40), 42)
          << (g.from_model ? "model: " : "") << g.detail << "\n";
  }
  out << pad_right("#", 4) << pad_right("op", 10) << pad_right("value", 22) << pad_right("shape", 14)
      << pad_right("range (calibration)", 26) << pad_right("range (worst case)", 30) << pad_right("TLU in bits cal/worst", 22)
      << pad_right("shift", 6) << pad_right("PBS bits", 9) << pad_right("tables", 7) << "PBS/sample\n";
  for (const QuantOpReport& o : ops) {
    out << pad_right(std::to_string(o.index), 4) << pad_right(o.kind, 10) << pad_right(o.name.substr(0, 21), 22)
        << pad_right(shape_to_string(o.shape), 14) << pad_right(range_text(o.observed_min, o.observed_max), 26)
        << pad_right(range_text(o.worst_min, o.worst_max), 30);
    if (o.is_tlu) {
      std::ostringstream bits;
      bits << o.input_bits_observed << " / " << o.input_bits_worst;
      out << pad_right(bits.str(), 22)
          << pad_right(std::to_string(o.rounding_shift), 6) << pad_right(std::to_string(o.precision), 9)
          << pad_right(std::to_string(o.tables), 7) << o.pbs;
    } else {
      out << pad_right("", 22) << pad_right("", 6) << pad_right("", 9) << pad_right("", 7) << "-";
    }
    out << "\n";
  }
  out << "PBS per sample: " << pbs_count << "; max TLU precision: " << max_bit_width << " bits (accumulators before rounding: "
      << max_tlu_input_bits_observed << " bits on calibration, " << max_tlu_input_bits_worst << " worst case); "
      << "output accumulator: " << output_bits_observed << " bits on calibration, " << output_bits_worst << " worst case\n";
  return out.str();
}

std::string QuantReport::to_json() const {
  nlohmann::json j;
  j["n_bits"] = {{"inputs", n_bits.inputs}, {"weights", n_bits.weights}, {"activations", n_bits.activations},
                 {"outputs", n_bits.outputs}};
  j["calibration"] = calibration;
  j["per_channel"] = per_channel;
  j["layer_weight_bits"] = layer_weight_bits;
  j["calibration_samples"] = calibration_samples;
  j["pbs_count"] = pbs_count;
  j["max_bit_width"] = max_bit_width;
  j["max_tlu_input_bits_observed"] = max_tlu_input_bits_observed;
  j["max_tlu_input_bits_worst"] = max_tlu_input_bits_worst;
  j["output_bits_observed"] = output_bits_observed;
  j["output_bits_worst"] = output_bits_worst;
  j["input_range"] = {input_min, input_max};
  nlohmann::json rows = nlohmann::json::array();
  for (const QuantOpReport& o : ops) {
    nlohmann::json row{{"index", o.index},
                       {"op", o.kind},
                       {"value", o.name},
                       {"shape", o.shape},
                       {"range_observed", {o.observed_min, o.observed_max}},
                       {"range_worst", {o.worst_min, o.worst_max}},
                       {"pbs", o.pbs}};
    if (o.is_tlu) {
      row["tlu"] = {{"input_range_observed", {o.input_observed_min, o.input_observed_max}},
                    {"input_range_worst", {o.input_worst_min, o.input_worst_max}},
                    {"input_bits_observed", o.input_bits_observed},
                    {"input_bits_worst", o.input_bits_worst},
                    {"rounding_shift", o.rounding_shift},
                    {"precision", o.precision},
                    {"tables", o.tables}};
    }
    rows.push_back(std::move(row));
  }
  j["ops"] = std::move(rows);
  nlohmann::json grid_rows = nlohmann::json::array();
  for (const QuantGridReport& g : grids)
    grid_rows.push_back({{"role", g.role}, {"tensor", g.tensor}, {"from_model", g.from_model}, {"detail", g.detail}});
  j["grids"] = std::move(grid_rows);
  return j.dump(2);
}

}  // namespace fheq
