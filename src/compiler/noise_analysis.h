// Noise propagation through the linear part of a circuit (docs/COMPILER.md §4).
//
// Every encrypted element carries an error e (torus fraction) that linear ops with clear integer weights
// combine: Σ w_i·e_i has variance Σ w_i²·Var(e_i) when the e_i are independent (distinct PBS outputs or
// distinct fresh encryptions: true for Dense, Conv2d, SumPool2d and WindowTap reading distinct elements).
// Add may combine two tensors that share sources (a + relu(b − a) in MaxPool, residual blocks), so it uses
// the bound that holds for any correlation (Minkowski): σ_y ≤ σ_lhs + σ_rhs. Padding reads trivial
// (noiseless) ciphertexts. Sources: the input value (fresh encryptions) and every TLU output (PBS outputs).
#pragma once

#include <vector>

#include "quant/integer_graph.h"

namespace fheq::compiler {

struct SourceVariances {
  double input = 1.0;       // fresh encryption of an input code
  double pbs_output = 1.0;  // output of one PBS
};

// result[v][e]: variance of element e (per sample) of value v after the linear ops, before any
// keyswitch / modulus switch. Values no op computes (unreachable) are empty.
std::vector<std::vector<double>> propagate_variances(const quant::IntegerGraph& graph, const SourceVariances& sources);

}  // namespace fheq::compiler
