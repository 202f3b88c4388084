// The worst-case ranges from interval arithmetic must contain every value the graph can produce, and be
// attained where the analysis is exact (one linear layer).
#include <gtest/gtest.h>

#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "quant_test_support.h"

namespace fheq::quant {
namespace {

using testing::random_input;
using testing::random_integer_graph;
using testing::test_seed;

TEST(BitWidth, BitsForSpan) {
  EXPECT_EQ(bits_for_span(0), 0);
  EXPECT_EQ(bits_for_span(1), 1);
  EXPECT_EQ(bits_for_span(255), 8);
  EXPECT_EQ(bits_for_span(256), 9);
  EXPECT_EQ(bits_for_range(IntRange{-128, 127}), 8);
}

TEST(BitWidth, WorstCaseBoundsEveryObservedValue) {
  std::mt19937_64 rng(test_seed("BitWidth.WorstCaseBoundsEveryObservedValue"));
  for (int trial = 0; trial < 60; ++trial) {
    const IntegerGraph g = random_integer_graph(rng);
    const IntRange input{-20, 20};
    const std::vector<IntRange> worst = worst_case_ranges(g, input);
    // Random inputs, plus the all-min and all-max corners.
    IntTensor x = random_input(g, 8, rng, input.min, input.max);
    const int64_t per_sample = g.elements(g.input);
    for (int64_t i = 0; i < per_sample; ++i) x[i] = input.min, x[per_sample + i] = input.max;
    const auto values = run_integer_graph_all(g, x);
    for (size_t v = 0; v < values.size(); ++v)
      for (int64_t value : values[v].data) {
        ASSERT_LE(worst[v].min, value) << "trial " << trial << " value " << g.values[v].name;
        ASSERT_GE(worst[v].max, value) << "trial " << trial << " value " << g.values[v].name;
      }
  }
}

TEST(BitWidth, DenseWorstCaseIsAttained) {
  std::mt19937_64 rng(test_seed("BitWidth.DenseWorstCaseIsAttained"));
  IntegerGraph g;
  g.input = g.add_value("x", Shape{16});
  DenseOp d{g.input, g.add_value("y", Shape{1}), 16, 1, testing::random_vector(rng, 16, -9, 9), {5}};
  g.ops.push_back(d);
  g.output = d.output;
  const IntRange input{0, 15};
  const IntRange w = worst_case_ranges(g, input)[1];
  // The maximising input takes the top code where the weight is positive, else the bottom code.
  IntTensor x(Shape{2, 16});
  for (int64_t i = 0; i < 16; ++i) {
    x[i] = d.weights[static_cast<size_t>(i)] > 0 ? input.max : input.min;
    x[16 + i] = d.weights[static_cast<size_t>(i)] > 0 ? input.min : input.max;
  }
  const IntTensor y = run_integer_graph(g, x);
  EXPECT_EQ(y[0], w.max);
  EXPECT_EQ(y[1], w.min);
}

TEST(BitWidth, TooWideAccumulatorIsAnError) {
  IntegerGraph g;
  g.input = g.add_value("x", Shape{4});
  const int64_t big = int64_t{1} << 40;
  DenseOp d{g.input, g.add_value("y", Shape{1}), 4, 1, {big, big, big, big}, {0}};
  g.ops.push_back(d);
  g.output = d.output;
  EXPECT_THROW(worst_case_ranges(g, IntRange{0, int64_t{1} << 21}), Error);
}

}  // namespace
}  // namespace fheq::quant
