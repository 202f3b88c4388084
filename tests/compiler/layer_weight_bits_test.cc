// Per-layer weight bits (PtqOptions::layer_weight_bits) and the bit allocation's choice of which layers to lower
// (noisiest_layers): an override quantizes its own layer exactly as uniform bits would and leaves the others alone;
// lowering the layers noisiest_layers names lowers the noise the parameter set must absorb, lowering another
// layer does not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <string>

#include "../quant/float_graph_builder.h"
#include "../quant/quant_test_support.h"
#include "compiler/bit_allocation.h"
#include "compiler/compile_circuit.h"
#include "fheq/error.h"
#include "quant/ptq.h"

namespace fheq::compiler {
namespace {

using quant::testing::GraphBuilder;
using quant::testing::random_batch;
using quant::testing::test_seed;

// 32 → Gemm_0 → 96 → Relu → Gemm_2 → 4 → Relu → Gemm_4 → 16 → Relu → Gemm_6 → 10. Gemm_2 sums 96 inputs, Gemm_4
// only 4: at equal bits Gemm_2's rows have about √24 times the 2-norm, so its table demands the most of the
// parameter set; Gemm_0 reads fresh inputs and Gemm_6 writes the output (no table after it).
graph::Graph four_layer_mlp(std::mt19937_64& rng) {
  GraphBuilder b(Shape{32});
  const std::string h1 = b.node("Relu", {b.linear("x", 32, 96, rng)}, Shape{96});
  const std::string h2 = b.node("Relu", {b.linear(h1, 96, 4, rng)}, Shape{4});
  const std::string h3 = b.node("Relu", {b.linear(h2, 4, 16, rng)}, Shape{16});
  return b.finish(b.linear(h3, 16, 10, rng));
}

std::vector<const quant::DenseOp*> dense_ops(const quant::QuantizedNetwork& net) {
  std::vector<const quant::DenseOp*> out;
  for (const quant::IntOp& op : net.graph.ops)
    if (const auto* d = std::get_if<quant::DenseOp>(&op)) out.push_back(d);
  return out;
}

int64_t largest_weight(const quant::DenseOp& d) {
  int64_t m = 0;
  for (int64_t w : d.weights) m = std::max(m, std::abs(w));
  return m;
}

PtqOptions per_channel_options(int weight_bits) {
  PtqOptions o = quant::testing::test_ptq_options();
  o.per_channel = true;
  o.n_bits.weights = weight_bits;
  return o;
}

TEST(LayerWeightBits, OverrideQuantizesItsLayerAsUniformBitsWouldAndNoOther) {
  std::mt19937_64 rng(test_seed("LayerWeightBits.OverrideQuantizesItsLayerAsUniformBitsWouldAndNoOther"));
  const graph::Graph g = four_layer_mlp(rng);
  const FloatTensor calibration = random_batch(Shape{32}, 200, rng, 0.0, 1.0);
  PtqOptions mixed = per_channel_options(8);
  mixed.layer_weight_bits["Gemm_2"] = 3;
  const quant::QuantizedNetwork net = quant::quantize_graph(g, calibration, mixed);
  const quant::QuantizedNetwork all8 = quant::quantize_graph(g, calibration, per_channel_options(8));
  const quant::QuantizedNetwork all3 = quant::quantize_graph(g, calibration, per_channel_options(3));
  const auto d = dense_ops(net), d8 = dense_ops(all8), d3 = dense_ops(all3);
  ASSERT_EQ(d.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    // Symmetric narrow b-bit codes reach ±(2^(b−1) − 1) in every row's largest weight.
    EXPECT_EQ(largest_weight(*d[i]), i == 1 ? 3 : 127) << "layer " << i;
    EXPECT_EQ(d[i]->weights, (i == 1 ? d3 : d8)[i]->weights) << "layer " << i;
  }
  ASSERT_EQ(net.calibrated_layers.size(), 4u);
  const std::vector<std::string> names{"Gemm_0", "Gemm_2", "Gemm_4", "Gemm_6"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(net.calibrated_layers[i].node, names[i]);
    EXPECT_EQ(net.calibrated_layers[i].output, d[i]->output);
    EXPECT_EQ(net.calibrated_layers[i].weight_bits, i == 1 ? 3 : 8);
  }
}

TEST(LayerWeightBits, UnknownLayersAndBadBitsAreRefusedByName) {
  std::mt19937_64 rng(test_seed("LayerWeightBits.UnknownLayersAndBadBitsAreRefusedByName"));
  const graph::Graph g = four_layer_mlp(rng);
  const FloatTensor calibration = random_batch(Shape{32}, 50, rng, 0.0, 1.0);
  auto refusal = [&](const std::string& layer, int bits) {
    PtqOptions o = per_channel_options(8);
    o.layer_weight_bits[layer] = bits;
    try {
      quant::quantize_graph(g, calibration, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  for (const std::string layer : {"Gemm_9", "Relu_1"}) {
    const std::string why = refusal(layer, 4);
    EXPECT_NE(why.find("'" + layer + "'"), std::string::npos) << why;
    EXPECT_NE(why.find("not a node with calibrated weights"), std::string::npos) << why;
  }
  for (const int bits : {1, 17}) {
    const std::string why = refusal("Gemm_2", bits);
    EXPECT_NE(why.find("'Gemm_2' = " + std::to_string(bits) + ": expected 2..16"), std::string::npos) << why;
  }
}

// A table's demand on the parameter set: log2 weight norm + precision. tlus[0] reads Gemm_0 (fresh inputs only),
// tlus[1] Gemm_2, tlus[2] Gemm_4.
double demand(const FheCircuit& c, size_t tlu) { return c.tlus[tlu].log2_norm2 + c.tlus[tlu].precision; }
double largest_demand(const FheCircuit& c) { return std::max(demand(c, 1), demand(c, 2)); }

TEST(LayerWeightBits, LoweringTheNoisiestLayersLowersTheDemandAndAnyOtherLayerDoesNot) {
  std::mt19937_64 rng(test_seed("LayerWeightBits.LoweringTheNoisiestLayersLowersTheDemandAndAnyOtherLayerDoesNot"));
  const graph::Graph g = four_layer_mlp(rng);
  const FloatTensor calibration = random_batch(Shape{32}, 200, rng, 0.0, 1.0);
  CircuitOptions co;
  co.rounding_bits = 6;
  struct Compiled {
    FheCircuit circuit;
    std::vector<std::string> noisiest;
  };
  auto compile_with = [&](const std::map<std::string, int>& layers) {
    PtqOptions o = per_channel_options(8);
    o.layer_weight_bits = layers;
    const quant::QuantizedNetwork net = quant::quantize_graph(g, calibration, o);
    Compiled c{compile_circuit(net, co), {}};
    c.noisiest = noisiest_layers(net, c.circuit);
    return c;
  };
  const Compiled base = compile_with({});
  ASSERT_EQ(base.circuit.tlus.size(), 3u);
  // The layers behind the tables within one bit of the largest demand; never Gemm_0 (fresh inputs), never Gemm_6.
  std::vector<std::string> expected;
  if (demand(base.circuit, 1) >= largest_demand(base.circuit) - 1.0) expected.push_back("Gemm_2");
  if (demand(base.circuit, 2) >= largest_demand(base.circuit) - 1.0) expected.push_back("Gemm_4");
  EXPECT_EQ(base.noisiest, expected) << "demands " << demand(base.circuit, 1) << ", " << demand(base.circuit, 2);
  std::map<std::string, int> lower_named, lower_other;
  for (const std::string layer : {"Gemm_2", "Gemm_4"})
    (std::count(expected.begin(), expected.end(), layer) ? lower_named : lower_other)[layer] = 5;
  // Three weight bits fewer (weights ≈ 16× smaller) on the named layers: the largest demand drops by over a bit.
  EXPECT_LT(largest_demand(compile_with(lower_named).circuit), largest_demand(base.circuit) - 1.0);
  // On a layer not named: the noisiest table is untouched.
  if (!lower_other.empty()) {
    EXPECT_EQ(largest_demand(compile_with(lower_other).circuit), largest_demand(base.circuit));
  }
}

}  // namespace
}  // namespace fheq::compiler
