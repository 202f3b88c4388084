// Every one-input linear op of the integer graph (Dense, Conv2d, SumPool2d, WindowTap, Reshape) written as
// one sparse affine map over the flattened per-sample elements:
//   out[o] = constant[o] + Σ_{j ∈ [row_start[o], row_start[o+1])} weight[j] · in[index[j]].
// Padding taps read the op's clear pad_value, so they fold into constant[o]. The encrypted executor then
// needs ONE kernel for all of them (an LWE linear combination per output), and the map is checked against
// p1's clear integer executor (tests/runtime/linear_map_test.cc), so both compute the same function.
#pragma once

#include <cstdint>
#include <vector>

#include "quant/integer_graph.h"

namespace fheq::runtime {

struct LinearMap {
  int64_t input_count = 0;
  int64_t output_count = 0;
  std::vector<int64_t> row_start;  // output_count + 1
  std::vector<int32_t> index;      // input element read
  std::vector<int64_t> weight;     // its clear weight (never 0: zero weights are dropped)
  std::vector<int64_t> constant;   // output_count clear constants (bias, padding)

  // The squared 2-norm of row o's weights (noise growth of that output: TFHE JoC 2020 §3.1).
  int64_t row_norm2_squared(int64_t o) const;
};

// The map of a Dense, Conv2d, SumPool2d, WindowTap or Reshape op (FHEQ_CHECK-fails on Add or Tlu).
LinearMap linear_map_of(const quant::IntegerGraph& graph, const quant::IntOp& op);

// Applies the map to one sample's clear integers (wrapping int64 arithmetic, as on the torus).
std::vector<int64_t> apply_linear_map(const LinearMap& map, const std::vector<int64_t>& input);

}  // namespace fheq::runtime
