#include "quant/client_records.h"

#include <cmath>

#include "core/check.h"
#include "graph/float_executor.h"

namespace fheq::quant {

bool AffineGroup::same_as(const AffineGroup& other) const {
  if (scale != other.scale || offset != other.offset || steps.size() != other.steps.size()) return false;
  for (size_t i = 0; i < steps.size(); ++i)
    if (!steps[i].same_as(other.steps[i])) return false;
  return true;
}

std::vector<double> evaluate_group(const AffineGroup& group, std::vector<double> q) {
  for (double& v : q) v = group.scale * (v - group.offset);
  if (group.steps.empty()) return q;
  const auto count = static_cast<int64_t>(q.size());
  FloatTensor x(Shape{count}, std::move(q));
  for (const UnaryStep& step : group.steps) {
    std::vector<FloatTensor> scalars;
    scalars.reserve(step.constants.size());
    for (double c : step.constants) scalars.emplace_back(Shape{1}, std::vector<double>{c});
    std::vector<const FloatTensor*> inputs;
    size_t next_constant = 0;
    for (size_t i = 0; i < step.node.inputs.size(); ++i) {
      if (static_cast<int>(i) == step.operand) inputs.push_back(&x);
      else if (step.node.inputs[i].empty()) inputs.push_back(nullptr);
      else inputs.push_back(&scalars.at(next_constant++));
    }
    std::vector<FloatTensor> out = graph::run_node(step.node, inputs);
    FHEQ_CHECK(!out.empty() && out[0].size() == x.size(), step.node.describe(), " changed the element count");
    x.data = std::move(out[0].data);
  }
  return std::move(x.data);
}

IntTensor quantize_input(const InputQuantizer& quantizer, const FloatTensor& x) {
  Shape sample(x.shape.begin() + (x.shape.empty() ? 0 : 1), x.shape.end());
  FHEQ_REQUIRE(!x.shape.empty() && sample == quantizer.shape, "input: shape ", shape_to_string(x.shape),
               " does not match the model input [N, ", shape_to_string(quantizer.shape).substr(1));
  IntTensor q(x.shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    FHEQ_REQUIRE(!std::isnan(x[i]), "input: value ", i, " is NaN");
    q[i] = quantize_value(x[i], quantizer.params);
  }
  return q;
}

FloatTensor dequantize_output(const OutputDequantizer& dequantizer, const IntTensor& q) {
  const int64_t elements = shape_size(dequantizer.shape);
  FHEQ_REQUIRE(q.rank() >= 1 && q.size() == q.dim(0) * elements, "output: ", q.size(),
               " integers do not make [N, ", shape_to_string(dequantizer.shape).substr(1));
  const int64_t batch = q.dim(0);
  Shape shape{batch};
  shape.insert(shape.end(), dequantizer.shape.begin(), dequantizer.shape.end());
  FloatTensor y(shape);
  // Gather per group so each group's steps run once over a vector.
  for (size_t g = 0; g < dequantizer.groups.size(); ++g) {
    std::vector<int64_t> where;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t e = 0; e < elements; ++e)
        if (static_cast<size_t>(dequantizer.element_group[static_cast<size_t>(e)]) == g) where.push_back(n * elements + e);
    if (where.empty()) continue;
    std::vector<double> values(where.size());
    for (size_t i = 0; i < where.size(); ++i) values[i] = static_cast<double>(q[where[i]]);
    values = evaluate_group(dequantizer.groups[g], std::move(values));
    for (size_t i = 0; i < where.size(); ++i) y[where[i]] = values[i];
  }
  return y;
}

FloatTensor run_client_tail(const std::vector<graph::Node>& tail, FloatTensor x) {
  for (const graph::Node& node : tail) {
    std::vector<FloatTensor> out = graph::run_node(node, {&x});
    FHEQ_CHECK(!out.empty(), node.describe(), " produced nothing");
    x = std::move(out[0]);
  }
  return x;
}

}  // namespace fheq::quant
