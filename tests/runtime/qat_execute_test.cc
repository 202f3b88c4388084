// Quantization-aware models encrypted: the model's own grids survive the FHE circuit. For a QONNX model with
// SIGNED 4-bit input codes (the client encrypts negative integers) and the hand-built Brevitas-style model
// (per-channel Conv weights, AveragePool + Trunc, BipolarQuant's ±1 codes, a calibrated float layer), every
// decrypted output accumulator equals the clear integer executor's: exact rounding, exact output decoding.
#include <gtest/gtest.h>

#include "../graph/test_support.h"
#include "compiler/compile_circuit.h"
#include "fheq/model.h"
#include "fheq/quantized_model.h"
#include "quant/integer_executor.h"
#include "quant/ptq.h"
#include "runtime_test_support.h"

namespace fheq::runtime {
namespace {

using graph::testing::read_npy;
using graph::testing::test_model_path;
using testing::test_seed;

// toy: TOY parameters of the circuit's precision (fast); otherwise the compiler's own 128-bit choice.
void expect_execute_equals_clear(const std::string& name, int rounding_bits, bool toy, int64_t samples) {
  const uint64_t seed = test_seed(name.c_str());
  const FloatModel model = FloatModel::load(test_model_path(name + ".onnx"));
  const FloatTensor x = read_npy(test_model_path(name + ".input.npy"));
  const QuantizedModel q = quantize(model, x, PtqOptions{});
  compiler::CircuitOptions options;
  options.rounding_bits = rounding_bits;
  options.rounding_mode = quant::RoundingMode::kExact;
  options.output_decoding = FheOutputDecoding::kRequireExact;
  if (toy) options.fixed_params = tfhe::params_toy(8);
  compiler::FheCircuit circuit = compiler::compile_circuit(q.network(), options);
  if (toy) {
    options.fixed_params = tfhe::params_toy(circuit.max_precision);
    circuit = compiler::compile_circuit(q.network(), options);
  }
  const ClientSpec client = make_client_spec(circuit, q.network());
  std::printf("%s: %s, max precision %u, %lld PBS/sample, input codes [%lld, %lld]\n", name.c_str(),
              circuit.params.name.c_str(), circuit.max_precision, static_cast<long long>(circuit.pbs_count),
              static_cast<long long>(q.network().input_range.min), static_cast<long long>(q.network().input_range.max));

  const IntTensor codes = q.quantize_input(slice_batch(x, 0, samples));
  const IntTensor decrypted = testing::encrypt_run_decrypt(circuit, client, codes, seed);
  const IntTensor clear = quant::run_integer_graph(circuit.graph, codes);
  ASSERT_EQ(decrypted.shape, clear.shape);
  EXPECT_EQ(decrypted.data, clear.data);
}

TEST(QatExecute, SignedInputCodesEqualClear) {
  expect_execute_equals_clear("qonnx_signed_input", 0, true, 6);
}

TEST(QatExecute, BrevitasStyleModelEqualsClear) {
  // 128-bit parameters: with a TOY set forced on it, this circuit's 8-bit float last layer is not decoded exactly
  // (forced parameters skip the noise check that the compiler's own choice passes). Rounding to 4 bits and two samples keep it ~15 s.
  expect_execute_equals_clear("qonnx_brevitas_small", 4, false, 2);
}

}  // namespace
}  // namespace fheq::runtime
