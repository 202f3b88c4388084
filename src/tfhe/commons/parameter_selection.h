// Choice of a 128-bit TFHE parameter set for a circuit (docs/TFHE.md §3): given the largest
// TLU precision p, the largest 2-norm of the clear weights feeding a TLU and a target error
// probability per PBS, pick the cheapest secure set whose predicted p_error meets the target.
//
// Candidates are the named 128-bit sets (parameter_sets.h) and, unless disabled, "derived" sets found
// by a small search in the same space as the Concrete optimizer: (k, N) ∈ the shapes of the named
// sets plus a few more, n ∈ [450, 1200] in steps of 8, any PBS/KS decomposition; noise is always the
// minimal secure Gaussian of the 128-bit curve (security.h), so derived sets are secure on the same
// terms as the CONCRETE sets. A derived set's name encodes all of it, e.g.
// "DERIVED_P3_K2_N1024_n760_PBS1x23_KS4x3", and parameter_set_from_name rebuilds it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tfhe/commons/params.h"

namespace fheq::tfhe {

struct SelectionRequest {
  uint32_t precision = 0;          // p: message bits the PBS must decode (padding bit not included)
  double log2_norm2 = 0.0;         // log2 ||w||₂ of the widest weight vector feeding a TLU (0 ⇒ norm 1)
  double target_p_error = 6.3e-5;  // per PBS
  bool allow_derived = true;       // also search derived sets (otherwise named sets only)
};

struct CandidateReport {
  const TfheParams* params = nullptr;
  double p_error = 0;     // predicted, noise_formulas.h atomic_pattern_noise
  double cost = 0;        // pbs_cost + keyswitch_cost
  bool eligible = false;  // message_bits ≥ p and p_error ≤ target
};

// Cost model (elementary operations of one KS + PBS, docs/TFHE.md):
//   PBS: n CMUXes, each (k+1)·l forward FFTs and (k+1) backward FFTs of size N (N·log2 N each) plus
//        (k+1)²·l·N Fourier multiply-accumulates;
//   KS:  k·N·l_ks·(n+1) integer multiply-adds.
double pbs_cost(const TfheParams& params);
double keyswitch_cost(const TfheParams& params);

// Every NAMED secure candidate with its prediction (for reports), in secure_parameter_sets() order.
std::vector<CandidateReport> evaluate_candidates(const SelectionRequest& request);

// The cheapest eligible set (named or derived). Throws fheq::Error naming the request when none fits.
TfheParams select_parameters(const SelectionRequest& request);

// A derived 128-bit set: Gaussian noise from the security curve for d = n and d = k·N.
TfheParams derived_parameter_set(uint32_t precision, size_t k, size_t N, size_t n, size_t pbs_level,
                                 size_t pbs_base_log, size_t ks_level, size_t ks_base_log);
// A named set (parameter_set_by_name) or a DERIVED_… name; throws fheq::Error on anything else.
TfheParams parameter_set_from_name(std::string_view name, bool allow_toy = false);

}  // namespace fheq::tfhe
