// Elementwise two-input ops with numpy broadcasting (ONNX "multidirectional broadcasting"),
// plus PRelu (unidirectional: the slope broadcasts to x) and the variadic Max / Min / Sum.
#include <algorithm>
#include <cmath>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

template <typename F>
Kernel binary(F f) {
  return [f](const Node& node, const Inputs& inputs) {
    return std::vector<FloatTensor>{broadcast_binary(node, input(node, inputs, 0), input(node, inputs, 1), f)};
  };
}

template <typename F>
Kernel variadic(F f) {
  return [f](const Node& node, const Inputs& inputs) {
    FHEQ_REQUIRE(!inputs.empty(), node.describe(), ": needs at least one input");
    FloatTensor acc = input(node, inputs, 0);
    for (size_t i = 1; i < inputs.size(); ++i) acc = broadcast_binary(node, acc, input(node, inputs, i), f);
    return std::vector<FloatTensor>{std::move(acc)};
  };
}

}  // namespace

void register_binary_ops(KernelTable& t) {
  t["Add"] = binary([](double a, double b) { return a + b; });
  t["Sub"] = binary([](double a, double b) { return a - b; });
  t["Mul"] = binary([](double a, double b) { return a * b; });
  t["Div"] = binary([](double a, double b) { return a / b; });
  t["Pow"] = binary([](double a, double b) { return std::pow(a, b); });
  t["Max"] = variadic([](double a, double b) { return std::max(a, b); });
  t["Min"] = variadic([](double a, double b) { return std::min(a, b); });
  t["Sum"] = variadic([](double a, double b) { return a + b; });
  t["PRelu"] = [](const Node& node, const Inputs& inputs) {
    const FloatTensor& x = input(node, inputs, 0);
    const FloatTensor& slope = input(node, inputs, 1);
    FloatTensor y = broadcast_binary(node, x, slope, [](double v, double s) { return v < 0.0 ? s * v : v; });
    FHEQ_REQUIRE(y.shape == x.shape, node.describe(), ": slope shape ", shape_to_string(slope.shape),
                 " does not broadcast to x shape ", shape_to_string(x.shape));
    return std::vector<FloatTensor>{std::move(y)};
  };
}

}  // namespace fheq::graph::ops
