// Elementwise one-input ops (activations and math functions), as defined in the ONNX
// operator specification (https://onnx.ai/onnx/operators/), plus Clip, Identity and Dropout.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "graph/ops/op_kernel.h"

namespace fheq::graph::ops {
namespace {

template <typename F>
Kernel unary(F f) {
  return [f](const Node& node, const Inputs& inputs) {
    const FloatTensor& x = input(node, inputs, 0);
    FloatTensor y(x.shape);
    for (int64_t i = 0; i < x.size(); ++i) y[i] = f(x[i]);
    return std::vector<FloatTensor>{std::move(y)};
  };
}

// A unary op with node attributes: make(node) returns the scalar function.
template <typename Make>
Kernel unary_with_attrs(Make make) {
  return [make](const Node& node, const Inputs& inputs) {
    auto f = make(node);
    const FloatTensor& x = input(node, inputs, 0);
    FloatTensor y(x.shape);
    for (int64_t i = 0; i < x.size(); ++i) y[i] = f(x[i]);
    return std::vector<FloatTensor>{std::move(y)};
  };
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// ln(1 + e^x) without overflow for large x.
double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

// Scalar bound from an optional Clip input (opset >= 11 passes min/max as inputs).
double clip_bound(const Node& node, const FloatTensor* t, double fallback, const char* which) {
  return t == nullptr ? fallback : scalar_value(node, *t, which);
}

}  // namespace

void register_unary_ops(KernelTable& t) {
  t["Relu"] = unary([](double x) { return x > 0.0 ? x : 0.0; });
  t["Sigmoid"] = unary(sigmoid);
  t["Tanh"] = unary([](double x) { return std::tanh(x); });
  t["Softplus"] = unary(softplus);
  t["Softsign"] = unary([](double x) { return x / (1.0 + std::abs(x)); });
  t["Erf"] = unary([](double x) { return std::erf(x); });
  t["Exp"] = unary([](double x) { return std::exp(x); });
  t["Log"] = unary([](double x) { return std::log(x); });
  t["Abs"] = unary([](double x) { return std::abs(x); });
  t["Neg"] = unary([](double x) { return -x; });
  t["Sqrt"] = unary([](double x) { return std::sqrt(x); });
  t["Reciprocal"] = unary([](double x) { return 1.0 / x; });
  // HardSwish (opset 14): x * max(0, min(1, x/6 + 1/2)).
  t["HardSwish"] = unary([](double x) { return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); });
  t["LeakyRelu"] = unary_with_attrs([](const Node& n) {
    double alpha = n.attr_float("alpha", 0.01);
    return [alpha](double x) { return x >= 0.0 ? x : alpha * x; };
  });
  t["Elu"] = unary_with_attrs([](const Node& n) {
    double alpha = n.attr_float("alpha", 1.0);
    return [alpha](double x) { return x >= 0.0 ? x : alpha * std::expm1(x); };
  });
  t["Celu"] = unary_with_attrs([](const Node& n) {
    double alpha = n.attr_float("alpha", 1.0);
    return [alpha](double x) { return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha)); };
  });
  // Selu defaults are the float32 constants of the ONNX spec.
  t["Selu"] = unary_with_attrs([](const Node& n) {
    double alpha = n.attr_float("alpha", 1.67326319217681884765625);
    double gamma = n.attr_float("gamma", 1.05070102214813232421875);
    return [alpha, gamma](double x) { return x > 0.0 ? gamma * x : gamma * alpha * std::expm1(x); };
  });
  t["HardSigmoid"] = unary_with_attrs([](const Node& n) {
    double alpha = n.attr_float("alpha", 0.2), beta = n.attr_float("beta", 0.5);
    return [alpha, beta](double x) { return std::clamp(alpha * x + beta, 0.0, 1.0); };
  });
  // Gelu (opset 20; torch <= 1.13 exports Div/Erf/Add/Mul instead, which needs no special case).
  t["Gelu"] = unary_with_attrs([](const Node& n) {
    bool tanh_approx = n.attr_string("approximate", "none") == "tanh";
    return [tanh_approx](double x) {
      if (tanh_approx) return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    };
  });
  t["Clip"] = [](const Node& node, const Inputs& inputs) {
    const FloatTensor& x = input(node, inputs, 0);
    double lo = clip_bound(node, optional_input(inputs, 1), -std::numeric_limits<double>::infinity(), "min");
    double hi = clip_bound(node, optional_input(inputs, 2), std::numeric_limits<double>::infinity(), "max");
    FloatTensor y(x.shape);
    // ONNX: min(max(x, lo), hi), so hi wins when lo > hi.
    for (int64_t i = 0; i < x.size(); ++i) y[i] = std::min(std::max(x[i], lo), hi);
    return std::vector<FloatTensor>{std::move(y)};
  };
  t["Identity"] = [](const Node& node, const Inputs& inputs) { return std::vector<FloatTensor>{input(node, inputs, 0)}; };
  // Inference-mode Dropout is the identity; the optional mask output is all ones (true).
  t["Dropout"] = [](const Node& node, const Inputs& inputs) {
    const FloatTensor& x = input(node, inputs, 0);
    std::vector<FloatTensor> out{x};
    if (node.outputs.size() > 1) out.emplace_back(x.shape, std::vector<double>(x.data.size(), 1.0));
    return out;
  };
}

}  // namespace fheq::graph::ops
