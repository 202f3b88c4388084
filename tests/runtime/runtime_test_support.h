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
#include "runtime/artifacts.h"
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

struct SmallModel {
  std::unique_ptr<QuantizedModel> quantized;
  compiler::FheCircuit circuit;
  ClientSpec client;
  uint64_t fingerprint = 0;
  Dataset test;
};

// digits_mlp (64-32-10) quantized at `bits` bits, compiled with the TOY set of the circuit's precision
// (or `params` when given; or the compiler's own 128-bit choice with secure_selection). No rounding unless rounding_bits > 0.
inline SmallModel compile_digits(int bits, int rounding_bits = 0,
                                 quant::RoundingMode mode = quant::RoundingMode::kExact,
                                 const tfhe::TfheParams* params = nullptr, bool secure_selection = false) {
  const FloatModel model = FloatModel::load(std::string(FHEQ_SOURCE_DIR) + "/models/digits_mlp.onnx");
  const Dataset train = load_dataset("digits", "train");
  PtqOptions options;
  options.n_bits = NBits::all(bits);
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

}  // namespace fheq::runtime::testing
