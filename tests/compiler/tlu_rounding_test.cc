// Re-rounding and windowing of TLU tables against direct evaluation of the tabulated function.
#include <gtest/gtest.h>

#include <random>

#include "../quant/quant_test_support.h"
#include "compiler/tlu_rounding.h"
#include "quant/bit_width.h"

namespace fheq::compiler {
namespace {

int64_t f(int64_t a) { return (a * a) / 97 - a / 3; }

// A PTQ-style table with shift k0: entry t = f(t·2^k0) over [lo, hi] (rounded units).
quant::TluOp tabulated(int64_t k0, int64_t lo, int64_t hi) {
  quant::TluOp op;
  op.rounding_shift = k0;
  quant::LookupTable t;
  t.input_min = lo;
  for (int64_t i = lo; i <= hi; ++i) t.values.push_back(f(i * (int64_t{1} << k0)));
  op.tables = {t};
  return op;
}

TEST(TluRounding, RoundedTableEqualsDirectTabulationAtTheCoarserShift) {
  const uint64_t seed = quant::testing::test_seed("TluRounding.RoundedTableEqualsDirectTabulationAtTheCoarserShift");
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 50; ++trial) {
    const int64_t k0 = quant::testing::uniform(rng, 0, 3);
    const int64_t lo = quant::testing::uniform(rng, -300, 0), hi = quant::testing::uniform(rng, 1, 300);
    const quant::TluOp fine = tabulated(k0, lo, hi);
    const int64_t k = k0 + quant::testing::uniform(rng, 0, 4);
    const quant::TluOp coarse = reround_tlu(fine, k);
    EXPECT_EQ(coarse.rounding_shift, k);
    const quant::LookupTable& c = coarse.tables[0];
    // Its domain is the rounded image of the fine domain, and entry t is f(t·2^k) wherever t·2^k lies in the
    // fine domain (accumulator units), else f at the nearest domain end.
    EXPECT_EQ(c.input_min, quant::round_shift_exact(lo, k - k0));
    EXPECT_EQ(c.input_max(), quant::round_shift_exact(hi, k - k0));
    for (int64_t t = c.input_min; t <= c.input_max(); ++t) {
      const int64_t acc = std::clamp(t * (int64_t{1} << k), lo * (int64_t{1} << k0), hi * (int64_t{1} << k0));
      ASSERT_EQ(quant::lookup_clamped(c, t), f(acc)) << "k0 " << k0 << " k " << k << " t " << t;
    }
  }
}

TEST(TluRounding, KeptBitsFitAndShiftIsMinimal) {
  for (int64_t span : {5, 63, 64, 200, 1000, 100000}) {
    const quant::TluOp op = tabulated(0, -span / 3, span - span / 3);
    for (int r = 2; r <= 8; ++r) {
      const int64_t k = shift_for_kept_bits(op, r);
      const quant::TluOp rounded = reround_tlu(op, k);
      if (k == 0) {
        EXPECT_LE(quant::bits_for_span(span), r);
      } else {
        EXPECT_LE(tlu_precision(rounded), r) << "span " << span << " r " << r;
        // Minimal: one bit less of shift would not fit.
        const quant::TluOp finer = reround_tlu(op, k - 1);
        EXPECT_GT(quant::bits_for_range(finer.domain()), r) << "span " << span << " r " << r;
      }
    }
  }
}

TEST(TluRounding, RestrictClampsToTheWindow) {
  const quant::TluOp op = tabulated(2, -100, 100);  // accumulators [−400, 400]
  const quant::TluOp narrow = restrict_tlu(op, quant::IntRange{-90, 150});
  const quant::IntRange d = narrow.domain();
  EXPECT_EQ(d.min, quant::round_shift_exact(-90, 2));
  EXPECT_EQ(d.max, quant::round_shift_exact(150, 2));
  for (int64_t t = -100; t <= 100; ++t)
    EXPECT_EQ(quant::lookup_clamped(narrow.tables[0], t), quant::lookup_clamped(op.tables[0], std::clamp(t, d.min, d.max)));
  // A window missing the domain keeps the nearest end.
  const quant::TluOp outside = restrict_tlu(op, quant::IntRange{1000, 2000});
  EXPECT_EQ(outside.tables[0].values.size(), 1u);
  EXPECT_EQ(outside.tables[0].values[0], op.tables[0].values.back());
}

}  // namespace
}  // namespace fheq::compiler
