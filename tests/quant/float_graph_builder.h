// Small float graphs built by hand for tests (the quantizer's op tests, the runtime's end-to-end tests):
// a builder over graph::Graph with named constants, nodes with declared shapes and torch-style linear
// layers, and uniform random input batches.
#pragma once

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fheq/quantized_model.h"
#include "fheq/tensor.h"
#include "graph/graph.h"
#include "graph/simplify/passes.h"

namespace fheq::quant::testing {

class GraphBuilder {
 public:
  explicit GraphBuilder(Shape sample) {
    g_.source = "hand-built";
    g_.opset = 14;
    Shape shape{-1};
    shape.insert(shape.end(), sample.begin(), sample.end());
    g_.inputs.push_back(graph::ValueInfo{"x", shape});
    g_.value_shapes["x"] = shape;
  }
  std::string constant(const std::string& name, Shape shape, std::mt19937_64& rng, double scale) {
    FloatTensor t(std::move(shape));
    std::normal_distribution<double> normal(0.0, scale);
    for (double& v : t.data) v = normal(rng);
    g_.constants[name] = t;
    return name;
  }
  std::string constant_values(const std::string& name, Shape shape, std::vector<double> values) {
    g_.constants[name] = FloatTensor(std::move(shape), std::move(values));
    return name;
  }
  std::string node(const std::string& op, std::vector<std::string> inputs, Shape out_sample,
                   std::map<std::string, graph::AttributeValue> attributes = {}) {
    graph::Node n;
    n.name = op + "_" + std::to_string(g_.nodes.size());
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {n.name + "_out"};
    n.attributes = std::move(attributes);
    Shape shape{-1};
    shape.insert(shape.end(), out_sample.begin(), out_sample.end());
    g_.value_shapes[n.outputs[0]] = shape;
    g_.nodes.push_back(n);
    return n.outputs[0];
  }
  // A node with several outputs (Split): one declared per-sample shape each.
  std::vector<std::string> multi_node(const std::string& op, std::vector<std::string> inputs, std::vector<Shape> out_samples,
                                      std::map<std::string, graph::AttributeValue> attributes = {}) {
    graph::Node n;
    n.name = op + "_" + std::to_string(g_.nodes.size());
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    for (size_t k = 0; k < out_samples.size(); ++k) {
      n.outputs.push_back(n.name + "_out" + std::to_string(k));
      Shape shape{-1};
      shape.insert(shape.end(), out_samples[k].begin(), out_samples[k].end());
      g_.value_shapes[n.outputs.back()] = shape;
    }
    g_.nodes.push_back(n);
    return n.outputs;
  }
  // Linear layer: Gemm with transB = 1 (torch's nn.Linear), random weights and bias.
  std::string linear(const std::string& in, int64_t in_features, int64_t out_features, std::mt19937_64& rng) {
    const std::string id = std::to_string(g_.nodes.size());
    const std::string w = constant("w" + id, Shape{out_features, in_features}, rng, 1.0 / std::sqrt(double(in_features)));
    const std::string b = constant("b" + id, Shape{out_features}, rng, 0.1);
    return node("Gemm", {in, w, b}, Shape{out_features}, {{"transB", int64_t{1}}});
  }
  // The shapes given to node() are written by hand, and the quantizer sizes its ops from them while
  // the float reference computes its own: check them here so a wrong one fails with its name, not as
  // a shape mismatch between the quantized and float outputs.
  graph::Graph finish(const std::string& output, int64_t client_tail = 0) {
    g_.outputs.push_back(graph::ValueInfo{output, g_.value_shapes.at(output)});
    g_.client_side_tail = client_tail;
    graph::simplify::check_value_shapes(g_);
    return g_;
  }

 private:
  graph::Graph g_;
};

inline FloatTensor random_batch(const Shape& sample, int64_t n, std::mt19937_64& rng, double lo, double hi) {
  Shape shape{n};
  shape.insert(shape.end(), sample.begin(), sample.end());
  FloatTensor x(shape);
  std::uniform_real_distribution<double> u(lo, hi);
  for (double& v : x.data) v = u(rng);
  return x;
}

// PtqOptions for the quantizer tests: per-tensor weights (the public default is per-channel; tests that want it
// say so) and every calibration row they pass.
inline PtqOptions test_ptq_options() {
  PtqOptions options;
  options.per_channel = false;
  options.calib_size = 0;
  return options;
}

}  // namespace fheq::quant::testing
