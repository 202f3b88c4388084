// Ops that only move elements, reductions, and products of two encrypted tensors.
//   Transpose, Concat, Slice, Split, Gather (constant indices), Pad (constant mode), Expand: one IndexMap each.
//     The map is not written per op: the op's own float kernel runs on tensors holding element numbers
//     (twice, with the numbers shifted, so a padded position — equal in both runs — is told from a copied one),
//     so the integer graph moves elements exactly as the float reference does. Each element keeps its group
//     (scale, offset, pending steps); padded elements get a group of their own that decodes to the pad value.
//   ReduceSum / ReduceMean over adjacent axes: a ReduceSumOp on codes of one scale and offset (1/k folded into
//     the representation, as for AveragePool).
//   Mul of two encrypted tensors: x·y = ⌊(x+y)²/4⌋ − ⌊(x−y)²/4⌋ on integer codes (x+y and x−y have equal parity, so
//     the floors cancel exactly): two Adds, two square TLUs, one Sub; the codes come from requantizing each operand,
//     and the tables drop the product's low bits beyond activation precision (see multiply).
//   MatMul of two encrypted tensors: both expanded to [P, M, K, N] by IndexMaps, multiplied, summed over K.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/check.h"
#include "graph/float_executor.h"
#include "quant/bit_width.h"
#include "quant/lowering.h"

