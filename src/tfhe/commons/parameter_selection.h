// Choice of a 128-bit TFHE parameter set for a circuit (../shared/DESIGN.md §3): given the largest
// TLU precision p, the largest 2-norm of the clear weights feeding a TLU and a target error
// probability per PBS, pick the cheapest named secure set whose predicted p_error meets the target.
#pragma once

#include <cstdint>
#include <vector>

#include "tfhe/commons/params.h"

namespace fheq::tfhe {

struct SelectionRequest {
  uint32_t precision = 0;        // p: message bits the PBS must decode (padding bit not included)
  double log2_norm2 = 0.0;       // log2 ||w||₂ of the widest weight vector feeding a TLU (0 ⇒ norm 1)
  double target_p_error = 6.3e-5;  // per PBS
};

struct CandidateReport {
  const TfheParams* params = nullptr;
  double p_error = 0;  // predicted, noise_formulas.h atomic_pattern_noise
  double cost = 0;     // pbs_cost + keyswitch_cost
  bool eligible = false;  // message_bits ≥ p and p_error ≤ target
};

// Cost model (elementary operations of one KS + PBS, docs/TFHE.md):
//   PBS: n CMUXes, each (k+1)·l forward FFTs and (k+1) backward FFTs of size N (N·log2 N each) plus
//        (k+1)²·l·N Fourier multiply-accumulates;
//   KS:  k·N·l_ks·(n+1) integer multiply-adds.
double pbs_cost(const TfheParams& params);
double keyswitch_cost(const TfheParams& params);

// Every secure candidate with its prediction (for reports), in the order of secure_parameter_sets().
std::vector<CandidateReport> evaluate_candidates(const SelectionRequest& request);

// The cheapest eligible secure set. Throws fheq::Error naming the request when none fits.
const TfheParams& select_parameters(const SelectionRequest& request);

}  // namespace fheq::tfhe
