// The fast clear executor must equal its slow reference twin bit for bit, on random graphs that use every
// op kind with random geometry, constants, tables and rounding shifts.
#include <gtest/gtest.h>

#include <cmath>

#include "quant/integer_executor.h"
#include "quant_test_support.h"

namespace fheq::quant {
namespace {

using testing::random_input;
using testing::random_integer_graph;
using testing::test_seed;

TEST(IntegerExecutor, FastEqualsReferenceOnRandomGraphs) {
  std::mt19937_64 rng(test_seed("IntegerExecutor.FastEqualsReferenceOnRandomGraphs"));
  for (int trial = 0; trial < 60; ++trial) {
    const IntegerGraph g = random_integer_graph(rng);
    validate(g);
    const IntTensor x = random_input(g, 5, rng, -20, 20);
    const auto fast = run_integer_graph_all(g, x);
    const auto ref = run_integer_graph_all_ref(g, x);
    ASSERT_EQ(fast.size(), ref.size());
    for (size_t v = 0; v < fast.size(); ++v) {
      ASSERT_EQ(fast[v].shape, ref[v].shape) << "trial " << trial << " value " << g.values[v].name;
      ASSERT_EQ(fast[v].data, ref[v].data) << "trial " << trial << " value " << g.values[v].name;
    }
    EXPECT_EQ(run_integer_graph(g, x).data, ref[static_cast<size_t>(g.output)].data);
  }
}

TEST(IntegerExecutor, ChunkedBatchEqualsTheReferenceOnEverySample) {
  // More samples than one chunk, and a count that leaves a partial last chunk.
  std::mt19937_64 rng(test_seed("IntegerExecutor.ChunkedBatchEqualsTheReferenceOnEverySample"));
  for (int trial = 0; trial < 8; ++trial) {
    const IntegerGraph g = random_integer_graph(rng);
    const IntTensor x = random_input(g, 2 * kClearRunChunkSamples + 37, rng, -20, 20);
    const IntTensor chunked = run_integer_graph(g, x);
    const IntTensor ref = run_integer_graph_ref(g, x);
    ASSERT_EQ(chunked.shape, ref.shape) << "trial " << trial;
    ASSERT_EQ(chunked.data, ref.data) << "trial " << trial;
  }
}

TEST(IntegerExecutor, DenseMatchesSchoolbookProduct) {
  // Independent of both executors: y = W·x + b written out by hand for a 2×3 matrix.
  IntegerGraph g;
  g.input = g.add_value("x", Shape{3});
  DenseOp d{g.input, g.add_value("y", Shape{2}), 3, 2, {1, -2, 3, -4, 5, -6}, {10, -10}};
  g.ops.push_back(d);
  g.output = d.output;
  const IntTensor x(Shape{2, 3}, {1, 2, 3, -1, 0, 7});
  const IntTensor y = run_integer_graph(g, x);
  EXPECT_EQ(y.data, (std::vector<int64_t>{10 + 1 - 4 + 9, -10 - 4 + 10 - 18, 10 - 1 + 0 + 21, -10 + 4 + 0 - 42}));
}

TEST(IntegerExecutor, ExactRoundingIsRoundHalfUp) {
  // Against an independent definition in exact rational terms: floor(acc / 2^k + 1/2).
  for (int64_t k = 0; k <= 5; ++k)
    for (int64_t acc = -100; acc <= 100; ++acc) {
      const int64_t expected = static_cast<int64_t>(std::floor(static_cast<double>(acc) / std::ldexp(1.0, static_cast<int>(k)) + 0.5));
      ASSERT_EQ(round_shift_exact(acc, k), expected) << "acc " << acc << " k " << k;
    }
  EXPECT_EQ(round_shift_exact(6, 2), 2);    // 1.5 → 2
  EXPECT_EQ(round_shift_exact(-6, 2), -1);  // −1.5 → −1 (ties toward +∞)
  EXPECT_EQ(round_shift_exact(5, 2), 1);
}

TEST(IntegerExecutor, TluClampsOutsideItsDomain) {
  IntegerGraph g;
  g.input = g.add_value("x", Shape{1});
  TluOp t{g.input, g.add_value("y", Shape{1}), 0, RoundingMode::kExact, {LookupTable{-1, {7, 8, 9}}}, {}};
  g.ops.push_back(t);
  g.output = t.output;
  const IntTensor x(Shape{5, 1}, {-5, -1, 0, 1, 99});
  EXPECT_EQ(run_integer_graph(g, x).data, (std::vector<int64_t>{7, 7, 8, 9, 9}));
  EXPECT_EQ(run_integer_graph_ref(g, x).data, (std::vector<int64_t>{7, 7, 8, 9, 9}));
}

TEST(IntegerExecutor, ApproximateRoundingNeedsAHook) {
  IntegerGraph g;
  g.input = g.add_value("x", Shape{2});
  TluOp t{g.input, g.add_value("y", Shape{2}), 2, RoundingMode::kApproximate, {LookupTable{-10, std::vector<int64_t>(21)}}, {}};
  for (int64_t i = 0; i < 21; ++i) t.tables[0].values[static_cast<size_t>(i)] = i - 10;
  g.ops.push_back(t);
  g.output = t.output;
  const IntTensor x(Shape{1, 2}, {6, -6});
  EXPECT_THROW(run_integer_graph(g, x), Error);
  EXPECT_THROW(run_integer_graph_ref(g, x), Error);
  ClearRunOptions truncate;
  truncate.approximate_rounding = [](int64_t acc, int64_t k) { return acc >> k; };
  EXPECT_EQ(run_integer_graph(g, x, truncate).data, (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(run_integer_graph_ref(g, x, truncate).data, (std::vector<int64_t>{1, -2}));
}

TEST(IntegerExecutor, RejectsAWrongInputShape) {
  std::mt19937_64 rng(1);
  const IntegerGraph g = random_integer_graph(rng);
  EXPECT_THROW(run_integer_graph(g, IntTensor(Shape{2, 1})), Error);
}

}  // namespace
}  // namespace fheq::quant