namespace fheq::quant {

namespace {

const std::set<std::string>& index_map_ops() {
  static const std::set<std::string> ops{"Transpose", "Concat", "Slice", "Split", "Gather", "Pad", "Expand"};
  return ops;
}

// The batch axis must stay where it is and keep every sample apart: the element maps are computed on one sample.
bool touches_batch_axis(const graph::Node& node, size_t rank) {
  const std::string& op = node.op_type;
  auto axis0 = [&](int64_t axis) { return axis == 0 || axis == -static_cast<int64_t>(rank); };
  if (op == "Transpose") {
    const std::vector<int64_t> perm = node.attr_ints("perm", {});
    return perm.empty() || perm[0] != 0;
  }
  if (op == "Concat" || op == "Gather" || op == "Split") return axis0(node.attr_int("axis", 0));
  return false;
}

}  // namespace

bool Lowering::is_index_map(const std::string& op_type) { return index_map_ops().count(op_type) != 0; }

void Lowering::lower_index_map(const graph::Node& node) {
  // Encrypted data inputs become sources; every other input must be a constant (indices, pads, starts, ...).
  std::vector<const QValue*> sources;
  std::vector<FloatTensor> first(node.inputs.size()), second(node.inputs.size());
  std::vector<const FloatTensor*> run1(node.inputs.size(), nullptr), run2(node.inputs.size(), nullptr);
  int64_t total = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) continue;
    if (is_encrypted(node.inputs[i])) {
      if (i > 0 && node.op_type != "Concat")
        unsupported(node, "input " + std::to_string(i) + " ('" + node.inputs[i] + "') must be a constant");
      const QValue& x = qvalues_.at(node.inputs[i]);
      sources.push_back(&x);
      Shape shape{1};
      for (int64_t d : net_.graph.value(x.id).shape) shape.push_back(d);
      first[i] = FloatTensor(shape);
      second[i] = FloatTensor(shape);
      total += first[i].size();
    } else if (graph_.is_constant(node.inputs[i])) {
      run1[i] = run2[i] = &graph_.constant(node.inputs[i]);
    } else {
      unsupported(node, "input '" + node.inputs[i] + "' is neither encrypted nor a constant");
    }
  }
  // Constant folding normally removes such a node; without this check the map below would have no elements.
  if (sources.empty()) unsupported(node, "no input is computed from the model input");
  if (node.op_type == "Pad" && node.attr_string("mode", "constant") != "constant")
    unsupported(node, "only constant padding is supported");
  if (touches_batch_axis(node, graph_.shape_of(node.inputs[0]).size()))
    unsupported(node, "moving or mixing elements across the batch axis is not supported");
  // Element numbers: run 1 holds e, run 2 holds e + shift, for the element e of the concatenated sources.
  const double shift = static_cast<double>(total) + 1.0;
  int64_t next = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (first[i].shape.empty()) continue;
    for (int64_t e = 0; e < first[i].size(); ++e, ++next) {
      first[i][e] = static_cast<double>(next);
      second[i][e] = static_cast<double>(next) + shift;
    }
    run1[i] = &first[i];
    run2[i] = &second[i];
  }
  const std::vector<FloatTensor> out1 = graph::run_node(node, run1), out2 = graph::run_node(node, run2);
  // Groups of the sources, concatenated; each element's group index follows.
  std::vector<AffineGroup> groups;
  std::vector<int32_t> group_of;  // per element of the concatenated sources
  std::vector<ValueId> ids;
  for (const QValue* x : sources) {
    const auto base = static_cast<int32_t>(groups.size());
    groups.insert(groups.end(), x->groups.begin(), x->groups.end());
    for (int32_t g : x->element_group) group_of.push_back(base + g);
    ids.push_back(x->id);
  }
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    if (node.outputs[k].empty()) continue;
    const Shape sample = sample_shape(node.outputs[k]);
    Shape expected{1};
    expected.insert(expected.end(), sample.begin(), sample.end());
    if (out1[k].shape != expected)
      unsupported(node, "output '" + node.outputs[k] + "' does not keep one sample per batch row");
    IndexMapOp op;
    op.sources = ids;
    op.label = node.op_type;
    op.index.resize(static_cast<size_t>(out1[k].size()));
    QValue y;
    y.groups = groups;
    y.element_group.resize(op.index.size());
    int32_t fill_group = -1;
    for (int64_t o = 0; o < out1[k].size(); ++o) {
      const double a = out1[k][o], b = out2[k][o];
      if (b - a == shift) {
        op.index[static_cast<size_t>(o)] = static_cast<int64_t>(a);
        y.element_group[static_cast<size_t>(o)] = group_of[static_cast<size_t>(a)];
        continue;
      }
      // A padded element: the value a (the same in both runs) decodes from code 0 in a group of its own.
      FHEQ_REQUIRE(a == b, graph_.source, ": ", node.describe(), ": output element ", o, " is neither copied nor constant");
      if (fill_group < 0 || y.groups[static_cast<size_t>(fill_group)].offset != -a) {
        y.groups.push_back(AffineGroup{1.0, -a, {}});
        fill_group = static_cast<int32_t>(y.groups.size() - 1);
      }
      op.index[static_cast<size_t>(o)] = -1;
      y.element_group[static_cast<size_t>(o)] = fill_group;
    }
    op.fill = 0;
    y.id = op.output = net_.graph.add_value(fresh_name(node.outputs[k]), sample);
    append(std::move(op));
    qvalues_[node.outputs[k]] = std::move(y);
  }
}

void Lowering::lower_reduce(const graph::Node& node) {
  const QValue& x_in = encrypted(node, node.inputs.at(0));
  const Shape in = net_.graph.value(x_in.id).shape;
  const size_t rank = in.size() + 1;
  std::vector<int64_t> axes = node.attr_ints("axes", {});
  if (node.inputs.size() > 1 && !node.inputs[1].empty()) {
    for (double a : graph_.constant(node.inputs[1]).data) axes.push_back(static_cast<int64_t>(a));
  }
  if (axes.empty()) {
    if (node.attr_int("noop_with_empty_axes", 0) != 0) unsupported(node, "noop_with_empty_axes = 1 is not supported");
    unsupported(node, "reducing every axis (the batch axis too) is not supported");
  }
  std::set<int64_t> reduced;
  for (int64_t a : axes) reduced.insert(a < 0 ? a + static_cast<int64_t>(rank) : a);
  if (reduced.count(0) || *reduced.begin() < 0 || *reduced.rbegin() >= static_cast<int64_t>(rank))
    unsupported(node, "axes must be per-sample axes (not the batch axis)");
  if (*reduced.rbegin() - *reduced.begin() + 1 != static_cast<int64_t>(reduced.size()))
    unsupported(node, "only adjacent axes can be reduced (transpose them together first)");
  ReduceSumOp op;
  for (int64_t d = 1; d < static_cast<int64_t>(rank); ++d) {
    const int64_t size = in[static_cast<size_t>(d - 1)];
    if (d < *reduced.begin()) op.outer *= size;
    else if (reduced.count(d)) op.reduced *= size;
    else op.inner *= size;
  }
  const bool usable = x_in.is_affine() && x_in.uniform_scale() && x_in.uniform_offset();
  const QValue x = usable ? x_in : requantize(x_in, node.inputs[0] + "/requant");
  const double k = static_cast<double>(op.reduced);
  op.input = x.id;
  QValue y;
  y.id = op.output = net_.graph.add_value(fresh_name(node.outputs.at(0)), sample_shape(node.outputs[0]));
  append(std::move(op));
  const double scale = node.op_type == "ReduceMean" ? x.groups[0].scale / k : x.groups[0].scale;
  y.groups = {AffineGroup{scale, x.groups[0].offset * k, {}}};
  y.element_group.assign(static_cast<size_t>(net_.graph.elements(y.id)), 0);
  qvalues_[node.outputs[0]] = std::move(y);
}

