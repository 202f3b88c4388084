// PTQ lowering driver, elementwise fusion and table building (see lowering.h for the overview).
#include "quant/lowering.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/check.h"
#include "core/rounding.h"
#include "fheq/evaluation.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"

namespace fheq::quant {

namespace {
// Longest chain of elementwise ops fused into one TLU (real networks: a handful).
constexpr size_t kMaxFusedSteps = 256;
// A table whose accumulator's worst case is wider than its budget covers the calibrated range widened by this
// fraction of its span per side (inputs beyond it are clamped to the domain's edge).
constexpr double kTableMargin = 0.25;
}  // namespace

bool QValue::is_affine() const {
  return std::all_of(groups.begin(), groups.end(), [](const AffineGroup& g) { return g.is_affine(); });
}
bool QValue::uniform_scale() const {
  return std::all_of(groups.begin(), groups.end(), [&](const AffineGroup& g) { return g.scale == groups[0].scale; });
}
bool QValue::uniform_offset() const {
  return std::all_of(groups.begin(), groups.end(), [&](const AffineGroup& g) { return g.offset == groups[0].offset; });
}
bool QValue::per_channel_groups(int64_t channels) const {
  const int64_t plane = static_cast<int64_t>(element_group.size()) / channels;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < plane; ++i)
      if (element_group[static_cast<size_t>(c * plane + i)] != element_group[static_cast<size_t>(c * plane)]) return false;
  return true;
}

