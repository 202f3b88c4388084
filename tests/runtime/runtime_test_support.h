// Shared helpers for the runtime tests: a small compiled model (digits_mlp at a few bits, TOY parameters
// by explicit test-only opt-in), deterministic keys, replayable seeds.
#pragma once

#include "common/test_seed.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "compiler/compile_circuit.h"
#include "fheq/data.h"
#include "fheq/evaluation.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"
#include "quant/bit_width.h"
#include "quant/ptq.h"
#include "runtime/artifacts.h"
#include "runtime/client_crypto.h"
#include "runtime/encrypted_executor.h"
#include "runtime/keys.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::runtime::testing {

using ::fheq::test_support::test_seed;

inline tfhe::Seed make_seed(uint64_t seed, uint64_t purpose) {
  tfhe::Seed out{};
  std::memcpy(out.data(), &seed, 8);
  std::memcpy(out.data() + 8, &purpose, 8);
  return out;
}

// The whole encrypted round trip of a compiled circuit: keys from `seed` (purpose 1), seeded encryption
// (purposes 2 and 3), server evaluation with the evaluation keys only, decryption of the output accumulators.
inline IntTensor encrypt_run_decrypt(const compiler::FheCircuit& circuit, const ClientSpec& client,
                                     const IntTensor& codes, uint64_t seed, EvaluationReport* report = nullptr) {
  tfhe::Csprng gen(make_seed(seed, 1));
  const SecretKeySet secret = generate_secret_keys(circuit.params, client.circuit_fingerprint, gen);
  const EvaluationKeys keys = expand_evaluation_keys(generate_evaluation_keys(secret, gen));
  tfhe::Csprng seeds(make_seed(seed, 2));
  const EncryptedInput enc = encrypt_input(client, secret, codes, seeds, make_seed(seed, 3));
  EncryptedOutput out;
  out.circuit_fingerprint = client.circuit_fingerprint;
  out.batch = enc.batch;
  out.sample_shape = client.output_shape;
  out.ciphertexts = EncryptedExecutor(circuit, keys).run(decompress_input(enc), enc.batch, report);
  return decrypt_output(client, secret, out);
}

// `network` compiled with exact rounding to `rounding_bits` kept bits on the TOY set of the circuit's own
// precision (compiled once to learn it), its facts printed; the caller checks the predicted p_error.
inline compiler::FheCircuit compile_exact_on_toy(const quant::QuantizedNetwork& network, int rounding_bits) {
  compiler::CircuitOptions options;
  options.rounding_bits = rounding_bits;
  options.rounding_mode = quant::RoundingMode::kExact;
  options.fixed_params = tfhe::params_toy(8);
  const uint32_t precision = compiler::compile_circuit(network, options).max_precision;
  options.fixed_params = tfhe::params_toy(precision);
  compiler::FheCircuit circuit = compiler::compile_circuit(network, options);
  std::printf("%zu TLUs, max precision %u, PBS/sample %lld, %s, predicted global p_error %.3g\n", circuit.tlus.size(),
              circuit.max_precision, static_cast<long long>(circuit.pbs_count), circuit.params.name.c_str(),
              circuit.global_p_error);
  return circuit;
}

struct SmallModel {
  std::unique_ptr<QuantizedModel> quantized;
  compiler::FheCircuit circuit;
  ClientSpec client;
  uint64_t fingerprint = 0;
  Dataset test;
};

