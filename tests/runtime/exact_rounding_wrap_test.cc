// Exact rounding OUTSIDE the table window: execute (real ciphertexts, TOY keys) against noiseless simulate and
// against an independent model of the torus arithmetic, for accumulators placed deliberately beyond both ends
// of a TLU's window, by small and large amounts, and beyond the encoding itself.
//
// What the ciphertexts compute (the reference, worked out on paper; notation of compiler/exact_rounding_plan.h):
// the accumulator a lives at Δ_in = 2^d with d = 63 − p − k, so the torus (mod 2^64) holds it modulo
// 2^(64−d) = 2^(p+k+1): the phase after the clear offsets is V·Δ_in, V = (a + input_offset + 2^(k−1)) mod 2^(p+k+1)
// — the window [0, 2^(p+k)) plus the padding half [2^(p+k), 2^(p+k+1)). Every chunk read multiplies the
// ciphertext by a power of two, which keeps only bits of V (the bits above the read chunk fall off the torus);
// a bit read returns ±C from the padding bit, a sign read ±C from bit b+m, a value read L·2^b·Δ_in with
// L = (V >> b) mod 2^m after the sign bit is removed. All of it is arithmetic mod 2^(p+k+1) that clears the k
// low bits of V EXACTLY whatever V is (ExactRounding.ChunkStepsClearLowBitsExactly checks it on random V over the
// whole torus): the final phase is J·2^k·Δ_in = J·Δ_p with J = ⌊V / 2^k⌋ ∈ [0, 2^(p+1)), read by the negacyclic
// PBS as T[J] (J < 2^p) or −T[J − 2^p] (J ≥ 2^p). With v = a + input_offset + 2^(k−1) unreduced, v − V is a
// multiple of 2^(p+k+1), so J = ⌊v / 2^k⌋ mod 2^(p+1): the read index is the clear round-half-up index j taken
// mod 2^(p+1) — for ANY accumulator, inside the encoding's bits or not. Noiseless simulate computes exactly that
// (its sign read keeps m + 1 bits, its final lookup wraps mod 2^(p+1)), so the chunk replay was never the culprit.
//
// The lead's failing case (p = 5, k = 3, one chunk, input offset 88, j = 40): J = 40 ≥ 32, so the TLU's PBS
// outputs −T[8] — which is what noiseless simulate returned (3). The executor's −5 is not another read index:
// it is 3 as the CLIENT decodes it. The output window is the table values' range, and decode_output reads
// (y − offset) as a signed residue mod 2^(64 − log2 Δ_out) (= 2^(bits + 2) when the output has a component of its
// own); −T[8] lies beyond it and wraps: 3 ≡ −5 (mod 8) for a 1-bit window [−4, −3]. Simulate used to return
// the TLU output as an unbounded integer (3); its output loop now decodes like the client (compiler/simulate.cc).
// The second test rebuilds exactly that case: execute −5, simulate −5, clear −3.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "compiler/compile_circuit.h"
#include "compiler/simulate.h"
#include "quant/bit_width.h"
#include "quant/integer_executor.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime_test_support.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::runtime {
namespace {

using testing::test_seed;

constexpr int64_t kElements = 16;  // accumulators per sample

// Input codes → Dense (identity, no bias) → one TLU with the graph's own rounding shift k (exact rounding).
// The table domain is exactly 2^p rounded units [domain_min, domain_min + 2^p), so the window has no padding
// and w0 = domain_min (input offset −w0·2^k). Table values value_of(t); the output window is their range
// (window_margin < 0).
template <typename ValueOf>
quant::QuantizedNetwork wrap_network(uint32_t p, int64_t k, int64_t domain_min, ValueOf value_of) {
  std::vector<int64_t> identity(kElements * kElements, 0);
  for (int64_t i = 0; i < kElements; ++i) identity[static_cast<size_t>(i * kElements + i)] = 1;
  quant::TluOp tlu;
  tlu.rounding_shift = k;
  tlu.rounding = quant::RoundingMode::kExact;
  quant::LookupTable table;
  table.input_min = domain_min;
  for (int64_t t = domain_min; t < domain_min + (int64_t{1} << p); ++t) table.values.push_back(value_of(t));
  tlu.tables.push_back(table);
  // Wide input codes: the accumulators may go anywhere (even beyond the encoding's 2^(p+k+1)).
  const int64_t reach = int64_t{1} << (p + k + 3);
  return testing::dense_tlu_network(kElements, kElements, std::move(identity), tlu, quant::IntRange{-reach, reach},
                                    static_cast<int>(p + k + 4), 1.0);
}

compiler::FheCircuit compile_toy(const quant::QuantizedNetwork& net, uint32_t p) {
  compiler::CircuitOptions options;
  options.rounding_mode = quant::RoundingMode::kExact;
  options.window_margin = -1;  // the tables' own domains: the window is exactly [−2^(p−1), 2^(p−1)) rounded units
  options.fixed_params = tfhe::params_toy(p);
  return compiler::compile_circuit(net, options);
}

// The torus model above: the TLU output for accumulator a (independent of simulate's and execute's code).
int64_t torus_reference(const compiler::TluEncoding& t, int64_t a) {
  const auto p = t.precision;
  const int64_t k = t.rounding_shift;
  const uint64_t mask = (uint64_t{1} << (p + static_cast<uint32_t>(k) + 1)) - 1;  // the torus above Δ_in
  const int64_t half = k > 0 ? int64_t{1} << (k - 1) : 0;
  const uint64_t big_v = static_cast<uint64_t>(a + t.input_offset + half) & mask;
  const uint64_t j = big_v >> k;  // the chunk reads clear the k low bits exactly, mod 2^(p+k+1)
  const uint64_t size = uint64_t{1} << p;
  return j < size ? t.tables[0][j] : -t.tables[0][j - size];
}

// Accumulators whose clear index j = round-half-up((a + input_offset) / 2^k) lies in `js`, each with several
// low-bit residues (ties u ≡ 2^(k−1) included: they round up).
std::vector<int64_t> accumulators_at(const compiler::TluEncoding& t, const std::vector<int64_t>& js, std::mt19937_64& rng) {
  const int64_t k = t.rounding_shift;
  std::vector<int64_t> residues{0};
  if (k > 0) {
    const int64_t half = int64_t{1} << (k - 1);
    if (k <= 3) {
      residues.clear();
      for (int64_t r = -half; r < half; ++r) residues.push_back(r);
    } else {
      residues = {-half, -half + 1, -1, 0, 1, half - 1,
                  std::uniform_int_distribution<int64_t>(-half, half - 1)(rng)};
    }
  }
  std::vector<int64_t> out;
  for (int64_t j : js)
    for (int64_t r : residues) out.push_back(j * (int64_t{1} << k) - t.input_offset + r);
  return out;
}

struct WrapRun {
  IntTensor codes, executed, simulated, clear;
};

WrapRun execute_and_simulate(const compiler::FheCircuit& c, const quant::QuantizedNetwork& net, std::vector<int64_t> acc,
                         uint64_t seed) {
  const int64_t batch = (static_cast<int64_t>(acc.size()) + kElements - 1) / kElements;
  const int64_t pad = -c.tlus[0].input_offset;  // j = 0
  acc.resize(static_cast<size_t>(batch * kElements), pad);
  WrapRun run;
  run.codes = IntTensor(Shape{batch, kElements}, std::move(acc));
  run.executed = testing::encrypt_run_decrypt(c, make_client_spec(c, net), run.codes, seed);
  compiler::SimulateOptions noiseless;
  noiseless.noise_scale = 0;
  run.simulated = compiler::run_circuit_simulate(c, run.codes, noiseless);
  run.clear = quant::run_integer_graph(c.graph, run.codes);
  return run;
}

// Index groups for precision p: inside; just beyond either end; far beyond (up to the edges of the encoding,
// j ∈ [−2^p, 2^(p+1))); and beyond the encoding's bits (|v| ≥ 2^(p+k+1), aliasing onto other indices).
std::vector<int64_t> index_groups(uint32_t p) {
  const int64_t s = int64_t{1} << p;
  return {0, 1, s / 2, s - 2, s - 1,                    // inside
          s, s + 1, s + 2, s + 3, -1, -2, -3, -4,       // just outside, both ends
          s + s / 2, 2 * s - 2, 2 * s - 1, -s / 2 - 1,  // far above (padding half), far below
          -s + 1, -s,                                   // the last indices the encoding tells apart
          2 * s, 2 * s + 5, 3 * s + 1, -s - 1, -2 * s - 3, 5 * s + 2};  // beyond the encoding: wrap mod 2^(p+1)
}

// Noiseless simulate and execute agree element by element with the torus model, inside and outside the
// window, for one chunk (sign + value), a bit read, two chunks (bit + sign/value, two sign/value, 2 + 2) and
// no rounding (plain wrap, the control). The table values 4t + 1 make every output tell its read index: the
// window's entries are ≡ 1 (mod 4), the negacyclic half's −T ≡ 3 (mod 4), and the output encoding (window =
// the table range [−2^(p+1) + 1, 2^(p+1) − 3], decoded mod 2^(bits+2)) holds every ±T: decoding never wraps here.
TEST(ExactRoundingWrap, ExecuteEqualsNoiselessSimulateOutsideTheWindow) {
  const uint64_t seed = test_seed("ExactRoundingWrap.ExecuteEqualsNoiselessSimulateOutsideTheWindow");
  struct Config {
    uint32_t p;
    int64_t k;
    std::vector<uint32_t> chunks;  // the plan the compiler must pick (limit: the circuit's precision p)
  };
  const std::vector<Config> configs{
      {5, 3, {3}}, {5, 1, {1}}, {3, 4, {1, 3}}, {3, 6, {3, 3}}, {2, 4, {1, 1, 1, 1}}, {5, 0, {}}};
  std::mt19937_64 rng(seed);
  for (const Config& cfg : configs) {
    const auto start = std::chrono::steady_clock::now();
    const int64_t w0 = -(int64_t{1} << (cfg.p - 1));
    const quant::QuantizedNetwork net = wrap_network(cfg.p, cfg.k, w0, [](int64_t t) { return 4 * t + 1; });
    const compiler::FheCircuit c = compile_toy(net, cfg.p);
    ASSERT_EQ(c.tlus.size(), 1u);
    const compiler::TluEncoding& t = c.tlus[0];
    ASSERT_EQ(t.precision, cfg.p);
    ASSERT_EQ(t.rounding_shift, cfg.k);
    ASSERT_EQ(t.window_start, w0);
    ASSERT_EQ(t.exact_chunk_bits, cfg.chunks) << "p " << cfg.p << " k " << cfg.k;
    const std::vector<int64_t> acc = accumulators_at(t, index_groups(cfg.p), rng);
    const WrapRun run = execute_and_simulate(c, net, acc, seed + cfg.p * 100 + static_cast<uint64_t>(cfg.k));
    int64_t outside = 0, beyond_encoding = 0, wrapped_outputs = 0;
    const int64_t size = int64_t{1} << cfg.p;
    for (size_t i = 0; i < acc.size(); ++i) {
      const int64_t j = quant::round_shift_exact(acc[i] + t.input_offset, cfg.k);
      const int64_t want = torus_reference(t, acc[i]);
      const int64_t e = static_cast<int64_t>(i);
      outside += (j < 0 || j >= size) ? 1 : 0;
      beyond_encoding += (j < -size || j >= 2 * size) ? 1 : 0;
      wrapped_outputs += (((want % 4) + 4) % 4 == 3) ? 1 : 0;
      // The output encoding holds every ±T (decoding is then the identity): this test sees the TLU's reads only.
      ASSERT_EQ(compiler::decode_output(c.output, compiler::encode_integer(want, c.output.log2_delta)), want);
      EXPECT_EQ(run.executed[e], want) << "execute, p " << cfg.p << " k " << cfg.k << " a " << acc[i] << " j " << j;
      EXPECT_EQ(run.simulated[e], want) << "simulate, p " << cfg.p << " k " << cfg.k << " a " << acc[i] << " j " << j;
      if (j >= 0 && j < size) {
        EXPECT_EQ(run.clear[e], want) << "clear inside the window, a " << acc[i];
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("p %u k %lld chunks %zu: %zu accumulators (%lld outside the window, %lld beyond the encoding, %lld read "
                "from the negacyclic half), %lld PBS/sample, %.1f s\n",
                cfg.p, static_cast<long long>(cfg.k), cfg.chunks.size(), acc.size(), static_cast<long long>(outside),
                static_cast<long long>(beyond_encoding), static_cast<long long>(wrapped_outputs),
                static_cast<long long>(c.pbs_count), seconds);
    EXPECT_GT(wrapped_outputs, 0);
  }
}

// The lead's failing case rebuilt: p = 5, k = 3 (one 3-bit chunk), domain [−11, 20] rounded units (w0 = −11,
// input offset 88), table values in {−4, −3} (T(t) = −4 for t < −5, else −3): the output window is [−4, −3],
// 1 bit, decoded as a signed residue mod 2^3. Accumulators around j = 40 (a = (40 − 11)·8 + r): on paper
// J = 40 ≥ 32, the PBS returns −T[8] = −T(−3) = 3, which the client decodes as −4 + ((3 + 4) read mod 8 as
// signed = −1) = −5; clear clamps to T(20) = −3. Execute equals the torus model passed through the client's
// decoding everywhere, and so does noiseless simulate, which applies the same decoding to its outputs (it
// once returned the TLU's integer 3 here: the chunk replay was never what differed).
TEST(ExactRoundingWrap, WrappedOutputsBeyondTheOutputWindowWrapAgainInDecoding) {
  const uint64_t seed = test_seed("ExactRoundingWrap.WrappedOutputsBeyondTheOutputWindowWrapAgainInDecoding");
  const uint32_t p = 5;
  const int64_t k = 3;
  const quant::QuantizedNetwork net = wrap_network(p, k, -11, [](int64_t t) { return t < -5 ? -4 : -3; });
  const compiler::FheCircuit c = compile_toy(net, p);
  const compiler::TluEncoding& t = c.tlus[0];
  ASSERT_EQ(t.exact_chunk_bits, (std::vector<uint32_t>{3}));
  ASSERT_EQ(t.input_offset, 88);
  ASSERT_EQ(c.output.range.min, -4);
  ASSERT_EQ(c.output.range.max, -3);
  ASSERT_EQ(64 - c.output.log2_delta, 3u);  // decoded mod 2^3
  std::mt19937_64 rng(seed);
  std::vector<int64_t> acc = accumulators_at(t, {40}, rng);  // the failing case first (all 8 residues)
  const std::vector<int64_t> others = accumulators_at(t, index_groups(p), rng);
  acc.insert(acc.end(), others.begin(), others.end());
  const WrapRun run = execute_and_simulate(c, net, acc, seed);
  int64_t decoded_differently = 0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const auto e = static_cast<int64_t>(i);
    const int64_t want = torus_reference(t, acc[i]);
    const int64_t decoded = compiler::decode_output(c.output, compiler::encode_integer(want, c.output.log2_delta));
    decoded_differently += decoded != want ? 1 : 0;
    EXPECT_EQ(run.executed[e], decoded) << "a " << acc[i] << " TLU output " << want;
    EXPECT_EQ(run.simulated[e], decoded) << "a " << acc[i] << " TLU output " << want;
    if (i < 8) {  // j = 40: the numbers worked out above
      EXPECT_EQ(run.executed[e], -5) << "a " << acc[i];
      EXPECT_EQ(run.simulated[e], -5) << "a " << acc[i];
      EXPECT_EQ(run.clear[e], -3) << "a " << acc[i];
    }
  }
  std::printf("output window [%lld, %lld] (%u bit, decoded mod 2^%u): %lld of %zu TLU outputs lie beyond it and "
              "decode to another value\n",
              static_cast<long long>(c.output.range.min), static_cast<long long>(c.output.range.max), c.output.bits,
              64 - c.output.log2_delta, static_cast<long long>(decoded_differently), acc.size());
  EXPECT_GT(decoded_differently, 8);
}

}  // namespace
}  // namespace fheq::runtime
