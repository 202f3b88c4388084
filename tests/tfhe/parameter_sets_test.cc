// Named parameter sets: the numbers against their published sources, the security curve re-derived
// by hand, TOY rejection, fingerprints.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "fheq/error.h"
#include "fheq/tfhe.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe/commons/security.h"

namespace fheq::tfhe {
namespace {

TEST(SecurityCurve, MatchesHandComputedPoints) {
  // d = 1000: −0.025696778711484593·1000 + 2.675931372549016 = −23.020847338935577.
  EXPECT_NEAR(secure_noise_log2_std_128(1000), -23.020847338935577, 1e-12);
  // d = 2048 (k·N for k=1, N=2048): −52.62700280112045 + 2.675931372549016 = −49.95107142857143.
  EXPECT_NEAR(secure_noise_log2_std_128(2048), -49.95107142857143, 1e-12);
  // d = 4096: the line gives −102.578..., below the floor 2 − 64 = −62.
  EXPECT_EQ(secure_noise_log2_std_128(4096), -62.0);
  // σ itself for d = 592: 2^(−15.21249...+2.67593...) = 2^−12.5365616...
  EXPECT_NEAR(std::log2(secure_noise_std_128(592)), -12.536561624649863, 1e-9);
}

TEST(SecurityCurve, RejectsDimensionsBelowValidity) {
  EXPECT_THROW(secure_noise_log2_std_128(449), Error);
  EXPECT_NO_THROW(secure_noise_log2_std_128(450));
}

TEST(ParameterSets, TfhersDefaultMatchesTfheRs) {
  const TfheParams& p = params_tfhers_m2c2_tuniform_2m128();
  EXPECT_EQ(p.name, "TFHERS_M2C2_TUNIFORM_2M128");
  EXPECT_EQ(p.lwe_dimension.value, 918u);
  EXPECT_EQ(p.glwe_dimension.value, 1u);
  EXPECT_EQ(p.polynomial_size.value, 2048u);
  EXPECT_EQ(p.lwe_noise.kind, NoiseKind::kTUniform);
  EXPECT_EQ(p.lwe_noise.tuniform_bound_log2, 45u);
  EXPECT_EQ(p.glwe_noise.kind, NoiseKind::kTUniform);
  EXPECT_EQ(p.glwe_noise.tuniform_bound_log2, 17u);
  EXPECT_EQ(p.pbs_level.value, 1u);
  EXPECT_EQ(p.pbs_base_log.value, 23u);
  EXPECT_EQ(p.ks_level.value, 4u);
  EXPECT_EQ(p.ks_base_log.value, 4u);
  EXPECT_EQ(p.message_bits, 4u);
  EXPECT_EQ(p.security_bits, 128u);
  EXPECT_FALSE(p.is_toy());
}

TEST(ParameterSets, ConcreteSetsMatchOptimizerTable) {
  // p | k | N | n | PBS l×β | KS l×β (DESIGN.md §3; rows 5 and 7 with KS level/base transposed, see
  // parameter_sets.cc).
  struct Row { size_t k, N, n, pl, pb, kl, kb; };
  const Row rows[8] = {{5, 256, 592, 1, 15, 3, 3},   {5, 256, 700, 1, 15, 3, 4},  {3, 512, 722, 1, 18, 3, 4},
                       {2, 1024, 801, 1, 23, 3, 4},  {1, 2048, 783, 1, 23, 5, 3}, {1, 4096, 880, 1, 22, 4, 4},
                       {1, 8192, 915, 1, 22, 6, 3},  {1, 16384, 1006, 2, 15, 5, 4}};
  for (uint32_t p = 1; p <= 8; ++p) {
    const TfheParams& s = params_concrete_128(p);
    const Row& r = rows[p - 1];
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.name, "CONCRETE_P" + std::to_string(p) + "_128");
    EXPECT_EQ(s.glwe_dimension.value, r.k);
    EXPECT_EQ(s.polynomial_size.value, r.N);
    EXPECT_EQ(s.lwe_dimension.value, r.n);
    EXPECT_EQ(s.pbs_level.value, r.pl);
    EXPECT_EQ(s.pbs_base_log.value, r.pb);
    EXPECT_EQ(s.ks_level.value, r.kl);
    EXPECT_EQ(s.ks_base_log.value, r.kb);
    EXPECT_EQ(s.message_bits, p);
    EXPECT_EQ(s.security_bits, 128u);
    // Noise re-derived here from the curve's constants, independently of security.cc.
    const double lwe_log2 = std::max(-0.025696778711484593 * r.n + 2.675931372549016, -62.0);
    const double glwe_log2 = std::max(-0.025696778711484593 * (r.k * r.N) + 2.675931372549016, -62.0);
    EXPECT_EQ(s.lwe_noise.kind, NoiseKind::kGaussian);
    EXPECT_EQ(s.glwe_noise.kind, NoiseKind::kGaussian);
    EXPECT_NEAR(std::log2(s.lwe_noise.gaussian_std), lwe_log2, 1e-9);
    EXPECT_NEAR(std::log2(s.glwe_noise.gaussian_std), glwe_log2, 1e-9);
  }
  // Hand-computed spot check: p = 4, GLWE d = 2·1024 = 2048 → log2 σ = −49.95107142857143.
  EXPECT_NEAR(std::log2(params_concrete_128(4).glwe_noise.gaussian_std), -49.95107142857143, 1e-9);
}

TEST(ParameterSets, ToySetsAreToyAndGrow) {
  size_t previous_N = 0;
  for (uint32_t p = 1; p <= 8; ++p) {
    const TfheParams& s = params_toy(p);
    EXPECT_EQ(s.name, "TOY_P" + std::to_string(p));
    EXPECT_TRUE(s.is_toy());
    EXPECT_EQ(s.message_bits, p);
    EXPECT_GE(s.polynomial_size.value, previous_N);
    // Enough room: 2N ≥ 2^(p+1) slots, at least 8 per value.
    EXPECT_GE(2 * s.polynomial_size.value, size_t{8} << (p + 1));
    previous_N = s.polynomial_size.value;
  }
  EXPECT_TRUE(params_toy_noisy().is_toy());
  EXPECT_EQ(params_toy_noisy().name.rfind("TOY", 0), 0u);
}

TEST(ParameterSets, NamesAreUniqueAndToyNamesStartWithToy) {
  std::set<std::string> names;
  for (const TfheParams* p : all_parameter_sets()) {
    EXPECT_TRUE(names.insert(p->name).second) << p->name;
    EXPECT_EQ(p->is_toy(), p->name.rfind("TOY", 0) == 0) << p->name;
  }
  EXPECT_EQ(names.size(), 1u + 8u + 8u + 1u);
  for (const TfheParams* p : secure_parameter_sets()) EXPECT_FALSE(p->is_toy());
  EXPECT_EQ(secure_parameter_sets().size(), 9u);
}

TEST(ParameterSets, LookupByNameRejectsToyUnlessAllowed) {
  EXPECT_EQ(&parameter_set_by_name("CONCRETE_P6_128"), &params_concrete_128(6));
  EXPECT_EQ(&parameter_set_by_name("TFHERS_M2C2_TUNIFORM_2M128"), &params_tfhers_m2c2_tuniform_2m128());
  EXPECT_THROW(parameter_set_by_name("TOY_P3"), Error);
  EXPECT_EQ(&parameter_set_by_name("TOY_P3", /*allow_toy=*/true), &params_toy(3));
  try {
    parameter_set_by_name("NOPE");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("NOPE"), std::string::npos);
    EXPECT_NE(what.find("CONCRETE_P1_128"), std::string::npos);  // lists known names
    EXPECT_EQ(what.find("TOY_P1"), std::string::npos);           // but not TOY ones
  }
  EXPECT_THROW(params_concrete_128(0), Error);
  EXPECT_THROW(params_concrete_128(9), Error);
}

