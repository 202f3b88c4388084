// Test helpers for the PTQ tests: seeds (printed, replayable with FHEQ_TEST_SEED), random integer graphs
// covering every op kind, and hand-built float graphs.
#pragma once

#include "common/test_seed.h"
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "graph/graph.h"
#include "quant/integer_graph.h"

namespace fheq::quant::testing {

using ::fheq::test_support::test_seed;

inline int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

inline std::vector<int64_t> random_vector(std::mt19937_64& rng, size_t n, int64_t lo, int64_t hi) {
  std::vector<int64_t> v(n);
  for (auto& x : v) x = uniform(rng, lo, hi);
  return v;
}

// A random table lookup over `input` with 1..3 tables, a random rounding shift and random domains.
inline ValueId add_random_tlu(IntegerGraph& g, ValueId input, std::mt19937_64& rng, int64_t max_shift) {
  TluOp tlu;
  tlu.input = input;
  tlu.rounding_shift = uniform(rng, 0, max_shift);
  const int64_t n_tables = uniform(rng, 1, 3);
  for (int64_t t = 0; t < n_tables; ++t) {
    LookupTable table;
    table.input_min = uniform(rng, -40, 5);
    table.values = random_vector(rng, static_cast<size_t>(uniform(rng, 1, 60)), -7, 7);
    tlu.tables.push_back(table);
  }
  if (n_tables > 1) {
    tlu.element_table.resize(static_cast<size_t>(g.elements(input)));
    for (auto& e : tlu.element_table) e = static_cast<int32_t>(uniform(rng, 0, n_tables - 1));
  }
  tlu.output = g.add_value("tlu", g.value(input).shape);
  g.ops.push_back(tlu);
  return tlu.output;
}

// Input [C, H, W] → Conv2d → TLU → WindowTap/SumPool → Sub → TLU → Reshape → IndexMap → Dense → Add → output,
// with random geometry (pads, strides, dilations, groups) and constants.
inline IntegerGraph random_integer_graph(std::mt19937_64& rng) {
  IntegerGraph g;
  const int64_t groups = uniform(rng, 1, 2);
  const int64_t cin = groups * uniform(rng, 1, 2), cout = groups * uniform(rng, 1, 3);
  Window2d w;
  w.in_h = uniform(rng, 3, 9), w.in_w = uniform(rng, 3, 9);
  w.kernel_h = uniform(rng, 1, 3), w.kernel_w = uniform(rng, 1, 3);
  w.stride_h = uniform(rng, 1, 2), w.stride_w = uniform(rng, 1, 2);
  w.dilation_h = uniform(rng, 1, 2), w.dilation_w = uniform(rng, 1, 2);
  w.pad_top = uniform(rng, 0, 2), w.pad_left = uniform(rng, 0, 2);
  w.pad_bottom = uniform(rng, 0, 2), w.pad_right = uniform(rng, 0, 2);
  w.out_h = std::max<int64_t>(1, (w.in_h + w.pad_top + w.pad_bottom - (w.kernel_h - 1) * w.dilation_h - 1) / w.stride_h + 1);
  w.out_w = std::max<int64_t>(1, (w.in_w + w.pad_left + w.pad_right - (w.kernel_w - 1) * w.dilation_w - 1) / w.stride_w + 1);
  g.input = g.add_value("x", Shape{cin, w.in_h, w.in_w});
  Conv2dOp conv;
  conv.input = g.input;
  conv.in_channels = cin;
  conv.out_channels = cout;
  conv.groups = groups;
  conv.window = w;
  conv.pad_value = uniform(rng, -3, 3);
  conv.weights = random_vector(rng, static_cast<size_t>(cout * (cin / groups) * w.kernel_size()), -9, 9);
  conv.bias = random_vector(rng, static_cast<size_t>(cout), -50, 50);
  conv.output = g.add_value("conv", Shape{cout, w.out_h, w.out_w});
  g.ops.push_back(conv);
  const ValueId act = add_random_tlu(g, conv.output, rng, 4);
  // Pool geometry over the conv output.
  Window2d p;
  p.in_h = w.out_h, p.in_w = w.out_w;
  p.kernel_h = std::min<int64_t>(2, p.in_h), p.kernel_w = std::min<int64_t>(2, p.in_w);
  p.stride_h = p.kernel_h, p.stride_w = p.kernel_w;
  p.pad_top = uniform(rng, 0, p.kernel_h - 1), p.pad_left = uniform(rng, 0, p.kernel_w - 1);
  p.out_h = (p.in_h + p.pad_top - p.kernel_h) / p.stride_h + 1;
  p.out_w = (p.in_w + p.pad_left - p.kernel_w) / p.stride_w + 1;
  const Shape pooled{cout, p.out_h, p.out_w};
  SumPool2dOp pool{act, g.add_value("pool", pooled), cout, p, uniform(rng, -2, 2)};
  g.ops.push_back(pool);
  WindowTapOp tap{act, g.add_value("tap", pooled), cout, p, uniform(rng, 0, p.kernel_h - 1), uniform(rng, 0, p.kernel_w - 1),
                  uniform(rng, -5, 5)};
  g.ops.push_back(tap);
  AddOp diff{pool.output, tap.output, g.add_value("diff", pooled), -1};
  g.ops.push_back(diff);
  const ValueId act2 = add_random_tlu(g, diff.output, rng, 3);
  const int64_t features = shape_size(pooled);
  ReshapeOp flat{act2, g.add_value("flat", Shape{features})};
  g.ops.push_back(flat);
  // An index map over two inputs (Concat / Gather / Pad style): random picks of either, some fills.
  IndexMapOp mix;
  mix.sources = {flat.output, act2};
  mix.index = random_vector(rng, static_cast<size_t>(features + 1), -1, 2 * features - 1);
  mix.fill = uniform(rng, -4, 4);
  mix.label = "Gather";
  mix.output = g.add_value("mix", Shape{features + 1});
  g.ops.push_back(mix);
  const int64_t outs = uniform(rng, 1, 6);
  DenseOp dense;
  dense.input = mix.output;
  dense.in_features = features + 1;
  dense.out_features = outs;
  dense.weights = random_vector(rng, static_cast<size_t>((features + 1) * outs), -20, 20);
  dense.bias = random_vector(rng, static_cast<size_t>(outs), -100, 100);
  dense.output = g.add_value("dense", Shape{outs});
  g.ops.push_back(dense);
  const ValueId act3 = add_random_tlu(g, dense.output, rng, 6);
  AddOp sum{dense.output, act3, g.add_value("sum", Shape{outs}), 1};
  g.ops.push_back(sum);
  g.output = sum.output;
  return g;
}

inline IntTensor random_input(const IntegerGraph& g, int64_t batch, std::mt19937_64& rng, int64_t lo, int64_t hi) {
  Shape shape{batch};
  for (int64_t d : g.value(g.input).shape) shape.push_back(d);
  IntTensor x(shape);
  for (auto& v : x.data) v = uniform(rng, lo, hi);
  return x;
}

}  // namespace fheq::quant::testing
