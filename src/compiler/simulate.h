// Clear and simulated execution of a compiled circuit (docs/COMPILER.md §5).
//
// clear:    the circuit's integer graph with approximate rounding taken as its deterministic "nearest"
//           (round half up, = exact rounding): what FHE computes when no noise tips a decision.
// simulate: the same, with each PBS decision perturbed by the predicted noise: the PBS reads
//           j = round(u/2^k + ε), ε ~ N(0, σ_e²) in units of the rounded step, σ_e² = the TLU's predicted
//           variance at the decision point (fresh/PBS-output noise × weights, keyswitch, modulus switch;
//           FheCircuit::tlus[].input_variance) × 2^(2(p+1)). The k dropped low bits stay in the phase, so
//           approximate-rounding off-by-ones near ties and rare PBS failures both come out of the same
//           draw. Indices that leave [0, 2^p) wrap negacyclically as in the real PBS (j ∈ [2^p, 2^(p+1)) gives
//           −T[j − 2^p]). The decrypted output gets round(ε_out / Δ_out) added.
//           Exact-rounding TLUs with k > 0 (exact_rounding_plan.h) replay their chunk reads instead: the
//           accumulator gets its predicted noise (accumulator_variance), every read its keyswitch + modulus-switch
//           noise and every subtracted PBS output its own, with the same sign/wrap arithmetic as the executor;
//           noiseless, the read index is ⌊(u + 2^(k−1)) / 2^k⌋ exactly (no tie to tip).
// Linear ops run on p1's integer executor (quant::run_integer_op); only the TLU step is simulated here.
// Randomness: a counter-based generator keyed by (seed, op, sample index), so a run is replayable and does
// not depend on batching or thread count.
#pragma once

#include <cstdint>

#include "compiler/fhe_circuit.h"
#include "fheq/tensor.h"

namespace fheq::compiler {

struct SimulationStats {
  int64_t pbs = 0;              // TLU decisions simulated (one per TLU element; exact rounding's chunk reads are
                                // replayed inside each decision and not counted here)
  int64_t off_by_one = 0;       // read index = nearest ± 1
  int64_t larger_errors = 0;    // read index off by 2 or more
  int64_t wrapped = 0;          // read index outside [0, 2^p): negacyclic wrap
  int64_t outputs = 0;          // output elements decoded
  int64_t output_errors = 0;    // decoded output ≠ exact accumulator
  void merge(const SimulationStats& other);
};

struct SimulateOptions {
  uint64_t seed = 0;
  double noise_scale = 1.0;  // multiplies every σ (0: noiseless FHE, for tests)
  bool output_noise = true;
};

// Clear run: codes [N, input shape...] → output accumulators [N, output shape...].
IntTensor run_circuit_clear(const FheCircuit& circuit, const IntTensor& codes);
// Simulated run; stats (optional) receives the decision counts.
IntTensor run_circuit_simulate(const FheCircuit& circuit, const IntTensor& codes, const SimulateOptions& options,
                               SimulationStats* stats = nullptr);

// The analytic expectation of simulate's decision errors for one TLU: for accumulators `acc` of t.input
// ([N, elements], clear values), Σ over PBS of P(j ≠ nearest) = 1 − [Φ((1/2 − f)/σ) − Φ((−1/2 − f)/σ)] with f the
// dropped low bits as a fraction of the step and σ the predicted noise (× noise_scale) in steps. Also the
// variance of the count (Σ p(1 − p)), for confidence intervals on a measured count (e.g. execute's).
// Exact-rounding TLUs with k > 0: P(v + round(η) leaves its box of 2^k) + P(final read fails), η the accumulator
// noise plus the first read's keyswitch/modulus-switch noise in accumulator units (later chunk reads, with
// 2^b larger thresholds, are neglected; exact when only the accumulator is noisy).
struct ExpectedErrors {
  double mean = 0;
  double variance = 0;
};
ExpectedErrors expected_decision_errors(const TluEncoding& t, const IntTensor& acc, double noise_scale = 1.0);

// Deterministic standard normal draws for (seed, stream): the generator simulate uses (exposed for tests).
class NormalStream {
 public:
  NormalStream(uint64_t seed, uint64_t stream);
  double next();

 private:
  uint64_t next_u64();
  uint64_t state_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace fheq::compiler
