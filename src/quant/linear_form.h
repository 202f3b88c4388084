// A LinearForm: every linear integer op (Dense, Conv2d, SumPool2d, WindowTap, Add, Reshape, IndexMap,
// ReduceSum, ...) written as rows of (input index, integer weight) plus a clear constant:
//   out[o] = constant[o] + Σ_{j ∈ [row_start[o], row_start[o+1])} weight[j] · in[index[j]],
// where `in` is the concatenation of the op's inputs in the order op_inputs() lists them (per sample).
// Padding taps read a clear pad value, so they fold into the constant; zero weights are dropped.
// The noise analysis, the encrypted executor and the fast clear executor's generic path all read rows from
// it, so a new linear op only has to say which rows it has (tests/quant/linear_form_test.cc checks every op's
// rows against its reference run).
#pragma once

#include <cstdint>
#include <vector>

namespace fheq::quant {

struct LinearForm {
  int64_t input_count = 0;   // elements of all inputs together, per sample
  int64_t output_count = 0;  // elements of the output, per sample
  std::vector<int64_t> row_start;  // output_count + 1
  std::vector<int32_t> index;      // input element read
  std::vector<int64_t> weight;     // its clear weight (never 0)
  std::vector<int64_t> constant;   // output_count clear constants (bias, padding)

  int64_t terms() const { return static_cast<int64_t>(index.size()); }
  // The squared 2-norm of row o's weights (noise growth of that output: TFHE JoC 2020 §3.1).
  int64_t row_norm2_squared(int64_t o) const;
};

// Builds a form one row at a time: term(...)* then end_row(constant), output_count times.
class LinearFormBuilder {
 public:
  LinearFormBuilder(int64_t input_count, int64_t output_count);
  void term(int64_t input, int64_t weight);
  void end_row(int64_t constant);
  LinearForm finish();

 private:
  LinearForm form_;
};

// Applies the form to one sample's clear integers (the inputs concatenated; wrapping int64 arithmetic, as on
// the torus).
void apply_linear_form(const LinearForm& form, const int64_t* input, int64_t* output);
std::vector<int64_t> apply_linear_form(const LinearForm& form, const std::vector<int64_t>& input);

}  // namespace fheq::quant
