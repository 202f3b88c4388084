// Parameter selection: picks secure sets, meets the target, grows with precision and weight norm,
// and refuses impossible requests.
#include <gtest/gtest.h>

#include <string>

#include "fheq/error.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_selection.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::tfhe {
namespace {

TEST(ParameterSelection, ReferenceTableRowsAreSelectedOrBeaten) {
  for (uint32_t p = 1; p <= 8; ++p) {
    const TfheParams& chosen = select_parameters({p, 0.0, 6.4e-5});
    SCOPED_TRACE(chosen.name);
    EXPECT_FALSE(chosen.is_toy());
    EXPECT_GE(chosen.message_bits, p);
    EXPECT_LE(noise::atomic_pattern_noise(chosen, 0.0, p).p_error, 6.4e-5);
    // The table's own row fits, so the choice costs no more than it.
    EXPECT_LE(pbs_cost(chosen) + keyswitch_cost(chosen),
              pbs_cost(params_concrete_128(p)) + keyswitch_cost(params_concrete_128(p)));
  }
}

TEST(ParameterSelection, CostIsMonotoneInPrecisionAndNorm) {
  double previous = 0;
  for (uint32_t p = 1; p <= 8; ++p) {
    const TfheParams& chosen = select_parameters({p, 0.0, 6.4e-5});
    const double cost = pbs_cost(chosen) + keyswitch_cost(chosen);
    EXPECT_GE(cost, previous) << chosen.name;
    previous = cost;
  }
  previous = 0;
  for (double log2_norm : {0.0, 1.0, 2.0, 3.0, 4.0}) {
    const TfheParams& chosen = select_parameters({3, log2_norm, 1e-5});
    const double cost = pbs_cost(chosen) + keyswitch_cost(chosen);
    EXPECT_GE(cost, previous) << chosen.name << " at log2 norm " << log2_norm;
    previous = cost;
  }
  // A norm large enough changes the answer for a 2-bit TLU.
  EXPECT_NE(select_parameters({2, 0.0, 1e-5}).name, select_parameters({2, 5.0, 1e-5}).name);
}

TEST(ParameterSelection, TighterTargetNeverCheaper) {
  const TfheParams& loose = select_parameters({4, 0.0, 1e-3});
  const TfheParams& tight = select_parameters({4, 0.0, 1e-20});
  EXPECT_GE(pbs_cost(tight) + keyswitch_cost(tight), pbs_cost(loose) + keyswitch_cost(loose));
  EXPECT_LE(noise::atomic_pattern_noise(tight, 0.0, 4).p_error, 1e-20);
}

TEST(ParameterSelection, ImpossibleRequestsThrowWithContext) {
  try {
    select_parameters({9, 0.0, 6.3e-5});
    FAIL() << "9 bits cannot be served";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("9-bit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(select_parameters({8, 10.0, 6.3e-5}), Error);
  EXPECT_THROW(select_parameters({0, 0.0, 6.3e-5}), Error);
  EXPECT_THROW(select_parameters({3, 0.0, 0.0}), Error);
}

TEST(ParameterSelection, CostModelFollowsItsDefinition) {
  const TfheParams& p = params_tfhers_m2c2_tuniform_2m128();
  // n·((k+1)·l·N·log N + (k+1)·N·log N + (k+1)²·l·N) = 918·(2·2048·11 + 2·2048·11 + 4·2048).
  EXPECT_DOUBLE_EQ(pbs_cost(p), 918.0 * (2 * 2048 * 11 + 2 * 2048 * 11 + 4 * 2048));
  EXPECT_DOUBLE_EQ(keyswitch_cost(p), 2048.0 * 4 * 919);
}

}  // namespace
}  // namespace fheq::tfhe
