// Server-side evaluation of a compiled circuit (compiler/fhe_circuit.h) on LWE ciphertexts, with
// evaluation keys only (docs/RUNTIME.md).
//
// Each op of circuit.graph, for a whole batch at once:
//   every linear op (Dense, Conv2d, SumPool2d, WindowTap, Add, Reshape, IndexMap, ...): its rows
//     (quant/linear_form.h) over its inputs concatenated; output o of a sample = Σ w·ct + trivial(constant·Δ) —
//     exact on the torus because the component shares one Δ;
//   TLU: 2^s·ct + trivial(input_offset·Δ_read) (s = input_scale_log2, Δ_read = Δ_in·2^s), then (keyswitch +) PBS with the op's table(s), every element of
//     every sample of the batch in ONE batch on the thread pool (both cores busy). Exact rounding with k > 0
//     (compiler/exact_rounding_plan.h) first adds 2^(k−1)·Δ_in too and clears the k low bits chunk by chunk:
//     per read, the whole batch is scaled by a power of two, keyswitched and bootstrapped with a constant
//     (bit / sign) or chunk-value table, and the outputs are subtracted (docs/RUNTIME.md).
// Values are freed after their last reader. The output value's ciphertexts are returned undecrypted, rounded
// to the circuit's output transport bits (runtime/output_transport.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/fhe_circuit.h"
#include "fheq/runtime.h"
#include "core/thread_pool.h"
#include "quant/linear_form.h"
#include "runtime/exact_rounding.h"
#include "runtime/keys.h"
#include "tfhe/entities/lookup_table.h"
#include "tfhe/entities/lwe_ciphertext.h"

namespace fheq::runtime {

// Wall time and work of one op over a batch.
struct OpTiming {
  size_t op_index = 0;
  std::string kind;      // quant::op_kind
  std::string name;      // output value name
  int64_t pbs = 0;       // PBS run (whole batch)
  int64_t keyswitches = 0;
  double seconds = 0;
};

struct EvaluationReport {
  int64_t batch = 0;
  size_t threads = 1;
  double seconds = 0;    // whole evaluation (ciphertext decompression included)
  std::vector<OpTiming> ops;
  std::string to_text() const;  // one line per op: kind, name, PBS, ms, share of the total
};

class EncryptedExecutor {
 public:
  // Precomputes the linear maps and the PBS test vectors. `keys` must outlive the executor.
  EncryptedExecutor(const compiler::FheCircuit& circuit, const EvaluationKeys& keys);

  // inputs: batch × input elements, under the key the circuit's input encoding names (sample-major).
  // Returns batch × output elements. Throws fheq::Error on a dimension/count mismatch.
  // exchange (optional): this process computes its share of every TLU op's PBSs and the others' arrive through
  // it (fheq::PbsExchange); the result is the same on every process and equal to a lone run's.
  std::vector<tfhe::LweCiphertext> run(const std::vector<tfhe::LweCiphertext>& inputs, int64_t batch,
                                       EvaluationReport* report = nullptr,
                                       core::ThreadPool& pool = core::default_thread_pool(),
                                       const PbsExchange* exchange = nullptr) const;

  size_t input_dimension() const;  // LWE dimension the inputs must have (n or k·N)

 private:
  struct TluPlan {
    const compiler::TluEncoding* encoding = nullptr;
    std::vector<tfhe::LookupTable> tables;
    int64_t input_scale = 1;       // 2^input_scale_log2
    tfhe::Torus input_offset = 0;  // input_offset · Δ_read (+ 2^(k−1)·Δ_read with exact rounding)
    std::vector<ExactRoundingStep> exact_steps;  // exact rounding with k > 0 (runtime/exact_rounding.h)
  };
  const compiler::FheCircuit& circuit_;
  const EvaluationKeys& keys_;
  std::vector<quant::LinearForm> maps_;  // per op (empty for a TLU)
  std::vector<int32_t> tlu_plan_of_;   // per op: index into tlu_plans_ or −1
  std::vector<TluPlan> tlu_plans_;
  std::vector<size_t> last_use_;       // per value: index of the last op reading it
};

// Reference evaluation of one linear map on ciphertexts (plain loops over tfhe::linear_combination_lwe);
// the fast kernel in EncryptedExecutor must agree bit for bit (tests/runtime/encrypted_executor_test.cc).
std::vector<tfhe::LweCiphertext> apply_linear_map_lwe_ref(const quant::LinearForm& map, uint32_t log2_delta,
                                                          const std::vector<tfhe::LweCiphertext>& input);
// The fast kernel: same result, one sample, written into `output` (resized).
void apply_linear_map_lwe(const quant::LinearForm& map, uint32_t log2_delta, const tfhe::LweCiphertext* input,
                          tfhe::LweCiphertext* output, core::ThreadPool& pool);

}  // namespace fheq::runtime
