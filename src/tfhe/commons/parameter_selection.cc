#include "tfhe/commons/parameter_selection.h"

#include <cmath>

#include "core/check.h"
#include "tfhe/commons/noise_formulas.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::tfhe {

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
  FHEQ_REQUIRE(request.precision >= 1, "parameter selection: precision ", request.precision, " must be at least 1 bit");
  FHEQ_REQUIRE(request.target_p_error > 0 && request.target_p_error < 1, "parameter selection: target p_error ",
               request.target_p_error, " is not in (0, 1)");
  FHEQ_REQUIRE(std::isfinite(request.log2_norm2), "parameter selection: log2 norm2 is not finite");
  std::vector<CandidateReport> out;
  for (const TfheParams* p : secure_parameter_sets()) {
    CandidateReport r;
    r.params = p;
    r.p_error = noise::atomic_pattern_noise(*p, request.log2_norm2, request.precision).p_error;
    r.cost = pbs_cost(*p) + keyswitch_cost(*p);
    r.eligible = p->message_bits >= request.precision && r.p_error <= request.target_p_error;
    out.push_back(r);
  }
  return out;
}

const TfheParams& select_parameters(const SelectionRequest& request) {
  const CandidateReport* best = nullptr;
  const auto candidates = evaluate_candidates(request);
  for (const auto& c : candidates)
    if (c.eligible && (!best || c.cost < best->cost)) best = &c;
  FHEQ_REQUIRE(best, "parameter selection: no 128-bit parameter set reaches p_error ", request.target_p_error,
               " for a ", request.precision, "-bit TLU fed by weights of 2-norm 2^", request.log2_norm2,
               " (reduce the precision or the weight norm, or relax p_error)");
  return *best->params;
}

}  // namespace fheq::tfhe