QValue Lowering::select(const QValue& x, std::vector<int64_t> index, const Shape& sample, const std::string& label) {
  IndexMapOp op;
  op.sources = {x.id};
  op.label = label;
  QValue y;
  y.groups = x.groups;
  for (int64_t i : index) y.element_group.push_back(x.element_group[static_cast<size_t>(i)]);
  op.index = std::move(index);
  y.id = op.output = net_.graph.add_value(fresh_name(net_.graph.value(x.id).name + "/" + label), sample);
  append(std::move(op));
  return y;
}

QValue Lowering::broadcast_to(const graph::Node& node, const QValue& x, const Shape& sample) {
  const Shape& from = net_.graph.value(x.id).shape;
  if (from == sample) return x;
  // numpy broadcasting of the element numbers gives each output element its source.
  FloatTensor numbers(Shape{1});
  numbers.shape.insert(numbers.shape.end(), from.begin(), from.end());
  numbers.data.resize(static_cast<size_t>(shape_size(from)));
  for (size_t e = 0; e < numbers.data.size(); ++e) numbers.data[e] = static_cast<double>(e);
  std::vector<double> source;
  if (!broadcast_to_sample(numbers, sample, source))
    unsupported(node, "encrypted operand of shape " + shape_to_string(from) + " does not broadcast to " +
                          shape_to_string(sample));
  return select(x, std::vector<int64_t>(source.begin(), source.end()), sample, "Expand");
}

QValue Lowering::product_codes(const graph::Node& node, const std::string& input) {
  // Integer codes q with x = s·q (offset 0, one scale), no wider than activation codes: with one operand much
  // wider, x+y ≈ x−y and the difference of their rounded squares would cancel.
  const QValue& v = encrypted(node, input);
  const bool usable = v.is_affine() && v.uniform_scale() && v.uniform_offset() && v.groups[0].offset == 0.0 &&
                      bits_for_range(worst_[static_cast<size_t>(v.id)]) <= options_.n_bits.activations;
  return usable ? v : requantize(v, input + "/requant");
}

