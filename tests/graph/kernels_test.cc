// Fast kernels against their obviously-correct `_ref` twins on random shapes and values.
// Both sum each output's products in the same order, so they agree to the last bit in
// practice; the stated bound is 1e-12 relative (in case the compiler contracts a product
// into an FMA in one loop and not the other).
#include <gtest/gtest.h>

#include <random>

#include "graph/ops/kernels.h"
#include "test_support.h"

namespace fheq::graph::ops {
namespace {

std::vector<double> random_values(std::mt19937_64& rng, int64_t n) {
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = dist(rng);
  return v;
}

::testing::AssertionResult agree(const std::vector<double>& fast, const std::vector<double>& ref) {
  return testing::tensors_near(FloatTensor({static_cast<int64_t>(fast.size())}, fast),
                               FloatTensor({static_cast<int64_t>(ref.size())}, ref), 1e-12, 1e-12);
}

TEST(Kernels, MatmulMatchesReference) {
  std::mt19937_64 rng(testing::test_seed());
  for (int trial = 0; trial < 50; ++trial) {
    std::uniform_int_distribution<int64_t> dim(1, 40);
    const int64_t m = dim(rng), k = dim(rng), n = dim(rng);
    const bool transposed = trial % 2 == 1;
    auto a = random_values(rng, m * k), b = random_values(rng, k * n);
    std::vector<double> fast(static_cast<size_t>(m * n)), ref(fast.size());
    matmul(a.data(), b.data(), fast.data(), m, k, n, transposed);
    matmul_ref(a.data(), b.data(), ref.data(), m, k, n, transposed);
    ASSERT_TRUE(agree(fast, ref)) << m << "x" << k << "x" << n << " transposed=" << transposed;
  }
}

TEST(Kernels, MatmulRefIsSchoolbook) {
  // A 2x3 by 3x2 product worked out by hand: [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]].
  const double a[] = {1, 2, 3, 4, 5, 6}, b[] = {7, 8, 9, 10, 11, 12}, bt[] = {7, 9, 11, 8, 10, 12};
  double c[4];
  matmul_ref(a, b, c, 2, 3, 2, false);
  EXPECT_EQ(std::vector<double>(c, c + 4), (std::vector<double>{58, 64, 139, 154}));
  matmul_ref(a, bt, c, 2, 3, 2, true);
  EXPECT_EQ(std::vector<double>(c, c + 4), (std::vector<double>{58, 64, 139, 154}));
}

TEST(Kernels, Conv2dMatchesReference) {
  std::mt19937_64 rng(testing::test_seed());
  std::uniform_int_distribution<int64_t> small(1, 3), size(1, 12), pad(0, 2);
  int tested = 0;
  for (int trial = 0; trial < 300 && tested < 80; ++trial) {
    ConvShape s;
    s.groups = small(rng);
    s.in_channels = s.groups * small(rng);
    s.out_channels = s.groups * small(rng);
    Window2d& w = s.window;
    w.in_h = size(rng), w.in_w = size(rng);
    w.kernel_h = small(rng), w.kernel_w = small(rng);
    w.stride_h = small(rng), w.stride_w = small(rng);
    w.dilation_h = small(rng), w.dilation_w = small(rng);
    w.pad_top = pad(rng), w.pad_bottom = pad(rng), w.pad_left = pad(rng), w.pad_right = pad(rng);
    const int64_t span_h = w.in_h + w.pad_top + w.pad_bottom - (w.kernel_h - 1) * w.dilation_h - 1;
    const int64_t span_w = w.in_w + w.pad_left + w.pad_right - (w.kernel_w - 1) * w.dilation_w - 1;
    if (span_h < 0 || span_w < 0) continue;
    w.out_h = span_h / w.stride_h + 1, w.out_w = span_w / w.stride_w + 1;
    ++tested;
    auto x = random_values(rng, s.in_channels * w.in_h * w.in_w);
    auto weights = random_values(rng, s.out_channels * (s.in_channels / s.groups) * w.kernel_h * w.kernel_w);
    auto bias = random_values(rng, s.out_channels);
    std::vector<double> fast(static_cast<size_t>(s.out_channels * w.out_h * w.out_w)), ref(fast.size());
    const bool with_bias = trial % 3 != 0;
    conv2d(s, x.data(), weights.data(), with_bias ? bias.data() : nullptr, fast.data());
    conv2d_ref(s, x.data(), weights.data(), with_bias ? bias.data() : nullptr, ref.data());
    ASSERT_TRUE(agree(fast, ref)) << "trial " << trial;
  }
  EXPECT_GE(tested, 40);
}

TEST(Kernels, Conv2dRefByHand) {
  // 1 channel 3x3 input, 2x2 kernel of ones, pad 1 on the left only, stride 1: every output is a
  // sum of a 2x2 window, with the padded column contributing zero.
  ConvShape s;
  s.window = Window2d{3, 3, 2, 3, 2, 2, 1, 1, 1, 1, 0, 1, 0, 0};
  const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[] = {1, 1, 1, 1}, b[] = {0.5};
  double y[6];
  conv2d_ref(s, x, w, b, y);
  EXPECT_EQ(std::vector<double>(y, y + 6), (std::vector<double>{5.5, 12.5, 16.5, 11.5, 24.5, 28.5}));
}

}  // namespace
}  // namespace fheq::graph::ops
