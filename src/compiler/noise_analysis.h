// Noise propagation through the linear part of a circuit (docs/COMPILER.md §4).
//
// Every encrypted element carries an error e (torus fraction) that linear ops with clear integer weights
// combine. Sources: the input value (fresh encryptions) and every TLU output (PBS outputs); their elements'
// errors are independent. Rules, exact or an upper bound for any correlation:
//   - Dense / Conv2d / SumPool2d reading a tensor whose elements are independent: Var = Σ w²·Var_i (exact);
//     reading a tensor whose elements may share sources (e.g. a Conv output): σ ≤ Σ |w|·σ_i (Minkowski);
//   - Add: σ ≤ σ_lhs + σ_rhs (both sides may share sources: MaxPool's a + relu(b − a), residual blocks);
//   - WindowTap, Reshape: copies; padding reads trivial (noiseless) ciphertexts.
// Element independence is tracked per value: sources are independent; Dense/Conv outputs are not; SumPool keeps
// it with non-overlapping windows; WindowTap/Reshape keep it; Add keeps it when both sides have it — which
// assumes, as in the pooling patterns PTQ emits, that lhs[e] and rhs[e'] (e ≠ e') share no source.
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
