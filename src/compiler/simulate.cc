#include "compiler/simulate.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "compiler/exact_rounding_plan.h"
#include "core/check.h"
#include "core/thread_pool.h"
#include "quant/integer_executor.h"

namespace fheq::compiler {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr int64_t kChunk = 512;  // samples per chunk: bounds memory, keeps the pool busy

// Noise of an exact-rounding TLU's chunk steps (exact_rounding_plan.h), as standard deviations.
struct ExactNoise {
  std::vector<ExactRead> reads;
  std::vector<double> accumulator_sd;  // per element, in accumulator units (Δ_in)
  std::vector<double> read_sd;         // per read, in units of the read's step (2^b·Δ_in)
  double pbs_output_sd = 0;            // in Δ_in
  // The final TLU read's own noise (keyswitch + modulus switch), in steps of Δ_p. Not the TLU's input_variance:
  // that total already holds the accumulator and chunk-output noise, which the replay carries in xf.
  double final_read_sd = 0;
};

ExactNoise exact_noise(const TluEncoding& t, double noise_scale) {
  ExactNoise n;
  if (!uses_exact_chunks(t)) return n;
  const int to_units = 64 - static_cast<int>(read_log2_delta(t));  // torus fraction → Δ_in units
  n.reads = exact_rounding_read_list(t.precision, t.rounding_shift, t.exact_chunk_bits);
  for (double v : t.accumulator_variance) n.accumulator_sd.push_back(std::sqrt(v) * std::ldexp(noise_scale, to_units));
  // A read's step is Δ_dp = 2^−(dp+1) of the torus (dp = its decision precision).
  for (const ExactRead& r : n.reads)
    n.read_sd.push_back(std::sqrt(t.exact_read_added_variance) *
                        std::ldexp(noise_scale, static_cast<int>(r.decision_precision) + 1));
  n.pbs_output_sd = std::sqrt(t.exact_pbs_output_variance) * std::ldexp(noise_scale, to_units);
  n.final_read_sd = std::sqrt(t.exact_read_added_variance) * std::ldexp(noise_scale, static_cast<int>(t.precision) + 1);
  return n;
}

// The index a PBS reads from a phase holding x = xi + xf accumulator units scaled so that one step is 2^b
// units, with read noise eps (steps): ⌊x / 2^b + eps + 1/2⌋ (boxes centred on multiples of the step). The
// integer part is split off first so a 62-bit accumulator loses nothing to double rounding.
int64_t read_index(int64_t xi, double xf, uint32_t b, double eps) {
  const int64_t q = xi >> b;
  const int64_t r = xi - q * (int64_t{1} << b);
  return q + static_cast<int64_t>(std::floor((static_cast<double>(r) + xf) * std::ldexp(1.0, -static_cast<int>(b)) +
                                             eps + 0.5));
}

// The exact-rounding chunk steps on one element, replayed with Gaussian noise exactly as the executor runs them
// (encrypted_executor.cc): returns the index the TLU's final PBS reads. v = u + 2^(k−1). Noiseless: ⌊v / 2^k⌋.
int64_t simulate_exact_read(const ExactNoise& n, size_t element, int64_t v, int64_t k, NormalStream& normal) {
  auto draw = [&](double sd) { return sd > 0 ? sd * normal.next() : 0.0; };
  int64_t xi = v;
  double xf = draw(n.accumulator_sd[element]);
  for (size_t r = 0; r < n.reads.size(); ++r) {
    const ExactRead& read = n.reads[r];
    const uint32_t b = read.low_bit, m = read.chunk_bits;
    if (read.kind == ExactRead::Kind::kBit) {
      // Bit b on the padding bit: PBS = ±C, E = C − PBS = bit·2^b (+ the PBS output's noise).
      const int64_t bit = read_index(xi, xf, b, draw(n.read_sd[r])) & 1;
      xi -= bit << b;
      xf -= draw(n.pbs_output_sd);
    } else if (read.kind == ExactRead::Kind::kSign) {
      const int64_t mask = (int64_t{1} << (m + 1)) - 1;
      const int64_t y = read_index(xi, xf, b, draw(n.read_sd[r])) & mask;
      const int64_t sign_bit = y >> m;
      const int64_t e_int = sign_bit << (b + m);
      const double e_noise = draw(n.pbs_output_sd);
      // VALUE read of c − E (the next entry of the list): the chunk L, or −(its index − 2^m) when E was wrong.
      FHEQ_CHECK(r + 1 < n.reads.size() && n.reads[r + 1].kind == ExactRead::Kind::kValue);
      ++r;
      const int64_t y2 = read_index(xi - e_int, xf - e_noise, b, draw(n.read_sd[r])) & mask;
      const int64_t half = int64_t{1} << m;
      const int64_t value = y2 < half ? y2 << b : -((y2 - half) << b);
      xi -= value;
      xf -= draw(n.pbs_output_sd);
    }
  }
  return read_index(xi, xf, static_cast<uint32_t>(k), draw(n.final_read_sd));
}

// One TLU op on a chunk: noisy PBS decisions (sd_in_steps per element; all zero: deterministic).
void simulate_tlu(const FheCircuit& c, const TluEncoding& t, const std::vector<double>& sd, const ExactNoise& exact,
                  const IntTensor& in, IntTensor& out, int64_t first_sample, uint64_t seed, SimulationStats& stats) {
  const int64_t elements = c.graph.elements(t.input);
  const int64_t batch = in.size() / elements;
  out = IntTensor(in.shape);
  const int64_t k = t.rounding_shift;
  const int64_t size = int64_t{1} << t.precision;
  const double step = std::ldexp(1.0, static_cast<int>(-k));
  std::vector<SimulationStats> per_sample(static_cast<size_t>(batch));
  core::default_thread_pool().parallel_for(0, static_cast<size_t>(batch), [&](size_t s) {
    NormalStream normal(seed, (static_cast<uint64_t>(t.op_index) << 40) ^ static_cast<uint64_t>(first_sample + static_cast<int64_t>(s)));
    SimulationStats& st = per_sample[s];
    const int64_t base = static_cast<int64_t>(s) * elements;
    for (int64_t e = 0; e < elements; ++e) {
      const int64_t u = in[base + e] + t.input_offset;
      const int64_t nearest = quant::round_shift_exact(u, k);
      const double sigma = sd[static_cast<size_t>(e)];
      int64_t j = nearest;
      if (!exact.reads.empty()) {
        j = simulate_exact_read(exact, static_cast<size_t>(e), u + (int64_t{1} << (k - 1)), k, normal);
      } else if (sigma > 0) {
        const double frac = static_cast<double>(u - nearest * (int64_t{1} << k)) * step;  // in [−1/2, 1/2)
        j = nearest + static_cast<int64_t>(std::floor(frac + sigma * normal.next() + 0.5));
      }
      const int64_t diff = j - nearest;
      if (diff == 1 || diff == -1) ++st.off_by_one;
      else if (diff != 0) ++st.larger_errors;
      const size_t table = std::get<quant::TluOp>(c.graph.ops[t.op_index]).table_of(e);
      int64_t y;
      if (j >= 0 && j < size) {
        y = t.tables[table][static_cast<size_t>(j)];
      } else {
        ++st.wrapped;
        const int64_t m = ((j % (2 * size)) + 2 * size) % (2 * size);  // negacyclic: X^(2N) = 1, X^N = −1
        y = m < size ? t.tables[table][static_cast<size_t>(m)] : -t.tables[table][static_cast<size_t>(m - size)];
      }
      out[base + e] = y;
    }
    st.pbs += elements;
  });
  for (const SimulationStats& st : per_sample) stats.merge(st);
}

}  // namespace

