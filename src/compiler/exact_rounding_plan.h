// Exact rounding in FHE (docs/COMPILER.md §2.2): how a TLU with rounding shift k > 0 and
// RoundingMode::kExact reads t = ⌊(a + 2^(k−1)) / 2^k⌋ (round half up, quant/tlu.h round_shift_exact) instead
// of the PBS's free but approximate rounding.
//
// Notation (fhe_circuit.h): accumulator a at Δ_in = 2^d, d = 63 − p − k; window start w0;
// v = a − w0·2^k + 2^(k−1) (clear constants added to the ciphertext c; inside the window 0 ≤ v < 2^(p+k)).
// The wanted index is j = ⌊v / 2^k⌋. The k low bits of v are cleared in CHUNKS, lowest first; b = bits
// already cleared (the low b bits of v are 0 in c's phase, up to noise), m = the chunk's bits:
//   • m = 1, one BIT read: c·2^(p+k−b) puts bit b of v on the padding bit (phase bit_b·2^63; every higher bit
//     falls off the torus). A PBS whose table is the constant C = 2^(b−1)·Δ_in everywhere returns
//     (−1)^bit·C (negacyclic), so E = C − PBS = bit_b·2^b·Δ_in exactly; c ← c − E.
//     (The constant table is built at message_bits 1 and the phase is shifted by 2^61 before the PBS, so
//     the decision threshold is the full quarter torus 2^62: a "0-bit" decision.)
//   • m ≥ 2, a SIGN read then a VALUE read: c·2^(p+k−b−m) has phase y·2^(63−m), y = (v >> b) mod 2^(m+1):
//     L = y mod 2^m is the chunk and s = bit m of y sits on the padding bit. SIGN: constant table
//     C = 2^(b+m−1)·Δ_in → E = C − PBS = s·2^(b+m)·Δ_in. VALUE: (c − E)·2^(p+k−b−m) has s = 0, and the table
//     L ↦ L·2^b·Δ_in returns the chunk exactly; c ← c − VALUE (E is not subtracted from c: it only made the
//     read sign-free; bit b+m stays for the next chunk).
// Afterwards c's phase is j·2^k·Δ_in = j·Δ_p: the TLU's own keyswitch + PBS reads j at the CENTRE of its box
// (no tie; error threshold Δ_p/2 as for any exact TLU). Every read is one keyswitch + one PBS under the big
// key, so c must be under the big key (the compiler puts the input component there).
//
// Noise: a read of chunk (b, m) multiplies c's noise by 2^(p+k−b−m) (2^(p+k−b) for a bit read) and decides
// at precision m (0 for a bit read), i.e. it fails when the accumulator noise (plus the PBS outputs already
// subtracted) exceeds 2^b·Δ_in/2: chunk 0 needs accumulator noise below half an accumulator LSB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fheq::compiler {

struct TluEncoding;

// Chunk sizes (lowest first, Σ = k) with the fewest PBS: a 1-bit chunk costs 1 read, an m ≥ 2 chunk 2, and
// no chunk exceeds max_chunk_bits (the parameter set serves that PBS precision). Among plans of equal cost,
// the one with the smallest largest chunk (its reads decide at fewer bits: more noise margin); smaller
// chunks first. k = 0: empty.
std::vector<uint32_t> plan_exact_chunks(int64_t k, uint32_t max_chunk_bits);

// Reads (KS + PBS) a chunk of m bits costs.
inline int64_t exact_chunk_reads(uint32_t m) { return m == 1 ? 1 : 2; }
// Reads of a whole plan (extra KS + PBS per element, on top of the TLU's own).
int64_t exact_rounding_reads(const std::vector<uint32_t>& chunk_bits);

// One KS + PBS of the exact-rounding steps of a TLU, in execution order.
struct ExactRead {
  enum class Kind { kBit, kSign, kValue };
  Kind kind = Kind::kBit;
  size_t chunk = 0;                 // index into the plan
  uint32_t low_bit = 0;             // b: bits cleared before this chunk
  uint32_t chunk_bits = 0;          // m
  uint32_t scale_log2 = 0;          // c (or c − E) is multiplied by 2^scale_log2 before the keyswitch
  uint32_t lut_message_bits = 0;    // message_bits of its lookup table (1 for a bit read)
  uint32_t decision_precision = 0;  // its error threshold is 2^−(decision_precision + 2) of the torus
  int64_t prior_pbs_outputs = 0;    // PBS outputs whose noise is in the phase read (subtracted before)
};
// The reads of a TLU with precision p, shift k and the given plan.
std::vector<ExactRead> exact_rounding_read_list(uint32_t precision, int64_t k, const std::vector<uint32_t>& chunk_bits);

// True for the TLUs the chunk steps apply to.
bool uses_exact_chunks(const TluEncoding& t);

}  // namespace fheq::compiler
