#include "runtime/encrypted_executor.h"

#include <chrono>
#include <cstdio>
#include <type_traits>

#include "core/check.h"
#include "runtime/output_transport.h"
#include "tfhe/algorithms/batch.h"
#include "tfhe/algorithms/lookup_table_builder.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/algorithms/lwe_linear_algebra.h"

namespace fheq::runtime {

using quant::LinearForm;

namespace {

using compiler::FheCircuit;
using compiler::LweKeyKind;
using tfhe::LweCiphertext;
using tfhe::Torus;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// out = trivial(constant) + Σ_j w_j · in[index_j], over the n+1 torus elements (wrapping arithmetic).
// `input` lists the op's input ciphertexts of one sample, its inputs concatenated (LinearForm's indexing).
void combine_row(const LinearForm& map, int64_t row, uint32_t log2_delta, const LweCiphertext* const* input,
                 LweCiphertext& out) {
  const size_t size = input[0]->data.size();
  if (out.data.size() != size) out = LweCiphertext(input[0]->dimension);
  Torus* acc = out.data.data();
  for (size_t t = 0; t < size; ++t) acc[t] = 0;
  for (int64_t j = map.row_start[static_cast<size_t>(row)]; j < map.row_start[static_cast<size_t>(row) + 1]; ++j) {
    const Torus w = static_cast<Torus>(map.weight[static_cast<size_t>(j)]);
    const Torus* in = input[map.index[static_cast<size_t>(j)]]->data.data();
    for (size_t t = 0; t < size; ++t) acc[t] += w * in[t];  // vectorised by the compiler
  }
  acc[size - 1] += compiler::encode_integer(map.constant[static_cast<size_t>(row)], log2_delta);
}

// Contiguous, balanced shares of n items over the exchange's processes: process r takes [begin[r], begin[r + 1]).
std::vector<size_t> share_bounds(size_t n, const PbsExchange* exchange) {
  const size_t parts = exchange ? static_cast<size_t>(exchange->size()) : 1;
  std::vector<size_t> begin(parts + 1);
  for (size_t r = 0; r <= parts; ++r) begin[r] = n * r / parts;
  return begin;
}

// Every process's part of `out` (PBS outputs: `dimension`-dimensional) to every process.
void exchange_parts(std::vector<LweCiphertext>& out, const std::vector<size_t>& begin, size_t dimension,
                    const PbsExchange& exchange) {
  const size_t words = dimension + 1;
  std::vector<uint64_t> buffer(out.size() * words);
  const auto rank = static_cast<size_t>(exchange.rank());
  for (size_t e = begin[rank]; e < begin[rank + 1]; ++e) {
    FHEQ_CHECK(out[e].data.size() == words, "PBS output of dimension ", out[e].dimension.value);
    std::copy(out[e].data.begin(), out[e].data.end(), buffer.begin() + static_cast<std::ptrdiff_t>(e * words));
  }
  exchange.allgather(buffer.data(), words, begin);
  for (size_t e = 0; e < out.size(); ++e) {
    if (e >= begin[rank] && e < begin[rank + 1]) continue;
    out[e] = LweCiphertext(tfhe::LweDimension(dimension));
    std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(e * words),
              buffer.begin() + static_cast<std::ptrdiff_t>((e + 1) * words), out[e].data.begin());
  }
}

}  // namespace

