// Tests of uniform affine quantization (fheq/quantizer.h) against hand-computed values and an independent
// NumPy-style reference written the way Concrete ML's quantizers.py states it.
#include "common/test_seed.h"
#include "fheq/quantizer.h"

#include <cfenv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fheq/error.h"

namespace fheq {
namespace {

using ::fheq::test_support::test_seed;

std::vector<QuantOptions> all_option_combinations() {
  std::vector<QuantOptions> all;
  for (int bits = 0; bits < 8; ++bits) all.push_back({(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0});
  return all;
}

std::string describe(int n_bits, const QuantOptions& o) {
  return std::to_string(n_bits) + " bits, signed=" + std::to_string(o.is_signed) +
         " symmetric=" + std::to_string(o.is_symmetric) + " narrow=" + std::to_string(o.is_narrow);
}

// Which (n_bits, options) must be rejected: a 1-bit range with a single code (narrow), or symmetric signed
// 1-bit (no positive code).
bool combination_is_invalid(int n_bits, const QuantOptions& o) {
  return n_bits == 1 && (o.is_narrow || (o.is_signed && o.is_symmetric));
}

TEST(Quantizer, SeedExampleTwoBitsUnsigned) {
  const std::vector<double> x = {0.37454012, 0.95071431, 0.73199394, 0.59865848, 0.15601864,
                                 0.15599452, 0.05808361, 0.86617615, 0.60111501, 0.70807258};
  QuantizedArray q(2, x);
  EXPECT_EQ(q.qvalues(), (std::vector<int64_t>{1, 3, 2, 2, 1, 1, 0, 3, 2, 2}));
  EXPECT_EQ(q.zero_point(), 0);
  EXPECT_NEAR(q.scale(), 0.2975, 1e-4);
  EXPECT_DOUBLE_EQ(q.scale(), (0.95071431 - 0.05808361) / 3.0);
  EXPECT_EQ(q.params().qmin, 0);
  EXPECT_EQ(q.params().qmax, 3);
  const std::vector<double> dq = q.dequant();
  ASSERT_EQ(dq.size(), x.size());
  EXPECT_NEAR(dq[0], 0.29754356, 3e-8);  // the seed values carry 8 decimals
  EXPECT_NEAR(dq[1], 0.89263069, 3e-8);  // the seed values carry 8 decimals
  EXPECT_NEAR(dq[2], 0.59508713, 3e-8);  // the seed values carry 8 decimals
  for (size_t i = 0; i < x.size(); ++i) EXPECT_DOUBLE_EQ(dq[i], q.scale() * static_cast<double>(q.qvalues()[i]));
  // New data through the same parameters: clipped at both ends.
  EXPECT_EQ(q.quant({-5.0, 0.0, 0.4463, 0.4464, 10.0}), (std::vector<int64_t>{0, 0, 1, 2, 3}));
}

TEST(Quantizer, CodeRanges) {
  auto range = [](int n, bool is_signed, bool narrow) {
    CodeRange r = code_range(n, QuantOptions{is_signed, false, narrow});
    return std::pair<int64_t, int64_t>(r.qmin, r.qmax);
  };
  EXPECT_EQ(range(2, false, false), std::make_pair(int64_t{0}, int64_t{3}));
  EXPECT_EQ(range(2, false, true), std::make_pair(int64_t{0}, int64_t{2}));
  EXPECT_EQ(range(2, true, false), std::make_pair(int64_t{-2}, int64_t{1}));
  EXPECT_EQ(range(2, true, true), std::make_pair(int64_t{-1}, int64_t{1}));
  EXPECT_EQ(range(8, true, false), std::make_pair(int64_t{-128}, int64_t{127}));
  EXPECT_EQ(range(16, false, false), std::make_pair(int64_t{0}, int64_t{65535}));
  EXPECT_EQ(range(1, true, false), std::make_pair(int64_t{-1}, int64_t{0}));
  EXPECT_THROW(code_range(0, {}), Error);
  EXPECT_THROW(code_range(17, {}), Error);
  EXPECT_THROW(code_range(1, QuantOptions{false, false, true}), Error);
  EXPECT_THROW(code_range(1, QuantOptions{true, false, true}), Error);
  EXPECT_THROW(compute_quant_params(1, {-1.0, 1.0}, QuantOptions{true, true, false}), Error);
  EXPECT_THROW(compute_quant_params(0, {-1.0, 1.0}, {}), Error);
  EXPECT_THROW(compute_quant_params(17, {-1.0, 1.0}, {}), Error);
}

TEST(Quantizer, RoundHalfToEven) {
  EXPECT_EQ(round_half_to_even(0.5), 0.0);
  EXPECT_EQ(round_half_to_even(1.5), 2.0);
  EXPECT_EQ(round_half_to_even(2.5), 2.0);
  EXPECT_EQ(round_half_to_even(3.5), 4.0);
  EXPECT_EQ(round_half_to_even(-0.5), 0.0);
  EXPECT_EQ(round_half_to_even(-1.5), -2.0);
  EXPECT_EQ(round_half_to_even(-2.5), -2.0);
  EXPECT_EQ(round_half_to_even(0.49999999999999994), 0.0);
  EXPECT_EQ(round_half_to_even(2.5000000000000004), 3.0);
  EXPECT_EQ(round_half_to_even(4503599627370497.0), 4503599627370497.0);  // 2^52 + 1, already an integer
  EXPECT_TRUE(std::isinf(round_half_to_even(std::numeric_limits<double>::infinity())));
  // Independent reference: the C library's nearbyint in the default (to-nearest-even) rounding mode.
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  std::mt19937_64 rng(test_seed());
  std::uniform_real_distribution<double> uniform(-1000.0, 1000.0);
  for (int i = 0; i < 100000; ++i) {
    const double x = i % 2 ? uniform(rng) : std::floor(uniform(rng)) + 0.5;  // half the cases are exact ties
    ASSERT_EQ(round_half_to_even(x), std::nearbyint(x)) << x;
  }
}

TEST(Quantizer, QuantizeTiesGoToEvenCodes) {
  QuantParams p = compute_quant_params(4, {0.0, 15.0}, {});
  ASSERT_EQ(p.scale, 1.0);
  ASSERT_EQ(p.zero_point, 0);
  EXPECT_EQ(quantize_value(2.5, p), 2);
  EXPECT_EQ(quantize_value(3.5, p), 4);
  EXPECT_EQ(quantize_value(0.5, p), 0);
  EXPECT_EQ(quantize_value(14.5, p), 14);
}

TEST(Quantizer, SignedAsymmetricAndSymmetricByHand) {
  // [−1, 3], 2-bit signed: S = 4/3, Z = rint((qmin·β − α·qmax)/(β − α)) = rint((−6 + 1)/4) = rint(−1.25) = −1.
  QuantParams p = compute_quant_params(2, {-1.0, 3.0}, QuantOptions{true, false, false});
  EXPECT_DOUBLE_EQ(p.scale, 4.0 / 3.0);
  EXPECT_EQ(p.zero_point, -1);
  EXPECT_EQ(quantize_values({-1.0, 0.0, 1.0, 3.0}, p), (std::vector<int64_t>{-2, -1, 0, 1}));
  EXPECT_DOUBLE_EQ(dequantize_value(-2, p), -4.0 / 3.0);
  // [−2, 0.5], 4-bit signed symmetric: S = 2/7, Z = 0; 0.5/S = 1.75 → 2.
  QuantParams s = compute_quant_params(4, {-2.0, 0.5}, QuantOptions{true, true, false});
  EXPECT_DOUBLE_EQ(s.scale, 2.0 / 7.0);
  EXPECT_EQ(s.zero_point, 0);
  EXPECT_EQ(quantize_values({-2.0, 0.5, -3.0, -100.0}, s), (std::vector<int64_t>{-7, 2, -8, -8}));
  // Unsigned symmetric (ReLU-like): S = max|x| / (2^n − 1), negatives clip to 0.
  QuantParams u = compute_quant_params(3, {-1.0, 7.0}, QuantOptions{false, true, false});
  EXPECT_DOUBLE_EQ(u.scale, 1.0);
  EXPECT_EQ(quantize_values({-1.0, 3.2, 7.0}, u), (std::vector<int64_t>{0, 3, 7}));
  // Narrow asymmetric: the scale spreads the range over the codes that exist (2^n − 2 steps).
  QuantParams n = compute_quant_params(2, {0.0, 2.0}, QuantOptions{false, false, true});
  EXPECT_DOUBLE_EQ(n.scale, 1.0);
  EXPECT_EQ(quantize_values({0.0, 1.0, 2.0, 3.0}, n), (std::vector<int64_t>{0, 1, 2, 2}));
}

// Concrete ML's formulas, NumPy style, for non-narrow options: an independent statement of the semantics.
std::vector<int64_t> concrete_ml_reference(const std::vector<double>& x, int n, const QuantOptions& o, double alpha,
                                           double beta, double* scale_out, int64_t* zero_out) {
  const double offset = o.is_signed ? std::ldexp(1.0, n - 1) : 0.0;
  const double top = std::ldexp(1.0, n) - 1.0 - offset;
  double scale, zero;
  if (o.is_symmetric) {
    zero = 0.0;
    scale = std::max(std::fabs(alpha), std::fabs(beta)) / top;
  } else {
    scale = (beta - alpha) / (std::ldexp(1.0, n) - 1.0);
    zero = std::nearbyint((beta * (-offset) - alpha * top) / (beta - alpha));
  }
  *scale_out = scale;
  *zero_out = static_cast<int64_t>(zero);
  std::vector<int64_t> codes;
  for (double v : x) codes.push_back(static_cast<int64_t>(std::clamp(std::nearbyint(v / scale + zero), -offset, top)));
  return codes;
}

TEST(Quantizer, MatchesConcreteMlFormulasOnRandomData) {
  std::mt19937_64 rng(test_seed());
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (int n = 1; n <= 16; ++n) {
    for (const QuantOptions& o : all_option_combinations()) {
      if (o.is_narrow || combination_is_invalid(n, o)) continue;
      for (int trial = 0; trial < 4; ++trial) {
        const double center = 10.0 * uniform(rng) * (trial % 2);
        const double half_width = std::exp(3.0 * uniform(rng));
        std::vector<double> x(200);
        for (double& v : x) v = center + half_width * uniform(rng);
        const CalibrationStats stats = min_max_stats(x);
        std::vector<double> probe = x;
        for (int i = 0; i < 50; ++i) probe.push_back(center + 3.0 * half_width * uniform(rng));  // out of range too
        double ref_scale;
        int64_t ref_zero;
        const std::vector<int64_t> ref = concrete_ml_reference(probe, n, o, stats.min, stats.max, &ref_scale, &ref_zero);
        const QuantParams p = compute_quant_params(n, stats, o);
        ASSERT_NEAR(p.scale, ref_scale, 1e-15 * ref_scale) << describe(n, o);
        ASSERT_EQ(p.zero_point, ref_zero) << describe(n, o);
        ASSERT_EQ(quantize_values(probe, p), ref) << describe(n, o);
      }
    }
  }
}

TEST(Quantizer, PropertiesForAllBitWidthsAndOptions) {
  std::mt19937_64 rng(test_seed());
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  for (int n = 1; n <= 16; ++n) {
    for (const QuantOptions& o : all_option_combinations()) {
      SCOPED_TRACE(describe(n, o));
      if (combination_is_invalid(n, o)) {
        EXPECT_THROW(compute_quant_params(n, {-1.0, 1.0}, o), Error);
        continue;
      }
      for (double center : {0.0, 5.0, -5.0, 0.3}) {
        std::vector<double> x(300);
        for (double& v : x) v = center + 2.0 * uniform(rng);
        const CalibrationStats stats = min_max_stats(x);
        const QuantParams p = compute_quant_params(n, stats, o);
        ASSERT_TRUE(std::isfinite(p.scale) && p.scale > 0.0);
        const CodeRange r = code_range(n, o);
        ASSERT_EQ(p.qmin, r.qmin);
        ASSERT_EQ(p.qmax, r.qmax);
        if (o.is_symmetric) {
          ASSERT_EQ(p.zero_point, 0);
        }

        // Inside the calibrated range (for unsigned symmetric: its non-negative part) the error is ≤ S/2.
        const double tolerance = p.scale * (0.5 + 1e-9);
        for (double v : x) {
          if (o.is_symmetric && !o.is_signed && v < 0) continue;
          const int64_t q = quantize_value(v, p);
          ASSERT_GE(q, p.qmin);
          ASSERT_LE(q, p.qmax);
          ASSERT_LE(std::fabs(v - dequantize_value(q, p)), tolerance) << v;
        }
        // Outside the representable interval the codes clip to the ends.
        const double top = dequantize_value(p.qmax, p), bottom = dequantize_value(p.qmin, p);
        for (int k = 1; k <= 3; ++k) {
          ASSERT_EQ(quantize_value(top + k * p.scale, p), p.qmax);
          ASSERT_EQ(quantize_value(bottom - k * p.scale, p), p.qmin);
        }
        ASSERT_EQ(quantize_value(std::numeric_limits<double>::infinity(), p), p.qmax);
        ASSERT_EQ(quantize_value(-std::numeric_limits<double>::infinity(), p), p.qmin);
        ASSERT_EQ(quantize_value(1e300, p), p.qmax);
        // Monotone: a sorted input gives non-decreasing codes.
        std::vector<double> sorted = x;
        for (int i = 0; i < 100; ++i) sorted.push_back(center + 6.0 * uniform(rng));
        std::sort(sorted.begin(), sorted.end());
        const std::vector<int64_t> codes = quantize_values(sorted, p);
        for (size_t i = 1; i < codes.size(); ++i) ASSERT_LE(codes[i - 1], codes[i]);
        // Every code is a fixed point of quant ∘ dequant.
        for (int64_t q = p.qmin; q <= p.qmax; ++q) ASSERT_EQ(quantize_value(dequantize_value(q, p), p), q);
      }
    }
  }
}

TEST(Quantizer, DegenerateRangesRepresentTheValueExactly) {
  for (int n = 1; n <= 16; ++n) {
    for (const QuantOptions& o : all_option_combinations()) {
      if (combination_is_invalid(n, o)) continue;
      SCOPED_TRACE(describe(n, o));
      for (double v : {3.7, -3.7, 1e-200, -0.015625, 1e6}) {
        if (o.is_symmetric && !o.is_signed && v < 0) continue;  // unsigned symmetric cannot hold negatives
        QuantizedArray q(n, std::vector<double>(5, v), o);
        ASSERT_TRUE(std::isfinite(q.scale()) && q.scale() > 0.0);
        for (int64_t code : q.qvalues()) {
          ASSERT_GE(code, q.params().qmin);
          ASSERT_LE(code, q.params().qmax);
        }
        for (double back : q.dequant()) {
          if (o.is_symmetric) {
            ASSERT_NEAR(back, v, 4 * std::numeric_limits<double>::epsilon() * std::fabs(v));  // S = |v|/qmax
          } else {
            ASSERT_EQ(back, v);  // S = |v|, code Z ± 1
          }
        }
      }
      // All zeros: S = 1, Z = 0, code 0.
      QuantizedArray zeros(n, std::vector<double>(4, 0.0), o);
      ASSERT_EQ(zeros.scale(), 1.0);
      ASSERT_EQ(zeros.zero_point(), 0);
      for (double back : zeros.dequant()) ASSERT_EQ(back, 0.0);
      // Width below 1e-6 of the magnitude counts as one value; never NaN, never a zero scale.
      QuantParams nearly = compute_quant_params(n, {1.0, 1.0 + 1e-9}, o);
      ASSERT_TRUE(std::isfinite(nearly.scale) && nearly.scale > 0.0);
      ASSERT_NEAR(dequantize_value(quantize_value(1.0, nearly), nearly), 1.0, 1e-8);
      QuantParams tiny = compute_quant_params(n, {-1e-300, 1e-300}, o);
      ASSERT_TRUE(std::isfinite(tiny.scale) && tiny.scale > 0.0);
      ASSERT_FALSE(std::isnan(dequantize_value(quantize_value(5e-301, tiny), tiny)));
      QuantParams subnormal = compute_quant_params(n, {4.9e-324, 4.9e-324}, o);
      ASSERT_EQ(subnormal.scale, 1.0);
    }
  }
}

TEST(Quantizer, RejectsBadInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(QuantizedArray(4, std::vector<double>{1.0, nan}), Error);
  EXPECT_THROW(QuantizedArray(4, std::vector<double>{}), Error);
  EXPECT_THROW(compute_quant_params(4, {2.0, 1.0}, {}), Error);
  EXPECT_THROW(compute_quant_params(4, {-inf, 1.0}, {}), Error);
  EXPECT_THROW(compute_quant_params(4, {nan, 1.0}, {}), Error);
  QuantizedArray ok(4, std::vector<double>{0.0, 1.0});
  EXPECT_THROW(ok.quant({0.5, nan}), Error);
  QuantParams zero_scale;
  zero_scale.scale = 0.0;
  EXPECT_THROW(QuantizedArray(zero_scale, {1, 2}), Error);
}

TEST(Quantizer, FromKnownParametersDequantizesWideCodes) {
  // An FHE output accumulator: codes wider than n_bits are dequantized, not clipped.
  QuantParams p;
  p.n_bits = 8;
  p.scale = 0.25;
  p.zero_point = 3;
  QuantizedArray q(p, {3, 7, -1, 1003});
  EXPECT_EQ(q.dequant(), (std::vector<double>{0.0, 1.0, -1.0, 250.0}));
  EXPECT_EQ(q.scale(), 0.25);
  EXPECT_EQ(q.zero_point(), 3);
  EXPECT_EQ(q.n_bits(), 8);
}

}  // namespace
}  // namespace fheq
