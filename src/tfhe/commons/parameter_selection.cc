#include "tfhe/commons/parameter_selection.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "core/check.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_sets.h"
#include "tfhe/commons/security.h"

namespace fheq::tfhe {
namespace {

constexpr char kDerivedPrefix[] = "DERIVED_";

void validate(const SelectionRequest& request) {
  FHEQ_REQUIRE(request.precision >= 1, "parameter selection: precision ", request.precision, " must be at least 1 bit");
  FHEQ_REQUIRE(request.target_p_error > 0 && request.target_p_error < 1, "parameter selection: target p_error ",
               request.target_p_error, " is not in (0, 1)");
  FHEQ_REQUIRE(std::isfinite(request.log2_norm2), "parameter selection: log2 norm2 is not finite");
}

double cost_of(const TfheParams& p) { return pbs_cost(p) + keyswitch_cost(p); }

// The search of derived sets. For a fixed (k, N, n) the cost depends on the decomposition levels
// only, not on the base, so for each PBS level and each KS level we keep the base with the least
// noise; then every (PBS level, KS level) pair is checked against the variance budget.
struct DerivedBest {
  bool found = false;
  double cost = std::numeric_limits<double>::infinity();
  TfheParams params;
};

DerivedBest search_derived(const SelectionRequest& request) {
  struct Shape { size_t k, N; };
  static const Shape kShapes[] = {{5, 256}, {4, 256}, {3, 512},  {4, 512},  {2, 1024}, {1, 1024},
                                  {3, 1024}, {1, 2048}, {2, 2048}, {1, 4096}, {1, 8192}, {1, 16384}, {1, 32768}};
  const double budget = noise::max_variance_for_error_probability(request.target_p_error, request.precision);
  const double norm2_squared = std::exp2(2.0 * request.log2_norm2);
  DerivedBest best;
  for (const Shape& shape : kShapes) {
    if ((size_t{1} << request.precision) > shape.N) continue;  // the LUT needs a box per value
    const size_t kN = shape.k * shape.N;
    if (kN < kSecurityCurveMinDimension) continue;
    const double glwe_variance = std::pow(secure_noise_std_128(kN), 2);
    // PBS: per level, the base with the least output variance (per small-key coefficient).
    struct Choice { size_t level = 0, base_log = 0; double variance = std::numeric_limits<double>::infinity(); };
    Choice pbs_by_level[4];
    for (size_t l = 1; l <= 3; ++l)
      for (size_t b = 1; b * l <= 60 && b <= 30; ++b) {
        const GlweDimension k(shape.k);
        const PolynomialSize N(shape.N);
        const double v = noise::external_product_additive_variance(k, N, DecompositionBaseLog(b),
                                                                   DecompositionLevelCount(l), glwe_variance) +
                         noise::fft_external_product_variance(k, N, DecompositionBaseLog(b), DecompositionLevelCount(l));
        if (v < pbs_by_level[l].variance) pbs_by_level[l] = {l, b, v};
      }
    for (size_t n = kSecurityCurveMinDimension; n <= 1200; n += 8) {
      const double lwe_variance = std::pow(secure_noise_std_128(n), 2);
      const double ms = noise::modulus_switch_variance(n, shape.N);
      if (ms >= budget) continue;
      Choice ks_by_level[13];
      for (size_t l = 1; l <= 12; ++l)
        for (size_t b = 1; b * l <= 48 && b <= 16; ++b) {
          const double v = noise::keyswitch_additive_variance(kN, DecompositionBaseLog(b), DecompositionLevelCount(l),
                                                              lwe_variance);
          if (v < ks_by_level[l].variance) ks_by_level[l] = {l, b, v};
        }
      for (size_t pl = 1; pl <= 3; ++pl) {
        // PBS output variance ≈ n · (one external product); the exact model confirms below.
        const double pbs = pbs_by_level[pl].variance * static_cast<double>(n);
        for (size_t kl = 1; kl <= 12; ++kl) {
          if (norm2_squared * pbs + ks_by_level[kl].variance + ms > budget) continue;
          TfheParams candidate = derived_parameter_set(request.precision, shape.k, shape.N, n, pl,
                                                       pbs_by_level[pl].base_log, kl, ks_by_level[kl].base_log);
          const double cost = cost_of(candidate);
          // Confirm with the full model (the linear-in-n shortcut drops the k/(k+1) first-CMUX term).
          if (cost < best.cost &&
              noise::atomic_pattern_noise(candidate, request.log2_norm2, request.precision).p_error <=
                  request.target_p_error)
            best = {true, cost, std::move(candidate)};
        }
      }
    }
  }
  return best;
}

size_t parse_field(std::string_view name, std::string_view& rest, std::string_view tag, char terminator) {
  FHEQ_REQUIRE(rest.substr(0, tag.size()) == tag, "parameter set '", name, "': expected '", tag, "' at '", rest, "'");
  rest.remove_prefix(tag.size());
  size_t value = 0, digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') value = value * 10 + (rest[digits++] - '0');
  FHEQ_REQUIRE(digits > 0 && digits <= 6, "parameter set '", name, "': bad number after '", tag, "'");
  rest.remove_prefix(digits);
  if (terminator) {
    FHEQ_REQUIRE(!rest.empty() && rest[0] == terminator, "parameter set '", name, "': expected '", terminator,
                 "' after '", tag, value, "'");
    rest.remove_prefix(1);
  }
  return value;
}

}  // namespace

double pbs_cost(const TfheParams& p) {
  const double n = static_cast<double>(p.lwe_dimension.value), k = static_cast<double>(p.glwe_dimension.value);
  const double N = static_cast<double>(p.polynomial_size.value), l = static_cast<double>(p.pbs_level.value);
  const double fft = N * std::log2(N);
  return n * ((k + 1) * l * fft + (k + 1) * fft + (k + 1) * (k + 1) * l * N);
}

double keyswitch_cost(const TfheParams& p) {
  return static_cast<double>(p.big_lwe_dimension()) * static_cast<double>(p.ks_level.value) *
         static_cast<double>(p.lwe_dimension.value + 1);
}

std::vector<CandidateReport> evaluate_candidates(const SelectionRequest& request) {
  validate(request);
  std::vector<CandidateReport> out;
  for (const TfheParams* p : secure_parameter_sets()) {
    CandidateReport r;
    r.params = p;
    r.p_error = noise::atomic_pattern_noise(*p, request.log2_norm2, request.precision).p_error;
    r.cost = cost_of(*p);
    r.eligible = p->message_bits >= request.precision && r.p_error <= request.target_p_error;
    out.push_back(r);
  }
  return out;
}

TfheParams select_parameters(const SelectionRequest& request) {
  const auto candidates = evaluate_candidates(request);
  const CandidateReport* best_named = nullptr;
  for (const auto& c : candidates)
    if (c.eligible && (!best_named || c.cost < best_named->cost)) best_named = &c;
  if (request.allow_derived && request.precision <= 16) {
    DerivedBest derived = search_derived(request);
    // A derived set must be strictly cheaper to displace a named (published) one.
    if (derived.found && (!best_named || derived.cost < best_named->cost)) return std::move(derived.params);
  }
  FHEQ_REQUIRE(best_named, "parameter selection: no 128-bit parameter set reaches p_error ", request.target_p_error,
               " for a ", request.precision, "-bit TLU fed by weights of 2-norm 2^", request.log2_norm2,
               " (reduce the precision or the weight norm, or relax p_error)");
  return *best_named->params;
}

TfheParams derived_parameter_set(uint32_t precision, size_t k, size_t N, size_t n, size_t pbs_level,
                                 size_t pbs_base_log, size_t ks_level, size_t ks_base_log) {
  FHEQ_REQUIRE(N >= 256 && (N & (N - 1)) == 0 && N <= 65536, "derived parameter set: N = ", N,
               " is not a power of two in [256, 65536]");
  FHEQ_REQUIRE(k >= 1 && k <= 8 && pbs_level >= 1 && ks_level >= 1 && pbs_base_log * pbs_level <= 64 &&
                   ks_base_log * ks_level <= 64 && pbs_base_log >= 1 && ks_base_log >= 1,
               "derived parameter set: invalid k or decomposition");
  FHEQ_REQUIRE(precision >= 1 && (size_t{1} << precision) <= N, "derived parameter set: ", precision,
               "-bit tables need N >= 2^p (N = ", N, ")");
  TfheParams p;
  char name[128];
  std::snprintf(name, sizeof name, "%sP%u_K%zu_N%zu_n%zu_PBS%zux%zu_KS%zux%zu", kDerivedPrefix, precision, k, N, n,
                pbs_level, pbs_base_log, ks_level, ks_base_log);
  p.name = name;
  p.lwe_dimension = LweDimension(n);
  p.glwe_dimension = GlweDimension(k);
  p.polynomial_size = PolynomialSize(N);
  p.lwe_noise.kind = NoiseKind::kGaussian;
  p.glwe_noise.kind = NoiseKind::kGaussian;
  FHEQ_REQUIRE(n >= kSecurityCurveMinDimension && k * N >= kSecurityCurveMinDimension, "derived parameter set: n = ",
               n, " and k·N = ", k * N, " must be at least ", kSecurityCurveMinDimension, " (security curve)");
  p.lwe_noise.gaussian_std = secure_noise_std_128(n);
  p.glwe_noise.gaussian_std = secure_noise_std_128(k * N);
  p.pbs_level = DecompositionLevelCount(pbs_level);
  p.pbs_base_log = DecompositionBaseLog(pbs_base_log);
  p.ks_level = DecompositionLevelCount(ks_level);
  p.ks_base_log = DecompositionBaseLog(ks_base_log);
  p.message_bits = precision;
  p.security_bits = 128;
  p.source = "derived by fheq's parameter search: Gaussian noise from the 128-bit security curve (security.h), "
             "p_error from noise_formulas.h";
  return p;
}

TfheParams parameter_set_from_name(std::string_view name, bool allow_toy) {
  if (name.substr(0, sizeof kDerivedPrefix - 1) != kDerivedPrefix) return parameter_set_by_name(name, allow_toy);
  std::string_view rest = name.substr(sizeof kDerivedPrefix - 1);
  const size_t p = parse_field(name, rest, "P", '_'), k = parse_field(name, rest, "K", '_');
  const size_t N = parse_field(name, rest, "N", '_'), n = parse_field(name, rest, "n", '_');
  const size_t pl = parse_field(name, rest, "PBS", 'x'), pb = parse_field(name, rest, "", '_');
  const size_t kl = parse_field(name, rest, "KS", 'x'), kb = parse_field(name, rest, "", '\0');
  FHEQ_REQUIRE(rest.empty(), "parameter set '", name, "': trailing characters '", rest, "'");
  FHEQ_REQUIRE(n >= kSecurityCurveMinDimension && n <= 4096, "parameter set '", name, "': n = ", n,
               " is outside [", kSecurityCurveMinDimension, ", 4096]");
  FHEQ_REQUIRE(p <= 16, "parameter set '", name, "': precision ", p, " is above 16");
  return derived_parameter_set(static_cast<uint32_t>(p), k, N, n, pl, pb, kl, kb);
}

}  // namespace fheq::tfhe