std::vector<LweCiphertext> apply_linear_map_lwe_ref(const LinearForm& map, uint32_t log2_delta,
                                                    const std::vector<LweCiphertext>& input) {
  FHEQ_CHECK(static_cast<int64_t>(input.size()) == map.input_count);
  std::vector<LweCiphertext> out(static_cast<size_t>(map.output_count));
  for (int64_t o = 0; o < map.output_count; ++o) {
    std::vector<const LweCiphertext*> terms;
    std::vector<int64_t> weights;
    for (int64_t j = map.row_start[static_cast<size_t>(o)]; j < map.row_start[static_cast<size_t>(o) + 1]; ++j) {
      terms.push_back(&input[static_cast<size_t>(map.index[static_cast<size_t>(j)])]);
      weights.push_back(map.weight[static_cast<size_t>(j)]);
    }
    const Torus constant = compiler::encode_integer(map.constant[static_cast<size_t>(o)], log2_delta);
    if (terms.empty()) {
      out[static_cast<size_t>(o)] = tfhe::trivial_lwe(input[0].dimension, constant);
    } else {
      out[static_cast<size_t>(o)] = tfhe::linear_combination_lwe(terms, weights, constant);
    }
  }
  return out;
}

void apply_linear_map_lwe(const LinearForm& map, uint32_t log2_delta, const LweCiphertext* input,
                          LweCiphertext* output, core::ThreadPool& pool) {
  std::vector<const LweCiphertext*> inputs(static_cast<size_t>(map.input_count));
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = &input[i];
  pool.parallel_for(0, static_cast<size_t>(map.output_count), [&](size_t o) {
    combine_row(map, static_cast<int64_t>(o), log2_delta, inputs.data(), output[o]);
  });
}

EncryptedExecutor::EncryptedExecutor(const FheCircuit& circuit, const EvaluationKeys& keys)
    : circuit_(circuit), keys_(keys) {
  const quant::IntegerGraph& graph = circuit.graph;
  FHEQ_REQUIRE(keys.params.fingerprint() == circuit.params.fingerprint(),
               "evaluation keys are for parameter set '", keys.params.name, "', the circuit needs '",
               circuit.params.name, "'");
  maps_.resize(graph.ops.size());
  tlu_plan_of_.assign(graph.ops.size(), -1);
  last_use_.assign(graph.values.size(), 0);
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const quant::IntOp& op = graph.ops[i];
    for (quant::ValueId v : quant::op_inputs(op)) last_use_[static_cast<size_t>(v)] = i;
    if (!quant::is_tlu(op)) maps_[i] = quant::op_linear_form(graph, op);
  }
  const tfhe::TfheParams& p = circuit.params;
  for (const compiler::TluEncoding& t : circuit.tlus) {
    TluPlan plan;
    plan.encoding = &t;
    plan.input_scale = int64_t{1} << t.input_scale_log2;
    plan.input_offset = compiler::encode_integer(t.input_offset, compiler::read_log2_delta(t));
    if (compiler::uses_exact_chunks(t)) {
      // v = u + 2^(k−1): clearing its k low bits leaves ⌊v / 2^k⌋·2^k = round-half-up(u / 2^k)·2^k.
      plan.input_offset += compiler::encode_integer(int64_t{1} << (t.rounding_shift - 1), compiler::read_log2_delta(t));
      plan.exact_steps = make_exact_rounding_steps(t, p);
    }
    for (size_t table = 0; table < t.tables.size(); ++table) {
      std::vector<Torus> outputs(t.tables[table].size());
      for (size_t j = 0; j < outputs.size(); ++j) outputs[j] = compiler::tlu_output_torus(t, table, j);
      plan.tables.push_back(tfhe::make_lookup_table(p.glwe_dimension, p.polynomial_size, t.precision, outputs));
    }
    tlu_plan_of_[t.op_index] = static_cast<int32_t>(tlu_plans_.size());
    tlu_plans_.push_back(std::move(plan));
  }
}

size_t EncryptedExecutor::input_dimension() const {
  return circuit_.input.key == LweKeyKind::kSmall ? circuit_.params.lwe_dimension.value
                                                  : circuit_.params.big_lwe_dimension();
}

