#include "runtime/exact_rounding.h"

#include <algorithm>

#include "core/check.h"
#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_linear_algebra.h"

namespace fheq::runtime {
namespace {

using compiler::ExactRead;
using tfhe::LweCiphertext;
using tfhe::Torus;

// A bit read's constant table is built at message_bits 1 (two equal boxes, tfhe/entities/lookup_table.h): it
// returns C on the phases [−2^61, 3·2^61) and −C on the others; adding 2^61 centres that on 0, so the read
// tolerates noise up to ±2^62 (a quarter torus) around phases 0 (bit 0) and 2^63 (bit 1).
constexpr Torus kBitReadCentring = Torus{1} << 61;

// out[e] = (c[e] + add[e] − constant)·2^scale (+ centring); add may be null.
void prepare_read(const std::vector<LweCiphertext>& c, const std::vector<LweCiphertext>* add, Torus constant,
                  uint32_t scale_log2, Torus centring, std::vector<LweCiphertext>& out, core::ThreadPool& pool) {
  const auto scale = static_cast<int64_t>(uint64_t{1} << scale_log2);  // wraps mod 2^64 like the torus
  out.resize(c.size());
  pool.parallel_for(0, c.size(), [&](size_t e) {
    out[e] = c[e];
    if (add) {
      tfhe::add_lwe_assign(out[e], (*add)[e]);
      tfhe::add_plaintext_lwe_assign(out[e], Torus{0} - constant);
    }
    tfhe::scale_lwe_assign(out[e], scale);
    if (centring != 0) tfhe::add_plaintext_lwe_assign(out[e], centring);
  });
}

void keyswitch_bootstrap(const tfhe::ServerKeys& keys, const tfhe::LookupTable& table,
                         const std::vector<LweCiphertext>& in, std::vector<LweCiphertext>& out, core::ThreadPool& pool) {
  tfhe::keyswitch_bootstrap_lwe_batch(keys.compact_keyswitch_key, keys.bootstrap_key, {&table}, in, out, pool);
}

}  // namespace

std::vector<ExactRoundingStep> make_exact_rounding_steps(uint32_t precision, int64_t k,
                                                         const std::vector<uint32_t>& chunk_bits,
                                                         uint32_t input_log2_delta, const tfhe::TfheParams& params) {
  FHEQ_CHECK(precision + k + input_log2_delta == 63, "p ", precision, " + k ", k, " + log2 Δ ", input_log2_delta);
  std::vector<ExactRoundingStep> steps;
  for (const ExactRead& read : compiler::exact_rounding_read_list(precision, k, chunk_bits)) {
    ExactRoundingStep step;
    step.read = read;
    const uint32_t b = read.low_bit, m = read.chunk_bits, d = input_log2_delta;
    std::vector<Torus> entries(size_t{1} << read.lut_message_bits);
    if (read.kind == ExactRead::Kind::kValue) {
      for (size_t l = 0; l < entries.size(); ++l) entries[l] = compiler::encode_integer(static_cast<int64_t>(l), b + d);
    } else {
      // Bit read: C = 2^(b−1)·Δ_in, so E = C − PBS = bit_b·2^b·Δ_in; sign read: C = 2^(b+m−1)·Δ_in, E = s·2^(b+m)·Δ_in.
      step.constant = Torus{1} << (read.kind == ExactRead::Kind::kBit ? b + d - 1 : b + m + d - 1);
      std::fill(entries.begin(), entries.end(), step.constant);
    }
    step.table = tfhe::make_lookup_table(params.glwe_dimension, params.polynomial_size, read.lut_message_bits, entries);
    steps.push_back(std::move(step));
  }
  return steps;
}

std::vector<ExactRoundingStep> make_exact_rounding_steps(const compiler::TluEncoding& t, const tfhe::TfheParams& params) {
  if (!compiler::uses_exact_chunks(t)) return {};
  return make_exact_rounding_steps(t.precision, t.rounding_shift, t.exact_chunk_bits, compiler::read_log2_delta(t), params);
}

int64_t run_exact_rounding_chunk(const std::vector<ExactRoundingStep>& steps, size_t chunk, const tfhe::ServerKeys& keys,
                                 std::vector<LweCiphertext>& c, core::ThreadPool& pool) {
  const auto first = std::find_if(steps.begin(), steps.end(), [&](const ExactRoundingStep& s) { return s.read.chunk == chunk; });
  FHEQ_CHECK(first != steps.end(), "no read for chunk ", chunk);
  std::vector<LweCiphertext> scaled, read;
  if (first->read.kind == ExactRead::Kind::kBit) {
    prepare_read(c, nullptr, 0, first->read.scale_log2, kBitReadCentring, scaled, pool);
    keyswitch_bootstrap(keys, first->table, scaled, read, pool);
    // c ← c − E with E = C − PBS.
    pool.parallel_for(0, c.size(), [&](size_t e) {
      tfhe::add_lwe_assign(c[e], read[e]);
      tfhe::add_plaintext_lwe_assign(c[e], Torus{0} - first->constant);
    });
    return 1;
  }
  FHEQ_CHECK(first->read.kind == ExactRead::Kind::kSign && first + 1 != steps.end());
  const ExactRoundingStep& value = *(first + 1);
  FHEQ_CHECK(value.read.kind == ExactRead::Kind::kValue && value.read.chunk == chunk);
  prepare_read(c, nullptr, 0, first->read.scale_log2, 0, scaled, pool);
  keyswitch_bootstrap(keys, first->table, scaled, read, pool);           // r = ±C: E = C − r = s·2^(b+m)·Δ_in
  prepare_read(c, &read, first->constant, value.read.scale_log2, 0, scaled, pool);  // (c − E)·2^scale: s = 0
  keyswitch_bootstrap(keys, value.table, scaled, read, pool);            // L·2^b·Δ_in
  pool.parallel_for(0, c.size(), [&](size_t e) { tfhe::sub_lwe_assign(c[e], read[e]); });
  return 2;
}

int64_t run_exact_rounding(const std::vector<ExactRoundingStep>& steps, const tfhe::ServerKeys& keys,
                           std::vector<LweCiphertext>& c, core::ThreadPool& pool) {
  if (steps.empty()) return 0;
  int64_t reads = 0;
  for (size_t chunk = 0; chunk <= steps.back().read.chunk; ++chunk) reads += run_exact_rounding_chunk(steps, chunk, keys, c, pool);
  return reads;
}

}  // namespace fheq::runtime
