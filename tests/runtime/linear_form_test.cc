// The rows (quant/linear_form.h) the encrypted executor evaluates must compute exactly what each op's own
// run_ref computes (an independent coding of the same semantics), on random graphs covering Conv2d (pads,
// strides, dilations, groups, pad values), SumPool2d, WindowTap, Add/Sub, Reshape, IndexMap and Dense. And the
// fast ciphertext kernel must equal its reference bit for bit.
#include <gtest/gtest.h>

#include <random>

#include "../quant/quant_test_support.h"
#include "quant/integer_executor.h"
#include "runtime/encrypted_executor.h"
#include "quant/linear_form.h"
#include "tfhe/algorithms/lwe_encryption.h"
#include "tfhe/commons/parameter_sets.h"

namespace fheq::runtime {
namespace {

using quant::testing::random_input;
using quant::testing::random_integer_graph;
using quant::testing::test_seed;

TEST(LinearForm, EqualsClearExecutorOnRandomGraphs) {
  std::mt19937_64 rng(test_seed("LinearForm.EqualsClearExecutorOnRandomGraphs"));
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const quant::IntegerGraph g = random_integer_graph(rng);
    const IntTensor x = random_input(g, 3, rng, -20, 20);
    const std::vector<IntTensor> values = quant::run_integer_graph_all_ref(g, x);
    for (const quant::IntOp& op : g.ops) {
      if (quant::is_tlu(op)) continue;
      const quant::LinearForm map = quant::op_linear_form(g, op);
      const IntTensor& out = values[static_cast<size_t>(quant::op_output(op))];
      const int64_t batch = out.dim(0);
      ASSERT_EQ(map.output_count * batch, out.size());
      for (int64_t s = 0; s < batch; ++s) {
        std::vector<int64_t> sample;  // the op's inputs concatenated, as the form indexes them
        for (quant::ValueId v : quant::op_inputs(op)) {
          const IntTensor& in = values[static_cast<size_t>(v)];
          const int64_t per = in.size() / batch;
          sample.insert(sample.end(), in.data.begin() + s * per, in.data.begin() + (s + 1) * per);
        }
        ASSERT_EQ(static_cast<int64_t>(sample.size()), map.input_count);
        const std::vector<int64_t> expected(out.data.begin() + s * map.output_count,
                                            out.data.begin() + (s + 1) * map.output_count);
        ASSERT_EQ(quant::apply_linear_form(map, sample), expected) << "trial " << trial << " op " << quant::op_kind(op);
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 40 * 5);
}

TEST(LinearForm, FastCiphertextKernelEqualsReference) {
  std::mt19937_64 rng(test_seed("LinearForm.FastCiphertextKernelEqualsReference"));
  const quant::IntegerGraph g = random_integer_graph(rng);
  const tfhe::TfheParams& params = tfhe::params_toy(3);
  tfhe::Seed seed{};
  seed[0] = static_cast<uint8_t>(rng());
  tfhe::Csprng gen(seed);
  tfhe::NoiseSampler sampler(seed);
  tfhe::LweSecretKey key{params.lwe_dimension, core::SecretVector<uint64_t>(params.lwe_dimension.value)};
  gen.fill_binary(key.data.data(), key.data.size());
  for (const quant::IntOp& op : g.ops) {
    if (quant::is_tlu(op)) continue;
    const quant::LinearForm map = quant::op_linear_form(g, op);
    std::vector<tfhe::LweCiphertext> in;
    for (int64_t i = 0; i < map.input_count; ++i)
      in.push_back(tfhe::encrypt_lwe(key, static_cast<tfhe::Torus>(quant::testing::uniform(rng, -9, 9)) << 50,
                                     params.lwe_noise, gen, sampler));
    const auto ref = apply_linear_map_lwe_ref(map, 50, in);
    std::vector<tfhe::LweCiphertext> fast(static_cast<size_t>(map.output_count));
    apply_linear_map_lwe(map, 50, in.data(), fast.data(), core::default_thread_pool());
    for (size_t o = 0; o < ref.size(); ++o) ASSERT_EQ(fast[o].data, ref[o].data) << quant::op_kind(op) << " row " << o;
  }
}

}  // namespace
}  // namespace fheq::runtime