QValue Lowering::multiply(const QValue& a, const QValue& b, const std::string& base) {
  const Shape sample = net_.graph.value(a.id).shape;
  const ValueId sum = net_.graph.add_value(fresh_name(base + "/sum"), sample);
  append(AddOp{a.id, b.id, sum, 1});
  const ValueId diff = net_.graph.add_value(fresh_name(base + "/diff"), sample);
  append(AddOp{a.id, b.id, diff, -1});
  // The product of n-bit codes has 2n bits; keeping them all would widen every later accumulator (and the
  // parameters with it). The tables write ⌊t²/2^(m+2)⌋ instead, m chosen so the product keeps activation bits + 1:
  // an error below one output code, as a requantization would make. m = 0 (narrow operands) is exact.
  const IntRange ra = worst_[static_cast<size_t>(a.id)], rb = worst_[static_cast<size_t>(b.id)];
  const int64_t largest = std::max(std::abs(ra.min), std::abs(ra.max)) * std::max(std::abs(rb.min), std::abs(rb.max));
  const int drop = std::max(0, bits_for_range(IntRange{-largest, largest}) - (options_.n_bits.activations + 1));
  const double divisor = std::ldexp(4.0, drop);
  auto quarter_square = [divisor](size_t, double t, int64_t) { return static_cast<int64_t>(std::floor(t * t / divisor)); };
  auto as_codes = [&](ValueId id) {
    QValue v;
    v.id = id;
    v.groups = {AffineGroup{1.0, 0.0, {}}};
    v.element_group.assign(static_cast<size_t>(shape_size(sample)), 0);
    return v;
  };
  const ValueId sum_sq = build_tlu(as_codes(sum), base + "/sum_sq", table_budget(), quarter_square);
  const ValueId diff_sq = build_tlu(as_codes(diff), base + "/diff_sq", table_budget(), quarter_square);
  QValue y = as_codes(net_.graph.add_value(fresh_name(base), sample));
  append(AddOp{sum_sq, diff_sq, y.id, -1});
  y.groups[0].scale = std::ldexp(a.groups[0].scale * b.groups[0].scale, drop);
  return y;
}

void Lowering::lower_product(const graph::Node& node) {
  const Shape sample = sample_shape(node.outputs.at(0));
  const QValue a = broadcast_to(node, product_codes(node, node.inputs.at(0)), sample);
  const QValue b = broadcast_to(node, product_codes(node, node.inputs.at(1)), sample);
  qvalues_[node.outputs[0]] = multiply(a, b, node.outputs[0]);
}

void Lowering::lower_encrypted_matmul(const graph::Node& node) {
  // [P…, M, K] × [P…, K, N] with equal leading dims: both operands expanded to [P, M, K, N] (IndexMaps: free),
  // multiplied elementwise (4 PBS per term), summed over K (a ReduceSumOp). Requantizing before the expansion
  // keeps that cost at M·K + K·N tables.
  const Shape sa = net_.graph.value(encrypted(node, node.inputs.at(0)).id).shape;
  const Shape sb = net_.graph.value(encrypted(node, node.inputs.at(1)).id).shape;
  if (sa.size() < 2 || sa.size() != sb.size() || !std::equal(sa.begin(), sa.end() - 2, sb.begin()) ||
      sa[sa.size() - 1] != sb[sb.size() - 2])
    unsupported(node, "a product of two encrypted matrices needs per-sample shapes [..., M, K] × [..., K, N] with equal "
                      "leading dims (got " + shape_to_string(sa) + " × " + shape_to_string(sb) + ")");
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  const int64_t p = shape_size(sa) / (m * k);
  std::vector<int64_t> from_a, from_b;
  for (int64_t pi = 0; pi < p; ++pi)
    for (int64_t mi = 0; mi < m; ++mi)
      for (int64_t ki = 0; ki < k; ++ki)
        for (int64_t ni = 0; ni < n; ++ni) {
          from_a.push_back((pi * m + mi) * k + ki);
          from_b.push_back((pi * k + ki) * n + ni);
        }
  const Shape expanded{p, m, k, n};
  const QValue a = select(product_codes(node, node.inputs[0]), std::move(from_a), expanded, "Expand");
  const QValue b = select(product_codes(node, node.inputs[1]), std::move(from_b), expanded, "Expand");
  const QValue terms = multiply(a, b, node.outputs.at(0) + "/terms");
  ReduceSumOp sum;
  sum.input = terms.id;
  sum.outer = p * m;
  sum.reduced = k;
  sum.inner = n;
  QValue y;
  y.id = sum.output = net_.graph.add_value(fresh_name(node.outputs[0]), sample_shape(node.outputs[0]));
  append(std::move(sum));
  y.groups = terms.groups;
  y.element_group.assign(static_cast<size_t>(net_.graph.elements(y.id)), 0);
  qvalues_[node.outputs[0]] = std::move(y);
}

}  // namespace fheq::quant