namespace {

// Ops whose float kernel is elementwise in the encrypted operand (any other inputs are constants).
const std::set<std::string>& elementwise_ops() {
  static const std::set<std::string> ops{
      "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Softplus", "Softsign", "Elu", "Celu", "Selu",
      "HardSigmoid", "HardSwish", "Erf", "Gelu", "Clip", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal",
      "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "FakeQuant", "BipolarQuant", "Trunc"};
  return ops;
}

// Model quantizers; for each the scale of its output grid is its first constant input.
bool is_model_quantizer(const std::string& op) { return op == "FakeQuant" || op == "BipolarQuant" || op == "Trunc"; }

std::string grid_text(double scale, int64_t qmin, int64_t qmax, const std::string& node) {
  std::ostringstream out;
  out << "codes [" << qmin << ", " << qmax << "], scale " << scale << " (node '" << node << "')";
  return out.str();
}

}  // namespace

bool broadcast_to_sample(const FloatTensor& c, const Shape& sample, std::vector<double>& out) {
  Shape full{1};
  full.insert(full.end(), sample.begin(), sample.end());
  if (c.shape.size() > full.size()) return false;
  const size_t offset = full.size() - c.shape.size();
  for (size_t i = 0; i < c.shape.size(); ++i)
    if (c.shape[i] != 1 && c.shape[i] != full[offset + i]) return false;
  const int64_t n = shape_size(sample);
  out.assign(static_cast<size_t>(n), 0.0);
  std::vector<int64_t> index(full.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t rest = e, flat = 0, stride = 1;
    for (size_t d = full.size(); d-- > 1;) {
      index[d] = rest % full[d];
      rest /= full[d];
    }
    for (size_t i = c.shape.size(); i-- > 0;) {
      const int64_t coord = c.shape[i] == 1 ? 0 : index[offset + i];
      flat += coord * stride;
      stride *= c.shape[i];
    }
    out[static_cast<size_t>(e)] = c[flat];
  }
  return true;
}

Lowering::Lowering(const graph::Graph& graph, const FloatTensor& calibration, const PtqOptions& options)
    : graph_(graph), calibration_(calibration), options_(options) {
  const NBits& b = options.n_bits;
  FHEQ_REQUIRE(b.inputs >= 1 && b.inputs <= 16, "n_bits inputs = ", b.inputs, ": expected 1..16");
  FHEQ_REQUIRE(b.weights >= 2 && b.weights <= 16, "n_bits weights = ", b.weights, ": expected 2..16");
  FHEQ_REQUIRE(b.activations >= 1 && b.activations <= 16, "n_bits activations = ", b.activations, ": expected 1..16");
  FHEQ_REQUIRE(b.outputs >= 0 && b.outputs <= 30, "n_bits outputs = ", b.outputs, ": expected 0 (exact) or 1..30");
  FHEQ_REQUIRE(options.rounding_bits >= 0 && options.rounding_bits <= 30, "rounding_bits = ", options.rounding_bits,
               ": expected 0 (exact) or 1..30");
  FHEQ_REQUIRE(options.max_table_bits >= 2 && options.max_table_bits <= 24, "max_table_bits = ", options.max_table_bits,
               ": expected 2..24");
  for (const auto& [layer, bits] : options.layer_weight_bits)
    FHEQ_REQUIRE(bits >= 2 && bits <= 16, "layer_weight_bits '", layer, "' = ", bits, ": expected 2..16");
}

[[noreturn]] void Lowering::unsupported(const graph::Node& node, const std::string& why) const {
  FHEQ_THROW(graph_.source, ": ", node.describe(), ": ", why);
}

const QValue& Lowering::encrypted(const graph::Node& node, const std::string& value) const {
  auto it = qvalues_.find(value);
  if (it == qvalues_.end()) unsupported(node, "input '" + value + "' is not computed from the model input");
  return it->second;
}

Shape Lowering::sample_shape(const std::string& value) const {
  const Shape& s = graph_.shape_of(value);
  FHEQ_REQUIRE(!s.empty(), graph_.source, ": value '", value, "' has no batch dimension");
  return Shape(s.begin() + 1, s.end());
}

std::string Lowering::fresh_name(const std::string& base) {
  const int n = name_uses_[base]++;
  return n == 0 ? base : base + "#" + std::to_string(n);
}

ValueId Lowering::append(IntOp op) {
  const ValueId out = op_output(op);
  net_.graph.ops.push_back(std::move(op));
  const size_t n = net_.graph.values.size();
  calib_.resize(n);
  worst_.resize(n);
  net_.observed.resize(n);
  run_integer_op(net_.graph, net_.graph.ops.back(), calib_);
  propagate_worst_case(net_.graph, net_.graph.ops.back(), worst_);
  net_.observed[static_cast<size_t>(out)] = observed_range(calib_[static_cast<size_t>(out)]);
  return out;
}

int Lowering::table_budget() const {
  return options_.rounding_bits > 0 ? std::min(options_.rounding_bits, options_.max_table_bits) : options_.max_table_bits;
}

std::vector<double> Lowering::calibration_floats(const QValue& value) const {
  OutputDequantizer as_function{value.groups, value.element_group, net_.graph.value(value.id).shape};
  return dequantize_output(as_function, calib_[static_cast<size_t>(value.id)]).data;
}

ValueId Lowering::build_tlu(const QValue& value, const std::string& name, int budget_bits, const Encoder& encode) {
  const IntTensor& acc = calib_[static_cast<size_t>(value.id)];
  const IntRange worst = worst_[static_cast<size_t>(value.id)];
  const int64_t elements = net_.graph.elements(value.id);
  const size_t n_groups = value.groups.size();
  // Calibrated accumulator range of each group.
  std::vector<IntRange> seen(n_groups, IntRange{INT64_MAX, INT64_MIN});
  for (int64_t i = 0; i < acc.size(); ++i) {
    IntRange& r = seen[static_cast<size_t>(value.element_group[static_cast<size_t>(i % elements)])];
    r.min = std::min(r.min, acc[i]);
    r.max = std::max(r.max, acc[i]);
  }
  // Domain: the whole worst case when it fits the budget (then no input is ever clamped), else the
  // calibrated range widened by the margin, within the worst case.
  std::vector<IntRange> domain(n_groups);
  int64_t shift = 0;
  for (size_t g = 0; g < n_groups; ++g) {
    if (seen[g].min > seen[g].max) seen[g] = worst;  // group unused by the calibration batch (cannot happen)
    if (bits_for_range(worst) <= budget_bits) {
      domain[g] = worst;
    } else {
      const auto margin = static_cast<int64_t>(std::ceil(kTableMargin * static_cast<double>(seen[g].span())));
      domain[g] = IntRange{std::max(worst.min, seen[g].min - margin), std::min(worst.max, seen[g].max + margin)};
    }
    shift = std::max<int64_t>(shift, bits_for_range(domain[g]) - budget_bits);
  }
  // Rounding both ends can add one index; shift once more if a rounded domain still exceeds the budget.
  for (size_t g = 0; g < n_groups; ++g)
    while (bits_for_span(round_shift_exact(domain[g].max, shift) - round_shift_exact(domain[g].min, shift)) > budget_bits) ++shift;
  TluOp op;
  op.input = value.id;
  op.rounding_shift = shift;
  op.rounding = RoundingMode::kExact;
  for (size_t g = 0; g < n_groups; ++g) {
    const int64_t lo = round_shift_exact(domain[g].min, shift), hi = round_shift_exact(domain[g].max, shift);
    std::vector<double> representatives;
    representatives.reserve(static_cast<size_t>(hi - lo + 1));
    for (int64_t t = lo; t <= hi; ++t) representatives.push_back(std::ldexp(static_cast<double>(t), static_cast<int>(shift)));
    const std::vector<double> xs = evaluate_group(value.groups[g], representatives);
    LookupTable table;
    table.input_min = lo;
    table.values.resize(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) table.values[i] = encode(g, xs[i], lo + static_cast<int64_t>(i));
    op.tables.push_back(std::move(table));
  }
  if (n_groups > 1) op.element_table = value.element_group;
  op.output = net_.graph.add_value(fresh_name(name), net_.graph.value(value.id).shape);
  return append(std::move(op));
}

double Lowering::model_grid(const QValue& value) const {
  double grid = 0.0;
  for (const AffineGroup& g : value.groups) {
    size_t last = g.steps.size();
    // Relu keeps a grid: 0 is on every grid with an integer zero point.
    while (last > 0 && g.steps[last - 1].node.op_type == "Relu") --last;
    if (last == 0 || !is_model_quantizer(g.steps[last - 1].node.op_type)) return 0.0;
    const double scale = g.steps[last - 1].constants.at(0);
    if (grid != 0.0 && scale != grid) return 0.0;
    grid = scale;
  }
  return grid;
}

QValue Lowering::requantize(const QValue& value, const std::string& name) {
  if (const double grid = model_grid(value); grid > 0.0) {
    const ValueId id = build_tlu(value, name, table_budget(), [&](size_t, double x, int64_t) {
      const double k = core::round_half_to_even(x / grid);
      FHEQ_CHECK(std::abs(x / grid - k) <= 1e-6, "value ", x, " is not on the model grid ", grid);
      return static_cast<int64_t>(k);
    });
    const std::vector<UnaryStep>& steps = value.groups[0].steps;
    const UnaryStep& quantizer = *std::find_if(steps.rbegin(), steps.rend(),
                                               [](const UnaryStep& step) { return is_model_quantizer(step.node.op_type); });
    const IntRange codes = observed_range(calib_[static_cast<size_t>(id)]);
    std::ostringstream detail;
    detail << "scale " << grid << ", codes seen [" << codes.min << ", " << codes.max << "] (node '"
           << quantizer.node.name << "')";
    net_.grids.push_back({"activation", name, true, detail.str()});
    QValue out;
    out.id = id;
    out.groups = {AffineGroup{grid, 0.0, {}}};
    out.element_group.assign(static_cast<size_t>(net_.graph.elements(id)), 0);
    return out;
  }
  Calibrator calibrator(options_.calibration);
  calibrator.observe(calibration_floats(value));
  const QuantParams params = calibrator.params(options_.n_bits.activations, QuantOptions{});
  const ValueId id = build_tlu(value, name, table_budget(), [&](size_t, double x, int64_t) {
    return quantize_value(x, params) - params.zero_point;
  });
  net_.grids.push_back({"activation", name, false, "calibrated, " + std::to_string(options_.n_bits.activations) + "-bit"});
  QValue out;
  out.id = id;
  out.groups = {AffineGroup{params.scale, 0.0, {}}};
  out.element_group.assign(static_cast<size_t>(net_.graph.elements(id)), 0);
  return out;
}

void Lowering::lower_fake_quant(const graph::Node& node) {
  const QValue& x = encrypted(node, node.inputs.at(0));
  const FloatTensor& scale = graph_.constant(node.inputs.at(1));
  const FloatTensor& zero_point = graph_.constant(node.inputs.at(2));
  if (scale.size() == 1 && zero_point.size() == 1 && x.is_affine() && x.uniform_scale() && x.uniform_offset() &&
      x.groups[0].scale == scale[0] && x.groups[0].offset == std::round(x.groups[0].offset)) {
    // x = s·(q − o) is on the grid; FakeQuant changes nothing when q − o + z stays within [qmin, qmax].
    const IntRange worst = worst_[static_cast<size_t>(x.id)];
    const auto shift = static_cast<int64_t>(zero_point[0] - x.groups[0].offset);
    if (worst.min + shift >= node.attr_int("qmin", 0) && worst.max + shift <= node.attr_int("qmax", 255)) {
      qvalues_[node.outputs.at(0)] = x;
      return;
    }
  }
  lower_elementwise(node);
}

InputQuantizer Lowering::input_quantizer(const std::string& input_name, const Shape& sample) {
  // Reshapes between the input and its quantizer do not change values: look through them.
  std::string value = input_name;
  std::vector<const graph::Node*> readers = graph_.consumers(value);
  while (readers.size() == 1 && (readers[0]->op_type == "Reshape" || readers[0]->op_type == "Flatten" ||
                                 readers[0]->op_type == "Squeeze" || readers[0]->op_type == "Unsqueeze")) {
    value = readers[0]->outputs.at(0);
    readers = graph_.consumers(value);
  }
  const graph::Node* model = readers.empty() ? nullptr : readers[0];
  for (const graph::Node* reader : readers) {
    const bool same = reader->op_type == "FakeQuant" && reader->inputs[0] == value &&
                      graph_.constant(reader->inputs[1]).size() == 1 && graph_.constant(reader->inputs[2]).size() == 1 &&
                      graph_.constant(reader->inputs[1]).data == graph_.constant(model->inputs[1]).data &&
                      graph_.constant(reader->inputs[2]).data == graph_.constant(model->inputs[2]).data &&
                      reader->attr_int("qmin", 0) == model->attr_int("qmin", 0) &&
                      reader->attr_int("qmax", 255) == model->attr_int("qmax", 255) &&
                      reader->attr_string("rounding_mode", "ROUND") == "ROUND";
    if (!same) {
      model = nullptr;
      break;
    }
  }
  if (model != nullptr) {
    // The client rounds half to even and clips, exactly as the model's quantizer: its FakeQuant becomes a no-op.
    QuantParams params;
    params.scale = graph_.constant(model->inputs[1])[0];
    params.zero_point = static_cast<int64_t>(graph_.constant(model->inputs[2])[0]);
    params.qmin = model->attr_int("qmin", 0);
    params.qmax = model->attr_int("qmax", 255);
    params.options.is_signed = params.qmin < 0;
    params.n_bits = bits_for_range(IntRange{params.qmin, params.qmax});
    net_.grids.push_back({"input", input_name, true, grid_text(params.scale, params.qmin, params.qmax, model->name)});
    return InputQuantizer{params, sample};
  }
  Calibrator input_calibrator(options_.calibration);
  input_calibrator.observe(calibration_.data);
  net_.grids.push_back({"input", input_name, false, "calibrated, " + std::to_string(options_.n_bits.inputs) + "-bit"});
  return InputQuantizer{input_calibrator.params(options_.n_bits.inputs, QuantOptions{}), sample};
}

void Lowering::lower_elementwise(const graph::Node& node) {
  int operand = -1;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!is_encrypted(node.inputs[i])) continue;
    if (operand >= 0) {
      if (node.op_type == "Add" || node.op_type == "Sub") return lower_add_encrypted(node, node.op_type == "Add" ? 1 : -1);
      if (node.op_type == "Mul" && node.inputs.size() == 2) return lower_product(node);
      unsupported(node, "both operands are encrypted; only Add, Sub and Mul of two encrypted tensors are supported");
    }
    operand = static_cast<int>(i);
  }
  const QValue& x = encrypted(node, node.inputs.at(static_cast<size_t>(std::max(operand, 0))));
  const Shape& sample = net_.graph.value(x.id).shape;
  FHEQ_REQUIRE(node.outputs.size() == 1 && sample_shape(node.outputs[0]) == sample, graph_.source, ": ",
               node.describe(), ": broadcasting the encrypted operand to a larger shape is not supported");
  // Per-element constants of the other inputs.
  std::vector<std::vector<double>> constants;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (static_cast<int>(i) == operand || node.inputs[i].empty()) continue;
    std::vector<double> values;
    if (!broadcast_to_sample(graph_.constant(node.inputs[i]), sample, values))
      unsupported(node, "constant '" + node.inputs[i] + "' does not broadcast to the per-sample shape " + shape_to_string(sample));
    constants.push_back(std::move(values));
  }
  // Refine the groups: elements share a group only if they had one and see the same constants.
  QValue y;
  y.id = x.id;
  y.element_group.resize(x.element_group.size());
  std::map<std::pair<int32_t, std::vector<double>>, int32_t> interned;
  for (size_t e = 0; e < x.element_group.size(); ++e) {
    std::vector<double> key_constants;
    for (const auto& c : constants) key_constants.push_back(c[e]);
    auto key = std::make_pair(x.element_group[e], key_constants);
    auto it = interned.find(key);
    if (it == interned.end()) {
      AffineGroup group = x.groups[static_cast<size_t>(x.element_group[e])];
      // Each fused value keeps its own copy of the chain (the lowering keeps every value), so memory grows with
      // the square of the chain's length: a hostile 8,000-op chain would take gigabytes.
      if (group.steps.size() >= kMaxFusedSteps)
        unsupported(node, "more than " + std::to_string(kMaxFusedSteps) +
                              " elementwise ops in a row on one tensor (each chain becomes one table lookup)");
      group.steps.push_back(UnaryStep{node, operand, key_constants});
      y.groups.push_back(std::move(group));
      it = interned.emplace(std::move(key), static_cast<int32_t>(y.groups.size() - 1)).first;
    }
    y.element_group[e] = it->second;
  }
  qvalues_[node.outputs[0]] = std::move(y);
}

