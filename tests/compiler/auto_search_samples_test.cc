// How many calibration samples `--rounding auto` searches on: the multiply-add count of hand-built graphs
// (worked out from their shapes below) and the resulting sample budget.
#include <gtest/gtest.h>

// GCC 12 reports the moved-from alternatives of std::variant<...Op> as "maybe uninitialized" when these
// partially filled ops are pushed (a known false positive of -Wmaybe-uninitialized with std::variant, GCC
// bug 105562); every field has a default member initializer.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "compiler/rounding_search.h"

namespace fheq::compiler {
namespace {

quant::IntegerGraph mlp_784_128_64() {
  quant::IntegerGraph g;
  g.input = g.add_value("x", Shape{784});
  quant::DenseOp d1;
  d1.input = g.input, d1.in_features = 784, d1.out_features = 128, d1.output = g.add_value("h", Shape{128});
  g.ops.push_back(d1);
  quant::TluOp t;
  t.input = d1.output, t.output = g.add_value("a", Shape{128});
  g.ops.push_back(t);
  quant::DenseOp d2;
  d2.input = t.output, d2.in_features = 128, d2.out_features = 64, d2.output = g.add_value("y", Shape{64});
  g.ops.push_back(d2);
  g.output = d2.output;
  return g;
}

TEST(AutoSearchSamples, MultiplyAddsOfAnMlp) {
  // 784·128 + 128 (one per TLU element) + 128·64.
  EXPECT_EQ(multiply_adds_per_sample(mlp_784_128_64()), 784.0 * 128 + 128 + 128.0 * 64);
}

TEST(AutoSearchSamples, MultiplyAddsOfAGroupedConvAndPool) {
  quant::IntegerGraph g;
  g.input = g.add_value("x", Shape{4, 10, 10});
  quant::Conv2dOp c;
  c.input = g.input, c.in_channels = 4, c.out_channels = 6, c.groups = 2;
  c.window.in_h = c.window.in_w = 10, c.window.kernel_h = c.window.kernel_w = 3;
  c.window.out_h = c.window.out_w = 8;
  c.output = g.add_value("c", Shape{6, 8, 8});
  g.ops.push_back(c);
  quant::SumPool2dOp p;
  p.input = c.output, p.channels = 6;
  p.window.in_h = p.window.in_w = 8, p.window.kernel_h = p.window.kernel_w = 2, p.window.stride_h = p.window.stride_w = 2;
  p.window.out_h = p.window.out_w = 4;
  p.output = g.add_value("p", Shape{6, 4, 4});
  g.ops.push_back(p);
  g.output = p.output;
  // Conv: 6·8·8 outputs × (4/2 input channels per group) × 9 taps; pool: 6·4·4 outputs × 4 taps.
  EXPECT_EQ(multiply_adds_per_sample(g), 6.0 * 64 * 2 * 9 + 6.0 * 16 * 4);
}

TEST(AutoSearchSamples, BudgetCapsCostlyModelsAndKeepsAFloor) {
  const quant::IntegerGraph mlp = mlp_784_128_64();
  // 1.2e9 / 108,672 ≈ 11,042 affordable: the 10,000 cap applies; a smaller cap wins.
  EXPECT_EQ(auto_search_samples(mlp, 10000), 10000);
  EXPECT_EQ(auto_search_samples(mlp, 500), 500);
  // Ten times the work: 1,104 affordable, raised to the 2,000 floor.
  quant::IntegerGraph wide = mlp;
  std::get<quant::DenseOp>(wide.ops[0]).in_features = 7840;
  EXPECT_EQ(auto_search_samples(wide, 10000), kAutoSearchMinSamples);
  // Three times: 1.2e9 / (3·784·128 + 128 + 8192) = 3,907.
  std::get<quant::DenseOp>(wide.ops[0]).in_features = 3 * 784;
  EXPECT_EQ(auto_search_samples(wide, 10000), static_cast<int64_t>(1.2e9 / (3.0 * 784 * 128 + 128 + 8192)));
}

}  // namespace
}  // namespace fheq::compiler
