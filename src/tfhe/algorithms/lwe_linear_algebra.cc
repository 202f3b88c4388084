#include "tfhe/algorithms/lwe_linear_algebra.h"

#include <algorithm>

#include "core/check.h"

namespace fheq::tfhe {
namespace {

void require_same_dimension(const char* what, const LweCiphertext& a, const LweCiphertext& b) {
  FHEQ_REQUIRE(a.data.size() == b.data.size(), what, ": LWE dimensions differ (", a.data.size() - 1, " vs ",
               b.data.size() - 1, ")");
}

}  // namespace

void linear_combination_lwe(const LweCiphertext* const* inputs, const int64_t* weights, size_t count,
                            Torus constant, LweCiphertext& out) {
  FHEQ_REQUIRE(count > 0, "linear_combination_lwe: no inputs");
  const LweDimension dimension = inputs[0]->dimension;
  if (out.data.size() != dimension.value + 1) out = LweCiphertext(dimension);
  out.dimension = dimension;
  std::fill(out.data.begin(), out.data.end(), 0);
  const size_t size = dimension.value + 1;
  Torus* acc = out.data.data();
  for (size_t i = 0; i < count; ++i) {
    require_same_dimension("linear_combination_lwe", *inputs[i], out);
    if (weights[i] == 0) continue;
    const Torus w = static_cast<Torus>(weights[i]);  // two's complement: wrapping product is exact mod 2^64
    const Torus* in = inputs[i]->data.data();
    for (size_t t = 0; t < size; ++t) acc[t] += w * in[t];
  }
  out.body() += constant;
}

LweCiphertext linear_combination_lwe(const std::vector<const LweCiphertext*>& inputs,
                                     const std::vector<int64_t>& weights, Torus constant) {
  FHEQ_REQUIRE(inputs.size() == weights.size(), "linear_combination_lwe: ", inputs.size(), " inputs but ",
               weights.size(), " weights");
  LweCiphertext out;
  linear_combination_lwe(inputs.data(), weights.data(), inputs.size(), constant, out);
  return out;
}

void add_lwe_assign(LweCiphertext& lhs, const LweCiphertext& rhs) {
  require_same_dimension("add_lwe_assign", lhs, rhs);
  for (size_t t = 0; t < lhs.data.size(); ++t) lhs.data[t] += rhs.data[t];
}

void sub_lwe_assign(LweCiphertext& lhs, const LweCiphertext& rhs) {
  require_same_dimension("sub_lwe_assign", lhs, rhs);
  for (size_t t = 0; t < lhs.data.size(); ++t) lhs.data[t] -= rhs.data[t];
}

void scale_lwe_assign(LweCiphertext& ciphertext, int64_t weight) {
  const Torus w = static_cast<Torus>(weight);
  for (Torus& x : ciphertext.data) x *= w;
}

void add_plaintext_lwe_assign(LweCiphertext& ciphertext, Torus plaintext) { ciphertext.body() += plaintext; }

}  // namespace fheq::tfhe