void SimulationStats::merge(const SimulationStats& o) {
  pbs += o.pbs;
  off_by_one += o.off_by_one;
  larger_errors += o.larger_errors;
  wrapped += o.wrapped;
  outputs += o.outputs;
  output_errors += o.output_errors;
}

NormalStream::NormalStream(uint64_t seed, uint64_t stream) : state_(seed) {
  uint64_t mix = stream ^ 0x6A09E667F3BCC909ull;
  state_ ^= splitmix64(mix);
}

uint64_t NormalStream::next_u64() { return splitmix64(state_); }

double NormalStream::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box–Muller on two 53-bit uniforms; u1 ∈ (0, 1] so the log is finite.
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * std::numbers::pi * u2);
}

ExpectedErrors expected_decision_errors(const TluEncoding& t, const IntTensor& acc, double noise_scale) {
  ExpectedErrors out;
  const int64_t elements = static_cast<int64_t>(t.input_variance.size());
  FHEQ_CHECK(elements > 0 && acc.size() % elements == 0, acc.size(), " accumulators for ", elements, " elements");
  const double step = std::ldexp(1.0, static_cast<int>(-t.rounding_shift));
  auto phi = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
  if (uses_exact_chunks(t)) {
    // Exact rounding: j = ⌊v / 2^k⌋ moves when the accumulator noise plus the first chunk read's keyswitch /
    // modulus-switch noise (both in accumulator units: that read rounds to whole units) carries v across a
    // multiple of 2^k: v + round(η) ∉ [j·2^k, (j + 1)·2^k) ⟺ η < −d − 1/2 or η ≥ 2^k − d − 1/2, d = v mod 2^k.
    // Plus the final read's own failure (threshold Δ_p/2). Later chunk reads (thresholds 2^b larger) are
    // neglected: an approximation of simulate's full replay of the steps.
    const auto reads = exact_rounding_read_list(t.precision, t.rounding_shift, t.exact_chunk_bits);
    const int to_units = 64 - static_cast<int>(read_log2_delta(t));
    const double read0 = t.exact_read_added_variance * std::ldexp(1.0, 2 * (static_cast<int>(reads[0].decision_precision) + 1));
    const int64_t box = int64_t{1} << t.rounding_shift;
    for (int64_t i = 0; i < acc.size(); ++i) {
      const auto e = static_cast<size_t>(i % elements);
      const double sigma = noise_scale * std::sqrt(t.accumulator_variance[e] * std::ldexp(1.0, 2 * to_units) + read0);
      // The final read's own keyswitch + modulus-switch noise (the accumulator's is in sigma already).
      const double final_sd = noise_scale * std::sqrt(t.exact_read_added_variance);
      if (sigma <= 0 && final_sd <= 0) continue;
      const int64_t v = acc[i] + t.input_offset + box / 2;
      const auto d = static_cast<double>(v - (v >> t.rounding_shift) * box);
      const double p_chunk = sigma > 0 ? phi((-d - 0.5) / sigma) + (1.0 - phi((static_cast<double>(box) - d - 0.5) / sigma)) : 0.0;
      const double p_final = final_sd > 0 ? std::erfc(std::ldexp(1.0, -static_cast<int>(t.precision) - 2) /
                                                      (std::numbers::sqrt2 * final_sd))
                                          : 0.0;
      const double p = std::min(1.0, p_chunk + p_final - p_chunk * p_final);
      out.mean += p;
      out.variance += p * (1 - p);
    }
    return out;
  }
  for (int64_t i = 0; i < acc.size(); ++i) {
    const int64_t u = acc[i] + t.input_offset;
    const int64_t nearest = quant::round_shift_exact(u, t.rounding_shift);
    const double f = static_cast<double>(u - nearest * (int64_t{1} << t.rounding_shift)) * step;
    const double sigma = std::sqrt(t.input_variance[static_cast<size_t>(i % elements)]) *
                         std::ldexp(noise_scale, static_cast<int>(t.precision) + 1);
    if (sigma <= 0) continue;
    const double p = 1.0 - (phi((0.5 - f) / sigma) - phi((-0.5 - f) / sigma));
    out.mean += p;
    out.variance += p * (1 - p);
  }
  return out;
}

