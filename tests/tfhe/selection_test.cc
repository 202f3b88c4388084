// Parameter selection: picks secure sets, meets the target, grows with precision and weight norm,
// and refuses impossible requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
    select_parameters({9, 0.0, 6.3e-5, /*allow_derived=*/false});
    FAIL() << "no named set serves 9 bits";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("9-bit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(select_parameters({8, 30.0, 6.3e-5}), Error);
  EXPECT_THROW(select_parameters({17, 0.0, 6.3e-5}), Error);
  EXPECT_THROW(select_parameters({0, 0.0, 6.3e-5}), Error);
  EXPECT_THROW(select_parameters({3, 0.0, 0.0}), Error);
}

TEST(ParameterSelection, DerivedSetsAreSecureCheaperAndRebuildableFromTheirName) {
  for (uint32_t p : {1u, 3u, 4u, 6u}) {
    for (double log2_norm : {0.0, 3.0}) {
      const TfheParams named = select_parameters({p, log2_norm, 1e-6, /*allow_derived=*/false});
      const TfheParams chosen = select_parameters({p, log2_norm, 1e-6});
      SCOPED_TRACE(chosen.name);
      EXPECT_LE(pbs_cost(chosen) + keyswitch_cost(chosen), pbs_cost(named) + keyswitch_cost(named));
      EXPECT_LE(noise::atomic_pattern_noise(chosen, log2_norm, p).p_error, 1e-6);
      EXPECT_EQ(chosen.security_bits, 128u);
      if (chosen.name.rfind("DERIVED_", 0) != 0) continue;
      // Noise re-derived from the curve's constants (independently of security.cc).
      const double n = double(chosen.lwe_dimension.value), kN = double(chosen.big_lwe_dimension());
      EXPECT_NEAR(std::log2(chosen.lwe_noise.gaussian_std), std::max(-0.025696778711484593 * n + 2.675931372549016, -62.0), 1e-9);
      EXPECT_NEAR(std::log2(chosen.glwe_noise.gaussian_std), std::max(-0.025696778711484593 * kN + 2.675931372549016, -62.0), 1e-9);
      EXPECT_GE(chosen.lwe_dimension.value, 450u);
      EXPECT_EQ(parameter_set_from_name(chosen.name).fingerprint(), chosen.fingerprint());
    }
  }
  // A request outside the table (p = 2 at norm 2^4) is served far cheaper by a derived set.
  const TfheParams derived = select_parameters({2, 4.0, 6.3e-5});
  const TfheParams named = select_parameters({2, 4.0, 6.3e-5, false});
  EXPECT_LT(pbs_cost(derived) + keyswitch_cost(derived), 0.8 * (pbs_cost(named) + keyswitch_cost(named)));
}

TEST(ParameterSelection, ParameterSetFromNameParsesOrRejects) {
  const TfheParams p = parameter_set_from_name("DERIVED_P3_K2_N1024_n760_PBS1x23_KS4x3");
  EXPECT_EQ(p.message_bits, 3u);
  EXPECT_EQ(p.glwe_dimension.value, 2u);
  EXPECT_EQ(p.polynomial_size.value, 1024u);
  EXPECT_EQ(p.lwe_dimension.value, 760u);
  EXPECT_EQ(p.pbs_level.value, 1u);
  EXPECT_EQ(p.pbs_base_log.value, 23u);
  EXPECT_EQ(p.ks_level.value, 4u);
  EXPECT_EQ(p.ks_base_log.value, 3u);
  EXPECT_EQ(parameter_set_from_name("CONCRETE_P2_128").fingerprint(), params_concrete_128(2).fingerprint());
  EXPECT_THROW(parameter_set_from_name("TOY_P2"), Error);
  for (const char* bad : {"DERIVED_", "DERIVED_P3_K2_N1000_n760_PBS1x23_KS4x3", "DERIVED_P3_K2_N1024_n100_PBS1x23_KS4x3",
                          "DERIVED_P3_K2_N1024_n760_PBS1x23_KS4x3_extra", "DERIVED_P3_K2_N1024_n760_PBS1x23",
                          "DERIVED_P12_K1_N1024_n760_PBS1x23_KS4x3"})
    EXPECT_THROW(parameter_set_from_name(bad), Error) << bad;
}

TEST(ParameterSelection, CostModelFollowsItsDefinition) {
  const TfheParams& p = params_tfhers_m2c2_tuniform_2m128();
  // n·((k+1)·l·N·log N + (k+1)·N·log N + (k+1)²·l·N) = 918·(2·2048·11 + 2·2048·11 + 4·2048).
  EXPECT_DOUBLE_EQ(pbs_cost(p), 918.0 * (2 * 2048 * 11 + 2 * 2048 * 11 + 4 * 2048));
  EXPECT_DOUBLE_EQ(keyswitch_cost(p), 2048.0 * 4 * 919);
}

}  // namespace
}  // namespace fheq::tfhe