// digits_mlp (64-32-10) quantized at `bits` bits, compiled with the TOY set of the circuit's precision
// per-tensor weights (or `params` when given; or the compiler's own 128-bit choice with secure_selection). No rounding unless rounding_bits > 0.
inline SmallModel compile_digits(int bits, int rounding_bits = 0,
                                 quant::RoundingMode mode = quant::RoundingMode::kExact,
                                 const tfhe::TfheParams* params = nullptr, bool secure_selection = false) {
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx");
  const Dataset train = load_dataset("digits", "train");
  PtqOptions options;
  options.n_bits = NBits::all(bits);
  options.per_channel = false;  // the fixtures' noise and error counts were worked out on per-tensor tables
  SmallModel out;
  out.quantized = std::make_unique<QuantizedModel>(quantize(model, train.x, options));
  compiler::CircuitOptions copt;
  copt.rounding_bits = rounding_bits;
  copt.rounding_mode = mode;
  if (!secure_selection) copt.fixed_params = params ? *params : tfhe::params_toy(8);
  out.circuit = compiler::compile_circuit(out.quantized->network(), copt);
  if (!params && !secure_selection) {
    copt.fixed_params = tfhe::params_toy(out.circuit.max_precision);
    out.circuit = compiler::compile_circuit(out.quantized->network(), copt);
  }
  out.client = make_client_spec(out.circuit, out.quantized->network());
  out.fingerprint = out.client.circuit_fingerprint;
  out.test = load_dataset("digits", "test");
  return out;
}


// Input codes in `input_range` (n_bits, scale) → Dense (weights row-major [out][in], zero bias) → one TLU
// (`tlu`: tables, rounding; its input/output are set here) → output, dequantized with one identity group.
// Observed ranges are the worst case, as if calibrated on every input.
inline quant::QuantizedNetwork dense_tlu_network(int64_t in_features, int64_t out_features, std::vector<int64_t> weights,
                                                 quant::TluOp tlu, quant::IntRange input_range, int n_bits,
                                                 double scale) {
  quant::QuantizedNetwork n;
  quant::IntegerGraph& g = n.graph;
  g.input = g.add_value("x", Shape{in_features});
  quant::DenseOp dense;
  dense.input = g.input;
  dense.output = g.add_value("acc", Shape{out_features});
  dense.in_features = in_features;
  dense.out_features = out_features;
  dense.weights = std::move(weights);
  dense.bias.assign(static_cast<size_t>(out_features), 0);
  g.ops.push_back(dense);
  tlu.input = dense.output;
  tlu.output = g.add_value("y", Shape{out_features});
  g.ops.push_back(tlu);
  g.output = tlu.output;
  n.input_range = input_range;
  n.input.params.n_bits = n_bits;
  n.input.params.scale = scale;
  n.input.params.qmin = input_range.min;
  n.input.params.qmax = input_range.max;
  n.input.shape = Shape{in_features};
  n.output.groups.push_back(quant::AffineGroup{});
  n.output.element_group.assign(static_cast<size_t>(out_features), 0);
  n.output.shape = Shape{out_features};
  n.observed = quant::worst_case_ranges(g, n.input_range);
  n.calibration_samples = 1;
  return n;
}

// A one-layer network whose TLU is the identity on the accumulator domain [−512, 383] of a random ±1 Dense
// 16 → 32 over 4-bit codes (|acc| ≤ 240): every read index is visible after decryption. With 2 kept bits
// (k = 8) the rounded ends are −2 and 1, exactly 2^2 indices, so no padding entry repeats a value. Used by
// the approximate- and exact-rounding rate tests.
constexpr int64_t kFeatures = 16, kOutputs = 32;  // of identity_tlu_network

inline quant::QuantizedNetwork identity_tlu_network(std::mt19937_64& rng) {
  std::vector<int64_t> weights;
  std::uniform_int_distribution<int64_t> w(-1, 1);  // |acc| ≤ 240
  for (int64_t i = 0; i < kFeatures * kOutputs; ++i) weights.push_back(w(rng));
  quant::TluOp tlu;
  quant::LookupTable identity;
  identity.input_min = -512;
  for (int64_t a = -512; a <= 383; ++a) identity.values.push_back(a);
  tlu.tables.push_back(identity);
  return dense_tlu_network(kFeatures, kOutputs, std::move(weights), tlu, quant::IntRange{0, 15}, 4, 1.0 / 15);
}

inline IntTensor random_codes(std::mt19937_64& rng, int64_t batch) {
  IntTensor codes(Shape{batch, kFeatures});
  std::uniform_int_distribution<int64_t> c(0, 15);
  for (auto& v : codes.data) v = c(rng);
  return codes;
}

}  // namespace fheq::runtime::testing
