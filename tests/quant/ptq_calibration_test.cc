// The calibration method reaches the lowering: percentile clipping of the INPUT quantizer and of an
// ACTIVATION requantizer in a quantized model, checked against percentiles computed here by sorting, and
// by the model's behaviour (outliers saturate at the clipped end). A min/max control on the same data
// shows each check tells the two methods apart.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "fheq/evaluation.h"
#include "graph/simplify/passes.h"
#include "quant/client_records.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"
#include "quant_test_support.h"

namespace fheq::quant {
namespace {

using testing::test_seed;

// NumPy's default ('linear') percentile, written with the ceil index on a sorted copy.
double numpy_percentile(std::vector<double> x, double percent) {
  std::sort(x.begin(), x.end());
  const double rank = percent / 100.0 * static_cast<double>(x.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank)), hi = static_cast<size_t>(std::ceil(rank));
  return x[lo] + (rank - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

// x [N, in] → Gemm(W, b, transB) [→ Relu → Gemm(W2, 0)] → output.
graph::Graph linear_graph(int64_t in, int64_t out, const std::vector<double>& w, bool relu_then_identity) {
  graph::Graph g;
  g.source = "hand-built";
  g.opset = 14;
  g.inputs.push_back(graph::ValueInfo{"x", Shape{-1, in}});
  g.value_shapes["x"] = Shape{-1, in};
  g.constants["w"] = FloatTensor(Shape{out, in}, w);
  g.constants["b"] = FloatTensor(Shape{out}, std::vector<double>(static_cast<size_t>(out), 0.0));
  auto add_node = [&](const std::string& op, std::vector<std::string> inputs, int64_t features) {
    graph::Node n;
    n.name = op + std::to_string(g.nodes.size());
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {n.name + "_out"};
    if (op == "Gemm") n.attributes = {{"transB", int64_t{1}}};
    g.value_shapes[n.outputs[0]] = Shape{-1, features};
    g.nodes.push_back(n);
    return n.outputs[0];
  };
  std::string y = add_node("Gemm", {"x", "w", "b"}, out);
  if (relu_then_identity) {
    g.constants["w2"] = FloatTensor(Shape{out, out}, std::vector<double>(static_cast<size_t>(out * out), 0.0));
    for (int64_t i = 0; i < out; ++i) g.constants["w2"].data[static_cast<size_t>(i * out + i)] = 1.0;
    y = add_node("Gemm", {add_node("Relu", {y}, out), "w2", "b"}, out);
  }
  g.outputs.push_back(graph::ValueInfo{y, g.value_shapes.at(y)});
  graph::simplify::check_value_shapes(g);
  return g;
}

FloatTensor predict(const QuantizedNetwork& net, const FloatTensor& x) {
  return dequantize_output(net.output, run_integer_graph(net.graph, quantize_input(net.input, x)));
}

PtqOptions config_for(CalibrationMethod method) {
  PtqOptions config;
  config.per_channel = false;
  config.calib_size = 0;               // every row: the percentiles below are computed on all of them
  config.calibration.method = method;  // default percentiles 0.01 / 99.99
  config.max_table_bits = 20;          // no rounding before the tables: outputs are exact up to codes
  return config;
}

TEST(PtqCalibration, PercentileClipsAnInputOutlier) {
  std::mt19937_64 rng(test_seed("PtqCalibration.PercentileClipsAnInputOutlier"));
  // 4000 × 4 standard normal values (16,000 < the 65,536-value reservoir: percentiles are exact) and one
  // outlier, 1000. The 99.99th percentile sits at rank 15,998.4 of 16,000, below the outlier's rank.
  FloatTensor calibration(Shape{4000, 4});
  std::normal_distribution<double> normal(0.0, 1.0);
  for (double& v : calibration.data) v = normal(rng);
  calibration.data[0] = 1000.0;
  const double lo = numpy_percentile(calibration.data, 0.01), hi = numpy_percentile(calibration.data, 99.99);
  ASSERT_LT(hi, 10.0);  // the premise: the outlier is outside the percentile range
  const graph::Graph g = linear_graph(4, 4, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, false);

  const QuantizedNetwork percentile = quantize_graph(g, calibration, config_for(CalibrationMethod::kPercentile));
  const QuantParams expected = compute_quant_params(8, {lo, hi}, QuantOptions{});
  EXPECT_NEAR(percentile.input.params.scale, expected.scale, 1e-12 * expected.scale);
  EXPECT_EQ(percentile.input.params.zero_point, expected.zero_point);
  const QuantizedNetwork minmax = quantize_graph(g, calibration, config_for(CalibrationMethod::kMinMax));
  const double min = *std::min_element(calibration.data.begin(), calibration.data.end());
  EXPECT_NEAR(minmax.input.params.scale, (1000.0 - min) / 255.0, 1e-12);

  // Identity weights: the model returns its input, so its output is the input clipped to the calibrated
  // range, within half an input step. Rows: the outlier, and three ordinary samples.
  const FloatTensor x = slice_batch(calibration, 0, 4);
  const FloatTensor y_percentile = predict(percentile, x), y_minmax = predict(minmax, x);
  const double step_p = percentile.input.params.scale, step_m = minmax.input.params.scale;
  for (int64_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(y_percentile[i], std::clamp(x[i], lo, hi), 0.5 * step_p + 1e-9) << "element " << i;
    EXPECT_NEAR(y_minmax[i], x[i], 0.5 * step_m + 1e-9) << "element " << i;
  }
  EXPECT_LT(y_percentile[0], 10.0);  // the outlier saturates at the clipped end
  EXPECT_GT(y_minmax[0], 990.0);
}

TEST(PtqCalibration, PercentileClipsAnActivationOutlier) {
  std::mt19937_64 rng(test_seed("PtqCalibration.PercentileClipsAnActivationOutlier"));
  // Binary inputs (a pixel is 1 with probability 0.1): their 0.01 / 99.99 percentiles are exactly 0 and 1,
  // so the input quantizer is the same for both methods. The hidden unit sums the 8 inputs; only row 0
  // has all 8 set, so the activation has one outlier (8) among 20,001 values that the input clipping
  // cannot remove.
  const int64_t n = 20001;
  FloatTensor calibration(Shape{n, 8});
  std::bernoulli_distribution pixel(0.1);
  for (double& v : calibration.data) v = pixel(rng) ? 1.0 : 0.0;
  std::vector<double> sums(static_cast<size_t>(n), 0.0);
  for (int64_t i = 0; i < 8; ++i) calibration.data[static_cast<size_t>(i)] = 1.0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < 8; ++c) sums[static_cast<size_t>(r)] += calibration.data[static_cast<size_t>(r * 8 + c)];
  const double lo = numpy_percentile(sums, 0.01), hi = numpy_percentile(sums, 99.99);
  ASSERT_EQ(lo, 0.0);
  ASSERT_LT(hi, 8.0);  // the premise: the activation outlier is outside the percentile range
  const graph::Graph g = linear_graph(8, 1, std::vector<double>(8, 1.0), true);

  for (CalibrationMethod method : {CalibrationMethod::kPercentile, CalibrationMethod::kMinMax}) {
    SCOPED_TRACE(fheq::to_string(method));
    const QuantizedNetwork net = quantize_graph(g, calibration, config_for(method));
    EXPECT_DOUBLE_EQ(net.input.params.scale, 1.0 / 255.0);
    EXPECT_EQ(net.input.params.zero_point, 0);
    // The output is dequantized with (activation scale) · (scale of the weight 1, i.e. 1/127).
    const double upper = method == CalibrationMethod::kPercentile ? hi : 8.0;
    const double activation_scale = upper / 255.0;
    ASSERT_EQ(net.output.groups.size(), 1u);
    EXPECT_NEAR(net.output.groups[0].scale * 127.0, activation_scale, 1e-9 * activation_scale);
    // Behaviour: a row with k ones gives min(k, upper) within half an activation step.
    FloatTensor x(Shape{9, 8});
    for (int64_t k = 0; k <= 8; ++k)
      for (int64_t c = 0; c < k; ++c) x.data[static_cast<size_t>(k * 8 + c)] = 1.0;
    const FloatTensor y = predict(net, x);
    for (int64_t k = 0; k <= 8; ++k)
      EXPECT_NEAR(y[k], std::min(static_cast<double>(k), upper), 0.5 * activation_scale + 1e-9) << k << " ones";
  }
}

}  // namespace
}  // namespace fheq::quant