IntTensor run_circuit_clear(const FheCircuit& circuit, const IntTensor& codes) {
  quant::ClearRunOptions options;
  options.approximate_rounding = [](int64_t acc, int64_t shift) { return quant::round_shift_exact(acc, shift); };
  return quant::run_integer_graph(circuit.graph, codes, options);
}

IntTensor run_circuit_simulate(const FheCircuit& c, const IntTensor& codes, const SimulateOptions& options,
                               SimulationStats* stats_out) {
  quant::check_integer_input(c.graph, codes);
  FHEQ_REQUIRE(options.noise_scale >= 0, "simulate: noise scale ", options.noise_scale, " < 0");
  const int64_t in_elements = c.graph.elements(c.graph.input);
  const int64_t batch = codes.dim(0);
  // Per TLU: σ per element in units of the rounded step (Δ_p = 2^−(p+1) of the torus).
  std::vector<std::vector<double>> sd(c.tlus.size());
  std::vector<ExactNoise> exact(c.tlus.size());
  std::vector<int32_t> tlu_of_op(c.graph.ops.size(), -1);
  for (size_t i = 0; i < c.tlus.size(); ++i) {
    const TluEncoding& t = c.tlus[i];
    tlu_of_op[t.op_index] = static_cast<int32_t>(i);
    const double scale = std::ldexp(options.noise_scale, static_cast<int>(t.precision) + 1);
    sd[i].resize(t.input_variance.size());
    for (size_t e = 0; e < sd[i].size(); ++e) sd[i][e] = std::sqrt(t.input_variance[e]) * scale;
    exact[i] = exact_noise(t, options.noise_scale);
  }
  std::vector<double> out_sd(c.output.variance.size());
  const double out_scale = options.output_noise ? std::ldexp(options.noise_scale, 64 - static_cast<int>(c.output.log2_delta)) : 0.0;
  for (size_t e = 0; e < out_sd.size(); ++e) out_sd[e] = std::sqrt(c.output.variance[e]) * out_scale;

  SimulationStats stats;
  Shape out_shape{batch};
  const Shape& per_sample_out = c.graph.value(c.graph.output).shape;
  out_shape.insert(out_shape.end(), per_sample_out.begin(), per_sample_out.end());
  IntTensor result(out_shape);
  const int64_t out_elements = c.graph.elements(c.graph.output);
  for (int64_t first = 0; first < batch; first += kChunk) {
    const int64_t n = std::min(kChunk, batch - first);
    Shape chunk_shape = codes.shape;
    chunk_shape[0] = n;
    std::vector<int64_t> chunk_data(codes.data.begin() + first * in_elements, codes.data.begin() + (first + n) * in_elements);
    std::vector<IntTensor> values(c.graph.values.size());
    values[static_cast<size_t>(c.graph.input)] = IntTensor(chunk_shape, std::move(chunk_data));
    for (size_t i = 0; i < c.graph.ops.size(); ++i) {
      const quant::IntOp& op = c.graph.ops[i];
      if (tlu_of_op[i] < 0) {
        quant::run_integer_op(c.graph, op, values);
        continue;
      }
      const TluEncoding& t = c.tlus[static_cast<size_t>(tlu_of_op[i])];
      const IntTensor& in = values[static_cast<size_t>(t.input)];
      IntTensor out;
      simulate_tlu(c, t, sd[static_cast<size_t>(tlu_of_op[i])], exact[static_cast<size_t>(tlu_of_op[i])], in, out, first,
                   options.seed, stats);
      values[static_cast<size_t>(t.output)] = std::move(out);
    }
    const IntTensor& acc = values[static_cast<size_t>(c.graph.output)];
    for (int64_t s = 0; s < n; ++s) {
      NormalStream normal(options.seed, (uint64_t{0xFFFFFF} << 40) ^ static_cast<uint64_t>(first + s));
      for (int64_t e = 0; e < out_elements; ++e) {
        const int64_t exact = acc[s * out_elements + e];
        int64_t v = exact;
        const double sigma = out_sd[static_cast<size_t>(e)];
        if (sigma > 0) v += static_cast<int64_t>(std::llround(sigma * normal.next()));
        // The client decodes the phase relative to the output window, modulo 2^(64 − log2 Δ_out): a value
        // beyond the window's headroom wraps there in execute, so it does here (and counts as an error).
        v = decode_output(c.output, encode_integer(v, c.output.log2_delta));
        if (v != exact) ++stats.output_errors;
        result[(first + s) * out_elements + e] = v;
      }
    }
    stats.outputs += n * out_elements;
  }
  if (stats_out) *stats_out = stats;
  return result;
}

}  // namespace fheq::compiler
