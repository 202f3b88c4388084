#include "compiler/simulate.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/check.h"
#include "core/thread_pool.h"
#include "quant/integer_executor.h"
#include "quant/tlu.h"

namespace fheq::compiler {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr int64_t kChunk = 512;  // samples per chunk: bounds memory, keeps the pool busy

// One TLU op on a chunk: noisy PBS decisions (sd_in_steps per element; all zero: deterministic).
void simulate_tlu(const FheCircuit& c, const TluEncoding& t, const std::vector<double>& sd, const IntTensor& in,
                  IntTensor& out, int64_t first_sample, uint64_t seed, SimulationStats& stats) {
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
      if (sigma > 0) {
        const double frac = static_cast<double>(u - nearest * (int64_t{1} << k)) * step;  // in [−1/2, 1/2)
        j = nearest + static_cast<int64_t>(std::floor(frac + sigma * normal.next() + 0.5));
      }
      const int64_t diff = j - nearest;
      if (diff == 1 || diff == -1) ++st.off_by_one;
      else if (diff != 0) ++st.larger_errors;
      const size_t table = quant::table_of_element(std::get<quant::TluOp>(c.graph.ops[t.op_index]), e);
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
  std::vector<int32_t> tlu_of_op(c.graph.ops.size(), -1);
  for (size_t i = 0; i < c.tlus.size(); ++i) {
    const TluEncoding& t = c.tlus[i];
    tlu_of_op[t.op_index] = static_cast<int32_t>(i);
    const double scale = std::ldexp(options.noise_scale, static_cast<int>(t.precision) + 1);
    sd[i].resize(t.input_variance.size());
    for (size_t e = 0; e < sd[i].size(); ++e) sd[i][e] = std::sqrt(t.input_variance[e]) * scale;
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
      simulate_tlu(c, t, sd[static_cast<size_t>(tlu_of_op[i])], in, out, first, options.seed, stats);
      values[static_cast<size_t>(t.output)] = std::move(out);
    }
    const IntTensor& acc = values[static_cast<size_t>(c.graph.output)];
    for (int64_t s = 0; s < n; ++s) {
      NormalStream normal(options.seed, (uint64_t{0xFFFFFF} << 40) ^ static_cast<uint64_t>(first + s));
      for (int64_t e = 0; e < out_elements; ++e) {
        int64_t v = acc[s * out_elements + e];
        const double sigma = out_sd[static_cast<size_t>(e)];
        if (sigma > 0) {
          const auto noise = static_cast<int64_t>(std::llround(sigma * normal.next()));
          if (noise != 0) ++stats.output_errors;
          v += noise;
        }
        result[(first + s) * out_elements + e] = v;
      }
    }
    stats.outputs += n * out_elements;
  }
  if (stats_out) *stats_out = stats;
  return result;
}

}  // namespace fheq::compiler