void Lowering::lower_reshape(const graph::Node& node) {
  const QValue& x = encrypted(node, node.inputs.at(0));
  const Shape out_shape = sample_shape(node.outputs.at(0));
  if (shape_size(out_shape) != net_.graph.elements(x.id))
    unsupported(node, "reshaping across the batch dimension is not supported (per-sample shape " +
                          shape_to_string(net_.graph.value(x.id).shape) + " → " + shape_to_string(out_shape) + ")");
  QValue y = x;
  y.id = net_.graph.add_value(fresh_name(node.outputs[0]), out_shape);
  append(ReshapeOp{x.id, y.id});
  qvalues_[node.outputs[0]] = std::move(y);
}

void Lowering::lower_node(const graph::Node& node) {
  const std::string& op = node.op_type;
  if (op == "Gemm") return lower_gemm(node);
  if (op == "MatMul") return lower_matmul(node);
  if (op == "Conv") return lower_conv(node);
  if (op == "AveragePool") return lower_average_pool(node, false);
  if (op == "GlobalAveragePool") return lower_average_pool(node, true);
  if (op == "MaxPool") return lower_max_pool(node);
  if (op == "FakeQuant") return lower_fake_quant(node);
  if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") return lower_reshape(node);
  if (is_index_map(op)) return lower_index_map(node);
  if (op == "ReduceSum" || op == "ReduceMean") return lower_reduce(node);
  if (elementwise_ops().count(op)) return lower_elementwise(node);
  unsupported(node, "operator not supported by post-training quantization (supported: Gemm, MatMul, Conv, "
                    "AveragePool, GlobalAveragePool, MaxPool, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, "
                    "Concat, Slice, Split, Gather, Pad, Expand, ReduceSum, ReduceMean, Add/Sub/Mul of two encrypted "
                    "tensors, model quantizers, elementwise ops with constant operands)");
}

