// Exact rounding on ciphertexts (docs/RUNTIME.md; the algorithm and its noise condition:
// compiler/exact_rounding_plan.h, docs/COMPILER.md §2.2).
//
// Input: big-key ciphertexts whose phase is v·Δ_in (v = u + 2^(k−1), the TLU's clear offsets already added).
// Output: the same ciphertexts with the k low bits of v cleared, phase ⌊v / 2^k⌋·2^k·Δ_in, ready for the TLU's
// own keyswitch + PBS. Chunk by chunk (lowest first), each read over the whole batch at once:
//   bit chunk (m = 1):  r = KS+PBS(c·2^(p+k−b) + 2^61, constant C = 2^(b−1)·Δ_in);  c ← c + r − C
//   chunk of m ≥ 2:     r = KS+PBS(c·2^(p+k−b−m), constant C = 2^(b+m−1)·Δ_in)     (sign, E = C − r)
//                       w = KS+PBS((c + r − C)·2^(p+k−b−m), L ↦ L·2^b·Δ_in);  c ← c − w
// Multiplying by 2^s is a wrapping scalar product of every torus element: the bits above the read chunk
// fall off the torus.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/exact_rounding_plan.h"
#include "compiler/fhe_circuit.h"
#include "core/thread_pool.h"
#include "tfhe/algorithms/key_generation.h"
#include "tfhe/entities/lookup_table.h"
#include "tfhe/entities/lwe_ciphertext.h"

namespace fheq::runtime {

// One read with its table.
struct ExactRoundingStep {
  compiler::ExactRead read;
  tfhe::LookupTable table;
  tfhe::Torus constant = 0;  // C of a bit / sign read (every entry of its table); 0 for a value read
};

// The reads for precision p, shift k, the chunk plan and Δ_in = 2^input_log2_delta (p + k + input_log2_delta
// must be 63), with tables for `params`.
std::vector<ExactRoundingStep> make_exact_rounding_steps(uint32_t precision, int64_t k,
                                                         const std::vector<uint32_t>& chunk_bits,
                                                         uint32_t input_log2_delta, const tfhe::TfheParams& params);
// The same for a compiled TLU (empty unless compiler::uses_exact_chunks(t)).
std::vector<ExactRoundingStep> make_exact_rounding_steps(const compiler::TluEncoding& t, const tfhe::TfheParams& params);

// Clears chunk `chunk` of every ciphertext of `c` (big key) with its one or two reads; returns the KS + PBS
// run per ciphertext.
int64_t run_exact_rounding_chunk(const std::vector<ExactRoundingStep>& steps, size_t chunk,
                                 const tfhe::ServerKeys& keys, std::vector<tfhe::LweCiphertext>& c,
                                 core::ThreadPool& pool = core::default_thread_pool());
// Every chunk in order; returns the KS + PBS run per ciphertext.
int64_t run_exact_rounding(const std::vector<ExactRoundingStep>& steps, const tfhe::ServerKeys& keys,
                           std::vector<tfhe::LweCiphertext>& c, core::ThreadPool& pool = core::default_thread_pool());

}  // namespace fheq::runtime