TEST(ParameterSets, FingerprintsDistinguishSetsAndIgnoreNames) {
  std::set<uint64_t> prints;
  for (const TfheParams* p : all_parameter_sets()) prints.insert(p->fingerprint());
  EXPECT_EQ(prints.size(), all_parameter_sets().size());
  TfheParams copy = params_concrete_128(3);
  const uint64_t original = copy.fingerprint();
  copy.name = "RENAMED";
  copy.source = "elsewhere";
  EXPECT_EQ(copy.fingerprint(), original);
  copy.ks_level = DecompositionLevelCount(copy.ks_level.value + 1);
  EXPECT_NE(copy.fingerprint(), original);
  copy = params_concrete_128(3);
  copy.glwe_noise.gaussian_std *= 1.0000001;
  EXPECT_NE(copy.fingerprint(), original);
}

TEST(PublicTfheApi, ListsLooksUpAndSelects) {
  const auto secure = fheq::tfhe_parameter_sets();
  EXPECT_EQ(secure.size(), 9u);
  EXPECT_EQ(fheq::tfhe_parameter_sets(/*include_toy=*/true).size(), all_parameter_sets().size());
  const auto info = fheq::tfhe_parameter_set("CONCRETE_P4_128");
  EXPECT_EQ(info.lwe_dimension, 801u);
  EXPECT_EQ(info.glwe_dimension, 2u);
  EXPECT_EQ(info.polynomial_size, 1024u);
  EXPECT_EQ(info.lwe_noise, "Gaussian(2^-17.91)");
  // Key sizes: BSK n·(k+1)²·l·N torus elements, seeded n·(k+1)·l·N; KSK k·N·l·(n+1), seeded k·N·l.
  EXPECT_DOUBLE_EQ(info.bootstrap_key_bytes, 8.0 * 801 * 9 * 1 * 1024);
  EXPECT_DOUBLE_EQ(info.seeded_bootstrap_key_bytes, 8.0 * 801 * 3 * 1 * 1024);
  EXPECT_DOUBLE_EQ(info.keyswitch_key_bytes, 8.0 * 2048 * 3 * 802);
  EXPECT_DOUBLE_EQ(info.seeded_keyswitch_key_bytes, 8.0 * 2048 * 3);
  EXPECT_THROW(fheq::tfhe_parameter_set("TOY_P1"), fheq::Error);
  EXPECT_EQ(fheq::tfhe_parameter_set("TOY_P1", true).security_bits, 0u);
  const auto chosen = fheq::select_tfhe_parameters(3, 0.0, 1e-6);
  EXPECT_EQ(chosen.security_bits, 128u);
  EXPECT_GE(chosen.message_bits, 3u);
  // predicted_p_error is reported at the set's own message_bits (and norm 1).
  if (chosen.message_bits == 3) {
    EXPECT_LE(chosen.predicted_p_error, 1e-6);
  }
}

TEST(PublicTfheApi, BenchmarkPbsRunsOnToySetAndChecksOutputs) {
  EXPECT_THROW(fheq::benchmark_pbs("TOY_P2", 1), fheq::Error);  // TOY needs allow_toy
  const fheq::PbsBenchmarkResult r = fheq::benchmark_pbs("TOY_P2", 2, /*allow_toy=*/true, 3, 0.01);
  EXPECT_TRUE(r.outputs_correct);
  EXPECT_EQ(r.params_name, "TOY_P2");
  EXPECT_GT(r.pbs_ms, 0.0);
  EXPECT_GT(r.ks_pbs_ms, 0.0);
  EXPECT_GT(r.throughput_pbs_per_s, 0.0);
  EXPECT_GE(r.latency_samples, 3u);
  EXPECT_FALSE(r.cpu_model.empty());
}

}  // namespace
}  // namespace fheq::tfhe