QuantizedNetwork Lowering::run() {
  FHEQ_REQUIRE(graph_.inputs.size() == 1, graph_.source, ": the model has ", graph_.inputs.size(),
               " inputs; post-training quantization supports exactly one");
  const std::string& input_name = graph_.inputs[0].name;
  const Shape sample(graph_.inputs[0].shape.begin() + 1, graph_.inputs[0].shape.end());
  Shape calib_sample(calibration_.shape.begin() + (calibration_.shape.empty() ? 0 : 1), calibration_.shape.end());
  FHEQ_REQUIRE(!calibration_.shape.empty() && calib_sample == sample && calibration_.dim(0) > 0,
               "calibration data: shape ", shape_to_string(calibration_.shape), " does not match the model input [N, ",
               shape_to_string(sample).substr(1));

  net_.input = input_quantizer(input_name, sample);
  net_.input_range = IntRange{net_.input.params.qmin, net_.input.params.qmax};
  net_.calibration_samples = calibration_.dim(0);
  const ValueId in = net_.graph.add_value(fresh_name(input_name), sample);
  net_.graph.input = in;
  calib_ = {quantize_input(net_.input, calibration_)};
  worst_ = {net_.input_range};
  net_.observed = {observed_range(calib_[0])};
  QValue x;
  x.id = in;
  x.groups = {AffineGroup{net_.input.params.scale, static_cast<double>(net_.input.params.zero_point), {}}};
  x.element_group.assign(static_cast<size_t>(shape_size(sample)), 0);
  qvalues_[input_name] = std::move(x);

  const int64_t server_nodes = graph_.server_node_count();
  for (int64_t i = 0; i < server_nodes; ++i) lower_node(graph_.nodes[static_cast<size_t>(i)]);
  for (size_t i = static_cast<size_t>(server_nodes); i < graph_.nodes.size(); ++i) net_.client_tail.push_back(graph_.nodes[i]);

  for (const auto& entry : options_.layer_weight_bits)
    FHEQ_REQUIRE(layer_bits_used_.count(entry.first), graph_.source, ": layer_weight_bits names '", entry.first,
                 "', which is not a node with calibrated weights (Gemm, MatMul or Conv)");
  const std::vector<std::string> outputs = graph_.server_outputs();
  FHEQ_REQUIRE(outputs.size() == 1, graph_.source, ": the model has ", outputs.size(),
               " outputs; post-training quantization supports exactly one");
  QValue out = qvalues_.at(outputs[0]);
  if (options_.n_bits.outputs > 0) {
    // Keep the n most significant bits of the output accumulator: the table is the identity on the
    // rounded index t, and t stands for t·2^k, so each group's scale grows by 2^k and its offset shrinks.
    const ValueId id = build_tlu(out, outputs[0] + "/rounded", options_.n_bits.outputs,
                                 [](size_t, double, int64_t t) { return t; });
    const double factor = std::ldexp(1.0, static_cast<int>(std::get<TluOp>(net_.graph.ops.back()).rounding_shift));
    for (AffineGroup& g : out.groups) {
      g.scale *= factor;
      g.offset /= factor;
    }
    out.id = id;
  }
  net_.graph.output = out.id;
  net_.output = OutputDequantizer{out.groups, out.element_group, net_.graph.value(out.id).shape};
  validate(net_.graph);
  return std::move(net_);
}

QuantizedNetwork quantize_graph(const graph::Graph& graph, const FloatTensor& calibration, const PtqOptions& options) {
  FHEQ_REQUIRE(options.calib_size >= 0, "calib_size = ", options.calib_size, ": expected ≥ 0 (0 = all)");
  FHEQ_REQUIRE(calibration.rank() >= 1 && calibration.dim(0) > 0, "calibration data is empty");
  const int64_t n = calibration.dim(0);
  const int64_t used = options.calib_size == 0 ? n : std::min(n, options.calib_size);
  if (used == n) return Lowering(graph, calibration, options).run();
  const FloatTensor head = slice_batch(calibration, 0, used);
  return Lowering(graph, head, options).run();
}

}  // namespace fheq::quant