std::vector<LweCiphertext> EncryptedExecutor::run(const std::vector<LweCiphertext>& inputs, int64_t batch,
                                                  EvaluationReport* report, core::ThreadPool& pool,
                                                  const PbsExchange* exchange) const {
  const auto start = std::chrono::steady_clock::now();
  const quant::IntegerGraph& graph = circuit_.graph;
  const int64_t in_elements = graph.elements(graph.input);
  FHEQ_REQUIRE(static_cast<int64_t>(inputs.size()) == batch * in_elements, "encrypted input holds ", inputs.size(),
               " ciphertexts, expected ", batch, " samples × ", in_elements, " elements");
  for (const LweCiphertext& c : inputs)
    FHEQ_REQUIRE(c.dimension.value == input_dimension() && c.data.size() == input_dimension() + 1,
                 "encrypted input has LWE dimension ", c.dimension.value, ", the circuit expects ", input_dimension(),
                 circuit_.input.key == LweKeyKind::kSmall ? " (small key)" : " (big key)");

  if (report) {
    report->batch = batch;
    report->threads = pool.size();
    report->ops.clear();
  }
  // values[v]: batch × elements(v) ciphertexts, sample-major.
  std::vector<std::vector<LweCiphertext>> values(graph.values.size());
  values[static_cast<size_t>(graph.input)] = inputs;

  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const quant::IntOp& op = graph.ops[i];
    const auto op_start = std::chrono::steady_clock::now();
    const quant::ValueId out_id = quant::op_output(op);
    const int64_t out_elements = graph.elements(out_id);
    std::vector<LweCiphertext>& out = values[static_cast<size_t>(out_id)];
    out.assign(static_cast<size_t>(batch * out_elements), LweCiphertext());
    OpTiming timing{i, quant::op_kind(op), graph.value(out_id).name, 0, 0, 0};

    if (tlu_plan_of_[i] >= 0) {
      const TluPlan& plan = tlu_plans_[static_cast<size_t>(tlu_plan_of_[i])];
      const compiler::TluEncoding& t = *plan.encoding;
      const auto& in = values[static_cast<size_t>(t.input)];
      FHEQ_CHECK(in.size() == out.size());
      // This process's share of the op's PBSs (all of them when alone).
      const std::vector<size_t> begin = share_bounds(in.size(), exchange);
      const size_t lo = begin[static_cast<size_t>(exchange ? exchange->rank() : 0)];
      const size_t count = begin[static_cast<size_t>(exchange ? exchange->rank() : 0) + 1] - lo;
      std::vector<LweCiphertext> shifted(count), part(count);
      std::vector<const tfhe::LookupTable*> tables(count);
      pool.parallel_for(0, count, [&](size_t j) {
        const size_t e = lo + j;
        shifted[j] = in[e];
        if (plan.input_scale != 1) tfhe::scale_lwe_assign(shifted[j], plan.input_scale);
        tfhe::add_plaintext_lwe_assign(shifted[j], plan.input_offset);
        const size_t element = e % static_cast<size_t>(out_elements);
        const size_t table = t.element_table.empty() ? 0 : static_cast<size_t>(t.element_table[element]);
        tables[j] = &plan.tables[table];
      });
      const size_t expected_dimension =
          t.keyswitch ? circuit_.params.big_lwe_dimension() : circuit_.params.lwe_dimension.value;
      FHEQ_REQUIRE(in[0].dimension.value == expected_dimension, "TLU '", timing.name, "': expects its input under the ",
                   t.keyswitch ? "big" : "small", " key");
      if (t.keyswitch) {
        if (!plan.exact_steps.empty()) {
          const int64_t reads = count > 0 ? run_exact_rounding(plan.exact_steps, keys_.keys, shifted, pool) : 0;
          timing.pbs += reads * static_cast<int64_t>(in.size());
          timing.keyswitches += reads * static_cast<int64_t>(in.size());
        }
        if (count > 0)
          tfhe::keyswitch_bootstrap_lwe_batch(keys_.keys.compact_keyswitch_key, keys_.keys.bootstrap_key, tables,
                                              shifted, part, pool);
        timing.keyswitches += static_cast<int64_t>(in.size());
      } else if (count > 0) {
        tfhe::bootstrap_lwe_batch(keys_.keys.bootstrap_key, tables, shifted, part, pool);
      }
      std::move(part.begin(), part.end(), out.begin() + static_cast<std::ptrdiff_t>(lo));
      if (exchange && exchange->size() > 1) exchange_parts(out, begin, circuit_.params.big_lwe_dimension(), *exchange);
      timing.pbs += static_cast<int64_t>(in.size());
    } else {
      const LinearForm& map = maps_[i];
      const std::vector<quant::ValueId> in_ids = quant::op_inputs(op);
      const uint32_t log2_delta = circuit_.values[static_cast<size_t>(out_id)].log2_delta;
      for (quant::ValueId v : in_ids) {
        const auto& in = values[static_cast<size_t>(v)];
        FHEQ_CHECK(static_cast<int64_t>(in.size()) == batch * graph.elements(v));
        FHEQ_REQUIRE(in[0].dimension == values[static_cast<size_t>(in_ids[0])][0].dimension, timing.kind, " '",
                     timing.name, "': operands are under different LWE keys (the compiler must put them in one component)");
      }
      // Per sample, the op's input ciphertexts in LinearForm order (its inputs concatenated).
      std::vector<std::vector<const LweCiphertext*>> sample_inputs(static_cast<size_t>(batch));
      for (int64_t s = 0; s < batch; ++s) {
        auto& list = sample_inputs[static_cast<size_t>(s)];
        list.reserve(static_cast<size_t>(map.input_count));
        for (quant::ValueId v : in_ids) {
          const int64_t per = graph.elements(v);
          const auto& in = values[static_cast<size_t>(v)];
          for (int64_t e = 0; e < per; ++e) list.push_back(&in[static_cast<size_t>(s * per + e)]);
        }
        FHEQ_CHECK(static_cast<int64_t>(list.size()) == map.input_count);
      }
      // Parallel over (sample, output row): every row is an independent linear combination.
      const size_t rows = static_cast<size_t>(map.output_count);
      pool.parallel_for(0, static_cast<size_t>(batch) * rows, [&](size_t task) {
        const size_t s = task / rows, o = task % rows;
        combine_row(map, static_cast<int64_t>(o), log2_delta, sample_inputs[s].data(), out[s * rows + o]);
      });
    }
    // Free values nobody reads any more (the output stays).
    for (quant::ValueId v : quant::op_inputs(op))
      if (last_use_[static_cast<size_t>(v)] == i && v != graph.output) std::vector<LweCiphertext>().swap(values[static_cast<size_t>(v)]);
    timing.seconds = seconds_since(op_start);
    if (report) report->ops.push_back(timing);
  }
  std::vector<LweCiphertext> output = std::move(values[static_cast<size_t>(graph.output)]);
  round_to_transport_bits(output, circuit_.output.transport_bits, pool);
  if (report) report->seconds = seconds_since(start);
  return output;
}

std::string EvaluationReport::to_text() const {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-4s %-10s %-28s %8s %10s %6s\n", "op", "kind", "value", "PBS", "ms", "share");
  text += line;
  for (const OpTiming& op : ops) {
    std::snprintf(line, sizeof line, "%-4zu %-10s %-28.28s %8lld %10.1f %5.1f%%\n", op.op_index, op.kind.c_str(),
                  op.name.c_str(), static_cast<long long>(op.pbs), op.seconds * 1e3,
                  seconds > 0 ? 100.0 * op.seconds / seconds : 0.0);
    text += line;
  }
  std::snprintf(line, sizeof line, "total: %lld samples, %zu threads, %.1f ms (%.1f ms per sample)\n",
                static_cast<long long>(batch), threads, seconds * 1e3, batch > 0 ? seconds * 1e3 / batch : 0.0);
  text += line;
  return text;
}

}  // namespace fheq::runtime
